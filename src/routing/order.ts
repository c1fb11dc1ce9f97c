// Target ordering per strategy and the capability filter: which deployments to try, in which order.
import type { ChatRequest } from '../schemas/chat-request.js';
import type { Capabilities } from '../providers/provider.js';
import type { RoutePlan, Target } from './resolve.js';

export interface Needs {
  tools: boolean;
  vision: boolean;
  jsonSchema: boolean;
}

export function needsOf(request: ChatRequest): Needs {
  const vision = request.messages.some(
    (m) => m.role === 'user' && Array.isArray(m.content) && m.content.some((part) => part.type === 'image_url'),
  );
  return {
    tools: (request.tools?.length ?? 0) > 0,
    vision,
    jsonSchema: request.response_format?.type === 'json_schema',
  };
}

export function satisfies(capabilities: Capabilities, needs: Needs): boolean {
  return (!needs.tools || capabilities.tools) && (!needs.vision || capabilities.vision) && (!needs.jsonSchema || capabilities.jsonSchema);
}

export function describeNeeds(needs: Needs): string {
  return (Object.keys(needs) as Array<keyof Needs>).filter((k) => needs[k]).join(', ');
}

/** Weighted random order without replacement: the first pick follows the weights, the rest are fallbacks. */
function weightedShuffle(targets: Target[], random: () => number): Target[] {
  const pool = [...targets];
  const out: Target[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, t) => sum + t.weight, 0);
    let roll = random() * total;
    let index = pool.findIndex((t) => (roll -= t.weight) < 0);
    if (index === -1) index = pool.length - 1;
    out.push(...pool.splice(index, 1));
  }
  return out;
}

export function orderTargets(
  plan: RoutePlan,
  latencyOf: (t: Target) => number | undefined,
  random: () => number = Math.random,
): Target[] {
  if (plan.strategy === 'loadbalance') return weightedShuffle(plan.targets, random);
  if (plan.strategy === 'least-latency') {
    // Unmeasured deployments go first so every one gets measured.
    return [...plan.targets].sort((a, b) => (latencyOf(a) ?? -1) - (latencyOf(b) ?? -1));
  }
  return plan.targets;
}
