// A native pass-through's body: the upstream's bytes forwarded unchanged, their text handed to a reader on the way,
// transport failures mapped once, and the upstream body destroyed when the client stops reading early. An SSE body
// is forwarded whole events at a time, so a failure event the gateway appends never lands inside a half-sent one.
import { StringDecoder } from 'node:string_decoder';
import { GatewayError } from '../../errors.js';
import { mapTransportError, type UpstreamResponse } from '../../upstream/http.js';

export interface RelayReader {
  onText(text: string): void;
  /** The body ended cleanly; throws a GatewayError when what arrived is not a whole answer (a stream cut short). */
  onEnd(): void;
}

const LF = 0x0a;

/** The end of the last whole SSE event in `data` (after its blank line), 0 when none ended in it. */
function eventsEnd(data: Buffer): number {
  const n = data.length;
  // Upstreams write whole events per chunk almost always: one look at the tail settles it.
  if (n >= 2 && data[n - 1] === LF && (data[n - 2] === LF || (n >= 4 && data[n - 2] === 0x0d && data[n - 3] === LF))) return n;
  const lf = data.lastIndexOf('\n\n');
  const crlf = data.lastIndexOf('\r\n\r\n');
  return Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 4);
}

export async function* relayBody(res: UpstreamResponse, provider: string, reader: RelayReader, sse: boolean): AsyncGenerator<Buffer> {
  const decoder = new StringDecoder('utf8');
  let ended = false;
  let held: Buffer | undefined;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      reader.onText(decoder.write(chunk));
      if (!sse) {
        yield chunk;
        continue;
      }
      const data = held ? Buffer.concat([held, chunk]) : chunk;
      const end = eventsEnd(data);
      held = end === data.length ? undefined : Buffer.from(data.subarray(end));
      if (end > 0) yield end === data.length ? data : data.subarray(0, end);
    }
    reader.onText(decoder.end());
    // A last event without its blank line still reaches the client, as the upstream sent it.
    if (held) yield held;
    held = undefined;
    reader.onEnd();
    ended = true;
  } catch (err) {
    throw err instanceof GatewayError ? err : mapTransportError(err, { provider, bodyTimeoutMs: res.bodyTimeoutMs });
  } finally {
    if (!ended) res.body.destroy();
  }
}

/** The stream ended before the dialect's final event: a cut answer, never a clean-looking end. */
export const truncatedStream = (provider: string, final: string) =>
  new GatewayError({ status: 502, message: `${provider}: stream ended before ${final}`, code: 'upstream_stream_truncated', provider });

/** The output text of an answer, kept up to a bound so a huge answer is not held twice (the log row shows the head). */
export class TextAccumulator {
  static readonly LIMIT = 256 * 1024;
  private text = '';
  seen = false;

  add(piece: string): void {
    this.seen = true;
    if (this.text.length < TextAccumulator.LIMIT) this.text += piece.length + this.text.length > TextAccumulator.LIMIT ? piece.slice(0, TextAccumulator.LIMIT - this.text.length) : piece;
  }

  value(): string | undefined {
    return this.seen ? this.text : undefined;
  }
}
