// PGlite runs in the gateway's own thread, so the batch statement's planning is the gateway's time: with the
// overview and spend folds it took ~90 ms a batch whatever the batch's size (bench/.tmp measurement, 10-row
// batches: 91 ms planned each time, 7 ms prepared with a generic plan), blocking every request meanwhile. Preparing
// it once per session and executing it with a generic plan leaves only the execution.
import type { PGlite } from '@electric-sql/pglite';

export type RunPrepared = (name: string, query: { sql: string; params: unknown[] }) => Promise<void>;

/** A string as an SQL literal (standard_conforming_strings is on: only the quote needs doubling). */
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

export function preparedRunner(client: PGlite): RunPrepared {
  const prepared = new Set<string>();
  return async (name, query) => {
    const params = query.params.map((p) => {
      if (typeof p !== 'string') throw new Error(`prepared statement ${name}: parameters must be strings`);
      return literal(p);
    });
    if (!prepared.has(name)) {
      await client.exec(`prepare ${name}(${params.map(() => 'text').join(', ')}) as ${query.sql}`);
      prepared.add(name);
    }
    // Generic for this statement only: the console's own queries keep their custom plans.
    try {
      await client.exec(`set plan_cache_mode = force_generic_plan; execute ${name}(${params.join(', ')}); reset plan_cache_mode`);
    } catch (err) {
      await client.exec('reset plan_cache_mode');
      throw err;
    }
  };
}
