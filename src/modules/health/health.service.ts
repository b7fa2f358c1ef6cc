import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: { database: 'ok' | 'down'; migrations: 'ok' | 'pending' | 'unknown'; shuttingDown: boolean };
}

const READY_CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private shuttingDown = false;
  private migrationsApplied = false;

  constructor(private readonly dataSource: DataSource) {}

  /** Load balancers stop routing here as soon as shutdown starts. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  /** Once every migration is applied it stays so for this process (they only run at start-up). */
  private async migrationState(): Promise<ReadinessReport['checks']['migrations']> {
    if (this.migrationsApplied) return 'ok';
    const pending = await withTimeout(this.dataSource.showMigrations(), READY_CHECK_TIMEOUT_MS).catch(() => null);
    if (pending === null) return 'unknown';
    this.migrationsApplied = !pending;
    return pending ? 'pending' : 'ok';
  }

  async readiness(): Promise<ReadinessReport> {
    // A partitioned database answers nothing at all; readiness must still answer, red, within the probe's timeout.
    const database = await withTimeout(this.dataSource.query('SELECT 1'), READY_CHECK_TIMEOUT_MS).then(
      () => 'ok' as const,
      () => 'down' as const,
    );
    const migrations = database === 'ok' ? await this.migrationState() : 'unknown';
    const ready = database === 'ok' && migrations === 'ok' && !this.shuttingDown;
    return { status: ready ? 'ok' : 'unavailable', checks: { database, migrations, shuttingDown: this.shuttingDown } };
  }
}
