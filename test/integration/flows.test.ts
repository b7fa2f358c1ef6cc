import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlowService } from '../../src/modules/flow/flow.service.js';
import { createEndpoint, createFlow, sayFlow } from '../factories/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

/** A valid three-node flow to break in the 422 tests. */
const branchingFlow = () => ({
  name: 'branching',
  startNodeId: 'n1',
  nodes: [
    { id: 'n1', type: 'if', condition: "input.text === 'yes'", then: 'n2', else: 'n3' },
    { id: 'n2', type: 'say', text: 'Yes!' },
    { id: 'n3', type: 'say', text: 'No: {{input.text}}' },
  ],
});

describe('flows', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('CRUD', () => {
    it('creates a flow with defaults filled in and version 1', async () => {
      const res = await t.admin('POST', '/api/v1/flows', sayFlow('hi there', 'Greeter'));
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Greeter',
        defaultContext: {},
        intentThreshold: 0.4,
        intents: [],
        startNodeId: 'n1',
        nodes: [{ id: 'n1', type: 'say', text: 'hi there' }],
        version: 1,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const read = await t.admin('GET', `/api/v1/flows/${res.body.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(res.body);
    });

    it('keeps the intents, threshold and default context it was given', async () => {
      const flow = await createFlow(t, {
        intents: [{ name: 'greet', examples: ['hi', 'hello there'] }],
        intentThreshold: 0.7,
        defaultContext: { lang: 'en', nested: { a: 1 } },
      });
      expect(flow).toMatchObject({
        intents: [{ name: 'greet', examples: ['hi', 'hello there'] }],
        intentThreshold: 0.7,
        defaultContext: { lang: 'en', nested: { a: 1 } },
      });
    });

    it('replaces a flow with PUT and raises its version', async () => {
      const flow = await createFlow(t);
      const res = await t.admin('PUT', `/api/v1/flows/${flow.id}`, { ...branchingFlow(), name: 'replaced' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: flow.id,
        name: 'replaced',
        version: 2,
        intents: [],
        createdAt: flow.createdAt,
      });
      expect(res.body.nodes).toHaveLength(3);
      expect(new Date(res.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(flow.updatedAt).getTime());
    });

    it('merges a PATCH (RFC 7396) and validates the result', async () => {
      const flow = await createFlow(t, {
        defaultContext: { keep: 1, drop: 2, nested: { a: 1, b: 2 } },
        intentThreshold: 0.9,
        intents: [{ name: 'greet', examples: ['hi'] }],
      });
      const res = await t.admin('PATCH', `/api/v1/flows/${flow.id}`, {
        name: 'patched',
        defaultContext: { drop: null, nested: { b: null, c: 3 }, added: true },
        intentThreshold: null,
        nodes: [
          { id: 'n1', type: 'say', text: 'one', next: 'n2' },
          { id: 'n2', type: 'say', text: 'two' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        name: 'patched',
        defaultContext: { keep: 1, nested: { a: 1, c: 3 }, added: true },
        intentThreshold: 0.4,
        intents: [{ name: 'greet', examples: ['hi'] }],
        startNodeId: 'n1',
        version: 2,
      });
      expect(res.body.defaultContext).not.toHaveProperty('drop');
      expect(res.body.nodes.map((node: { id: string }) => node.id)).toEqual(['n1', 'n2']);

      const again = await t.admin('PATCH', `/api/v1/flows/${flow.id}`, { intents: null });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ intents: [], version: 3, name: 'patched' });
    });

    it('refuses a PATCH that removes a required field, and one that breaks the graph, leaving the flow as it was', async () => {
      const flow = await createFlow(t, branchingFlow());
      const removed = await t.admin('PATCH', `/api/v1/flows/${flow.id}`, { name: null, nodes: null });
      expect(removed.status).toBe(400);
      expect(removed.body.errors).toEqual(
        expect.arrayContaining([
          { field: 'name', message: expect.stringContaining('null') },
          { field: 'nodes', message: expect.stringContaining('null') },
        ]),
      );
      const broken = await t.admin('PATCH', `/api/v1/flows/${flow.id}`, { startNodeId: 'n9' });
      expect(broken.status).toBe(422);
      expect(broken.body.errors).toContainEqual({ field: 'startNodeId', message: "refers to unknown node 'n9'" });
      const read = await t.admin('GET', `/api/v1/flows/${flow.id}`);
      expect(read.body).toMatchObject({ version: 1, startNodeId: 'n1' });
    });

    it('deletes a flow nothing uses', async () => {
      const flow = await createFlow(t);
      expect((await t.admin('DELETE', `/api/v1/flows/${flow.id}`)).status).toBe(204);
      expect((await t.admin('GET', `/api/v1/flows/${flow.id}`)).status).toBe(404);
      expect((await t.admin('DELETE', `/api/v1/flows/${flow.id}`)).status).toBe(404);
    });

    it('answers 404 for an unknown flow on every route and 400 for a malformed id', async () => {
      for (const [method, body] of [['GET'], ['PUT', sayFlow()], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
        const res = await t.admin(method, `/api/v1/flows/${MISSING_ID}`, body);
        expect(res.status, method).toBe(404);
        expect(res.body.type).toBe('urn:hookflow:problem:flow-not-found');
      }
      const bad = await t.admin('GET', '/api/v1/flows/not-a-uuid');
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toContainEqual({ field: 'id', message: expect.any(String) });
    });

    it('pages through the list with a cursor, every flow exactly once', async () => {
      const created = [];
      for (let i = 0; i < 5; i++) created.push((await createFlow(t, { name: `page ${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
        const res = await t.admin('GET', `/api/v1/flows${query}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((flow: { id: string }) => flow.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor !== null && pages < 100);
      expect(new Set(seen).size).toBe(seen.length);
      for (const id of created) expect(seen.filter((s) => s === id)).toHaveLength(1);
      expect(seen.slice(-5)).toEqual(created);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('gives the pipeline the definition and version through FlowService.getDefinition', async () => {
      const flow = await createFlow(t, branchingFlow());
      const service = t.app.get(FlowService);
      const record = await service.getDefinition(flow.id);
      expect(record).toEqual({
        id: flow.id,
        version: 1,
        definition: {
          name: 'branching',
          startNodeId: 'n1',
          nodes: branchingFlow().nodes,
          intents: [],
          intentThreshold: 0.4,
          defaultContext: {},
        },
      });
      await expect(service.getDefinition(MISSING_ID)).resolves.toBeNull();
    });
  });

  describe('validation', () => {
    it.each([
      ['a missing name', { name: undefined }, 'name'],
      ['a name over 200 characters', { name: 'x'.repeat(201) }, 'name'],
      ['an empty name', { name: '' }, 'name'],
      ['a missing startNodeId', { startNodeId: undefined }, 'startNodeId'],
      ['nodes that are not an array', { nodes: { id: 'n1' } }, 'nodes'],
      ['an empty node list', { nodes: [] }, 'nodes'],
      ['a node that is not an object', { nodes: ['n1'] }, 'nodes'],
      [
        'more than 500 nodes',
        { nodes: Array.from({ length: 501 }, (_, i) => ({ id: `n${i}`, type: 'stop' })) },
        'nodes',
      ],
      ['an intent threshold above 1', { intentThreshold: 1.5 }, 'intentThreshold'],
      ['a default context that is not an object', { defaultContext: 'x' }, 'defaultContext'],
      ['an intent without examples', { intents: [{ name: 'greet' }] }, 'intents[0].examples'],
      ['an unknown intent field', { intents: [{ name: 'greet', examples: ['hi'], extra: 1 }] }, 'intents[0].extra'],
      ['an unknown top-level field', { colour: 'blue' }, 'colour'],
    ])('answers 400 for %s', async (_label, change, field) => {
      const res = await t.admin('POST', '/api/v1/flows', { ...sayFlow(), ...change });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    });

    const invalidGraphs: Array<[string, () => Record<string, unknown>, { field: string; message: RegExp }]> = [
      [
        'duplicate node ids',
        () => ({ ...branchingFlow(), nodes: [...branchingFlow().nodes, { id: 'n2', type: 'say', text: 'again' }] }),
        { field: 'nodes[3].id', message: /duplicates the id of nodes\[1\]/ },
      ],
      [
        'an unknown node type',
        () => ({
          ...branchingFlow(),
          nodes: [branchingFlow().nodes[0], { id: 'n2', type: 'dance' }, branchingFlow().nodes[2]],
        }),
        { field: 'nodes[n2].type', message: /unknown node type 'dance'/ },
      ],
      [
        'a dangling next',
        () => ({
          ...branchingFlow(),
          nodes: [...branchingFlow().nodes.slice(0, 2), { id: 'n3', type: 'say', text: 'x', next: 'n9' }],
        }),
        { field: 'nodes[n3].next', message: /refers to unknown node 'n9'/ },
      ],
      [
        'an unknown startNodeId',
        () => ({ ...branchingFlow(), startNodeId: 'n7' }),
        { field: 'startNodeId', message: /unknown node 'n7'/ },
      ],
      [
        'bad condition syntax',
        () => ({
          ...branchingFlow(),
          nodes: [{ ...branchingFlow().nodes[0], condition: 'input.text ===' }, ...branchingFlow().nodes.slice(1)],
        }),
        { field: 'nodes[n1].condition', message: /./ },
      ],
      [
        'bad template syntax',
        () => ({
          ...branchingFlow(),
          nodes: [...branchingFlow().nodes.slice(0, 2), { id: 'n3', type: 'say', text: 'Hi {{ input.( }}' }],
        }),
        { field: 'nodes[n3].text', message: /./ },
      ],
      [
        'an unreachable node',
        () => ({ ...branchingFlow(), nodes: [...branchingFlow().nodes, { id: 'n4', type: 'say', text: 'orphan' }] }),
        { field: 'nodes[n4]', message: /not reachable/ },
      ],
      [
        'an executeFlow naming an unknown flow',
        () => ({ name: 'caller', startNodeId: 'a', nodes: [{ id: 'a', type: 'executeFlow', flowId: MISSING_ID }] }),
        { field: 'nodes[a].flowId', message: new RegExp(`unknown flow '${MISSING_ID}'`) },
      ],
    ];

    it.each(invalidGraphs)('answers 422 naming the node for %s', async (_label, build, expected) => {
      const res = await t.admin('POST', '/api/v1/flows', build());
      expect(res.status).toBe(422);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.type).toBe('urn:hookflow:problem:flow-invalid');
      const match = res.body.errors.find((error: { field: string }) => error.field.startsWith(expected.field));
      expect(match, JSON.stringify(res.body.errors)).toBeDefined();
      expect(match.message).toMatch(expected.message);
    });

    it('applies the same graph checks to PUT', async () => {
      const flow = await createFlow(t);
      const res = await t.admin('PUT', `/api/v1/flows/${flow.id}`, { ...sayFlow(), startNodeId: 'zz' });
      expect(res.status).toBe(422);
      expect((await t.admin('GET', `/api/v1/flows/${flow.id}`)).body.version).toBe(1);
    });

    it('accepts goTo and executeFlow targets that exist, including the flow itself', async () => {
      const target = await createFlow(t);
      const caller = await createFlow(t, {
        startNodeId: 'a',
        nodes: [
          { id: 'a', type: 'executeFlow', flowId: target.id, next: 'b' },
          { id: 'b', type: 'goTo', target: { flowId: target.id, nodeId: 'n1' } },
        ],
      });
      const selfRef = await t.admin('PATCH', `/api/v1/flows/${caller.id}`, {
        nodes: [
          { id: 'a', type: 'say', text: 'x', next: 'b' },
          { id: 'b', type: 'goTo', target: { flowId: caller.id, nodeId: 'a' }, mode: 'wait' },
        ],
      });
      expect(selfRef.status).toBe(200);
    });
  });

  describe('deleting a flow in use', () => {
    it('answers 409 naming the endpoints that use it, and deletes it once they are gone', async () => {
      const flow = await createFlow(t);
      const endpoint = await createEndpoint(t, { flowId: flow.id, name: 'Support bot' });
      const res = await t.admin('DELETE', `/api/v1/flows/${flow.id}`);
      expect(res.status).toBe(409);
      expect(res.body.type).toBe('urn:hookflow:problem:flow-in-use');
      expect(res.body.detail).toContain('Support bot');
      expect(res.body.detail).toContain(endpoint.id);
      expect((await t.admin('GET', `/api/v1/flows/${flow.id}`)).status).toBe(200);

      expect((await t.admin('DELETE', `/api/v1/endpoints/${endpoint.id}`)).status).toBe(204);
      expect((await t.admin('DELETE', `/api/v1/flows/${flow.id}`)).status).toBe(204);
    });

    it('answers 409 naming another flow that executes it', async () => {
      const target = await createFlow(t);
      const caller = await createFlow(t, {
        name: 'Caller flow',
        startNodeId: 'a',
        nodes: [{ id: 'a', type: 'executeFlow', flowId: target.id }],
      });
      const res = await t.admin('DELETE', `/api/v1/flows/${target.id}`);
      expect(res.status).toBe(409);
      expect(res.body.detail).toContain('Caller flow');
      expect(res.body.detail).toContain(caller.id);
    });
  });
});
