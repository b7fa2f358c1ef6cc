import { describe, expect, it } from 'vitest';
import type { CodeNodeRunner, CodeNodeRunRequest, CodeNodeRunResult } from './code-node-runner.js';
import type { FlowNodeDefinition } from './flow-definition.types.js';
import type { HttpRequester, HttpRequestOptions, HttpResponseData } from './http-requester.js';
import { compileNodes, engineFor, TestConversation } from './testing/flow-test-kit.js';

/** Stands in for the sandbox: records requests and answers with a scripted result. */
class ScriptedCodeRunner implements CodeNodeRunner {
  readonly requests: CodeNodeRunRequest[] = [];

  constructor(
    private readonly respond: (request: CodeNodeRunRequest) => CodeNodeRunResult | Promise<CodeNodeRunResult>,
  ) {}

  async run(request: CodeNodeRunRequest): Promise<CodeNodeRunResult> {
    this.requests.push(request);
    return this.respond(request);
  }
}

/** Stands in for the SSRF-guarded HTTP client. */
class ScriptedRequester implements HttpRequester {
  readonly requests: HttpRequestOptions[] = [];

  constructor(
    private readonly respond: (request: HttpRequestOptions) => HttpResponseData | Promise<HttpResponseData>,
  ) {}

  async request(options: HttpRequestOptions): Promise<HttpResponseData> {
    this.requests.push(options);
    return this.respond(options);
  }
}

const CODE_FLOW: FlowNodeDefinition[] = [
  { id: 'code', type: 'code', code: 'actions.say("hi")', next: 'after' },
  { id: 'after', type: 'say', text: 'error={{input.codeNodeError}} greeting={{context.greeting}}' },
];

describe('code node', () => {
  it('passes code, copies of input/context/profile and a 1 s timeout to the runner', async () => {
    const runner = new ScriptedCodeRunner((request) => {
      (request.context as { mutated?: boolean }).mutated = true;
      return { actions: [] };
    });
    const flow = compileNodes('f', CODE_FLOW, { defaultContext: { greeting: 'hello' } });
    const result = await new TestConversation(engineFor([flow], { codeRunner: runner }), 'f').send('hey');
    expect(runner.requests).toHaveLength(1);
    expect(runner.requests[0]).toMatchObject({
      code: 'actions.say("hi")',
      input: { text: 'hey', execution: 1 },
      context: { greeting: 'hello' },
      profile: {},
      timeoutMs: 1000,
    });
    expect(result.session.context).toEqual({ greeting: 'hello' });
  });

  it('applies say, addToContext, removeFromContext and log actions in order', async () => {
    const runner = new ScriptedCodeRunner(() => ({
      actions: [
        { type: 'say', text: 'from code', data: { a: 1 } },
        { type: 'addToContext', key: 'greeting', value: 'hi there' },
        { type: 'addToContext', key: 'tags', value: 'x', mode: 'array' },
        { type: 'addToContext', key: 'tags', value: 'y', mode: 'array' },
        { type: 'addToContext', key: 'temp', value: 1 },
        { type: 'removeFromContext', key: 'temp' },
        { type: 'log', level: 'info', message: 'done' },
      ],
    }));
    const result = await new TestConversation(
      engineFor([compileNodes('f', CODE_FLOW)], { codeRunner: runner }),
      'f',
    ).send('x');
    expect(result.outputs).toEqual([
      { text: 'from code', data: { a: 1 } },
      { text: 'error= greeting=hi there', data: null },
    ]);
    expect(result.session.context).toEqual({ greeting: 'hi there', tags: ['x', 'y'] });
    expect(result.logs).toEqual([{ level: 'info', message: 'done', flowId: 'f', nodeId: 'code' }]);
  });

  it('keeps actions recorded before an error, sets input.codeNodeError and continues', async () => {
    const runner = new ScriptedCodeRunner(() => ({
      actions: [{ type: 'addToContext', key: 'greeting', value: 'partial' }],
      error: 'ReferenceError: foo is not defined',
    }));
    const result = await new TestConversation(
      engineFor([compileNodes('f', CODE_FLOW)], { codeRunner: runner }),
      'f',
    ).send('x');
    expect(result.outputs.map((output) => output.text)).toEqual([
      'error=ReferenceError: foo is not defined greeting=partial',
    ]);
    expect(result.input.codeNodeError).toBe('ReferenceError: foo is not defined');
  });

  it('treats a rejecting runner and a missing runner as code errors', async () => {
    const failing = new ScriptedCodeRunner(() => Promise.reject(new Error('worker crashed')));
    const flow = compileNodes('f', CODE_FLOW);
    const crashed = await new TestConversation(engineFor([flow], { codeRunner: failing }), 'f').send('x');
    expect(crashed.input.codeNodeError).toBe('worker crashed');
    const unavailable = await new TestConversation(engineFor([flow]), 'f').send('x');
    expect(unavailable.input.codeNodeError).toBe('code nodes are not available on this server');
  });

  it('ignores malformed actions with a warning and refuses prototype-polluting keys', async () => {
    const runner = new ScriptedCodeRunner(
      () =>
        ({
          actions: [
            { type: 'explode' },
            { type: 'addToContext', key: '__proto__.polluted', value: true },
            { type: 'addToContext', key: 'ok', value: 1 },
          ],
        }) as unknown as CodeNodeRunResult,
    );
    const result = await new TestConversation(
      engineFor([compileNodes('f', CODE_FLOW)], { codeRunner: runner }),
      'f',
    ).send('x');
    expect(result.warnings.map((warning) => warning.message)).toEqual([
      'unknown code node action type "explode"',
      'addToContext: invalid context key "__proto__.polluted"',
    ]);
    expect(result.session.context).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

const HTTP_FLOW: FlowNodeDefinition[] = [
  {
    id: 'call',
    type: 'httpRequest',
    method: 'POST',
    url: 'https://api.example.com/users/{{context.userId}}',
    headers: { authorization: 'Bearer {{context.token}}' },
    body: { text: '{{input.text}}', meta: '{{input.data}}' },
    contextKey: 'api.response',
    timeoutMs: 2500,
    next: 'after',
  },
  { id: 'after', type: 'say', text: 'status={{context.api.response.status}} name={{context.api.response.body.name}}' },
];

describe('httpRequest node', () => {
  const defaultContext = { userId: 'u-7', token: 'secret' };

  it('renders the request, sends JSON, and stores the parsed JSON response', async () => {
    const requester = new ScriptedRequester(() => ({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: '{"name":"Ada"}',
    }));
    const flow = compileNodes('f', HTTP_FLOW, { defaultContext });
    const result = await new TestConversation(engineFor([flow], { httpRequester: requester }), 'f').send('hi', {
      data: { k: 1 },
    });
    expect(requester.requests).toEqual([
      {
        method: 'POST',
        url: 'https://api.example.com/users/u-7',
        headers: { authorization: 'Bearer secret', 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'hi', meta: { k: 1 } }),
        timeoutMs: 2500,
      },
    ]);
    expect(result.outputs.map((output) => output.text)).toEqual(['status=200 name=Ada']);
    expect((result.session.context.api as Record<string, unknown>).response).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: { name: 'Ada' },
    });
  });

  it('keeps non-JSON bodies as text and sends no body with GET', async () => {
    const requester = new ScriptedRequester(() => ({
      status: 404,
      headers: { 'content-type': 'text/plain' },
      body: 'nope',
    }));
    const nodes: FlowNodeDefinition[] = [
      {
        id: 'call',
        type: 'httpRequest',
        url: 'https://x.example/{{input.text}}',
        body: { ignored: true },
        contextKey: 'r',
      },
    ];
    const result = await new TestConversation(
      engineFor([compileNodes('f', nodes)], { httpRequester: requester }),
      'f',
    ).send('q');
    expect(requester.requests[0]).toEqual({
      method: 'GET',
      url: 'https://x.example/q',
      headers: {},
      timeoutMs: 10_000,
    });
    expect(result.session.context.r).toEqual({ status: 404, headers: { 'content-type': 'text/plain' }, body: 'nope' });
  });

  it('stores { error } and continues when the request fails or no requester is configured', async () => {
    const failing = new ScriptedRequester(() => Promise.reject(new Error('connect ECONNREFUSED')));
    const flow = compileNodes('f', HTTP_FLOW, { defaultContext });
    const failed = await new TestConversation(engineFor([flow], { httpRequester: failing }), 'f').send('hi');
    expect((failed.session.context.api as Record<string, unknown>).response).toEqual({ error: 'connect ECONNREFUSED' });
    expect(failed.outputs.map((output) => output.text)).toEqual(['status= name=']);
    expect(failed.logs).toContainEqual({
      level: 'warn',
      message: 'HTTP request failed: connect ECONNREFUSED',
      flowId: 'f',
      nodeId: 'call',
    });

    const unavailable = await new TestConversation(engineFor([flow]), 'f').send('hi');
    expect((unavailable.session.context.api as Record<string, unknown>).response).toEqual({
      error: 'HTTP requests are not available on this server',
    });
  });
});
