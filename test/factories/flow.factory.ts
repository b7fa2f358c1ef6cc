import type { TestApp } from '../support/test-app.js';

/** The smallest valid flow: one `say` node. */
export function sayFlow(text = 'hello', name = 'say flow'): Record<string, unknown> {
  return { name, startNodeId: 'n1', nodes: [{ id: 'n1', type: 'say', text }] };
}

/** Creates a flow through the admin API (a one-node say flow, with `overrides` on top) and returns the response. */
export async function createFlow(t: TestApp, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await t.admin('POST', '/api/v1/flows', { ...sayFlow(), ...overrides });
  if (res.status !== 201) throw new Error(`createFlow: ${res.status} ${res.text}`);
  return res.body;
}
