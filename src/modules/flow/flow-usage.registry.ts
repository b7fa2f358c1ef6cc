import { Injectable } from '@nestjs/common';
import type { FlowUser } from './flow.errors.js';

/** Lists what uses a flow; owned by the module that owns those records. */
export type FlowUsageSource = (flowId: string) => Promise<FlowUser[]>;

/**
 * Modules that point at flows (endpoints) register here, so deleting a flow can name its users without the flow
 * module reading their tables or importing them (they already import this module).
 */
@Injectable()
export class FlowUsageRegistry {
  private readonly sources: FlowUsageSource[] = [];

  register(source: FlowUsageSource): void {
    this.sources.push(source);
  }

  async findUsers(flowId: string): Promise<FlowUser[]> {
    const lists = await Promise.all(this.sources.map((source) => source(flowId)));
    return lists.flat();
  }
}
