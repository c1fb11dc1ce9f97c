// What each upstream receives for one Messages request with system blocks (cache_control), an image, a tool,
// tool_choice, thinking and sampling: inline snapshots of the translated bodies, one per provider family; Anthropic
// gets the body relayed as sent.
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEATHER_TOOL, startMessagesWorld, type MessagesWorld, WORLD_START_TIMEOUT_MS } from './sdk-harness.js';

let world: MessagesWorld;
beforeAll(async () => {
  world = await startMessagesWorld();
}, WORLD_START_TIMEOUT_MS);
afterAll(() => world?.close());

const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function request(model: string): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model,
    max_tokens: 1024,
    system: [
      { type: 'text', text: 'You are a weather assistant.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Answer briefly.' },
    ],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is the weather where this photo was taken?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } },
        ],
      },
    ],
    tools: [WEATHER_TOOL],
    tool_choice: { type: 'auto', disable_parallel_tool_use: true },
    thinking: { type: 'enabled', budget_tokens: 4000 },
    stop_sequences: ['END'],
    metadata: { user_id: 'user-42' },
  };
}

async function sentFor(name: string): Promise<unknown> {
  const target = world.targets.find((t) => t.name === name)!;
  target.reply('text', false);
  const before = target.bodies().length;
  await world.client.messages.create(request(target.model));
  const sent = target.bodies().slice(before);
  expect(sent).toHaveLength(1);
  return sent[0];
}

describe('translated bodies', () => {
  it('OpenAI wire', async () => {
    expect(await sentFor('openai')).toMatchInlineSnapshot(`
      {
        "max_tokens": 1024,
        "messages": [
          {
            "content": "You are a weather assistant.

      Answer briefly.",
            "role": "system",
          },
          {
            "content": [
              {
                "text": "What is the weather where this photo was taken?",
                "type": "text",
              },
              {
                "image_url": {
                  "url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
                },
                "type": "image_url",
              },
            ],
            "role": "user",
          },
        ],
        "model": "gpt-4o-mini",
        "parallel_tool_calls": false,
        "stop": [
          "END",
        ],
        "stream": false,
        "tool_choice": "auto",
        "tools": [
          {
            "function": {
              "description": "Current weather in a city",
              "name": "get_weather",
              "parameters": {
                "properties": {
                  "city": {
                    "type": "string",
                  },
                },
                "required": [
                  "city",
                ],
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
        "user": "user-42",
      }
    `);
  });

  it('Gemini', async () => {
    expect(await sentFor('gemini')).toMatchInlineSnapshot(`
      {
        "contents": [
          {
            "parts": [
              {
                "text": "What is the weather where this photo was taken?",
              },
              {
                "inlineData": {
                  "data": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
                  "mimeType": "image/png",
                },
              },
            ],
            "role": "user",
          },
        ],
        "generationConfig": {
          "maxOutputTokens": 1024,
          "stopSequences": [
            "END",
          ],
          "thinkingConfig": {
            "includeThoughts": true,
            "thinkingBudget": 1024,
          },
        },
        "systemInstruction": {
          "parts": [
            {
              "text": "You are a weather assistant.

      Answer briefly.",
            },
          ],
        },
        "toolConfig": {
          "functionCallingConfig": {
            "mode": "AUTO",
          },
        },
        "tools": [
          {
            "functionDeclarations": [
              {
                "description": "Current weather in a city",
                "name": "get_weather",
                "parametersJsonSchema": {
                  "properties": {
                    "city": {
                      "type": "string",
                    },
                  },
                  "required": [
                    "city",
                  ],
                  "type": "object",
                },
              },
            ],
          },
        ],
      }
    `);
  });

  // Anthropic is no longer translated: the pass-through forwards the client's body as sent (model rewritten to the
  // upstream's), so cache_control, thinking and the original system blocks reach it intact.
  it('Anthropic (native pass-through: the body as sent, model rewritten)', async () => {
    const sent = await sentFor('anthropic');
    expect(sent).toEqual({ ...request('anthropic/claude-sonnet-4-5'), model: 'claude-sonnet-4-5' });
    expect(JSON.stringify(sent)).toContain('"cache_control":{"type":"ephemeral"}');
  });
});
