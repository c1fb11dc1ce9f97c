// Which runs `npm run bench --scenarios …` makes on each target: the cases, their floors and their baselines.
import { describe, expect, it } from 'vitest';
import { CASES, parseGroups, plan, type Reach } from '../../bench/cases.js';
import type { TargetName } from '../../bench/targets.js';

const reach: Reach = { origin: 'http://gw', upstreamOrigin: 'http://up', apiKey: 'k', staticKey: 's', virtualKey: 'v' };
const canRun = (c: (typeof CASES)[number], t: TargetName) => typeof c.endpoint(t, reach) !== 'string';
const summary = (m: ReturnType<typeof plan>) => Object.fromEntries([...m].map(([t, runs]) => [t, runs.map((r) => `${r.case.name}@${r.connections.join('/')}`)]));

describe('plan', () => {
  it('gives the floor the runs the cases are compared with, and each gateway its chat baseline', () => {
    expect(summary(plan(['responses'], ['floor', 'portkey', 'gateway-pg', 'gateway-pglite'], undefined, canRun))).toEqual({
      floor: ['chat@1/32', 'responses-native@1/32'],
      portkey: ['responses-native@1/32'],
      'gateway-pg': ['chat@1/32', 'responses-bridge@1/32', 'responses-native@1/32'],
    });
  });

  it('runs governance at 32 connections on a governed gateway, with chat as its floor', () => {
    const runs = plan(['governance'], ['floor', 'portkey', 'gateway-pg'], undefined, canRun);
    expect(summary(runs)).toEqual({ floor: ['chat@32'], 'gateway-pg': ['static-key@32', 'virtual-key@32'] });
    expect(runs.get('gateway-pg')?.every((r) => r.case.governed)).toBe(true);
  });

  it('merges connection counts when a chat run serves several groups, and --connections overrides every case', () => {
    expect(summary(plan(['chat', 'messages'], ['floor', 'gateway-pg'], undefined, canRun))['gateway-pg']).toEqual(['chat@1/32/128', 'messages-native@1/32', 'messages-translated@1/32']);
    expect(summary(plan(['governance', 'chat'], ['gateway-pg'], [8], canRun))['gateway-pg']).toEqual(['chat@8', 'static-key@8', 'virtual-key@8']);
  });

  it('calls each target in its own dialect and with the key the case is about', () => {
    const byName = (name: string) => CASES.find((c) => c.name === name)!;
    const pass = byName('messages-native').endpoint('portkey', reach);
    expect(pass).toMatchObject({ url: 'http://gw/v1/messages', headers: { 'x-portkey-provider': 'anthropic', 'x-portkey-custom-host': 'http://up/v1' } });
    expect(byName('virtual-key').endpoint('gateway-pg', reach)).toMatchObject({ url: 'http://gw/v1/chat/completions', headers: { authorization: 'Bearer v' } });
    expect(byName('responses-bridge').endpoint('gateway-pg', reach)).toMatchObject({ model: 'openai-chat/bench-model' });
    expect(byName('responses-bridge').endpoint('portkey', reach)).toMatch(/createModelResponse is not supported/);
  });
});

describe('parseGroups', () => {
  it('takes every group by default and refuses an unknown one', () => {
    expect(parseGroups(undefined)).toEqual(['chat', 'responses', 'messages', 'governance', 'simple']);
    expect(parseGroups('responses, governance')).toEqual(['responses', 'governance']);
    expect(() => parseGroups('responses,budgets')).toThrow(/unknown scenario budgets/);
  });
});
