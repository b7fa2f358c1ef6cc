import type { CompiledExpression, CompiledJson, CompiledTemplate } from './cognigy-script/index.js';
import type { ContextPath } from './context-path.js';
import type {
  AddToContextMode,
  GoToMode,
  HttpMethod,
  LookupCaseDefinition,
  QuestionType,
  VariantMode,
} from './flow-definition.types.js';
import type { CompiledIntent } from './nlu.js';

/** A validated flow with every expression and template parsed once; what the engine runs. */
export interface CompiledFlow {
  readonly id: string;
  readonly name: string;
  readonly startNodeId: string;
  readonly intentThreshold: number;
  readonly intents: readonly CompiledIntent[];
  readonly defaultContext: Readonly<Record<string, unknown>>;
  readonly nodes: ReadonlyMap<string, CompiledNode>;
}

interface CompiledNodeBase {
  readonly id: string;
  /** null: the run ends here (or returns to the flow that executed this one). */
  readonly next: string | null;
}

export interface CompiledSayNode extends CompiledNodeBase {
  readonly type: 'say';
  readonly variants: readonly CompiledTemplate[];
  readonly variantMode: VariantMode;
  readonly data: CompiledJson | null;
}

export interface CompiledQuestionNode extends CompiledNodeBase {
  readonly type: 'question';
  readonly text: CompiledTemplate;
  readonly data: CompiledJson | null;
  readonly questionType: QuestionType;
  readonly pattern: RegExp | null;
  readonly contextKey: ContextPath | null;
  readonly reprompt: CompiledTemplate | null;
  readonly maxReprompts: number | null;
  readonly escalate: string | null;
}

export interface CompiledIfNode extends CompiledNodeBase {
  readonly type: 'if';
  readonly condition: CompiledExpression;
  readonly then: string | null;
  readonly else: string | null;
}

export interface CompiledLookupNode extends CompiledNodeBase {
  readonly type: 'lookup';
  readonly value: CompiledExpression;
  readonly cases: readonly LookupCaseDefinition[];
  readonly default: string | null;
}

export interface CompiledCodeNode extends CompiledNodeBase {
  readonly type: 'code';
  readonly code: string;
}

export interface CompiledAddToContextNode extends CompiledNodeBase {
  readonly type: 'addToContext';
  readonly key: ContextPath;
  readonly value: CompiledJson;
  readonly mode: AddToContextMode;
}

export interface CompiledRemoveFromContextNode extends CompiledNodeBase {
  readonly type: 'removeFromContext';
  readonly key: ContextPath;
}

export interface CompiledGoToNode extends CompiledNodeBase {
  readonly type: 'goTo';
  /** null flowId: the target is in the same flow. */
  readonly target: { readonly flowId: string | null; readonly nodeId: string };
  readonly mode: GoToMode;
}

export interface CompiledExecuteFlowNode extends CompiledNodeBase {
  readonly type: 'executeFlow';
  readonly flowId: string;
  readonly nodeId: string | null;
}

export interface CompiledWaitForInputNode extends CompiledNodeBase {
  readonly type: 'waitForInput';
}

export interface CompiledOnceNode extends CompiledNodeBase {
  readonly type: 'once';
  readonly onFirst: string | null;
  readonly afterwards: string | null;
}

export interface CompiledStopNode extends CompiledNodeBase {
  readonly type: 'stop';
}

export interface CompiledHttpRequestNode extends CompiledNodeBase {
  readonly type: 'httpRequest';
  readonly method: HttpMethod;
  readonly url: CompiledTemplate;
  readonly headers: readonly (readonly [string, CompiledTemplate])[];
  readonly body: CompiledJson | null;
  readonly contextKey: ContextPath;
  readonly timeoutMs: number;
}

export type CompiledNode =
  | CompiledSayNode
  | CompiledQuestionNode
  | CompiledIfNode
  | CompiledLookupNode
  | CompiledCodeNode
  | CompiledAddToContextNode
  | CompiledRemoveFromContextNode
  | CompiledGoToNode
  | CompiledExecuteFlowNode
  | CompiledWaitForInputNode
  | CompiledOnceNode
  | CompiledStopNode
  | CompiledHttpRequestNode;
