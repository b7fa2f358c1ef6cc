/** The validated, read-only configuration every module receives through DI (token `APP_CONFIG`). */
export interface AppConfig {
  readonly port: number;
  readonly host: string;
  /** Unset: the embedded PostgreSQL (PGlite) in `dataDir`. */
  readonly databaseUrl: string | null;
  readonly dataDir: string;
  /** Bootstrap admin key; null means "generate one on first start". */
  readonly adminApiKey: string | null;
  /** 32-byte AES key; null only in embedded mode, where the database layer generates one into `dataDir`. */
  readonly encryptionKey: Buffer | null;
  readonly publicUrl: string;
  readonly webhookAllowedHosts: readonly string[];
  readonly bodyLimitBytes: number;
  readonly logLevel: LogLevel;
  /** Size of the pg connection pool. */
  readonly databasePoolSize: number;
  /**
   * On PostgreSQL, prepare the pipeline's durable statements once per connection (see Sql). Off for a connection
   * pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
   */
  readonly databasePreparedStatements: boolean;
  /** Size of the transformer/code-node worker pool. */
  readonly sandboxWorkers: number;
  /**
   * How long a claimed session or delivery stays owned by this instance without renewal. After a crash, other
   * instances take the work over once it expires.
   */
  readonly leaseMs: number;
  /** How often each instance looks for work whose owner died or whose retry is due. */
  readonly sweepIntervalMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const APP_CONFIG = Symbol('APP_CONFIG');
