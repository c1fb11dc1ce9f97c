// A database of its own on the DATABASE_URL server, for a test that counts every row of a table (the suite's other
// files write to the shared one in parallel); dropped again afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PrivateDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function privateDatabase(serverUrl: string, prefix: string): Promise<PrivateDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
