import SwaggerParser from '@apidevtools/swagger-parser';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TMP_ROOT } from '../support/paths.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const OUT_DIR = join(TEST_TMP_ROOT, 'openapi');
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, unknown>;
}

/**
 * A typed client written against the generated schema. The same file is type-checked (strict) and then run
 * against the live app, so both the types and the runtime behaviour of the documented API are exercised.
 */
const CLIENT_SOURCE = `
import createClient from 'openapi-fetch';
import type { components, paths } from './schema.js';

type Endpoint = components['schemas']['EndpointResponseDto'];

export interface ClientRun {
  flowId: string;
  created: components['schemas']['EndpointWithSecretResponseDto'];
  read: Endpoint;
  patched: Endpoint;
  listed: Endpoint[];
  missingStatus: number;
  missingType: string;
}

export async function run(baseUrl: string, apiKey: string): Promise<ClientRun> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: \`Bearer \${apiKey}\` } });

  const flow = await client.POST('/api/v1/flows', {
    body: { name: 'typed client', startNodeId: 'n1', nodes: [{ id: 'n1', type: 'say', text: 'hi {{input.text}}' }] },
  });
  if (!flow.data) throw new Error(\`createFlow answered \${flow.response.status}\`);
  const flowId: string = flow.data.id;
  const version: number = flow.data.version;
  if (version !== 1) throw new Error('a new flow has version 1');

  const created = await client.POST('/api/v1/endpoints', {
    body: {
      name: 'typed endpoint',
      flowId,
      webhookUrl: 'http://127.0.0.1:9/hook',
      basicAuthUser: 'bot',
      basicAuthPassword: 'typed-secret',
      authMethod: 'apiKey',
      dataProtection: { maskLogging: true },
      delivery: { retrySchedule: [1, 2.5] },
    },
  });
  if (!created.data) throw new Error(\`createEndpoint answered \${created.response.status}\`);
  const secret: string = created.data.signingSecret;
  if (!secret.startsWith('whsec_')) throw new Error('no signing secret');

  const read = await client.GET('/api/v1/endpoints/{id}', { params: { path: { id: created.data.id } } });
  if (!read.data) throw new Error(\`getEndpoint answered \${read.response.status}\`);

  const patched = await client.PATCH('/api/v1/endpoints/{id}', {
    params: { path: { id: created.data.id } },
    body: { rateLimit: { perSecond: 5 }, basicAuthPassword: null, dataProtection: { retentionDays: 7 } },
  });
  if (!patched.data) throw new Error(\`updateEndpoint answered \${patched.response.status}\`);

  const list = await client.GET('/api/v1/endpoints', { params: { query: { limit: 200 } } });
  if (!list.data) throw new Error(\`listEndpoints answered \${list.response.status}\`);
  const next: string | null = list.data.nextCursor;
  void next;

  const missing = await client.GET('/api/v1/flows/{id}', {
    params: { path: { id: '00000000-0000-4000-8000-000000000000' } },
  });
  return {
    flowId,
    created: created.data,
    read: read.data,
    patched: patched.data,
    listed: list.data.items,
    missingStatus: missing.response.status,
    missingType: missing.error?.type ?? '',
  };
}
`;

/** Must not compile: proves the type check sees the schema (a wrong field type, an unknown path). */
const BROKEN_CLIENT_SOURCE = `
import createClient from 'openapi-fetch';
import type { paths } from './schema.js';

const client = createClient<paths>({ baseUrl: 'http://localhost' });
export const wrongType = client.POST('/api/v1/endpoints', { body: { name: 'x', flowId: 'y', webhookUrl: 42 } });
export const unknownPath = client.GET('/api/v1/nothing-here');
`;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  skipLibCheck: true,
  noUnusedLocals: true,
};

/**
 * Type-checks `file`; `inMemory` serves sources that must not exist on disk (the project's own `tsc` covers
 * test/, and a deliberately broken file there would fail it).
 */
function typeCheck(file: string, inMemory: Record<string, string> = {}): readonly ts.Diagnostic[] {
  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (name) => name in inMemory || fileExists(name);
  host.readFile = (name) => inMemory[name] ?? readFile(name);
  host.getSourceFile = (name, language, ...rest) =>
    name in inMemory ? ts.createSourceFile(name, inMemory[name], language) : getSourceFile(name, language, ...rest);
  return ts.getPreEmitDiagnostics(ts.createProgram([file], COMPILER_OPTIONS, host));
}

function describeDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return diagnostics
    .map(
      (diagnostic) =>
        `${diagnostic.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`,
    )
    .join('\n');
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    t = await startTestApp();
    const res = await t.request('GET', '/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(async () => {
    await t?.close();
  });

  const operations = (): Array<{ method: string; path: string; operation: Operation }> =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] })),
    );

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
  });

  it('documents the admin routes of flows and endpoints', () => {
    const routes = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/flows',
        'GET /api/v1/flows',
        'GET /api/v1/flows/{id}',
        'PUT /api/v1/flows/{id}',
        'PATCH /api/v1/flows/{id}',
        'DELETE /api/v1/flows/{id}',
        'POST /api/v1/endpoints',
        'GET /api/v1/endpoints',
        'GET /api/v1/endpoints/{id}',
        'PATCH /api/v1/endpoints/{id}',
        'DELETE /api/v1/endpoints/{id}',
        'POST /api/v1/endpoints/{id}/rotate-token',
        'POST /api/v1/endpoints/{id}/rotate-secret',
        'POST /api/v1/endpoints/{id}/api-keys',
        'GET /api/v1/endpoints/{id}/api-keys',
        'DELETE /api/v1/endpoints/{id}/api-keys/{keyId}',
        'POST /api/v1/api-keys',
        'GET /api/v1/api-keys',
        'DELETE /api/v1/api-keys/{id}',
      ]),
    );
    expect(routes).not.toContain('PUT /api/v1/endpoints/{id}');
  });

  it('gives every operation a unique, camelCase operationId', () => {
    const ids = operations().map(
      ({ method, path, operation }) => operation.operationId ?? `<missing: ${method} ${path}>`,
    );
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    const duplicates = ids.filter((id, index) => ids.indexOf(id) !== index);
    expect(duplicates).toEqual([]);
  });

  it('gives every admin operation a summary, a security requirement and a 401 response', () => {
    const admin = operations().filter(({ path }) => path.startsWith('/api/v1/'));
    expect(admin.length).toBeGreaterThan(15);
    for (const { method, path, operation } of admin) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.summary, where).toBeTruthy();
      expect(operation.security?.length, where).toBeGreaterThan(0);
      expect(operation.responses, where).toHaveProperty('401');
    }
  });

  it('never exposes the basic-auth password in a response schema', () => {
    const schemas = (doc as unknown as { components: { schemas: Record<string, { properties?: object }> } }).components
      .schemas;
    expect(Object.keys(schemas.EndpointResponseDto.properties ?? {})).not.toContain('basicAuthPassword');
    expect(Object.keys(schemas.EndpointResponseDto.properties ?? {})).not.toContain('signingSecret');
    expect(Object.keys(schemas.EndpointWithSecretResponseDto.properties ?? {})).toContain('signingSecret');
  });

  describe('generated TypeScript client', () => {
    let clientFile: string;
    beforeAll(async () => {
      mkdirSync(OUT_DIR, { recursive: true });
      const ast = await openapiTS(structuredClone(doc) as never);
      writeFileSync(join(OUT_DIR, 'schema.d.ts'), astToString(ast));
      clientFile = join(OUT_DIR, 'client.ts');
      writeFileSync(clientFile, CLIENT_SOURCE);
    });

    it('type-checks a strict client written against the generated types', () => {
      const diagnostics = typeCheck(clientFile);
      expect(describeDiagnostics(diagnostics)).toBe('');
    });

    it('rejects a client that misuses the API (the check is not vacuous)', () => {
      const brokenFile = join(OUT_DIR, 'broken-client.ts');
      const diagnostics = typeCheck(brokenFile, { [brokenFile]: BROKEN_CLIENT_SOURCE });
      const lines = diagnostics.map((diagnostic) => {
        const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
        return BROKEN_CLIENT_SOURCE.split('\n')[line];
      });
      expect(
        lines.some((line) => line.includes('webhookUrl: 42')),
        describeDiagnostics(diagnostics),
      ).toBe(true);
      expect(
        lines.some((line) => line.includes('/api/v1/nothing-here')),
        describeDiagnostics(diagnostics),
      ).toBe(true);
    });

    it('runs that client against the live app', async () => {
      const { run } = (await import(pathToFileURL(clientFile).href)) as {
        run: (baseUrl: string, apiKey: string) => Promise<any>;
      };
      const result = await run(t.baseUrl, t.adminKey);
      expect(result.created).toMatchObject({
        name: 'typed endpoint',
        flowId: result.flowId,
        basicAuthPasswordSet: true,
      });
      expect(result.read).toMatchObject({
        id: result.created.id,
        authMethod: 'apiKey',
        dataProtection: { maskLogging: true },
      });
      expect(result.read.delivery.retrySchedule).toEqual([1, 2.5]);
      expect(result.read).not.toHaveProperty('signingSecret');
      expect(result.patched).toMatchObject({
        rateLimit: { perSecond: 5, burst: null },
        basicAuthPasswordSet: false,
        dataProtection: { maskLogging: true, retentionDays: 7 },
      });
      expect(result.listed.map((endpoint: { id: string }) => endpoint.id)).toContain(result.created.id);
      expect(result.missingStatus).toBe(404);
      expect(result.missingType).toBe('urn:hookflow:problem:flow-not-found');
    });
  });
});
