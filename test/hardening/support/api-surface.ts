import { expect } from 'vitest';
import { createEndpoint, createEndpointApiKey, createFlow } from '../../factories/index.js';
import { eventually } from '../../support/eventually.js';
import type { TestApp } from '../../support/test-app.js';

export interface ApiOperation {
  method: string;
  /** OpenAPI path template, e.g. `/api/v1/endpoints/{id}`. */
  path: string;
  queryParams: string[];
  /** Name of the request body's schema (`CreateEndpointDto`), or null without a JSON body. */
  bodySchema: string | null;
  secured: boolean;
}

/** Every operation of the app's OpenAPI document, so new routes are covered without editing the tests. */
export async function listOperations(t: TestApp): Promise<ApiOperation[]> {
  const res = await t.request('GET', '/docs-json');
  expect(res.status).toBe(200);
  const operations: ApiOperation[] = [];
  for (const [path, item] of Object.entries<Record<string, any>>(res.body.paths)) {
    for (const [method, op] of Object.entries<any>(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const params: Array<{ in: string; name: string }> = op.parameters ?? [];
      const ref: string | undefined = op.requestBody?.content?.['application/json']?.schema?.$ref;
      operations.push({
        method: method.toUpperCase(),
        path,
        queryParams: params.filter((param) => param.in === 'query').map((param) => param.name),
        bodySchema: ref ? ref.split('/').pop()! : op.requestBody ? 'inline' : null,
        secured: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  return operations;
}

/** Real resources to put in path parameters, so a route cannot hide a missing check behind a 404. */
export interface ApiFixtures {
  flowId: string;
  endpointId: string;
  urlToken: string;
  endpointKeyId: string;
  endpointKey: string;
  adminKeyId: string;
  deliveryId: string;
}

export async function createFixtures(t: TestApp, webhookUrl: string): Promise<ApiFixtures> {
  const flow = await createFlow(t);
  const endpoint = await createEndpoint(t, { flowId: flow.id, webhookUrl });
  const endpointKey = await createEndpointApiKey(t, endpoint.id);
  const adminKey = await t.admin('POST', '/api/v1/api-keys', { name: 'fixture' });
  expect(adminKey.status).toBe(201);
  const sent = await t.request('POST', `/endpoint/${endpoint.URLToken}`, {
    body: { userId: 'u1', sessionId: 's1', text: 'hello' },
  });
  expect(sent.status).toBe(202);
  const deliveryId = await eventually(async () => {
    const list = await t.admin('GET', `/api/v1/endpoints/${endpoint.id}/deliveries`);
    expect(list.body.items.length).toBeGreaterThan(0);
    return list.body.items[0].id as string;
  });
  return {
    flowId: flow.id,
    endpointId: endpoint.id,
    urlToken: endpoint.URLToken,
    endpointKeyId: endpointKey.id,
    endpointKey: endpointKey.key,
    adminKeyId: adminKey.body.id,
    deliveryId,
  };
}

/** Fills `{param}`s from the fixtures, by the collection the parameter follows. */
export function fillPath(
  path: string,
  fixtures: ApiFixtures,
  override?: (param: string) => string | undefined,
): string {
  const segments = path.split('/');
  return segments
    .map((segment, index) => {
      const match = /^\{(.+)\}$/.exec(segment);
      if (!match) return segment;
      const replaced = override?.(match[1]);
      if (replaced !== undefined) return replaced;
      return paramValue(segments[index - 1], match[1], fixtures);
    })
    .join('/');
}

function paramValue(collection: string | undefined, param: string, fixtures: ApiFixtures): string {
  if (param === 'urlToken') return fixtures.urlToken;
  if (param === 'keyId') return fixtures.endpointKeyId;
  if (param === 'userId') return 'u1';
  if (param === 'sessionId') return 's1';
  switch (collection ?? '') {
    case 'flows':
      return fixtures.flowId;
    case 'endpoints':
      return fixtures.endpointId;
    case 'api-keys':
      return fixtures.adminKeyId;
    case 'deliveries':
      return fixtures.deliveryId;
    default:
      return fixtures.endpointId;
  }
}

/** A minimal valid body per request schema; unknown (newer) schemas start from `{}`. */
export function validBody(schema: string | null, fixtures: ApiFixtures, webhookUrl: string): Record<string, unknown> {
  switch (schema ?? '') {
    case 'FlowDefinitionDto':
      return { name: 'fuzz', startNodeId: 'a', nodes: [{ id: 'a', type: 'say', text: 'hi' }] };
    case 'CreateEndpointDto':
      return { name: 'fuzz', flowId: fixtures.flowId, webhookUrl };
    case 'CreateApiKeyDto':
    case 'CreateEndpointApiKeyDto':
    case 'UpdateFlowDto':
    case 'UpdateEndpointDto':
      return { name: 'fuzz' };
    case 'IngestMessageDto':
      return { userId: 'u1', sessionId: 's1', text: 'hi' };
    default:
      return {};
  }
}
