// Relays a native pass-through's answer to the client: the upstream's bytes unchanged, with backpressure; the
// outcome for the log carries the usage and stop reason the provider read on the way.
import { endedBy, isClientClosed, type GatewayError } from '../errors.js';
import type { SseWriter } from '../http/sse-writer.js';
import type { RelayProgress } from '../providers/provider.js';
import type { Exchange } from './exchange.js';
import { writeGatewayHeaders } from './headers.js';

/**
 * `errorFrame` renders a failure after the first byte in the dialect's stream (nothing for a JSON answer), continuing
 * what the upstream's stream had said (`progress`: its sequence numbers, its response).
 */
export async function relay(x: Exchange, writer: SseWriter, errorFrame: (err: GatewayError, progress: RelayProgress) => string): Promise<void> {
  const handle = x.relay!;
  const { answer, target } = handle;
  const firstByteMs = x.elapsed();
  const overheadMs = x.overheadAt(firstByteMs);
  writeGatewayHeaders(x, overheadMs);
  writer.openRelay(answer.contentType);
  let failure: GatewayError | undefined;
  try {
    for await (const chunk of answer.body) {
      const drained = writer.writeBytes(chunk);
      if (drained) await drained;
      if (x.client.aborted) throw endedBy(x.client);
    }
  } catch (err) {
    failure = x.client.aborted ? endedBy(x.client, target.provider) : handle.classify(err);
  }
  handle.finish(failure);
  const streamed = answer.contentType.includes('text/event-stream');
  writer.end(failure && !isClientClosed(failure) && streamed ? errorFrame(failure, answer.progress?.() ?? {}) : undefined);
  x.error = failure;
  x.outcome = {
    provider: target.provider,
    model: target.model,
    status: failure ? failure.status : 200,
    finishReason: answer.stopReason(),
    content: answer.content(),
    usage: answer.usage(),
    latencyMs: x.elapsed(),
    ...(streamed ? { ttftMs: firstByteMs } : {}),
    overheadMs,
    partial: failure !== undefined,
    error: failure?.message,
    errorCode: failure?.code,
  };
}
