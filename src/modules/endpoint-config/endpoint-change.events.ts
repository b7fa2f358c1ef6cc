import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';

export type EndpointChangeKind = 'updated' | 'token-rotated' | 'secret-rotated' | 'api-keys-changed' | 'deleted';

/**
 * One endpoint changed. Caches keyed by URL token drop `oldUrlToken` (and `newUrlToken`); caches keyed by id drop
 * `endpointId`. `newUrlToken` is null after a delete.
 */
export interface EndpointChange {
  kind: EndpointChangeKind;
  endpointId: string;
  oldUrlToken: string;
  newUrlToken: string | null;
}

/**
 * In-process notifications, emitted after the change is committed. Other instances do not hear them: a cache
 * shared across instances must also expire on its own (a short TTL).
 */
@Injectable()
export class EndpointChangeEvents implements OnModuleDestroy {
  private readonly subject = new Subject<EndpointChange>();

  readonly changes$: Observable<EndpointChange> = this.subject.asObservable();

  emit(change: EndpointChange): void {
    this.subject.next(change);
  }

  onModuleDestroy(): void {
    this.subject.complete();
  }
}
