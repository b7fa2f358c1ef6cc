import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A key callers of one endpoint's URL present as `X-Webhook-Key` when its `authMethod` is `apiKey`. */
@Entity({ name: 'endpoint_api_keys' })
export class EndpointApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId: string;

  @Column({ type: 'text' })
  name: string;

  /** SHA-256 of the key; the key itself is shown once at creation and never stored. */
  @Column({ name: 'key_hash', type: 'text' })
  keyHash: string;

  @Column({ name: 'key_preview', type: 'text' })
  keyPreview: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
