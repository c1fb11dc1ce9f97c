// What the log-store micro-benchmarks share: a statement on the admin database (to create and drop their scratch
// database), and the batch insert with no rollup fold, to price the folds against.
import { getTableName, sql, type SQL } from 'drizzle-orm';
import pg from 'pg';
import { requestLogs, upstreamAttempts } from '../src/request-log/schema.js';

export const ADMIN_URL = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function admin(query: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/** The URL of a database on the admin server. */
export function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const requestTable = sql.identifier(getTableName(requestLogs));
const attemptTable = sql.identifier(getTableName(upstreamAttempts));

/** The batch statement without the spend and overview folds (as it was before the rollups). */
export const insertWithoutFolds = (requests: string, attempts: string): SQL =>
  sql`with r as (insert into ${requestTable} select * from json_populate_recordset(null::${requestTable}, ${requests}::json) on conflict do nothing) insert into ${attemptTable} select * from json_populate_recordset(null::${attemptTable}, ${attempts}::json) on conflict do nothing`;
