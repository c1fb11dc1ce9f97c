// Unknown routes are seen: a 404 names the routes that exist, is logged at info with method and path, and is
// counted by method and a bounded area label (a scanner's random paths never become label values).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaOf } from '../../../src/http/plugins/not-found.js';
import { startGateway, type TestGateway } from '../../helpers/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ env: { MOCK_MODE: 'true', MOCK_DELAY_MS: '1', GATEWAY_API_KEYS: 'gw-404-key-1234567' } });
});
afterAll(() => gateway?.close());

const unknownRoutes = async () =>
  (await (await fetch(`${gateway.url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('gateway_unknown_route_total{'));

describe('unknown routes', () => {
  it('answer 404 in the OpenAI envelope, naming the routes that exist', async () => {
    const res = await fetch(`${gateway.baseURL}/chat/completion`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { message: string; code: string; type: string } };
    expect(body.error).toMatchObject({ code: 'not_found', type: 'not_found_error' });
    expect(body.error.message).toContain('No route POST /v1/chat/completion.');
    for (const route of ['POST /v1/chat/completions', 'POST /v1/embeddings', 'GET /v1/models', 'POST /api/ask']) expect(body.error.message).toContain(route);
    // The docs' own asset routes are not public routes.
    expect(body.error.message).not.toContain('/docs/static');
  });

  it('are counted by method and area, never by raw path, and logged at info with method and path', async () => {
    await fetch(`${gateway.url}/wp-admin/setup-${crypto.randomUUID()}.php`);
    await fetch(`${gateway.url}/wp-admin/setup-${crypto.randomUUID()}.php`);
    await fetch(`${gateway.baseURL}/assistants`, { method: 'POST', body: '{}' });
    const lines = await unknownRoutes();
    expect(lines).toContain('gateway_unknown_route_total{method="GET",area="other"} 2');
    expect(lines).toContain('gateway_unknown_route_total{method="POST",area="v1"} 2');
    expect(lines.join('\n')).not.toContain('wp-admin');
    const logged = gateway.logLines.map((l) => JSON.parse(l) as { level: number; msg: string; method?: string; path?: string }).filter((l) => l.msg === 'unknown route');
    expect(logged).toContainEqual(expect.objectContaining({ level: 30, method: 'POST', path: '/v1/assistants' }));
  });

  it('bounds the area label to the prefixes the gateway knows', () => {
    expect(areaOf('/v1/x?y=1')).toBe('v1');
    expect(areaOf('/health/nope')).toBe('health');
    expect(areaOf('/.env')).toBe('other');
    expect(areaOf('/')).toBe('other');
  });
});
