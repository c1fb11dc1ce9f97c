// The response store behind previous_response_id and the /v1/responses/{id} routes: rows in the log database,
// written without holding up the response (the insert starts as the answer leaves and nobody waits on it), and
// kept in process until it lands so the same client's next request reads it at once.
import { eq } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { LogDatabase } from '../../../request-log/db.js';
import { storedResponses } from '../../../request-log/responses-schema.js';
import type { InputItem } from './request-schema.js';

type Json = Record<string, unknown>;

export interface StoredResponse {
  id: string;
  keyId: string | null;
  createdAt: Date;
  previousResponseId: string | null;
  response: Json;
  /** Each with an id (the client's, or one given here). */
  inputItems: Json[];
}

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

export class ResponseStore {
  /** Written but maybe not yet in the database: what a read sees first. */
  private readonly landing = new Map<string, { row: StoredResponse; write: Promise<void> }>();

  constructor(
    private readonly database: LogDatabase,
    private readonly log: Pick<Logger, 'warn'>,
  ) {}

  /** Returns at once; the row is readable from this process right away and from the database once it lands. */
  put(row: StoredResponse): void {
    const write = this.database.db
      .insert(storedResponses)
      .values(row)
      .onConflictDoNothing()
      .then(
        () => undefined,
        (err: unknown) => this.log.warn({ err: (err as Error).message, responseId: row.id }, 'stored response not written'),
      )
      .finally(() => this.landing.delete(row.id));
    this.landing.set(row.id, { row, write });
  }

  /** Undefined for an unknown id and for one made with another gateway key (the caller answers 404 either way). */
  async get(id: string, keyId: string | undefined): Promise<StoredResponse | undefined> {
    const row = this.landing.get(id)?.row ?? (await this.database.db.select().from(storedResponses).where(eq(storedResponses.id, id)).limit(1))[0];
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
    await this.landing.get(id)?.write;
    await this.database.db.delete(storedResponses).where(eq(storedResponses.id, id));
    return true;
  }

  /** Waits for the writes under way (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.landing.values()].map((l) => l.write));
  }
}

/** Every item a stored chain adds to the conversation: each response's input, then its output. */
export function historyOf(chain: StoredResponse[]): InputItem[] {
  const items: Json[] = [];
  for (const row of chain) items.push(...row.inputItems, ...((row.response.output as Json[] | undefined) ?? []));
  return items as InputItem[];
}
