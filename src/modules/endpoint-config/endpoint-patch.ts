import type { SecretBox } from '../../common/crypto/secret-box.js';
import { applyMergePatch } from '../flow/json-merge-patch.util.js';
import type { CreateEndpointDto, UpdateEndpointDto } from './dto/endpoint.dto.js';
import type { EndpointEntity } from './endpoint-config.entity.js';
import type { EndpointRow } from './endpoint-config.repository.js';
import {
  DEFAULT_DATA_PROTECTION,
  DEFAULT_DELIVERY,
  DEFAULT_RATE_LIMIT,
  DEFAULT_TRANSFORMER,
  withDefaults,
} from './endpoint-settings.js';
import { compileTransformerCode } from './transformer-code.js';

/** A new endpoint's columns from a validated create body: defaults filled in, the password sealed. */
export function newEndpointSettings(
  dto: CreateEndpointDto,
  box: SecretBox,
): Omit<EndpointRow, 'urlToken' | 'signingSecretEnc' | 'transformerJs'> {
  return {
    name: dto.name,
    flowId: dto.flowId,
    active: dto.active ?? true,
    webhookUrl: dto.webhookUrl,
    basicAuthUser: dto.basicAuthUser ?? null,
    basicAuthPasswordEnc: dto.basicAuthPassword ? box.seal(dto.basicAuthPassword) : null,
    authMethod: dto.authMethod ?? 'none',
    nluConnector: dto.nluConnector ?? 'builtin',
    dataProtection: withDefaults(DEFAULT_DATA_PROTECTION, dto.dataProtection),
    transformer: withDefaults(DEFAULT_TRANSFORMER, dto.transformer),
    delivery: withDefaults(DEFAULT_DELIVERY, dto.delivery),
    rateLimit: withDefaults(DEFAULT_RATE_LIMIT, dto.rateLimit),
  };
}

/**
 * The compiled module a patch leads to: undefined when the patch leaves the code alone, null when it clears it.
 * Compiled before the write (the code is in the patch itself), so a syntax error changes nothing.
 */
export function patchedTransformerJs(patch: UpdateEndpointDto): string | null | undefined {
  if (patch.transformer === undefined) return undefined;
  if (patch.transformer === null || patch.transformer.code === null) return null;
  const code = patch.transformer.code;
  return code === undefined ? undefined : compileTransformerCode(code);
}

/**
 * The columns a validated merge patch changes. Absent keys keep their value; `null` resets a key to its default
 * (clears the basic-auth credentials); groups merge key by key and arrays replace.
 */
export function mergeEndpointPatch(
  current: EndpointEntity,
  patch: UpdateEndpointDto,
  box: SecretBox,
): Partial<EndpointRow> {
  const changes: Partial<EndpointRow> = {};
  if (patch.name !== undefined) changes.name = patch.name;
  if (patch.flowId !== undefined) changes.flowId = patch.flowId;
  if (patch.webhookUrl !== undefined) changes.webhookUrl = patch.webhookUrl;
  if (patch.active !== undefined) changes.active = patch.active ?? true;
  if (patch.authMethod !== undefined) changes.authMethod = patch.authMethod ?? 'none';
  if (patch.nluConnector !== undefined) changes.nluConnector = patch.nluConnector ?? 'builtin';
  if (patch.basicAuthUser !== undefined) changes.basicAuthUser = patch.basicAuthUser;
  if (patch.basicAuthPassword !== undefined) {
    changes.basicAuthPasswordEnc = patch.basicAuthPassword ? box.seal(patch.basicAuthPassword) : null;
  }
  if (patch.dataProtection !== undefined) {
    changes.dataProtection = mergeGroup(DEFAULT_DATA_PROTECTION, current.dataProtection, patch.dataProtection);
  }
  if (patch.transformer !== undefined) {
    changes.transformer = mergeGroup(DEFAULT_TRANSFORMER, current.transformer, patch.transformer);
  }
  if (patch.delivery !== undefined) changes.delivery = mergeGroup(DEFAULT_DELIVERY, current.delivery, patch.delivery);
  if (patch.rateLimit !== undefined)
    changes.rateLimit = mergeGroup(DEFAULT_RATE_LIMIT, current.rateLimit, patch.rateLimit);
  return changes;
}

/** A group patch of `null` resets the whole group; a key of `null` resets that key. */
function mergeGroup<T extends object>(defaults: Readonly<T>, stored: unknown, patch: object | null): T {
  return withDefaults(defaults, applyMergePatch(withDefaults(defaults, stored), patch));
}
