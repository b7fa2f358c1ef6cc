import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { generateApiKey, hashApiKey, previewApiKey } from '../../common/crypto/tokens.js';
import { DEFAULT_PAGE_SIZE, decodeCursor, type Page, toPage } from '../../common/pagination/pagination.js';
import type { ApiKeyEntity } from './api-key.entity.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeyNotFoundError } from './auth.errors.js';
import type { ApiKeyResponseDto, CreatedApiKeyResponseDto } from './dto/api-key.dto.js';

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly repository: ApiKeysRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** ADMIN_API_KEY is registered if new; with none configured, the first start generates and prints one. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.config.adminApiKey) {
      await this.repository.insertBootstrapKey(this.describe('ADMIN_API_KEY', this.config.adminApiKey), 'whenMissing');
      return;
    }
    const key = generateApiKey('hf_admin');
    if (await this.repository.insertBootstrapKey(this.describe('generated at first start', key), 'whenEmpty')) {
      // Printed once to stdout (not the log stream): the only time this key exists in plaintext.
      process.stdout.write(
        `\n  hookflow generated an admin API key (shown only now; store it):\n\n    ${key}\n\n` +
          `  Use it as "Authorization: Bearer <key>". Set ADMIN_API_KEY to choose your own.\n\n`,
      );
      this.logger.log('generated the first admin API key (printed above, stored hashed)');
    }
  }

  async create(name: string): Promise<CreatedApiKeyResponseDto> {
    const key = generateApiKey('hf_admin');
    const saved = await this.repository.insert(this.describe(name, key));
    return { ...toResponse(saved), key };
  }

  async list(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<Page<ApiKeyResponseDto>> {
    const rows = await this.repository.page(decodeCursor(cursor), limit + 1);
    return toPage(rows, limit, toResponse);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.repository.delete(id))) throw new ApiKeyNotFoundError(id);
  }

  /** Returns the key's id when the presented key is registered. */
  async verify(presented: string): Promise<string | null> {
    const found = await this.repository.findByHash(hashApiKey(presented));
    return found?.id ?? null;
  }

  private describe(name: string, key: string): Pick<ApiKeyEntity, 'name' | 'keyHash' | 'keyPreview'> {
    return { name, keyHash: hashApiKey(key), keyPreview: previewApiKey(key) };
  }
}

function toResponse(entity: ApiKeyEntity): ApiKeyResponseDto {
  return { id: entity.id, name: entity.name, keyPreview: entity.keyPreview, createdAt: entity.createdAt.toISOString() };
}
