/** One problem in a flow definition, e.g. `{ nodeId: 'n2', field: 'nodes[1].next', message: "refers to unknown node 'n9'" }`. */
export interface FlowValidationError {
  nodeId: string | null;
  field: string;
  message: string;
}

export interface FlowCompileOptions {
  /** Flows that goTo/executeFlow may name; unchecked when absent. */
  knownFlowIds?: ReadonlySet<string>;
  /** The id of the flow being checked, so references to it count as same-flow references. */
  flowId?: string;
}

/** A reference from one node to another node of the same flow, checked once all nodes are read. */
export interface NodeReference {
  readonly from: string;
  readonly field: string;
  readonly target: string;
}

/** Collects errors and node references while a definition is read. */
export class FlowCompileContext {
  readonly errors: FlowValidationError[] = [];
  readonly references: NodeReference[] = [];

  constructor(readonly options: FlowCompileOptions) {}

  error(nodeId: string | null, field: string, message: string): void {
    this.errors.push({ nodeId, field, message });
  }

  /** Whether `flowId` names the flow being compiled (or is absent, which means the same). */
  isSameFlow(flowId: string | null): boolean {
    return flowId === null || flowId === this.options.flowId;
  }
}
