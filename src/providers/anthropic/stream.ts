// Anthropic SSE events → OpenAI chunks (wire doc §3.3). A state machine with no I/O: feed it decoded events.
import { z } from 'zod';
import { badUpstreamResponse, GatewayError } from '../../errors.js';
import { safeJsonParse } from '../../upstream/http.js';
import type { SseEvent } from '../../upstream/sse.js';
import { ChunkFactory } from '../chunks.js';
import type { ChatStreamEvent } from '../provider.js';
import { anthropicErrorStatus, fromAnthropicError } from './errors.js';
import { fromAnthropicUsage, mapAnthropicStopReason } from './response.js';
import { anthropicUsageSchema, type AnthropicUsage } from './wire.js';

const messageStartSchema = z.looseObject({ message: z.looseObject({ id: z.string().optional(), model: z.string().optional(), usage: anthropicUsageSchema.nullish() }) });
const blockStartSchema = z.looseObject({
  index: z.number(),
  content_block: z.looseObject({ type: z.string(), id: z.string().optional(), name: z.string().optional(), text: z.string().optional(), thinking: z.string().optional() }),
});
const blockDeltaSchema = z.looseObject({
  index: z.number(),
  delta: z.looseObject({ type: z.string(), text: z.string().optional(), partial_json: z.string().optional(), thinking: z.string().optional() }),
});
const messageDeltaSchema = z.looseObject({ delta: z.looseObject({ stop_reason: z.string().nullish() }), usage: anthropicUsageSchema.nullish() });
const errorEventSchema = z.looseObject({ error: z.looseObject({ type: z.string(), message: z.string() }) });

type Block = { kind: 'text' | 'thinking' | 'json' | 'other' } | { kind: 'tool'; toolIndex: number };

export class AnthropicStreamTranslator {
  private chunks: ChunkFactory | undefined;
  private readonly blocks = new Map<number, Block>();
  private toolCount = 0;
  private usage: AnthropicUsage = {};
  /** message_stop seen: the answer is complete; anything after it is ignored. */
  done = false;

  constructor(
    private readonly provider: string,
    private readonly model: string,
    /** The JSON-mode tool's name: its input streams as content, and text blocks are dropped. */
    private readonly jsonTool?: string,
  ) {}

  push(event: SseEvent): ChatStreamEvent[] {
    if (this.done) return [];
    // Parse, never string-match: the API pads some data with spaces before the closing brace.
    const json = safeJsonParse(event.data);
    if (!json || typeof json !== 'object') throw this.malformed();
    const type = event.event ?? (json as { type?: unknown }).type;
    switch (type) {
      case 'message_start': {
        const { message } = this.parse(messageStartSchema, json);
        this.usage = { ...message.usage };
        this.chunks = new ChunkFactory(message.model ?? this.model);
        return [this.factory().delta({ role: 'assistant', content: '' })];
      }
      case 'content_block_start':
        return this.blockStart(this.parse(blockStartSchema, json));
      case 'content_block_delta':
        return this.blockDelta(this.parse(blockDeltaSchema, json));
      case 'message_delta': {
        const { delta, usage } = this.parse(messageDeltaSchema, json);
        // Usage here is cumulative; newer responses repeat the input counts, which are then final.
        for (const [key, value] of Object.entries(usage ?? {})) if (value != null) this.usage[key] = value;
        return [this.factory().finish(mapAnthropicStopReason(delta.stop_reason, this.toolCount > 0))];
      }
      case 'message_stop':
        this.done = true;
        return [this.factory().usage(fromAnthropicUsage(this.usage))];
      case 'error': {
        const { error } = this.parse(errorEventSchema, json);
        throw fromAnthropicError(this.provider, anthropicErrorStatus(error.type), event.data);
      }
      default: // ping, content_block_stop, event types added later
        return [];
    }
  }

  private blockStart({ index, content_block: block }: z.infer<typeof blockStartSchema>): ChatStreamEvent[] {
    if (block.type === 'tool_use' && this.jsonTool && block.name === this.jsonTool) {
      this.blocks.set(index, { kind: 'json' });
      return [];
    }
    if (block.type === 'tool_use') {
      // OpenAI indexes tool calls 0, 1, …; Anthropic's index counts every block, text included.
      const toolIndex = this.toolCount++;
      this.blocks.set(index, { kind: 'tool', toolIndex });
      const call = { index: toolIndex, id: block.id ?? '', type: 'function' as const, function: { name: block.name ?? '', arguments: '' } };
      return [this.factory().delta({ tool_calls: [call] })];
    }
    const kind = block.type === 'text' || block.type === 'thinking' ? block.type : 'other';
    this.blocks.set(index, { kind });
    if (kind === 'text' && block.text) return this.text(block.text);
    if (kind === 'thinking' && block.thinking) return [this.factory().delta({ reasoning_content: block.thinking })];
    return [];
  }

  private blockDelta({ index, delta }: z.infer<typeof blockDeltaSchema>): ChatStreamEvent[] {
    const block = this.blocks.get(index);
    if (delta.type === 'text_delta' && delta.text) return this.text(delta.text);
    if (delta.type === 'thinking_delta' && delta.thinking) return [this.factory().delta({ reasoning_content: delta.thinking })];
    if (delta.type !== 'input_json_delta' || !delta.partial_json) return []; // signature_delta, citations_delta, empty
    if (block?.kind === 'json') return [this.factory().delta({ content: delta.partial_json })];
    if (block?.kind === 'tool') return [this.factory().delta({ tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] })];
    return [];
  }

  private text(text: string): ChatStreamEvent[] {
    return this.jsonTool ? [] : [this.factory().delta({ content: text })];
  }

  private factory(): ChunkFactory {
    this.chunks ??= new ChunkFactory(this.model);
    return this.chunks;
  }

  private parse<T extends z.ZodType>(schema: T, json: unknown): z.infer<T> {
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    throw this.malformed();
  }

  private malformed(): GatewayError {
    return badUpstreamResponse(this.provider, 'stream event');
  }
}
