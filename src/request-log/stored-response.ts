// A stored Responses API response as the log writer carries it: queued, batched, spilled and replayed with the log
// rows, so storing one costs a row in the writer's next statement instead of a statement (and a commit) of its own.
type Json = Record<string, unknown>;

export interface StoredResponse {
  id: string;
  keyId: string | null;
  createdAt: Date;
  previousResponseId: string | null;
  response: Json;
  /** Each with an id (the client's, or one the surface gave). */
  inputItems: Json[];
}

export interface StoredResponseEntry {
  storedResponse: StoredResponse;
}

export const isStoredResponse = (entry: object): entry is StoredResponseEntry => 'storedResponse' in entry;

/** A spill line's stored response (dates as strings) back to what the writer queues. */
export function reviveStoredResponse(spilled: Omit<StoredResponse, 'createdAt'> & { createdAt: string }): StoredResponseEntry {
  return { storedResponse: { ...spilled, createdAt: new Date(spilled.createdAt) } };
}
