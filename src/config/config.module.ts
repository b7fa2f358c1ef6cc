import { type DynamicModule, Global, Module } from '@nestjs/common';
import { SecretBox } from '../common/crypto/secret-box.js';
import { InstanceId } from '../common/instance-id.js';
import { loadOrCreateEncryptionKey } from '../database/data-dir.js';
import { APP_CONFIG, type AppConfig } from './app-config.js';

/** Provides the validated config what derives from it directly (the at-rest encryption box) and this instance's identity. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: SecretBox,
          // Embedded mode keeps a generated key in DATA_DIR; with DATABASE_URL the config requires ENCRYPTION_KEY.
          useFactory: () => new SecretBox(config.encryptionKey ?? loadOrCreateEncryptionKey(config.dataDir)),
        },
        InstanceId,
      ],
      exports: [APP_CONFIG, SecretBox, InstanceId],
    };
  }
}
