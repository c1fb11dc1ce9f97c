// Validates bodies and stream events against OpenAI's published OpenAPI document (../shared/reference, read in
// place, never copied). Without ../shared the checks are counted as skipped, and refused under CI=true.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, expect } from 'vitest';
import { foldNullable } from '../../../helpers/openai-schema.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
export const OPENAPI_PATH = resolve(REPO_ROOT, '..', 'shared', 'reference', 'openai-openapi', 'openapi.json');

type Node = Record<string, unknown>;

export const openapiDocument: Node | undefined = existsSync(OPENAPI_PATH) ? (JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as Node) : undefined;

// CommonJS packages under NodeNext: the class and the plugin sit on `default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;
let ajv: InstanceType<typeof Ajv2020> | undefined;
function validator(name: string) {
  if (!openapiDocument) return undefined;
  if (!ajv) {
    ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats(ajv);
    ajv.addFormat('unixtime', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= 0 });
    const { components } = foldNullable(openapiDocument) as { components: Node };
    ajv.addSchema({ $id: 'openai', components }, 'openai');
  }
  const validate = ajv.getSchema(`openai#/components/schemas/${name}`);
  if (!validate) throw new Error(`no schema ${name} in the OpenAPI document`);
  return validate;
}

let skipped = 0;
if (!openapiDocument && process.env.CI === 'true') throw new Error(`${OPENAPI_PATH} is missing: schema checks cannot be skipped under CI`);
afterAll(() => {
  if (skipped > 0) process.stderr.write(`openapi-schemas: ${skipped} schema checks skipped (../shared/reference is missing)\n`);
});

/** Asserts `value` is a valid `components.schemas[name]` (e.g. Response, ResponseStreamEvent, ErrorResponse). */
export function expectSchema(name: string, value: unknown): void {
  const validate = validator(name);
  if (!validate) {
    skipped++;
    return;
  }
  if (validate(value)) return;
  // A union's errors list every branch; the branch named by the value's `type` says what is really wrong.
  const branch = unionBranch(name, value);
  const errors = branch && !branch(value) ? branch.errors : validate.errors;
  expect((errors ?? []).slice(0, 5), `${name}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
}

function unionBranch(name: string, value: unknown) {
  const schemas = (openapiDocument?.components as { schemas: Record<string, Node> }).schemas;
  const options = (schemas[name]?.anyOf ?? schemas[name]?.oneOf) as Array<{ $ref?: string }> | undefined;
  const type = (value as { type?: unknown } | null)?.type;
  for (const option of options ?? []) {
    const ref = option.$ref?.split('/').at(-1);
    const enumOf = ref ? ((schemas[ref]?.properties as Record<string, Node> | undefined)?.type?.enum as unknown[] | undefined) : undefined;
    if (ref && enumOf?.includes(type)) return validator(ref);
  }
  return undefined;
}

/** Every event of a Responses stream body: `event:` names the type, `data:` a valid ResponseStreamEvent. */
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
