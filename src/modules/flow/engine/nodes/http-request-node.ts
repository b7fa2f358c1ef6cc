import { renderJsonTemplate } from '../cognigy-script/index.js';
import type { CompiledHttpRequestNode } from '../compiled-flow.types.js';
import type { HttpRequestOptions, HttpResponseData } from '../http-requester.js';
import { setAtPath } from '../context-path.js';
import { errorMessage, nextStep, type NodeExecutionContext, type NodeStep } from './node-context.js';

function buildRequest(ctx: NodeExecutionContext, node: CompiledHttpRequestNode): HttpRequestOptions {
  const headers: Record<string, string> = {};
  for (const [name, template] of node.headers) headers[name] = template.render(ctx.scope, ctx.onScriptError);
  const request: HttpRequestOptions = {
    method: node.method,
    url: node.url.render(ctx.scope, ctx.onScriptError).trim(),
    headers,
    timeoutMs: node.timeoutMs,
  };
  if (node.body === null || node.method === 'GET' || node.method === 'HEAD') return request;
  const body = renderJsonTemplate(node.body, ctx.scope, ctx.onScriptError);
  if (body === undefined) return request;
  if (typeof body === 'string') return { ...request, body };
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
  if (!hasContentType) headers['content-type'] = 'application/json';
  return { ...request, body: JSON.stringify(body) };
}

function parseBody(response: HttpResponseData): unknown {
  const contentType =
    Object.entries(response.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1] ?? '';
  if (!/\bjson\b/i.test(contentType)) return response.body;
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    return response.body;
  }
}

async function perform(ctx: NodeExecutionContext, node: CompiledHttpRequestNode): Promise<Record<string, unknown>> {
  if (!ctx.httpRequester) return { error: 'HTTP requests are not available on this server' };
  try {
    const response = await ctx.httpRequester.request(buildRequest(ctx, node));
    return { status: response.status, headers: { ...response.headers }, body: parseBody(response) };
  } catch (error) {
    return { error: errorMessage(error) };
  }
}

/** Stores `{ status, headers, body }` or `{ error }` at the context key; the flow always continues. */
export async function executeHttpRequest(ctx: NodeExecutionContext, node: CompiledHttpRequestNode): Promise<NodeStep> {
  const result = await perform(ctx, node);
  if (typeof result.error === 'string') ctx.log('warn', `HTTP request failed: ${result.error}`);
  setAtPath(ctx.session.context, node.contextKey, result);
  return nextStep(node.next);
}
