// Which of the request's stop_sequences ended an answer from a translated target. OpenAI-wire and Gemini answers say
// only `stop` (natural end or stop sequence alike) and usually drop the matched text, so the gateway claims
// stop_sequence only on evidence: a provider that names the match (vLLM's `stop_reason` string), or an answer whose
// text ends with one of the sequences (servers that keep it in the output). Otherwise it is end_turn, as before.
// The text is left as the provider sent it: a stream has already sent it by the time the finish is known.
import type { RenderContext } from '../surface.js';
import type { MessagesExtras } from './parse.js';

export function stopSequencesOf(context: RenderContext): string[] | undefined {
  const sequences = (context.extras as MessagesExtras | undefined)?.body?.stop_sequences;
  return sequences?.length ? sequences : undefined;
}

/** The matched sequence, or null. `named`: what the provider said matched (vLLM puts the string in `stop_reason`). */
export function matchedStopSequence(sequences: string[] | undefined, finish: string | null | undefined, text: string, named: unknown): string | null {
  if (!sequences || finish !== 'stop') return null;
  if (typeof named === 'string' && sequences.includes(named)) return named;
  let match: string | null = null;
  for (const sequence of sequences) if (sequence && text.endsWith(sequence) && sequence.length > (match?.length ?? 0)) match = sequence;
  return match;
}

/** The tail of a streamed answer, as long as the longest sequence: all the end check needs. */
export class TextTail {
  private tail = '';
  private readonly keep: number;

  constructor(sequences: string[]) {
    this.keep = Math.max(...sequences.map((s) => s.length));
  }

  add(text: string): void {
    const joined = this.tail + text;
    this.tail = joined.length > this.keep ? joined.slice(joined.length - this.keep) : joined;
  }

  toString(): string {
    return this.tail;
  }
}
