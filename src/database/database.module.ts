import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions, runMigrations } from './data-source.factory.js';
import { DatabaseHost } from './database-host.js';

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
        ...(await buildDataSourceOptions({ url: await host.connectionUrl(), poolSize: config.databasePoolSize, entities: [] })),
        autoLoadEntities: true,
      }),
      dataSourceFactory: async (options) => {
        const dataSource = await new DataSource(options!).initialize();
        const applied = await runMigrations(dataSource);
        if (applied.length > 0) new Logger('Database').log(`applied migrations: ${applied.join(', ')}`);
        return dataSource;
      },
    }),
  ],
  exports: [DatabaseHostModule],
})
export class DatabaseModule {}
