// Reads the surface's SSE text the way @anthropic-ai/sdk does: its SSE decoder yields the events (and throws its
// APIError on `event: error`), its MessageStream assembles the final message from them.
import type Anthropic from '@anthropic-ai/sdk';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream.js';
import { Stream } from '@anthropic-ai/sdk/streaming.js';

export type StreamEvent = Anthropic.Messages.RawMessageStreamEvent;

export async function sdkEvents(sse: string): Promise<StreamEvent[]> {
  const response = new Response(sse, { headers: { 'content-type': 'text/event-stream' } });
  const events: StreamEvent[] = [];
  for await (const event of Stream.fromSSEResponse<StreamEvent>(response, new AbortController())) events.push(event);
  return events;
}

/** The message MessageStream builds from these events (it takes them as newline-delimited JSON). */
export async function sdkFinalMessage(events: StreamEvent[]): Promise<Anthropic.Message> {
  const jsonl = events.map((event) => JSON.stringify(event)).join('\n') + '\n';
  return MessageStream.fromReadableStream(new Response(jsonl).body!).finalMessage();
}

/** A message without its id (a JSON answer and a stream never share one) and the SDK's own parsed_output. */
export function withoutId(message: Anthropic.Message): Omit<Anthropic.Message, 'id'> {
  const { id: _id, parsed_output: _parsed, ...rest } = message as Anthropic.Message & { parsed_output?: unknown };
  return rest;
}
