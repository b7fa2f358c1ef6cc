import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { TtlCache } from '../../common/concurrency/ttl-cache.js';
import { hashApiKey } from '../../common/crypto/tokens.js';
import { EndpointChangeEvents } from './endpoint-change.events.js';
import { EndpointConfigService } from './endpoint-config.service.js';
import { EndpointNotFoundError } from './endpoint-config.errors.js';
import type { EndpointRuntimeConfig } from './endpoint-runtime-config.js';

/**
 * Cross-instance staleness bound: a change made on another instance (rotated token, deactivation) is seen
 * here within this long. Changes made on this instance apply at once through EndpointChangeEvents.
 */
const TTL_MS = 1_000;

/** The hot-path view of endpoints: by URL token (ingestion) and by id (executor, delivery), cached. */
@Injectable()
export class EndpointDirectory implements OnModuleDestroy {
  private readonly byTokenCache = new TtlCache<string, EndpointRuntimeConfig | null>(TTL_MS);
  private readonly byIdCache = new TtlCache<string, EndpointRuntimeConfig | null>(TTL_MS);
  private readonly keyCache = new TtlCache<string, boolean>(TTL_MS);
  private readonly subscription: Subscription;

  constructor(
    private readonly config: EndpointConfigService,
    changes: EndpointChangeEvents,
  ) {
    this.subscription = changes.changes$.subscribe((change) => {
      this.byIdCache.delete(change.endpointId);
      this.byTokenCache.delete(change.oldUrlToken);
      if (change.newUrlToken) this.byTokenCache.delete(change.newUrlToken);
      // Key verdicts are keyed by endpoint and key hash; a revoked key must stop working now.
      if (change.kind === 'api-keys-changed' || change.kind === 'deleted') this.keyCache.clear();
    });
  }

  byToken(urlToken: string): Promise<EndpointRuntimeConfig | null> {
    return this.byTokenCache.get(urlToken, (token) => this.config.findByUrlToken(token));
  }

  byId(endpointId: string): Promise<EndpointRuntimeConfig | null> {
    return this.byIdCache.get(endpointId, (id) => this.config.findRuntimeById(id));
  }

  async requireExisting(endpointId: string): Promise<EndpointRuntimeConfig> {
    const endpoint = await this.byId(endpointId);
    if (!endpoint) throw new EndpointNotFoundError(endpointId);
    return endpoint;
  }

  verifyApiKey(endpointId: string, presentedKey: string): Promise<boolean> {
    return this.keyCache.get(`${endpointId}:${hashApiKey(presentedKey)}`, () =>
      this.config.verifyEndpointApiKey(endpointId, presentedKey),
    );
  }

  onModuleDestroy(): void {
    this.subscription.unsubscribe();
  }
}
