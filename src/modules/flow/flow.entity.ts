import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { FlowDefinition } from './engine/flow-definition.types.js';

/** The definition as stored: everything but the name, which has its own column. Defaults are filled in. */
export type StoredFlowDefinition = Required<Omit<FlowDefinition, 'name'>>;

@Entity({ name: 'flows' })
export class FlowEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'jsonb' })
  definition: StoredFlowDefinition;

  /** Rises by one with every change, so sessions and caches can tell which definition they ran. */
  @Column({ type: 'integer', default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
