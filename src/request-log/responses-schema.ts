// The Responses API's stored state: one row per stored response (its final Response object and its input items),
// owned by the gateway key that made it. Lives in the log database, next to the request log.
import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const storedResponses = pgTable(
  'stored_responses',
  {
    /** The response id the client saw (resp_…). */
    id: text('id').primaryKey(),
    /** The gateway key that made it: another key reading it gets a 404. Null when the gateway runs without keys. */
    keyId: text('key_id'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    previousResponseId: text('previous_response_id'),
    /** The Response object as the client last received it. */
    response: jsonb('response').notNull(),
    /** The request's input items, each with an id, in the client's order. */
    inputItems: jsonb('input_items').notNull(),
  },
  (t) => [index('stored_responses_created_at_idx').on(t.createdAt)],
);

export type StoredResponseRow = typeof storedResponses.$inferSelect;
