import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions, runMigrations } from './data-source.factory.js';
import { DatabaseHost } from './database-host.js';
import { PREPARED_PLAN_LIFETIME_S, Sql } from './sql.js';

/**
 * pglite-socket interleaves the extended-protocol messages (Parse/Bind/Execute) of concurrent connections on
 * PGlite's single session, so one connection's unnamed statement replaces another's ("bind message supplies 4
 * parameters, but prepared statement requires 8"). One connection serialises every query in the pg pool.
 * Consequence for all code: inside a transaction, never query through anything but its EntityManager.
 */
const EMBEDDED_POOL_SIZE = 1;

@Global()
@Module({ providers: [DatabaseHost], exports: [DatabaseHost] })
class DatabaseHostModule {}

/** The DataSource (PostgreSQL or embedded), migrated before anything else starts. */
@Global()
@Module({
  imports: [
    DatabaseHostModule,
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG, DatabaseHost],
      useFactory: async (config: AppConfig, host: DatabaseHost) => ({
        ...(await buildDataSourceOptions({
          url: await host.connectionUrl(),
          poolSize: host.isEmbedded ? EMBEDDED_POOL_SIZE : config.databasePoolSize,
          connectionLifetimeS: Sql.prepares(config, host) ? PREPARED_PLAN_LIFETIME_S : 0,
          entities: [],
        })),
        autoLoadEntities: true,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        // The embedded database has one process by construction (the DATA_DIR lock), and one connection.
        const poolSize = (options?.extra as { max?: number } | undefined)?.max;
        const applied = await runMigrations(dataSource, { lock: poolSize !== EMBEDDED_POOL_SIZE });
        if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
        return dataSource;
      },
    }),
  ],
  providers: [Sql],
  exports: [DatabaseHostModule, Sql],
})
export class DatabaseModule {}
