// Scripted in-process providers and a router over them, for tests of the router's decisions without HTTP.
import { DEFAULT_ROUTING, type RoutingSettings } from '../../src/config.js';
import { GatewayError, upstreamHttpError } from '../../src/errors.js';
import { makeCompletion } from '../../src/providers/chunks.js';
import type { Capabilities, Provider } from '../../src/providers/provider.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { chatRequestSchema, type ChatRequest } from '../../src/schemas/chat-request.js';
import { HealthTracker } from '../../src/routing/health.js';
import type { RoutePlan } from '../../src/routing/resolve.js';
import { Router, type AttemptRecord } from '../../src/routing/router.js';
import { createDispatcher } from '../../src/upstream/http.js';

export type Step = 'ok' | GatewayError | { hangMs: number };
export const full: Capabilities = { tools: true, vision: true, jsonSchema: true, reasoning: false, embeddings: false, files: false };

/** A provider that plays a script, one step per call; the last step repeats. */
export function scripted(id: string, steps: Step[], capabilities: Capabilities = full): Provider & { calls: number } {
  const provider = {
    id,
    type: 'openai-compatible' as const,
    calls: 0,
    capabilities: () => capabilities,
    listModels: async () => [],
    probe: async () => undefined,
    async chat(_request: ChatRequest, model: string, options: { signal: AbortSignal }) {
      const step = steps[Math.min(provider.calls, steps.length - 1)]!;
      provider.calls++;
      if (step instanceof GatewayError) throw step;
      if (step !== 'ok') {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, step.hangMs);
          options.signal.addEventListener('abort', () => (clearTimeout(timer), reject(options.signal.reason)), { once: true });
        });
      }
      return makeCompletion(`${id}/${model}`, { role: 'assistant', content: `from ${id}` }, 'stop', undefined);
    },
    chatStream: async () => {
      throw new Error('not used');
    },
  };
  return provider;
}

export const err500 = (p: string) => upstreamHttpError(p, 500, { message: 'boom' });
export const err429 = (p: string, retryAfter: number) => upstreamHttpError(p, 429, { message: 'slow down', retryAfter });

export function setup(providers: Provider[], options: { random?: () => number; health?: HealthTracker } = {}) {
  const registry = new ProviderRegistry({ dispatcher: createDispatcher() });
  for (const p of providers) registry.add({ id: p.id, type: 'openai-compatible', baseUrl: 'http://unused' }, p);
  const sleeps: number[] = [];
  const health = options.health ?? new HealthTracker();
  const router = new Router(registry, health, {}, {
    random: options.random ?? (() => 0.5),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { router, sleeps, health };
}

export function plan(targets: string[], settings: Partial<RoutingSettings> = {}, strategy: RoutePlan['strategy'] = 'fallback'): RoutePlan {
  return {
    requested: 'test',
    strategy,
    targets: targets.map((t) => ({ provider: t.split('/')[0]!, model: t.split('/')[1]!, weight: 1 })),
    settings: { ...DEFAULT_ROUTING, backoff_base_ms: 100, ...settings },
  };
}

export const request = chatRequestSchema.parse({ model: 'test', messages: [{ role: 'user', content: 'hi' }] });
export const ctx = () => ({ signal: new AbortController().signal, attempts: [] as AttemptRecord[] });

