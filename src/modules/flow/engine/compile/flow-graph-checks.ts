import type { CompiledNode } from '../compiled-flow.types.js';
import type { FlowCompileContext } from './compile-context.js';

/** Reports references to node ids that do not exist in the flow. */
export function checkReferences(context: FlowCompileContext, nodes: ReadonlyMap<string, CompiledNode>): void {
  for (const reference of context.references) {
    if (!nodes.has(reference.target)) {
      context.error(reference.from, reference.field, `refers to unknown node '${reference.target}'`);
    }
  }
}

/** Reports every node no path from the start node leads to: dead nodes are almost always a mistake. */
export function checkReachability(
  context: FlowCompileContext,
  nodes: ReadonlyMap<string, CompiledNode>,
  fieldOf: ReadonlyMap<string, string>,
  startNodeId: string,
): void {
  const edges = new Map<string, string[]>();
  for (const { from, target } of context.references) {
    const targets = edges.get(from) ?? [];
    targets.push(target);
    edges.set(from, targets);
  }
  const reached = new Set<string>([startNodeId]);
  const pending = [startNodeId];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const target of edges.get(current) ?? []) {
      if (!reached.has(target)) {
        reached.add(target);
        pending.push(target);
      }
    }
  }
  for (const nodeId of nodes.keys()) {
    if (!reached.has(nodeId)) {
      context.error(nodeId, fieldOf.get(nodeId) ?? 'nodes', `is not reachable from the start node '${startNodeId}'`);
    }
  }
}
