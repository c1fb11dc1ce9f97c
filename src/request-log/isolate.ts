// Finds the entries a reachable database refuses in a batch it refused, by halving: the rest are stored in a few
// statements instead of one per entry, so one bad row never degrades the writer to row-at-a-time.
import type { WriterEntry } from './store.js';

export interface Refusal {
  entry: WriterEntry;
  error: unknown;
}

export type Isolation =
  /** Everything but `refused` is stored. */
  | { reachable: true; refused: Refusal[] }
  /** The database went away mid-way: retry the batch later (inserts are idempotent). */
  | { reachable: false; error: unknown };

export interface IsolationSink {
  insert(entries: WriterEntry[]): Promise<void>;
  reachable(): Promise<boolean>;
}

/**
 * A batch of n holding k refused entries costs about 2·k·log2(n/k) statements (17 for one bad entry among 200), and a
 * ping after each refusal tells a bad entry from an outage.
 */
export async function isolateRefused(batch: WriterEntry[], firstError: unknown, sink: IsolationSink): Promise<Isolation> {
  const refusedParts: Array<{ part: WriterEntry[]; error: unknown }> = [{ part: batch, error: firstError }];
  const refused: Refusal[] = [];
  for (let next = refusedParts.pop(); next; next = refusedParts.pop()) {
    const { part, error } = next;
    // An entry refused alone is refused; a batch of one is tried once more (the refusal may have been a blip).
    if (part.length === 1 && part !== batch) {
      refused.push({ entry: part[0]!, error });
      continue;
    }
    const middle = part.length >> 1;
    for (const half of part.length === 1 ? [part.slice()] : [part.slice(0, middle), part.slice(middle)]) {
      try {
        await sink.insert(half);
      } catch (err) {
        if (!(await sink.reachable())) return { reachable: false, error: err };
        refusedParts.push({ part: half, error: err });
      }
    }
  }
  return { reachable: true, refused };
}
