import type { TestApp } from '../support/test-app.js';

/** The smallest valid flow: one `say` node. */
export function sayFlow(text = 'hello', name = 'say flow'): Record<string, unknown> {
  return { name, startNodeId: 'n1', nodes: [{ id: 'n1', type: 'say', text }] };
}

/** A chain of `say` nodes, one output per text, in order. */
export function sayChainFlow(texts: string[], name = 'say chain'): Record<string, unknown> {
  return {
    name,
    startNodeId: 'n0',
    nodes: texts.map((text, index) => ({
      id: `n${index}`,
      type: 'say',
      text,
      ...(index + 1 < texts.length ? { next: `n${index + 1}` } : {}),
    })),
  };
}

/** Creates a flow through the admin API (a one-node say flow, with `overrides` on top) and returns the response. */
export async function createFlow(t: TestApp, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await t.admin('POST', '/api/v1/flows', { ...sayFlow(), ...overrides });
  if (res.status !== 201) throw new Error(`createFlow: ${res.status} ${res.text}`);
  return res.body;
}
