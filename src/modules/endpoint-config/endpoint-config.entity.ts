import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type {
  AuthMethod,
  DataProtectionSettings,
  DeliverySettings,
  NluConnector,
  RateLimitSettings,
  TransformerSettings,
} from './endpoint-settings.js';

@Entity({ name: 'endpoints' })
export class EndpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @Column({ name: 'url_token', type: 'text' })
  urlToken: string;

  @Column({ name: 'webhook_url', type: 'text' })
  webhookUrl: string;

  @Column({ name: 'basic_auth_user', type: 'text', nullable: true })
  basicAuthUser: string | null;

  /** SecretBox-sealed; the plaintext is write-only through the API. */
  @Column({ name: 'basic_auth_password_enc', type: 'text', nullable: true })
  basicAuthPasswordEnc: string | null;

  /** SecretBox-sealed `whsec_` secret. */
  @Column({ name: 'signing_secret_enc', type: 'text' })
  signingSecretEnc: string;

  @Column({ name: 'auth_method', type: 'text', default: 'none' })
  authMethod: AuthMethod;

  @Column({ name: 'nlu_connector', type: 'text', default: 'builtin' })
  nluConnector: NluConnector;

  /* Settings groups are written whole, but always read through `withDefaults`: older rows may lack newer keys. */
  @Column({ name: 'data_protection', type: 'jsonb' })
  dataProtection: DataProtectionSettings;

  @Column({ type: 'jsonb' })
  transformer: TransformerSettings;

  /**
   * `transformer.code` transpiled and checked on save; null when there is no code. Only the pipeline reads it
   * (`select: false` keeps it out of admin reads, where it would be dead weight).
   */
  @Column({ name: 'transformer_js', type: 'text', nullable: true, select: false })
  transformerJs: string | null;

  @Column({ type: 'jsonb' })
  delivery: DeliverySettings;

  @Column({ name: 'rate_limit', type: 'jsonb' })
  rateLimit: RateLimitSettings;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
