import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { type AppConfig } from './app-config.js';
import { parseAllowList } from '../modules/delivery/http/ssrf-policy.js';
import { EnvSchema } from './env.schema.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment once. Error messages name the variable and the rule it broke,
 * never its value (values may be secrets).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // An empty variable counts as unset (a common way to "unset" in compose files and CI).
  const raw = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const schema = plainToInstance(EnvSchema, raw);
  const problems = validateSync(schema, { forbidUnknownValues: false }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) => `${error.property}: ${stripValue(message)}`),
  );
  const encryptionKey = schema.ENCRYPTION_KEY === undefined ? null : parseEncryptionKey(schema.ENCRYPTION_KEY);
  if (encryptionKey === undefined) {
    problems.push('ENCRYPTION_KEY: must be 32 bytes, given as 64 hex characters or 44 base64 characters');
  }
  if (schema.DATABASE_URL && encryptionKey === null) {
    problems.push('ENCRYPTION_KEY: is required when DATABASE_URL is set');
  }
  try {
    parseAllowList(splitList(schema.WEBHOOK_ALLOWED_HOSTS));
  } catch (error) {
    problems.push(
      `WEBHOOK_ALLOWED_HOSTS: ${error instanceof Error ? error.message : 'is not a list of hosts, IPs or CIDRs'}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = schema.PORT ?? 3000;
  return Object.freeze({
    port,
    host: schema.HOST ?? '0.0.0.0',
    databaseUrl: schema.DATABASE_URL ?? null,
    dataDir: schema.DATA_DIR ?? './data',
    adminApiKey: schema.ADMIN_API_KEY ?? null,
    encryptionKey: encryptionKey ?? null,
    publicUrl: (schema.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    webhookAllowedHosts: Object.freeze(splitList(schema.WEBHOOK_ALLOWED_HOSTS)),
    bodyLimitBytes: schema.BODY_LIMIT_BYTES ?? 1_048_576,
    logLevel: schema.LOG_LEVEL ?? 'info',
    databasePoolSize: schema.DATABASE_POOL_SIZE ?? 10,
    databasePreparedStatements: schema.DATABASE_PREPARED_STATEMENTS !== 'false',
    sandboxWorkers: schema.SANDBOX_WORKERS ?? 2,
    leaseMs: schema.PIPELINE_LEASE_MS ?? 15_000,
    sweepIntervalMs: schema.PIPELINE_SWEEP_INTERVAL_MS ?? 1_000,
  });
}

/** Returns the 32-byte key, or undefined when the text is neither 64 hex chars nor base64 of 32 bytes. */
export function parseEncryptionKey(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === 32) return key;
  }
  return undefined;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** class-validator's default messages start with the property name; keep only the rule. */
function stripValue(message: string): string {
  return message.replace(/^[A-Z_]+ /, '');
}
