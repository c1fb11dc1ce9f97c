// PGlite's prepared batch path: parameters arrive intact (quotes included), the statement is prepared once, and the
// generic-plan setting never outlives the statement, even when it fails.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparedRunner } from '../../src/request-log/pglite-prepared.js';

let client: PGlite;
beforeAll(async () => {
  client = new PGlite();
  await client.exec('create table t (id text primary key, body json not null)');
});
afterAll(() => client.close());

const planMode = async () => (await client.query<{ plan_cache_mode: string }>('show plan_cache_mode')).rows[0]!.plan_cache_mode;
const insert = { sql: 'insert into t select * from json_populate_recordset(null::t, $1::json)' };

describe('preparedRunner', () => {
  it('inserts what it is given, quotes and backslashes included, preparing once', async () => {
    const run = preparedRunner(client);
    const rows = [{ id: "it's", body: { text: "O'Brien \\ \"quoted\"" } }, { id: 'b', body: {} }];
    await run('ins', { ...insert, params: [JSON.stringify(rows)] });
    await run('ins', { ...insert, params: [JSON.stringify([{ id: 'c', body: { n: 1 } }])] });
    const stored = await client.query<{ id: string; body: unknown }>('select id, body from t order by id');
    expect(stored.rows).toEqual([{ id: 'b', body: {} }, { id: 'c', body: { n: 1 } }, { id: "it's", body: { text: "O'Brien \\ \"quoted\"" } }]);
    expect((await client.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements where name = 'ins'")).rows[0]!.n).toBe(1);
    expect(await planMode()).toBe('auto');
  });

  it('a failing execution throws and leaves the plan mode as it was', async () => {
    const run = preparedRunner(client);
    await expect(run('ins2', { ...insert, params: [JSON.stringify([{ id: 'b', body: {} }])] })).rejects.toThrow(/duplicate key/);
    expect(await planMode()).toBe('auto');
  });
});
