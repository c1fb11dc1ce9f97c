// Responses requests → the internal chat model: OpenAI's own request examples, every input item kind, and the
// 400s (OpenAI's envelope, `param` naming the field) for what the bridge cannot or will not accept.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../../src/errors.js';
import { responsesSurface } from '../../../../src/http/surfaces/openai-responses/surface.js';
import { describeShared } from '../../../helpers/fixtures.js';
import { expectSchema, openapiDocument } from '../../../helpers/openai-schema.js';

type Json = Record<string, unknown>;
const parse = (body: Json) => responsesSurface.parse(body, {});

function rejection(body: unknown): GatewayError {
  try {
    responsesSurface.parse(body, {});
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    return err as GatewayError;
  }
  throw new Error('parse accepted the body');
}

/** The `-d '…'` body of each curl example in the spec's POST /responses x-oaiMeta. */
function specExamples(): Array<{ title: string; body: Json }> {
  const post = (openapiDocument?.paths as Record<string, Record<string, Json>> | undefined)?.['/responses']?.post;
  const examples = ((post?.['x-oaiMeta'] as Json | undefined)?.examples ?? []) as Array<{ title: string; request: { curl: string } }>;
  return examples.map((e) => ({ title: e.title, body: JSON.parse(/-d '([\s\S]*)'/.exec(e.request.curl)?.[1] ?? 'null') as Json }));
}

describeShared('OpenAI request examples (POST /responses x-oaiMeta)', () => {
  const examples = specExamples();
  // (The examples themselves are not all valid CreateResponse bodies, e.g. function tools without `strict`.)
  it('has the eight published examples', () => {
    expect(examples.map((e) => e.title)).toEqual(['Text input', 'Image input', 'File input', 'Web search', 'File search', 'Streaming', 'Functions', 'Reasoning']);
  });
  for (const { title, body } of examples) {
    it(`accepts "${title}"`, () => {
      const builtIn = (body.tools as Json[] | undefined)?.find((t) => t.type !== 'function');
      if (builtIn) {
        // Well-formed, recognised, and refused by the bridge only because the tool runs inside OpenAI.
        const err = rejection(body);
        expect(err).toMatchObject({ status: 400, code: 'unsupported_tool', param: 'tools[0]' });
        expect(err.message).toContain(String(builtIn.type));
        return;
      }
      const { chat, stream } = parse(body);
      expect(chat.model).toBe(body.model);
      expect(chat.messages.at(-1)?.role).toBe('user');
      expect(stream).toBe(body.stream === true);
    });
  }
});

describe('translation', () => {
  it('string input, instructions, sampling, limits, format, reasoning, user', () => {
    const { chat, includeUsage, sessionId } = parse({
      model: 'gemini/gemini-2.5-flash',
      instructions: 'Answer in French.',
      input: 'Capital of France?',
      temperature: 0.3,
      top_p: 0.9,
      max_output_tokens: 50,
      reasoning: { effort: 'low', summary: 'auto' },
      text: { format: { type: 'json_schema', name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
      safety_identifier: 'user-7',
      metadata: { session_id: 'sess-1' },
      store: false,
      include: ['reasoning.encrypted_content'],
      truncation: 'auto',
      future_knob: 1,
    });
    expect(chat).toEqual({
      model: 'gemini/gemini-2.5-flash',
      stream: false,
      messages: [
        { role: 'system', content: 'Answer in French.' },
        { role: 'user', content: 'Capital of France?' },
      ],
      temperature: 0.3,
      top_p: 0.9,
      max_completion_tokens: 50,
      reasoning_effort: 'low',
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
      user: 'user-7',
    });
    expect(includeUsage).toBe(true);
    expect(sessionId).toBe('sess-1');
  });

  it('items: parts, a tool round trip folded into one assistant turn, reasoning carried to it', () => {
    const { chat } = parse({
      model: 'm',
      tools: [{ type: 'function', name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: false }],
      tool_choice: { type: 'function', name: 'get_weather' },
      parallel_tool_calls: false,
      text: { format: { type: 'json_object' } },
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'Be terse.' }] },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Look:' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
            { type: 'input_file', file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' },
          ],
        },
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'Need the weather.' }] },
        { type: 'message', role: 'assistant', id: 'msg_1', status: 'completed', content: [{ type: 'output_text', text: 'Checking.', annotations: [] }] },
        { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}', status: 'completed' },
        { type: 'function_call', call_id: 'call_2', name: 'get_weather', arguments: '{"city":"Rome"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temp":20}' },
        { type: 'function_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: '{"temp":25}' }] },
        { role: 'user', content: 'Thanks' },
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'developer', content: 'Be terse.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBE', filename: 'a.pdf' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Checking.',
        reasoning_content: 'Need the weather.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":20}' },
      { role: 'tool', tool_call_id: 'call_2', content: '{"temp":25}' },
      { role: 'user', content: 'Thanks' },
    ]);
    expect(chat.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' }, strict: false } }]);
    expect(chat.tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    expect(chat.parallel_tool_calls).toBe(false);
    expect(chat.response_format).toEqual({ type: 'json_object' });
  });

  it('keeps the input items and the echo for the renderers (and a store)', () => {
    const { extras } = parse({ model: 'm', input: 'hi', tool_choice: 'required', tools: [{ type: 'function', name: 'f', parameters: null }] });
    expect(extras).toMatchObject({
      input: [{ type: 'message', role: 'user', content: 'hi' }],
      echo: { tool_choice: 'required', tools: [{ type: 'function', name: 'f', description: null, parameters: null, strict: null }], store: true, temperature: 1, top_p: 1 },
    });
  });
});

describe('400s name the field', () => {
  const cases: Array<[string, unknown, Partial<GatewayError>]> = [
    ['not an object', [1], { param: null, code: 'invalid_body' }],
    ['no model', { input: 'x' }, { param: 'model', code: 'missing_required_parameter' }],
    ['no input', { model: 'm' }, { param: 'input', code: 'missing_required_parameter' }],
    ['image without url', { model: 'm', input: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'user', content: [{ type: 'input_text', text: 'x' }, { type: 'input_image' }] }] }, { param: 'input[2].content[1].image_url' }],
    ['image by file id', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, { param: 'input[0].content[0].file_id' }],
    ['unknown part type', { model: 'm', input: [{ role: 'user', content: [{ type: 'input_video' }] }] }, { param: 'input[0].content[0].type' }],
    ['unknown role', { model: 'm', input: [{ role: 'robot', content: 'x' }] }, { param: 'input[0].role' }],
    ['function_call without name', { model: 'm', input: [{ type: 'function_call', call_id: 'c', arguments: '{}' }] }, { param: 'input[0].name' }],
    ['item reference without a store', { model: 'm', input: [{ type: 'item_reference', id: 'msg_1' }] }, { param: 'input[0].id', code: 'item_not_found' }],
    ['temperature out of range', { model: 'm', input: 'x', temperature: 3 }, { param: 'temperature' }],
    ['json_schema without schema', { model: 'm', input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, { param: 'text.format.schema' }],
    ['built-in tool', { model: 'm', input: 'x', tools: [{ type: 'function', name: 'f' }, { type: 'web_search' }] }, { param: 'tools[1]', code: 'unsupported_tool' }],
    ['built-in tool choice', { model: 'm', input: 'x', tool_choice: { type: 'file_search' } }, { param: 'tool_choice', code: 'unsupported_tool' }],
    ['previous_response_id', { model: 'm', input: 'x', previous_response_id: 'resp_1' }, { param: 'previous_response_id', code: 'previous_response_not_found' }],
    ['background', { model: 'm', input: 'x', background: true }, { param: 'background' }],
  ];
  for (const [name, body, expected] of cases) {
    it(name, () => {
      const err = rejection(body);
      expect(err).toMatchObject({ status: 400, ...expected });
      const rendered = responsesSurface.renderError(err, (s) => s);
      expect(rendered.status).toBe(400);
      expectSchema('ErrorResponse', rendered.body);
      expect(rendered.body).toMatchObject({ error: { type: 'invalid_request_error', param: expected.param ?? null } });
    });
  }

  it('renderError redacts every field and sets Retry-After on 429', () => {
    const err = new GatewayError({ status: 429, message: 'key sk-live-999999 over quota', code: 'sk-live-999999', param: 'sk-live-999999', retryAfter: 2.2 });
    const rendered = responsesSurface.renderError(err, (s) => s.replaceAll('sk-live-999999', '[REDACTED]'));
    expect(rendered).toEqual({
      status: 429,
      body: { error: { message: 'key [REDACTED] over quota', type: 'rate_limit_error', param: '[REDACTED]', code: '[REDACTED]' } },
      headers: { 'retry-after': '3' },
    });
  });
});
