// `item_reference` input items resolved to the items they name: first the stored chain previous_response_id brought
// (its inputs and outputs), then any response of the same key in the store, found from the id itself (the ids the
// gateway hands out carry their response's hex). The resolved items are what the bridge translates and the store keeps.
import { GatewayError } from '../../../errors.js';
import type { InputItem } from './request-schema.js';

type Json = Record<string, unknown>;

/** Finds an item the store holds by its id, for this key only (undefined for another key's, as for an unknown one). */
export type ItemLookup = (id: string) => Promise<Json | undefined>;

export const itemNotFound = (id: string, param: string) =>
  new GatewayError({ status: 400, message: `Item with id '${id}' not found.`, param, code: 'item_not_found' });

export interface ResolvedInput {
  input: InputItem[];
  /** Some reference was resolved from the gateway's store: only the bridge knows that item (never relay the body). */
  fromStore: boolean;
}

/** A string input or one without references comes back as it was (same array). */
export async function resolveItemReferences(input: string | InputItem[] | undefined, history: InputItem[] | undefined, lookup: ItemLookup): Promise<ResolvedInput | undefined> {
  if (!Array.isArray(input) || !input.some((item) => item.type === 'item_reference')) return undefined;
  const known = new Map<string, Json>();
  for (const item of (history ?? []) as Json[]) if (typeof item.id === 'string') known.set(item.id, item);
  let fromStore = false;
  const resolved: InputItem[] = [];
  for (const [i, item] of input.entries()) {
    if (item.type !== 'item_reference') {
      resolved.push(item);
      continue;
    }
    let found = known.get(item.id);
    if (!found) {
      found = await lookup(item.id);
      fromStore ||= found !== undefined;
    }
    // A reference to a reference would need another round; the store never keeps one (inputs are kept resolved).
    if (!found || found.type === 'item_reference') throw itemNotFound(item.id, `input[${i}].id`);
    resolved.push(found as InputItem);
  }
  return { input: resolved, fromStore };
}
