import { Injectable } from '@nestjs/common';
import { generateApiKey, hashApiKey } from '../../common/crypto/tokens.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, type Page, toPage } from '../../common/pagination/pagination.js';
import type { CreatedEndpointApiKeyResponseDto, EndpointApiKeyResponseDto } from './dto/endpoint-api-key.dto.js';
import type { EndpointApiKeyEntity } from './endpoint-api-key.entity.js';
import { EndpointApiKeysRepository } from './endpoint-api-keys.repository.js';
import { EndpointChangeEvents } from './endpoint-change.events.js';
import { EndpointConfigRepository } from './endpoint-config.repository.js';
import { EndpointApiKeyNotFoundError, EndpointNotFoundError } from './endpoint-config.errors.js';

const KEY_PREFIX = 'hf_ep';
/** Generated keys are ~50 characters; anything far longer is not one of ours and is not worth hashing. */
const MAX_PRESENTED_KEY_LENGTH = 256;

/** Keys for an endpoint's URL (`X-Webhook-Key`), used when its `authMethod` is `apiKey`. */
@Injectable()
export class EndpointApiKeysService {
  constructor(
    private readonly keys: EndpointApiKeysRepository,
    private readonly endpoints: EndpointConfigRepository,
    private readonly events: EndpointChangeEvents,
  ) {}

  async create(endpointId: string, name: string): Promise<CreatedEndpointApiKeyResponseDto> {
    const urlToken = await this.requireEndpoint(endpointId);
    const key = generateApiKey(KEY_PREFIX);
    const saved = await this.keys.insert({ endpointId, name, keyHash: hashApiKey(key), keyPreview: preview(key) });
    this.changed(endpointId, urlToken);
    return { ...toResponse(saved), key };
  }

  async list(endpointId: string, limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<Page<EndpointApiKeyResponseDto>> {
    const after = decodeCursor(cursor);
    await this.requireEndpoint(endpointId);
    return toPage(await this.keys.page(endpointId, after, limit + 1), limit, toResponse);
  }

  async delete(endpointId: string, keyId: string): Promise<void> {
    const urlToken = await this.requireEndpoint(endpointId);
    if (!(await this.keys.delete(endpointId, keyId))) throw new EndpointApiKeyNotFoundError(endpointId, keyId);
    this.changed(endpointId, urlToken);
  }

  async verify(endpointId: string, presented: string): Promise<boolean> {
    if (presented.length === 0 || presented.length > MAX_PRESENTED_KEY_LENGTH) return false;
    return this.keys.exists(endpointId, hashApiKey(presented));
  }

  private async requireEndpoint(endpointId: string): Promise<string> {
    const urlToken = await this.endpoints.findUrlToken(endpointId);
    if (urlToken === null) throw new EndpointNotFoundError(endpointId);
    return urlToken;
  }

  private changed(endpointId: string, urlToken: string): void {
    this.events.emit({ kind: 'api-keys-changed', endpointId, oldUrlToken: urlToken, newUrlToken: urlToken });
  }
}

/**
 * Prefix and last four characters. The random part is base64url and may itself contain '_', so the preview cuts
 * at the known prefix rather than at the last '_' (which could reveal most of the key).
 */
function preview(key: string): string {
  return `${KEY_PREFIX}_…${key.slice(-4)}`;
}

function toResponse(entity: EndpointApiKeyEntity): EndpointApiKeyResponseDto {
  return {
    id: entity.id,
    endpointId: entity.endpointId,
    name: entity.name,
    keyPreview: entity.keyPreview,
    createdAt: entity.createdAt.toISOString(),
  };
}
