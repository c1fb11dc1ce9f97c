// /openapi.json is a valid OpenAPI 3.1 document of every public route (request and response bodies included, each
// schema valid JSON Schema 2020-12), and /docs renders it from the gateway's own files: every asset the page loads
// is served by the gateway itself, none from a CDN.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';
import { schemaAjv } from '../../helpers/openai-schema.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', GATEWAY_API_KEYS: 'gw-docs-key-123456' } });
  // A gateway opens its own PGlite log store: on a loaded machine that outlasts the default hook timeout.
}, 120_000);
afterAll(() => gateway?.close(), 60_000);

type Json = Record<string, unknown>;
type Operation = { summary?: string; requestBody?: { content: Record<string, { schema: Json }> }; responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }> };

/** The parts of the OpenAPI 3.1 document schema (spec.openapis.org/oas/3.1/schema) this gateway's document uses. */
const openApi31 = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+(-.+)?$' },
    info: { type: 'object', required: ['title', 'version'], properties: { title: { type: 'string' }, version: { type: 'string' } } },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: ['get', 'post', 'put', 'patch', 'delete', 'options', 'head', 'summary', 'description', 'parameters'] },
        additionalProperties: {
          type: 'object',
          required: ['responses'],
          properties: {
            responses: {
              type: 'object',
              minProperties: 1,
              propertyNames: { pattern: '^([1-5]\\d\\d|[1-5]XX|default)$' },
              additionalProperties: { type: 'object', required: ['description'] },
            },
            requestBody: { type: 'object', required: ['content'] },
            parameters: { type: 'array', items: { type: 'object', required: ['name', 'in'], properties: { in: { enum: ['query', 'header', 'path', 'cookie'] } } } },
          },
        },
      },
    },
    components: { type: 'object' },
  },
};

describe('/openapi.json', () => {
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    const res = await fetch(`${gateway.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as typeof doc;
  });

  it('validates as an OpenAPI 3.1 document', () => {
    const ajv = schemaAjv();
    const valid = ajv.validate(openApi31, doc);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\.1\./);
  });

  it('lists every public route, proxied ones with their request body, all with a JSON response schema', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    const expected = ['POST /v1/chat/completions', 'POST /v1/embeddings', 'GET /v1/models', 'GET /v1/llm/models', 'POST /api/ask', 'POST /api/streaming', 'GET /api/history', 'GET /health', 'GET /health/ready', 'GET /health/providers', 'GET /metrics'];
    for (const route of expected) expect(routes).toContain(route);
    expect(routes.some((r) => r.startsWith('GET /v1/models/'))).toBe(true);
    expect(routes.filter((r) => r.includes('/docs'))).toEqual([]);
    for (const path of ['/v1/chat/completions', '/v1/embeddings', '/api/ask', '/api/streaming']) {
      const body = doc.paths[path]!.post!.requestBody?.content['application/json']?.schema;
      expect(body, path).toMatchObject({ type: 'object' });
      expect(Object.keys((body as { properties: Json }).properties).length, path).toBeGreaterThan(0);
    }
    expect(doc.paths['/v1/chat/completions']!.post!.responses['200']!.content!['application/json']!.schema).toMatchObject({ properties: { choices: { type: 'array' } } });
    expect(doc.paths['/api/ask']!.post!.responses['200']!.content!['application/json']!.schema).toMatchObject({ properties: { answer: { type: 'string' } } });
  });

  it('every schema in it compiles as JSON Schema 2020-12 and accepts what the gateway really answers', async () => {
    const ajv = schemaAjv();
    const schemas: Json[] = [];
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        for (const media of Object.values(op.requestBody?.content ?? {})) schemas.push(media.schema);
        for (const response of Object.values(op.responses)) for (const media of Object.values(response.content ?? {})) schemas.push(media.schema);
      }
    }
    expect(schemas.length).toBeGreaterThan(10);
    for (const schema of schemas) expect(() => ajv.compile(schema)).not.toThrow();

    const headers = { authorization: 'Bearer gw-docs-key-123456', 'content-type': 'application/json' };
    const ask = await fetch(`${gateway.url}/api/ask`, { method: 'POST', headers, body: JSON.stringify({ question: 'hi' }) });
    const askSchema = doc.paths['/api/ask']!.post!.responses['200']!.content!['application/json']!.schema;
    expect(ajv.validate(askSchema, await ask.json())).toBe(true);
    const models = await fetch(`${gateway.url}/v1/models`, { headers });
    expect(ajv.validate(doc.paths['/v1/models']!.get!.responses['200']!.content!['application/json']!.schema, await models.json())).toBe(true);
    const bad = await fetch(`${gateway.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'mock/echo' }) });
    expect(ajv.validate(doc.paths['/v1/chat/completions']!.post!.responses.default!.content!['application/json']!.schema, await bad.json())).toBe(true);
  });

  it('needs no key (it describes the API, it is not part of it)', async () => {
    expect((await fetch(`${gateway.url}/openapi.json`)).status).toBe(200);
  });
});

describe('/docs', () => {
  it('serves the interactive page and every asset it loads from the gateway itself', async () => {
    const page = await fetch(`${gateway.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('swagger-ui');
    const pageUrl = new URL(page.url);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, pageUrl));
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.origin, asset.href).toBe(pageUrl.origin);
      const res = await fetch(asset);
      expect(res.status, asset.href).toBe(200);
      await res.arrayBuffer();
    }
    // The initializer points the UI at the gateway's own document.
    const initializer = assets.find((a) => a.pathname.endsWith('swagger-initializer.js'));
    expect(initializer).toBeDefined();
    const script = await (await fetch(initializer!)).text();
    const code = script.replace(/^\s*\/\/.*$/gm, '');
    expect(code).toContain("resolveUrl('./json')");
    expect(code).toContain('validatorUrl: null');
    expect(code).not.toMatch(/https?:\/\//);
    // What the page loads as its document is the gateway's own /openapi.json.
    const [fromPage, published] = await Promise.all([fetch(new URL('/docs/json', pageUrl)).then((r) => r.json()), fetch(`${gateway.url}/openapi.json`).then((r) => r.json())]);
    expect(fromPage).toEqual(published);
  });
});
