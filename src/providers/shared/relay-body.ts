// A native pass-through's body: the upstream's bytes forwarded unchanged, their text handed to a usage reader on the
// way, transport failures mapped once, and the upstream body destroyed when the client stops reading early.
import { StringDecoder } from 'node:string_decoder';
import { GatewayError } from '../../errors.js';
import { mapTransportError, type UpstreamResponse } from '../../upstream/http.js';

export async function* relayBody(res: UpstreamResponse, provider: string, onText: (text: string) => void, onEnd: () => void): AsyncGenerator<Buffer> {
  const decoder = new StringDecoder('utf8');
  let ended = false;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      onText(decoder.write(chunk));
      yield chunk;
    }
    onText(decoder.end());
    onEnd();
    ended = true;
  } catch (err) {
    throw err instanceof GatewayError ? err : mapTransportError(err, { provider, bodyTimeoutMs: res.bodyTimeoutMs });
  } finally {
    if (!ended) res.body.destroy();
  }
}
