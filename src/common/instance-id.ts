import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Names this app instance as the owner of the leases it takes. Unique per app, not per process, so tests can
 * run two instances in one process.
 */
export class InstanceId {
  readonly value = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}
