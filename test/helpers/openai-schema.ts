// The one Ajv (draft 2020-12, formats, OpenAI's `unixtime`) every test validates with, compiled once per process:
// JSON Schemas of the tests' own, and OpenAI's published description (../shared/reference/openai-openapi/openapi.json,
// see its SOURCES.md) for the components the OpenAI surfaces return, Chat and Responses alike. Plus a fetch for the
// `openai` client that validates every body and stream event the gateway sends it. Without ../shared the OpenAI
// checks are counted and reported as skipped; under CI=true they fail instead.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, expect } from 'vitest';
import { missingSharedMessage, SHARED_DIR } from './fixtures.js';

/** A `components.schemas` name: the chat ones the conforming fetch uses, or any other (Response, ResponseStreamEvent…). */
export type OpenAIComponent =
  | 'CreateChatCompletionResponse'
  | 'CreateChatCompletionStreamResponse'
  | 'ListModelsResponse'
  | 'Model'
  | 'CreateEmbeddingResponse'
  | 'ErrorResponse'
  | (string & {});

export const OPENAPI_PATH = join(SHARED_DIR, 'reference', 'openai-openapi', 'openapi.json');
const available = existsSync(OPENAPI_PATH);
const required = process.env.CI === 'true';
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Json = Record<string, unknown>;

/** OpenAI's document as published (undefined without ../shared), read once. */
export const openapiDocument: Json | undefined = available ? (JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Json) : undefined;

/** OpenAPI 3.0's `nullable: true`, still in parts of the document, folded into JSON Schema (SOURCES.md notes). */
export function foldNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(foldNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node as Json)) out[key] = foldNullable(value);
  if (out.nullable !== true) return out;
  delete out.nullable;
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

let shared: Ajv2020 | undefined;
let documentAdded = false;

/** The process's Ajv: formats and `unixtime` known; compiled schemas are cached by Ajv itself. */
export function schemaAjv(): Ajv2020 {
  if (!shared) {
    shared = new Ajv2020({ strict: false, allErrors: true });
    addFormats(shared);
    shared.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
  }
  return shared;
}

/** Asserts `value` is valid against a JSON Schema of the test's own. */
export function expectValidAgainst(schema: Json, value: unknown): void {
  const ajv = schemaAjv();
  const validate = ajv.compile(schema);
  expect(validate(value), `${JSON.stringify(value).slice(0, 400)}: ${ajv.errorsText(validate.errors)}`).toBe(true);
}

/** The document under one $id, so its local `#/components/schemas/...` refs resolve; each component compiled on first use. */
export function openAIValidator(component: OpenAIComponent): ValidateFunction {
  const ajv = schemaAjv();
  if (!documentAdded) {
    ajv.addSchema({ ...(foldNullable(openapiDocument) as Json), $id: 'openai.json' });
    documentAdded = true;
  }
  const validate = ajv.getSchema(`openai.json#/components/schemas/${component}`);
  if (!validate) throw new Error(`no schema ${component} in the OpenAPI document`);
  return validate;
}

let skipped = 0;
let checked = 0;
const COMPONENTS: OpenAIComponent[] = ['CreateChatCompletionResponse', 'CreateChatCompletionStreamResponse', 'ListModelsResponse', 'Model', 'CreateEmbeddingResponse', 'ErrorResponse', 'Response', 'ResponseStreamEvent'];
// Compiling takes seconds: before the file's tests, not between two of them (where it would outlast the fakes'
// 5 s keep-alive and turn the next pooled upstream request into an ECONNRESET).
if (available) beforeAll(() => void COMPONENTS.forEach(openAIValidator), 60_000);
if (!available && !required) {
  afterAll(() => {
    if (skipped > 0) process.stderr.write(`[openai-schema] ${missingSharedMessage}: skipped ${skipped} schema checks\n`);
  });
}

/** How many bodies and events were validated (so a suite can prove its checks ran). */
export const schemaChecks = (): number => checked;

/** A union's errors list every branch; the branch named by the value's `type` says what is really wrong. */
function unionBranch(component: string, value: unknown): ValidateFunction | undefined {
  const schemas = (openapiDocument?.components as { schemas: Record<string, Json> }).schemas;
  const options = (schemas[component]?.anyOf ?? schemas[component]?.oneOf) as Array<{ $ref?: string }> | undefined;
  const type = (value as { type?: unknown } | null)?.type;
  for (const option of options ?? []) {
    const ref = option.$ref?.split('/').at(-1);
    const enumOf = ref ? ((schemas[ref]?.properties as Record<string, Json> | undefined)?.type?.enum as unknown[] | undefined) : undefined;
    if (ref && enumOf?.includes(type)) return openAIValidator(ref);
  }
  return undefined;
}

/** Asserts that `value` is a valid `component` of OpenAI's description. */
export function expectOpenAI(component: OpenAIComponent, value: unknown): void {
  if (!available) {
    if (required) throw new Error(`${missingSharedMessage}; CI=true requires ${OPENAPI_PATH} for the schema checks`);
    skipped++;
    return;
  }
  const validate = openAIValidator(component);
  checked++;
  if (validate(value)) return;
  const branch = unionBranch(component, value);
  const errors = branch && !branch(value) ? branch.errors : validate.errors;
  const shown = (errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  expect.fail(`not a valid OpenAI ${component}: ${shown.join('; ')}\n${JSON.stringify(value).slice(0, 800)}`);
}

/** The Responses surfaces' name for the same check. */
export const expectSchema = expectOpenAI;

/** Every event of a Responses stream body: `event:` names the type, `data:` the event. */
export function parseEventStream(text: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const frame of text.split('\n\n')) {
    if (!frame.trim()) continue;
    const lines = frame.split('\n');
    const name = lines.find((l) => l.startsWith('event: '))?.slice(7);
    const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
    expect(data, `frame without data: ${frame}`).toBeDefined();
    const event = JSON.parse(data ?? 'null') as Record<string, unknown>;
    expect(event.type).toBe(name);
    events.push(event);
  }
  return events;
}

/** Which component an answer of the gateway's OpenAI surface must be, by path and status. */
function componentOf(path: string, status: number): OpenAIComponent | 'chat' | undefined {
  if (status >= 400) return 'ErrorResponse';
  if (path.endsWith('/chat/completions')) return 'chat';
  if (path.endsWith('/embeddings')) return 'CreateEmbeddingResponse';
  if (/\/v1\/(llm\/)?models$/.test(path)) return 'ListModelsResponse';
  if (path.includes('/v1/models/')) return 'Model';
  return undefined;
}

function checkBody(component: OpenAIComponent | 'chat', text: string, sse: boolean): void {
  if (!sse) return expectOpenAI(component === 'chat' ? 'CreateChatCompletionResponse' : component, JSON.parse(text));
  for (const event of text.split(/\r?\n\r?\n/)) {
    const data = event.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data || data === '[DONE]') continue;
    const json = JSON.parse(data) as Json;
    expectOpenAI('error' in json ? 'ErrorResponse' : 'CreateChatCompletionStreamResponse', json);
  }
}

const pending = new Set<Promise<void>>();
const failures: string[] = [];

/**
 * A fetch for the `openai` client (`new OpenAI({ fetch: conformingFetch })`): the client reads one branch of each
 * answer as usual, the other is validated as it arrives. Call expectConforming() after each test.
 */
export const conformingFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const component = componentOf(url.pathname, res.status);
  // OpenAI's description types embeddings as float arrays only; base64 ones are strings by design.
  const base64 = typeof init?.body === 'string' && /"encoding_format"\s*:\s*"base64"/.test(init.body);
  if (!res.body || !component || (component === 'CreateEmbeddingResponse' && base64)) return res;
  const [checked, forwarded] = res.body.tee();
  const sse = res.headers.get('content-type')?.includes('text/event-stream') ?? false;
  const job = new Response(checked)
    .text()
    .then((text) => checkBody(component, text, sse))
    .catch((err: unknown) => {
      // A stream the client abandoned or aborted is not a body to judge.
      if ((err as Error).name !== 'AbortError' && !/terminated|aborted/i.test((err as Error).message)) failures.push(`${url.pathname}: ${(err as Error).message}`);
    });
  pending.add(job);
  void job.finally(() => pending.delete(job));
  return new Response(forwarded, { status: res.status, statusText: res.statusText, headers: res.headers });
};

/** Every answer conformingFetch saw so far validated (waits for the bodies still arriving; an abort ends them too). */
export async function expectConforming(): Promise<void> {
  await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
  expect(pending.size, 'answers still arriving after 15 s').toBe(0);
  const seen = failures.splice(0);
  expect(seen, 'every OpenAI-surface answer validates against openapi.json').toEqual([]);
}
