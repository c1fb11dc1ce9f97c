// The response store behind previous_response_id and the /v1/responses/{id} routes: rows in the log database,
// written by the log writer in its batches (never one statement per response, never on the response path), and kept
// in process until they land so the same client's next request reads them at once, whatever the database is doing.
import { eq } from 'drizzle-orm';
import { GatewayError } from '../../../errors.js';
import type { Logger } from 'pino';
import type { LogDatabase } from '../../../request-log/db.js';
import { storedResponses } from '../../../request-log/responses-schema.js';
import { isStoredResponse, type StoredResponse } from '../../../request-log/stored-response.js';
import type { LogWriter, StoredListener } from '../../../request-log/writer.js';
import type { InputItem } from './request-schema.js';

/** The log store failed a read or a delete: a short 503 for the client, never the SQL or the driver's words. */
const storeUnavailable = (cause: unknown) =>
  new GatewayError({
    status: 503,
    message: 'Stored responses cannot be reached right now; retry shortly.',
    code: 'store_unavailable',
    retryAfter: 1,
    cause,
    retrySameTarget: false,
    tryOtherTargets: false,
    countsAgainstHealth: false,
  });

async function guarded<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw storeUnavailable(err);
  }
}

export type { StoredResponse };

type Json = Record<string, unknown>;

/**
 * Responses held in process until they land. A healthy writer lands them within a flush or two (the queue holds at
 * most 10,000 entries by default); beyond this, during a long outage, the oldest give way (they wait in the spill file
 * and are read from the database once it is back), while the newest, the ones a client continues, stay readable.
 */
export const MAX_LANDING = 10_000;

/** How far back previous_response_id is followed: a longer chain is a loop or a conversation to send whole. */
export const MAX_CHAIN = 100;

/** The response hex inside an item id the gateway made (see itemId in response-object.ts and withIds below). */
const ITEM_ID = /^[a-z]+_([0-9a-f]{40})(?:[0-9a-f]{8}|in[0-9a-f]{6})$/;

const ITEM_PREFIX: Record<string, string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco', reasoning: 'rs' };

/** Input items as input_items lists them: an id on each (OpenAI gives ids to items sent without one). */
export function withIds(items: InputItem[], responseId: string): Json[] {
  const suffix = responseId.slice('resp_'.length);
  return items.map((item, i) => {
    const json = item as Json;
    if (typeof json.id === 'string') return json;
    const prefix = ITEM_PREFIX[(json.type as string | undefined) ?? 'message'] ?? 'item';
    return { id: `${prefix}_${suffix}in${i.toString(16).padStart(6, '0')}`, ...(json.type ? {} : { type: 'message' }), ...json };
  });
}

interface Landing {
  row: StoredResponse;
  /** Deleted before it landed: hidden now, and deleted again once it lands (a write in flight may land after). */
  deleted: boolean;
}

export class ResponseStore {
  /** Handed to the writer but maybe not yet in the database: what a read sees first. */
  private readonly landing = new Map<string, Landing>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly database: LogDatabase,
    private readonly writer: Pick<LogWriter, 'enqueue' | 'onStored'>,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.unsubscribe = writer.onStored(this.landed);
  }

  /** Returns at once; the row is readable from this process right away and from the database once it lands. */
  put(row: StoredResponse): void {
    this.writer.enqueue({ storedResponse: row });
    this.landing.set(row.id, { row, deleted: false });
    if (this.landing.size > MAX_LANDING) this.landing.delete(this.landing.keys().next().value!);
  }

  private readonly landed: StoredListener = (entries) => {
    for (const entry of entries) {
      if (!isStoredResponse(entry)) continue;
      const id = entry.storedResponse.id;
      if (this.landing.get(id)?.deleted) void this.deleteRow(id).catch((err: unknown) => this.log.warn({ err: (err as Error).message, responseId: id }, 'deleted response not removed'));
      this.landing.delete(id);
    }
  };

  /** Undefined for an unknown id and for one made with another gateway key (the caller answers 404 either way). */
  async get(id: string, keyId: string | undefined): Promise<StoredResponse | undefined> {
    const landing = this.landing.get(id);
    const row = landing ? (landing.deleted ? undefined : landing.row) : (await guarded(() => this.database.db.select().from(storedResponses).where(eq(storedResponses.id, id)).limit(1)))[0];
    if (!row || row.keyId !== (keyId ?? null)) return undefined;
    return row as StoredResponse;
  }

  /** The conversation ending at `id`, oldest first; undefined when any link is missing or belongs to another key. */
  async chain(id: string, keyId: string | undefined): Promise<StoredResponse[] | undefined> {
    const rows: StoredResponse[] = [];
    for (let next: string | null = id; next !== null && rows.length < MAX_CHAIN; ) {
      const row = await this.get(next, keyId);
      if (!row) return undefined;
      rows.push(row);
      next = row.previousResponseId;
    }
    return rows.reverse();
  }

  /**
   * An item of a stored response by its id: ids the gateway gave (output items `msg_<hex><index>`, input items
   * `<prefix>_<hex>in<index>`) carry their response's 40-hex suffix, so the lookup is one read by primary key.
   */
  async item(itemId: string, keyId: string | undefined): Promise<Json | undefined> {
    const hex = ITEM_ID.exec(itemId)?.[1];
    const row = hex ? await this.get(`resp_${hex}`, keyId) : undefined;
    if (!row) return undefined;
    return [...row.inputItems, ...((row.response.output as Json[] | undefined) ?? [])].find((item) => item.id === itemId);
  }

  async delete(id: string, keyId: string | undefined): Promise<boolean> {
    const found = await this.get(id, keyId);
    if (!found) return false;
    const landing = this.landing.get(id);
    if (landing) landing.deleted = true;
    await guarded(() => this.deleteRow(id));
    return true;
  }

  /** Stops following the writer (the scope closes; what is queued is still written by the writer's own close). */
  close(): void {
    this.unsubscribe();
  }

  private async deleteRow(id: string): Promise<void> {
    await this.database.db.delete(storedResponses).where(eq(storedResponses.id, id));
  }
}

/** Every item a stored chain adds to the conversation: each response's input, then its output. */
export function historyOf(chain: StoredResponse[]): InputItem[] {
  const items: Json[] = [];
  for (const row of chain) items.push(...row.inputItems, ...((row.response.output as Json[] | undefined) ?? []));
  return items as InputItem[];
}
