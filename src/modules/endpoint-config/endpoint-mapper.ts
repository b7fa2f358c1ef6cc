import type { SecretBox } from '../../common/crypto/secret-box.js';
import type { EndpointResponseDto } from './dto/endpoint-response.dto.js';
import type { EndpointEntity } from './endpoint-config.entity.js';
import type { EndpointRuntimeRow } from './endpoint-config.repository.js';
import type { EndpointRuntimeConfig } from './endpoint-runtime-config.js';
import {
  DEFAULT_DATA_PROTECTION,
  DEFAULT_DELIVERY,
  DEFAULT_RATE_LIMIT,
  DEFAULT_TRANSFORMER,
  effectiveRateLimit,
  withDefaults,
} from './endpoint-settings.js';
import { storedTransformerJs } from './transformer-code.js';

/** The API view: secrets reduced to `basicAuthPasswordSet`; the signing secret is added only where it may be. */
export function toEndpointResponse(entity: EndpointEntity, publicUrl: string): EndpointResponseDto {
  return {
    id: entity.id,
    name: entity.name,
    flowId: entity.flowId,
    active: entity.active,
    URLToken: entity.urlToken,
    endpointUrl: `${publicUrl}/endpoint/${entity.urlToken}`,
    webhookUrl: entity.webhookUrl,
    basicAuthUser: entity.basicAuthUser,
    basicAuthPasswordSet: entity.basicAuthPasswordEnc !== null,
    authMethod: entity.authMethod,
    nluConnector: entity.nluConnector,
    dataProtection: withDefaults(DEFAULT_DATA_PROTECTION, entity.dataProtection),
    transformer: withDefaults(DEFAULT_TRANSFORMER, entity.transformer),
    delivery: withDefaults(DEFAULT_DELIVERY, entity.delivery),
    rateLimit: withDefaults(DEFAULT_RATE_LIMIT, entity.rateLimit),
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

/** The pipeline view: secrets decrypted, defaults filled, the rate limit resolved. */
export function toRuntimeConfig(row: EndpointRuntimeRow, box: SecretBox): EndpointRuntimeConfig {
  const transformer = withDefaults(DEFAULT_TRANSFORMER, row.transformer);
  return {
    id: row.id,
    name: row.name,
    flowId: row.flowId,
    active: row.active,
    urlToken: row.urlToken,
    webhookUrl: row.webhookUrl,
    basicAuth:
      row.basicAuthUser === null
        ? null
        : { user: row.basicAuthUser, password: row.basicAuthPasswordEnc ? box.open(row.basicAuthPasswordEnc) : '' },
    signingSecret: box.open(row.signingSecretEnc),
    authMethod: row.authMethod,
    nluConnector: row.nluConnector,
    dataProtection: withDefaults(DEFAULT_DATA_PROTECTION, row.dataProtection),
    transformer,
    transformerJs: storedTransformerJs(transformer.code, row.transformerJs),
    delivery: withDefaults(DEFAULT_DELIVERY, row.delivery),
    rateLimit: effectiveRateLimit(withDefaults(DEFAULT_RATE_LIMIT, row.rateLimit)),
    updatedAt: row.updatedAt,
  };
}
