/** Messages between the main thread and the embedded database's thread. Everything here is structured-cloned. */
import type { PgdataOrigin } from './pgdata-template.js';

export interface DatabaseWorkerData {
  pgdata: string;
  maxConnections: number;
}

export type ToDatabaseWorker = { type: 'stop' };

export type FromDatabaseWorker =
  | { type: 'ready'; address: string; origin: PgdataOrigin }
  /** Starting or stopping failed; the thread serves nothing after it. */
  | { type: 'failed'; message: string }
  | { type: 'stopped' };

export function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
