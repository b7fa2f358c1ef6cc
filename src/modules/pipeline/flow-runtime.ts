import { Injectable } from '@nestjs/common';
import { TtlCache } from '../../common/concurrency/ttl-cache.js';
import type { EndpointRuntimeConfig } from '../endpoint-config/endpoint-runtime-config.js';
import {
  compileFlow,
  FlowEngine,
  type CompiledFlow,
  type FlowInput,
  type FlowRunResult,
  type SessionState,
} from '../flow/engine/index.js';
import { FlowService } from '../flow/flow.service.js';
import { SandboxCodeNodeRunner } from '../transformer/sandbox-code-node-runner.js';
import { FlowHttpRequester } from './flow-http-requester.js';

/** How long a flow edited on another instance may run in its old version here. */
const FLOW_TTL_MS = 1_000;

/**
 * The pipeline's seam to the flow engine: `run(endpoint, session, input) → { outputs, session }`, with flows
 * loaded from storage, compiled once per version and cached.
 */
@Injectable()
export class FlowRuntime {
  private readonly flows = new TtlCache<string, CompiledFlow | null>(FLOW_TTL_MS);
  private readonly compiledByVersion = new Map<string, { version: number; flow: CompiledFlow }>();
  private readonly engine: FlowEngine;

  constructor(
    private readonly flowService: FlowService,
    httpRequester: FlowHttpRequester,
    codeRunner: SandboxCodeNodeRunner,
  ) {
    this.engine = new FlowEngine({ loadFlow: (flowId) => this.load(flowId), httpRequester, codeRunner });
  }

  run(endpoint: EndpointRuntimeConfig, session: unknown, input: FlowInput): Promise<FlowRunResult> {
    return this.engine.run({
      flowId: endpoint.flowId,
      session: (session ?? null) as SessionState | null,
      input,
      nlu: endpoint.nluConnector !== 'none',
    });
  }

  private load(flowId: string): Promise<CompiledFlow | null> {
    return this.flows.get(flowId, async (id) => {
      const record = await this.flowService.getDefinition(id);
      if (!record) return null;
      const cached = this.compiledByVersion.get(id);
      if (cached && cached.version === record.version) return cached.flow;
      const flow = compileFlow(record.definition, id);
      this.compiledByVersion.set(id, { version: record.version, flow });
      return flow;
    });
  }
}
