import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { SecretBox } from '../../common/crypto/secret-box.js';
import { generateUrlToken } from '../../common/crypto/tokens.js';
import { ValidationFailedError } from '../../common/errors/common.errors.js';
import type { FieldError } from '../../common/errors/domain-error.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, toPage } from '../../common/pagination/pagination.js';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { type AllowList, assertWebhookUrlAllowed, parseAllowList } from '../delivery/http/ssrf-policy.js';
import { isSsrfError } from '../delivery/http/ssrf.errors.js';
import { generateSigningSecret } from '../delivery/signer.js';
import { FlowService } from '../flow/flow.service.js';
import { FlowUsageRegistry } from '../flow/flow-usage.registry.js';
import type { CreateEndpointDto, UpdateEndpointDto } from './dto/endpoint.dto.js';
import type {
  EndpointPageDto,
  EndpointResponseDto,
  EndpointWithSecretResponseDto,
} from './dto/endpoint-response.dto.js';
import { EndpointApiKeysService } from './endpoint-api-keys.service.js';
import { type EndpointChangeKind, EndpointChangeEvents } from './endpoint-change.events.js';
import type { EndpointEntity } from './endpoint-config.entity.js';
import { EndpointNotFoundError } from './endpoint-config.errors.js';
import { EndpointConfigRepository, type EndpointRow, isMissingFlowError } from './endpoint-config.repository.js';
import { toEndpointResponse, toRuntimeConfig } from './endpoint-mapper.js';
import { mergeEndpointPatch, newEndpointSettings, patchedTransformerJs } from './endpoint-patch.js';
import type { EndpointRuntimeConfig } from './endpoint-runtime-config.js';
import { compileTransformerCode } from './transformer-code.js';

const URL_TOKEN_PATTERN = /^[0-9a-f]{64}$/;
const NO_SUCH_FLOW: FieldError = { field: 'flowId', message: 'no flow with this id' };

@Injectable()
export class EndpointConfigService implements OnModuleInit {
  private readonly allowList: AllowList;

  constructor(
    private readonly repository: EndpointConfigRepository,
    private readonly apiKeys: EndpointApiKeysService,
    private readonly flows: FlowService,
    private readonly flowUsage: FlowUsageRegistry,
    private readonly events: EndpointChangeEvents,
    private readonly box: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.allowList = parseAllowList(config.webhookAllowedHosts);
  }

  onModuleInit(): void {
    this.flowUsage.register(async (flowId) =>
      (await this.repository.findByFlow(flowId)).map((endpoint) => ({ kind: 'endpoint' as const, ...endpoint })),
    );
  }

  async create(dto: CreateEndpointDto): Promise<EndpointWithSecretResponseDto> {
    await this.checkReferences(dto.flowId, dto.webhookUrl);
    const settings = newEndpointSettings(dto, this.box);
    const transformerJs = compileTransformerCode(settings.transformer.code);
    const signingSecret = generateSigningSecret();
    const row: EndpointRow = {
      ...settings,
      transformerJs,
      urlToken: generateUrlToken(),
      signingSecretEnc: this.box.seal(signingSecret),
    };
    const saved = await this.repository.insert(row).catch((error: unknown) => this.rethrowMissingFlow(error));
    return { ...this.toResponse(saved), signingSecret };
  }

  async list(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<EndpointPageDto> {
    const rows = await this.repository.page(decodeCursor(cursor), limit + 1);
    return toPage(rows, limit, (row) => this.toResponse(row));
  }

  async get(id: string): Promise<EndpointResponseDto> {
    return this.toResponse(await this.require(id));
  }

  /** JSON merge patch; the flow and the webhook URL are checked only when the patch changes them. */
  async patch(id: string, patch: UpdateEndpointDto): Promise<EndpointResponseDto> {
    await this.checkReferences(patch.flowId, patch.webhookUrl);
    const transformerJs = patchedTransformerJs(patch);
    const result = await this.repository
      .updateLocked(id, (current) => ({
        ...mergeEndpointPatch(current, patch, this.box),
        ...(transformerJs === undefined ? {} : { transformerJs }),
      }))
      .catch((error: unknown) => this.rethrowMissingFlow(error));
    return this.toResponse(this.afterChange(id, 'updated', result));
  }

  /** A new URL token; the old endpoint URL stops working at once. */
  async rotateToken(id: string): Promise<EndpointResponseDto> {
    const result = await this.repository.updateLocked(id, () => ({ urlToken: generateUrlToken() }));
    return this.toResponse(this.afterChange(id, 'token-rotated', result));
  }

  /** A new signing secret, returned only here; deliveries sign with it from now on. */
  async rotateSecret(id: string): Promise<EndpointWithSecretResponseDto> {
    const signingSecret = generateSigningSecret();
    const result = await this.repository.updateLocked(id, () => ({ signingSecretEnc: this.box.seal(signingSecret) }));
    return { ...this.toResponse(this.afterChange(id, 'secret-rotated', result)), signingSecret };
  }

  /** Deletes the endpoint with everything stored for it (messages, sessions, outbox, keys). */
  async delete(id: string): Promise<void> {
    const urlToken = await this.repository.delete(id);
    if (urlToken === null) throw new EndpointNotFoundError(id);
    this.events.emit({ kind: 'deleted', endpointId: id, oldUrlToken: urlToken, newUrlToken: null });
  }

  /** For ingestion: the endpoint behind an endpoint URL, decrypted; null for an unknown (or malformed) token. */
  async findByUrlToken(urlToken: string): Promise<EndpointRuntimeConfig | null> {
    if (!URL_TOKEN_PATTERN.test(urlToken)) return null;
    const row = await this.repository.findRuntimeByToken(urlToken);
    return row && toRuntimeConfig(row, this.box);
  }

  /** For delivery and the admin inject/notify routes. */
  async findRuntimeById(id: string): Promise<EndpointRuntimeConfig | null> {
    const row = await this.repository.findRuntimeById(id);
    return row && toRuntimeConfig(row, this.box);
  }

  /** Whether `presentedKey` (the `X-Webhook-Key` header) is one of this endpoint's keys. */
  verifyEndpointApiKey(endpointId: string, presentedKey: string): Promise<boolean> {
    return this.apiKeys.verify(endpointId, presentedKey);
  }

  /** Both checks run, so a request with a bad flow and a refused URL hears about both. */
  private async checkReferences(flowId: string | undefined, webhookUrl: string | undefined): Promise<void> {
    const [flowError, urlError] = await Promise.all([
      flowId === undefined ? null : this.checkFlow(flowId),
      webhookUrl === undefined ? null : this.checkWebhookUrl(webhookUrl),
    ]);
    const errors = [flowError, urlError].filter((error): error is FieldError => error !== null);
    if (errors.length > 0) throw new ValidationFailedError(errors);
  }

  private async checkFlow(flowId: string): Promise<FieldError | null> {
    return (await this.flows.exists(flowId)) ? null : NO_SUCH_FLOW;
  }

  private async checkWebhookUrl(url: string): Promise<FieldError | null> {
    try {
      await assertWebhookUrlAllowed(url, { allowList: this.allowList });
      return null;
    } catch (error) {
      if (isSsrfError(error)) return { field: 'webhookUrl', message: error.reason };
      throw error;
    }
  }

  private rethrowMissingFlow(error: unknown): never {
    // The flow was deleted between our check and the write; the foreign key caught it.
    if (isMissingFlowError(error)) throw new ValidationFailedError([NO_SUCH_FLOW]);
    throw error;
  }

  private afterChange(
    id: string,
    kind: EndpointChangeKind,
    result: { before: EndpointEntity; after: EndpointEntity } | null,
  ): EndpointEntity {
    if (!result) throw new EndpointNotFoundError(id);
    this.events.emit({ kind, endpointId: id, oldUrlToken: result.before.urlToken, newUrlToken: result.after.urlToken });
    return result.after;
  }

  private async require(id: string): Promise<EndpointEntity> {
    const entity = await this.repository.findById(id);
    if (!entity) throw new EndpointNotFoundError(id);
    return entity;
  }

  private toResponse(entity: EndpointEntity): EndpointResponseDto {
    return toEndpointResponse(entity, this.config.publicUrl);
  }
}
