// Reads a V8 .cpuprofile and sums its non-idle samples by where the time went: socket writes, GC, each
// dependency, each folder of our own code, Node internals; and the functions with the most self time.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  busyMs: number;
  categories: Array<{ name: string; share: number }>;
  functions: Array<{ name: string; share: number }>;
}

const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String']);

function category(frame: ProfileNode['callFrame']): string {
  const { functionName: fn, url } = frame;
  if (SOCKET_WRITES.has(fn)) return 'socket write syscalls';
  if (fn === '(garbage collector)') return 'garbage collection';
  if (url.includes('node_modules/')) return `dependency: ${url.split('node_modules/').pop()!.split('/')[0]}`;
  if (url.includes('/dist/')) return `llm-gateway: src/${url.split('/dist/').pop()!.split('/').slice(0, -1).join('/') || '.'}`;
  if (url.startsWith('node:')) return 'Node internals (http, streams, events, timers…)';
  if (url.startsWith('wasm')) return 'dependency: undici (llhttp wasm)';
  return 'other native (microtasks, JSON, program)';
}

function label(frame: ProfileNode['callFrame']): string {
  const where = frame.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'src/');
  return `${frame.functionName || '(anonymous)'} ${where}${where ? `:${frame.lineNumber + 1}` : ''}`;
}

export function summarise(path: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    busy += us;
    const c = category(frame);
    byCategory.set(c, (byCategory.get(c) ?? 0) + us);
    const f = label(frame);
    byFunction.set(f, (byFunction.get(f) ?? 0) + us);
  }
  const ranked = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, share: us / busy }));
  return { busyMs: busy / 1000, categories: ranked(byCategory, 14), functions: ranked(byFunction, top) };
}
