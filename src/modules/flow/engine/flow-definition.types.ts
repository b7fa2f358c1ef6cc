/**
 * The flow definition JSON as stored and sent through the admin API (CONTRACT.md, "Flows").
 * Strings in text, data, url, headers, body and addToContext values may hold `{{ expr }}`
 * templates; `condition` and lookup `value` are bare CognigyScript expressions.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const DEFAULT_INTENT_THRESHOLD = 0.4;
export const DEFAULT_LOOKUP_VALUE = 'input.intent';
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;
export const MAX_HTTP_TIMEOUT_MS = 60_000;

export interface FlowIntentDefinition {
  name: string;
  examples: string[];
}

export interface FlowDefinition {
  name: string;
  defaultContext?: JsonObject;
  /** Minimum NLU score in [0, 1] for an intent to be recognised; default 0.4. */
  intentThreshold?: number;
  intents?: FlowIntentDefinition[];
  startNodeId: string;
  nodes: FlowNodeDefinition[];
}

export const FLOW_NODE_TYPES = [
  'say',
  'question',
  'if',
  'lookup',
  'code',
  'addToContext',
  'removeFromContext',
  'goTo',
  'executeFlow',
  'waitForInput',
  'once',
  'stop',
  'httpRequest',
] as const;
export type FlowNodeType = (typeof FLOW_NODE_TYPES)[number];

interface NodeBase<T extends FlowNodeType> {
  id: string;
  type: T;
  /** The node to run after this one; without it the run ends (or returns to the flow that executed this one). */
  next?: string;
  /** Free text for editors; ignored by the engine. */
  label?: string;
}

/** random: any variant; linear: the next one per execution, then stays on the last; loop: cycles. */
export type VariantMode = 'random' | 'linear' | 'loop';

export interface SayNodeDefinition extends NodeBase<'say'> {
  /** One text or variants to choose from; a say node needs text, data or both. */
  text?: string | string[];
  variantMode?: VariantMode;
  data?: JsonObject;
}

export type QuestionType = 'text' | 'yesNo' | 'number' | 'email' | 'regex';

export interface QuestionNodeDefinition extends NodeBase<'question'> {
  text: string;
  data?: JsonObject;
  /** Default text. */
  questionType?: QuestionType;
  /** Required for `regex` questions; tested against the trimmed answer. */
  pattern?: string;
  /** Where the parsed answer is stored in the context (dot paths allowed). */
  contextKey?: string;
  /** Said after an invalid answer; the question text is repeated when absent. */
  reprompt?: string;
  /** How many reprompts are said before the next invalid answer escalates; unlimited when absent. */
  maxReprompts?: number;
  /** Where to go once reprompts are exhausted; `next` (with `input.result` null) when absent. */
  escalate?: string;
}

export interface IfNodeDefinition extends NodeBase<'if'> {
  condition: string;
  /** Missing branches continue at `next`. */
  then?: string;
  else?: string;
}

export interface LookupCaseDefinition {
  value: string | number | boolean;
  next: string;
}

export interface LookupNodeDefinition extends NodeBase<'lookup'> {
  /** Expression whose value selects a case; default `input.intent`. */
  value?: string;
  cases: LookupCaseDefinition[];
  /** Taken when no case matches; `next` when absent. */
  default?: string;
}

export interface CodeNodeDefinition extends NodeBase<'code'> {
  code: string;
}

export type AddToContextMode = 'simple' | 'array';

export interface AddToContextNodeDefinition extends NodeBase<'addToContext'> {
  /** Context key; dot paths (`order.items`) create nested objects. */
  key: string;
  value: JsonValue;
  /** simple: set; array: append to the array at `key` (creating it). */
  mode?: AddToContextMode;
}

export interface RemoveFromContextNodeDefinition extends NodeBase<'removeFromContext'> {
  key: string;
}

export type GoToMode = 'continue' | 'wait';

export interface GoToNodeDefinition extends NodeBase<'goTo'> {
  /** Without flowId the target is in this flow; with another flow's id the conversation switches to that flow. */
  target: { flowId?: string; nodeId: string };
  /** continue: run the target now; wait: stop, and the next input starts at the target. */
  mode?: GoToMode;
}

export interface ExecuteFlowNodeDefinition extends NodeBase<'executeFlow'> {
  flowId: string;
  /** Where to start in that flow; its start node when absent. */
  nodeId?: string;
}

export type WaitForInputNodeDefinition = NodeBase<'waitForInput'>;

export interface OnceNodeDefinition extends NodeBase<'once'> {
  /** Taken the first time this node runs in the session; `next` when absent. */
  onFirst?: string;
  /** Taken every later time; `next` when absent. */
  afterwards?: string;
}

export type StopNodeDefinition = NodeBase<'stop'>;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface HttpRequestNodeDefinition extends NodeBase<'httpRequest'> {
  /** Default GET; case-insensitive. */
  method?: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** A string is sent as is; any other JSON value is sent as JSON. Ignored for GET and HEAD. */
  body?: JsonValue;
  /** Receives `{ status, headers, body }` (body parsed when JSON), or `{ error }`. */
  contextKey: string;
  timeoutMs?: number;
}

export type FlowNodeDefinition =
  | SayNodeDefinition
  | QuestionNodeDefinition
  | IfNodeDefinition
  | LookupNodeDefinition
  | CodeNodeDefinition
  | AddToContextNodeDefinition
  | RemoveFromContextNodeDefinition
  | GoToNodeDefinition
  | ExecuteFlowNodeDefinition
  | WaitForInputNodeDefinition
  | OnceNodeDefinition
  | StopNodeDefinition
  | HttpRequestNodeDefinition;
