// A coding-agent session in Claude Code's shape (system blocks with cache_control, tools, thinking, tool_result, a
// count_tokens call before every turn) replayed through /v1/messages against the Anthropic pass-through and a
// translated OpenAI-wire target; at every turn the fake upstream is checked for what it received.
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANTHROPIC_SIGNATURE, REASONING, WEATHER_TOOL, startMessagesWorld, type AnswerKind, type MessagesWorld, WORLD_START_TIMEOUT_MS } from './sdk-harness.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await startMessagesWorld();
}, WORLD_START_TIMEOUT_MS);
afterAll(() => world?.close());

const SYSTEM: Anthropic.TextBlockParam[] = [
  { type: 'text', text: 'You are Claude Code, an agentic coding assistant.', cache_control: { type: 'ephemeral' } },
  { type: 'text', text: 'Repository: llm-gateway. Be concise.', cache_control: { type: 'ephemeral' } },
];

interface Turn {
  answer: AnswerKind;
  /** The user's next message, built from the previous answer (a tool result, or new text). */
  next(previous: Anthropic.Message): Anthropic.MessageParam;
}

const TURNS: Turn[] = [
  { answer: 'reasoning-tools', next: () => ({ role: 'user', content: 'What is the weather in Paris? Use the tool.' }) },
  {
    answer: 'text',
    next: (previous) => {
      const call = previous.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
      return { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 21°C' }] };
    },
  },
  { answer: 'text', next: () => ({ role: 'user', content: [{ type: 'text', text: 'Thanks. Summarise in one line.', cache_control: { type: 'ephemeral' } }] }) },
];

describe.each(['anthropic', 'openai'])('a coding-agent session through /v1/messages → %s', (name) => {
  it('every turn reaches the upstream complete: history, tool results, thinking as each side needs it', async () => {
    const target = world.targets.find((t) => t.name === name)!;
    const messages: Anthropic.MessageParam[] = [];
    let previous: Anthropic.Message | undefined;
    for (const [i, turn] of TURNS.entries()) {
      messages.push(turn.next(previous!));
      const params = { model: target.model, max_tokens: 2048, system: SYSTEM, tools: [WEATHER_TOOL], thinking: { type: 'enabled' as const, budget_tokens: 1024 }, messages: [...messages] };
      const count = await world.client.messages.countTokens({ model: params.model, system: SYSTEM, tools: params.tools, messages: params.messages });
      expect(count.input_tokens).toBeGreaterThan(0);

      target.reply(turn.answer, true);
      const before = target.bodies().length;
      previous = await world.client.messages.stream(params).finalMessage();
      const sent = target.bodies().slice(before);
      expect(sent, `turn ${i}`).toHaveLength(1);
      const body = sent[0] as Record<string, unknown>;
      if (name === 'anthropic') {
        // Relayed as sent: system blocks with cache_control, the history with its signed thinking blocks.
        expect(body).toMatchObject({ model: 'claude-sonnet-4-5', system: SYSTEM, messages, stream: true });
      } else {
        const sentMessages = body.messages as Array<{ role: string; content: unknown; tool_calls?: unknown[] }>;
        expect(sentMessages[0]).toEqual({ role: 'system', content: `${SYSTEM[0]!.text}\n\n${SYSTEM[1]!.text}` });
        // One chat message per client message (+ system); a tool_result turn becomes a tool message.
        expect(sentMessages.map((m) => m.role)).toEqual(['system', ...['user', 'assistant', 'tool', 'assistant', 'user'].slice(0, messages.length)]);
        expect(JSON.stringify(body)).not.toContain('cache_control');
      }
      messages.push({ role: 'assistant', content: previous.content });
    }
    const thinking = messages[1]!.content as Anthropic.ContentBlockParam[];
    expect(thinking[0]).toMatchObject({ type: 'thinking', thinking: REASONING, ...(name === 'anthropic' ? { signature: ANTHROPIC_SIGNATURE } : {}) });
  });
});
