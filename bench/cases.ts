// What the benchmark measures besides the target: each case is one surface (or key) of the gateway, how every target
// is called for it, which floor run it is compared with, and the plan that turns `--scenarios` into runs per target.
import { CHAT, type Dialect, type Endpoint } from './checks.js';
import { MESSAGES, RESPONSES } from './dialects.js';
import { SIMPLE, SIMPLE_SESSION } from './simple-api.js';
import type { CaseRef, Goal } from './report.js';
import type { TargetName } from './targets.js';

export const GROUPS = ['chat', 'responses', 'messages', 'governance', 'simple'] as const;
export type Group = (typeof GROUPS)[number];

/** How a started target is reached: its origin, the fake upstream's, and the keys it accepts. */
export interface Reach {
  origin: string;
  upstreamOrigin: string;
  apiKey: string;
  /** Governed gateways only: the static key and the virtual key created through the admin API at start. */
  staticKey?: string;
  virtualKey?: string;
}

export interface Case {
  name: string;
  group: Group;
  /** Prefix of its rows in the report ('' for chat, so chat rows read as they always have). */
  label: string;
  /** The floor run this case is compared with: the raw proxy to the same upstream path the gateway calls. */
  floorCase: string;
  /** Compared, on each gateway target, with that case's run on the same target (chat: the issues' "× chat's"). */
  comparedWith?: string;
  goal?: Goal;
  /** A gateway process started with Redis, an admin key and a static key (keys made through the admin API). */
  governed?: boolean;
  /** Connections when --connections is not given. */
  connections?: number[];
  /** The endpoint for a target, or why that target has no equivalent (printed in the report). */
  endpoint: (target: TargetName, reach: Reach) => Endpoint | string;
}

const ep = (reach: Reach, dialect: Dialect, model: string, headers: Record<string, string>): Endpoint => ({ url: `${reach.origin}${dialect.path}`, headers, model, dialect });
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
// Portkey's SSRF guard admits loopback custom hosts only via its default TRUSTED_CUSTOM_HOSTS (localhost, 127.0.0.1, ::1).
const portkey = (reach: Reach, provider: string) => ({ ...bearer(reach.apiKey), 'x-portkey-provider': provider, 'x-portkey-custom-host': `${reach.upstreamOrigin}/v1` });
// The new surfaces share chat's pipeline, routing and log store: one store is enough to price each of them, and
// c128 on two cores only queues (same req/s as c32), so they run at 1 and 32 connections unless told otherwise.
const SURFACE_CONNECTIONS = [1, 32];

/** The simple API (/api/ask, /api/streaming) on the gateway, priced against `comparedWith` on the same gateway. */
function simpleCase(name: string, label: string, comparedWith: string, dialect: Dialect): Case {
  return {
    name,
    group: 'simple',
    label,
    floorCase: 'chat',
    comparedWith,
    goal: { text: 'a stated cost (no goal set)' },
    connections: SURFACE_CONNECTIONS,
    endpoint: (t, r) => (t === 'gateway-pg' ? ep(r, dialect, 'openai/bench-model', {}) : "the simple API is the gateway's own"),
  };
}

export const CASES: readonly Case[] = [
  {
    name: 'chat',
    group: 'chat',
    label: '',
    floorCase: 'chat',
    endpoint: (t, r) => (t === 'floor' ? ep(r, CHAT, 'bench-model', bearer(r.apiKey)) : t === 'portkey' ? ep(r, CHAT, 'bench-model', portkey(r, 'openai')) : ep(r, CHAT, 'openai/bench-model', {})),
  },
  {
    name: 'responses-bridge',
    group: 'responses',
    label: 'responses bridge',
    floorCase: 'chat',
    comparedWith: 'chat',
    goal: { text: "≥ 0.85× chat's req/s (issue 12)", minRatio: 0.85 },
    connections: SURFACE_CONNECTIONS,
    endpoint: (t, r) =>
      t === 'gateway-pg' ? ep(r, RESPONSES, 'openai-chat/bench-model', {}) : t === 'portkey' ? "Portkey 1.15.2 has no bridge: for a chat-only provider (deepseek, groq) /v1/responses answers 500 'createModelResponse is not supported'" : 'gateway-pg only',
  },
  {
    name: 'responses-native',
    group: 'responses',
    label: 'responses native',
    floorCase: 'responses-native',
    comparedWith: 'chat',
    goal: { text: "within chat's run-to-run spread (issue 12)" },
    connections: SURFACE_CONNECTIONS,
    endpoint: (t, r) =>
      t === 'floor' ? ep(r, RESPONSES, 'bench-model', bearer(r.apiKey)) : t === 'portkey' ? ep(r, RESPONSES, 'bench-model', portkey(r, 'openai')) : t === 'gateway-pg' ? ep(r, RESPONSES, 'openai/bench-model', {}) : 'gateway-pg only',
  },
  {
    name: 'messages-native',
    group: 'messages',
    label: 'messages native',
    floorCase: 'messages-native',
    comparedWith: 'chat',
    goal: { text: "within chat's run-to-run spread (issue 13)" },
    connections: SURFACE_CONNECTIONS,
    endpoint: (t, r) => {
      const anthropic = { 'x-api-key': r.apiKey, 'anthropic-version': '2023-06-01' };
      if (t === 'floor') return ep(r, MESSAGES, 'bench-model', anthropic);
      if (t === 'portkey') return ep(r, MESSAGES, 'bench-model', { ...anthropic, 'x-portkey-provider': 'anthropic', 'x-portkey-custom-host': `${r.upstreamOrigin}/v1` });
      return t === 'gateway-pg' ? ep(r, MESSAGES, 'anthropic/bench-model', { 'anthropic-version': '2023-06-01' }) : 'gateway-pg only';
    },
  },
  {
    name: 'messages-translated',
    group: 'messages',
    label: 'messages → chat',
    floorCase: 'chat',
    comparedWith: 'chat',
    goal: { text: "≥ 0.85× chat's req/s (issue 13)", minRatio: 0.85 },
    connections: SURFACE_CONNECTIONS,
    endpoint: (t, r) =>
      t === 'gateway-pg' ? ep(r, MESSAGES, 'openai/bench-model', { 'anthropic-version': '2023-06-01' }) : t === 'portkey' ? "Portkey 1.15.2 does not translate: /v1/messages with provider openai answers 'messages is not supported by openai'" : 'gateway-pg only',
  },
  {
    name: 'static-key',
    group: 'governance',
    label: 'gov static key',
    floorCase: 'chat',
    governed: true,
    connections: [32],
    endpoint: (t, r) => (t === 'gateway-pg' && r.staticKey ? ep(r, CHAT, 'openai/bench-model', bearer(r.staticKey)) : 'gateway-pg only'),
  },
  {
    name: 'virtual-key',
    group: 'governance',
    label: 'gov virtual key',
    floorCase: 'chat',
    comparedWith: 'static-key',
    goal: { text: '≥ 0.85× and p99 within 1 ms of the static key (issue 14)', minRatio: 0.85, maxAddedP99Ms: 1 },
    governed: true,
    connections: [32],
    endpoint: (t, r) =>
      t === 'gateway-pg' && r.virtualKey ? ep(r, CHAT, 'openai/bench-model', bearer(r.virtualKey)) : t === 'portkey' ? "Portkey's open-source gateway has no virtual keys, limits or budgets" : 'gateway-pg only',
  },
  simpleCase('ask', 'simple ask', 'chat', SIMPLE),
  simpleCase('ask-session', 'simple ask in a session', 'ask', SIMPLE_SESSION),
];

export const caseRef = (c: Case): CaseRef => ({ case: c.name, order: CASES.indexOf(c), label: c.label, floorCase: c.floorCase, ...(c.comparedWith ? { comparedWith: c.comparedWith, goal: c.goal } : {}) });

export const caseNamed = (name: string): Case => {
  const c = CASES.find((k) => k.name === name);
  if (!c) throw new Error(`unknown case ${name}`);
  return c;
};

/** One target's runs: a case at some connection counts (a process per target and governed-ness). */
export interface PlannedRun {
  case: Case;
  connections: number[];
}

/** Which runs each target makes for the chosen groups: the cases themselves where the target has them, the floor
 *  runs they are compared with, and each gateway's chat run for the cases compared with chat. */
export function plan(groups: readonly Group[], targets: readonly TargetName[], connections: number[] | undefined, canRun: (c: Case, t: TargetName) => boolean): Map<TargetName, PlannedRun[]> {
  const out = new Map<TargetName, PlannedRun[]>();
  const add = (t: TargetName, c: Case, conns: number[]) => {
    const runs = out.get(t) ?? [];
    const run = runs.find((r) => r.case === c);
    if (run) run.connections = [...new Set([...run.connections, ...conns])].sort((a, b) => a - b);
    else runs.push({ case: c, connections: [...conns] });
    out.set(t, runs);
  };
  for (const c of CASES.filter((k) => groups.includes(k.group))) {
    const conns = connections ?? c.connections ?? [1, 32, 128];
    for (const t of targets) {
      if (t === 'floor') add(t, caseNamed(c.floorCase), conns);
      else if (canRun(c, t)) {
        add(t, c, conns);
        // Only the gateway's goals are stated against a baseline on the same target (bench/report.ts).
        if (c.comparedWith && t.startsWith('gateway')) add(t, caseNamed(c.comparedWith), conns);
      }
    }
  }
  // Runs in the order cases are listed, so every report reads chat first.
  for (const runs of out.values()) runs.sort((a, b) => CASES.indexOf(a.case) - CASES.indexOf(b.case));
  return out;
}

export function parseGroups(value: string | undefined): Group[] {
  if (!value) return [...GROUPS];
  const names = value.split(',').map((g) => g.trim()).filter(Boolean);
  for (const g of names) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`unknown scenario ${g}; known: ${GROUPS.join(', ')}`);
  return names as Group[];
}
