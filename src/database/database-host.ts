import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres, takeEarlyEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.js';

/**
 * Knows where the database is: the configured PostgreSQL, or the embedded one in DATA_DIR (started by main.ts
 * ahead of the app, or here). Closes the pool before stopping the embedded server, whichever shutdown hook Nest
 * calls first.
 */
@Injectable()
export class DatabaseHost implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private embedded: EmbeddedPostgres | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  get isEmbedded(): boolean {
    return this.config.databaseUrl === null;
  }

  async connectionUrl(): Promise<string> {
    if (this.config.databaseUrl) return this.config.databaseUrl;
    if (!this.embedded) {
      const { dataDir, databasePoolSize } = this.config;
      const embedded = await (takeEarlyEmbeddedPostgres(dataDir) ?? startEmbeddedPostgres(dataDir, databasePoolSize));
      this.embedded = embedded;
      void embedded.lost.then((error) => this.logger.error(`the embedded database stopped: ${error.message}`));
      this.logger.log(`embedded PostgreSQL (PGlite) running on data folder ${dataDir} (database: ${embedded.origin})`);
    }
    return this.embedded.url;
  }

  async onApplicationShutdown(): Promise<void> {
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource.isInitialized) await dataSource.destroy();
    await this.embedded?.stop();
    this.embedded = null;
  }
}
