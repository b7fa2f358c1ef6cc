import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface ReadinessReport {
  status: 'ok' | 'unavailable';
  checks: { database: 'ok' | 'down'; migrations: 'ok' | 'pending' | 'unknown'; shuttingDown: boolean };
}

@Injectable()
export class HealthService implements BeforeApplicationShutdown {
  private shuttingDown = false;

  constructor(private readonly dataSource: DataSource) {}

  /** Load balancers stop routing here as soon as shutdown starts. */
  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<ReadinessReport> {
    const database = await this.dataSource.query('SELECT 1').then(
      () => 'ok' as const,
      () => 'down' as const,
    );
    const migrations =
      database === 'ok'
        ? await this.dataSource.showMigrations().then(
            (pending) => (pending ? ('pending' as const) : ('ok' as const)),
            () => 'unknown' as const,
          )
        : 'unknown';
    const ready = database === 'ok' && migrations === 'ok' && !this.shuttingDown;
    return { status: ready ? 'ok' : 'unavailable', checks: { database, migrations, shuttingDown: this.shuttingDown } };
  }
}
