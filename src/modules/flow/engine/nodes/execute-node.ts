import type { CompiledNode } from '../compiled-flow.types.js';
import { executeCode } from './code-node.js';
import { executeHttpRequest } from './http-request-node.js';
import { executeAddToContext, executeIf, executeLookup, executeOnce, executeRemoveFromContext } from './logic-nodes.js';
import { askQuestion, executeSay } from './message-nodes.js';
import type { NodeExecutionContext, NodeStep } from './node-context.js';

/** Runs one node and says where to go next; navigation (flows, waits, call stack) is the run's job. */
export function executeNode(ctx: NodeExecutionContext, node: CompiledNode): NodeStep | Promise<NodeStep> {
  switch (node.type) {
    case 'say':
      return executeSay(ctx, node);
    case 'question':
      return askQuestion(ctx, node);
    case 'if':
      return executeIf(ctx, node);
    case 'lookup':
      return executeLookup(ctx, node);
    case 'code':
      return executeCode(ctx, node);
    case 'addToContext':
      return executeAddToContext(ctx, node);
    case 'removeFromContext':
      return executeRemoveFromContext(ctx, node);
    case 'goTo':
      return { kind: 'goTo', flowId: node.target.flowId, nodeId: node.target.nodeId, wait: node.mode === 'wait' };
    case 'executeFlow':
      return { kind: 'executeFlow', flowId: node.flowId, nodeId: node.nodeId };
    case 'waitForInput':
      return { kind: 'waitForInput', resumeAt: node.next };
    case 'once':
      return executeOnce(ctx, node);
    case 'stop':
      return { kind: 'stop' };
    case 'httpRequest':
      return executeHttpRequest(ctx, node);
  }
}
