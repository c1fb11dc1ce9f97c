// The OpenAI-wire stream iterator on bodies read in one piece: events before a failure still reach the consumer,
// the failure comes after them, and every way out frees the upstream body.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { badUpstreamResponse, GatewayError } from '../../../src/errors.js';
import { OpenAIWireStream } from '../../../src/providers/openai-compatible/stream.js';
import type { UpstreamResponse } from '../../../src/upstream/http.js';

const chunk = (content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: finish }] })}\n\n`;

function streamOf(reads: string[]): { stream: OpenAIWireStream; body: Readable } {
  const body = Readable.from(reads.map((r) => Buffer.from(r)));
  // undici's body has dump(): read the rest and drop it, freeing the connection.
  Object.assign(body, { dump: async () => void body.resume() });
  const res = { status: 200, headers: {}, body, bodyTimeoutMs: 1000 } as unknown as UpstreamResponse;
  return { stream: new OpenAIWireStream(res, 'up', { capabilities: () => { throw new Error('unused'); } }, (d) => badUpstreamResponse('up', d)), body };
}

async function drain(stream: OpenAIWireStream): Promise<{ contents: string[]; raws: number; error?: GatewayError }> {
  const contents: string[] = [];
  let raws = 0;
  try {
    for await (const event of stream) {
      contents.push(String(event.chunk.choices[0]?.delta.content ?? ''));
      if (event.raw !== undefined) raws++;
    }
  } catch (err) {
    return { contents, raws, error: err as GatewayError };
  }
  return { contents, raws };
}

describe('OpenAIWireStream', () => {
  it('hands out every event of a single read, keeping the upstream bytes, and ends cleanly on [DONE]', async () => {
    const { stream } = streamOf([chunk('a') + chunk('b') + chunk('', 'stop') + 'data: [DONE]\n\n']);
    const result = await drain(stream);
    expect(result).toEqual({ contents: ['a', 'b', ''], raws: 3 });
  });

  it('delivers the events read before a malformed one, then fails with bad_upstream_response', async () => {
    const { stream, body } = streamOf([chunk('a') + chunk('b') + 'data: {"nope":true}\n\n' + chunk('never')]);
    const result = await drain(stream);
    expect(result.contents).toEqual(['a', 'b']);
    expect(result.error?.code).toBe('bad_upstream_response');
    expect(body.destroyed).toBe(true);
  });

  it('reports a stream cut before any finish as truncated', async () => {
    const result = await drain(streamOf([chunk('a'), chunk('b')]).stream);
    expect(result.contents).toEqual(['a', 'b']);
    expect(result.error?.code).toBe('upstream_stream_truncated');
  });

  it('frees the body when the consumer leaves early', async () => {
    const { stream, body } = streamOf([chunk('a') + chunk('b'), chunk('c', 'stop')]);
    const first = await stream.next();
    expect(first.done).toBe(false);
    await stream.return();
    expect(body.destroyed).toBe(true);
    expect((await stream.next()).done).toBe(true);
  });
});
