// The free-text filter's trigram index (drizzle/0009) on both backends: PGlite loads pg_trgm where the database opens,
// so the migration's CREATE EXTENSION and index land there as on the Postgres server; and the request list's `q`
// condition is one the index answers (the planner picks it once a scan is ruled out: tables here are too small to
// prefer it on their own; bench/console-queries.ts shows it chosen at 2M rows).
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { filterConditions } from '../../src/http/admin/console-request-query.js';
import { requestLogs } from '../../src/request-log/schema.js';
import { fileDatabase } from '../helpers/fresh-database.js';

const database = fileDatabase();

const rowsOf = (result: unknown) => ((result as { rows?: Array<Record<string, unknown>> }).rows ?? (result as Array<Record<string, unknown>>));

describe(`question trigram index (${process.env.DATABASE_URL ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('exists with pg_trgm, and answers the request list’s q condition', async () => {
    const extension = rowsOf(await database().db.execute(sql`select extname from pg_extension where extname = 'pg_trgm'`));
    expect(extension).toHaveLength(1);
    const index = rowsOf(await database().db.execute(sql`select indexdef from pg_indexes where indexname = 'request_logs_question_trgm_idx'`));
    expect(String(index[0]?.indexdef)).toContain('gin_trgm_ops');
    // The q condition alone (the list adds it last): with the window's created_at condition an empty table's plan would
    // rather scan that index.
    const qCondition = filterConditions({ q: 'zanzibar' }, Date.now()).at(-1)!;
    const { sql: text, params } = database().db.select({ id: requestLogs.id }).from(requestLogs).where(qCondition).toSQL();
    const inline = params.reduce<string>((q, p, i) => q.replace(new RegExp(`\\$${i + 1}(?!\\d)`), typeof p === 'number' ? String(p) : `'${String(p).replace(/'/g, "''")}'`), text);
    // One transaction, so the planner settings stay on this connection and end with it.
    const plan = await database().db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_indexscan = off`);
      return rowsOf(await tx.execute(sql.raw(`explain ${inline}`)));
    });
    expect(plan.map((row) => Object.values(row)[0]).join('\n')).toContain('request_logs_question_trgm_idx');
  });
});
