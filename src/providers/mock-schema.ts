// The mock's answer to a JSON schema (tool parameters, response_format json_schema): the smallest instance that
// validates — required properties only, the first enum / const / anyOf branch, lower bounds, known string formats.
// Not covered: `pattern` (no general generator), `uniqueItems` with several equal minimal items, `not`.

type Schema = Record<string, unknown>;
const MAX_DEPTH = 32;

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

const FORMATS: Record<string, string> = {
  'date-time': '2025-01-01T00:00:00Z',
  date: '2025-01-01',
  time: '00:00:00Z',
  duration: 'P1D',
  email: 'mock@example.com',
  hostname: 'example.com',
  ipv4: '127.0.0.1',
  ipv6: '::1',
  uri: 'https://example.com/',
  url: 'https://example.com/',
  uuid: '00000000-0000-4000-8000-000000000000',
};

/** `#/$defs/a/b` inside the root schema (JSON pointer, ~1 and ~0 unescaped). */
function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    if (!isSchema(node)) return {};
    node = node[decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return node ?? {};
}

function typeOf(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return (type.find((t) => t !== 'null') ?? type[0]) as string | undefined;
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema || 'prefixItems' in schema) return 'array';
  if ('minLength' in schema || 'maxLength' in schema || 'format' in schema) return 'string';
  if ('minimum' in schema || 'maximum' in schema || 'exclusiveMinimum' in schema) return 'number';
  return undefined;
}

function numberFor(schema: Schema, integer: boolean): number {
  const [minimum, exMin, maximum, exMax] = [schema.minimum, schema.exclusiveMinimum, schema.maximum, schema.exclusiveMaximum].map(num);
  const ceiling = maximum ?? exMax;
  let value: number;
  if (minimum !== undefined) value = minimum;
  else if (exMin !== undefined) value = integer ? Math.floor(exMin) + 1 : ceiling !== undefined ? (exMin + ceiling) / 2 : exMin + 1;
  else if (ceiling !== undefined && ceiling <= 0) value = maximum ?? ceiling - 1;
  else value = 0;
  const step = num(schema.multipleOf);
  if (step && step > 0) value = Math.ceil(value / step) * step;
  return integer ? Math.ceil(value) : value;
}

function stringFor(schema: Schema): string {
  let text = (typeof schema.format === 'string' ? FORMATS[schema.format] : undefined) ?? 'mock';
  const min = num(schema.minLength) ?? 0;
  const max = num(schema.maxLength);
  if (text.length < min) text = text.padEnd(min, 'x');
  if (max !== undefined && text.length > max) text = text.slice(0, max);
  return text;
}

/** allOf branches folded into one schema: properties and required lists merged, other keywords by the last. */
function mergeAllOf(schema: Schema, root: unknown): Schema {
  const parts = [schema, ...(schema.allOf as unknown[])].map((s) => (isSchema(s) && typeof s.$ref === 'string' ? resolveRef(root, s.$ref) : s));
  const merged: Schema = {};
  const properties: Schema = {};
  const required = new Set<string>();
  for (const part of parts.filter(isSchema)) {
    Object.assign(merged, part);
    if (isSchema(part.properties)) Object.assign(properties, part.properties);
    if (Array.isArray(part.required)) for (const name of part.required) required.add(String(name));
  }
  delete merged.allOf;
  return { ...merged, properties, required: [...required] };
}

export function minimalInstance(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return null;
  if (typeof schema.$ref === 'string') return minimalInstance(resolveRef(root, schema.$ref), root, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0] ?? null;
  if (Array.isArray(schema.allOf)) return minimalInstance(mergeAllOf(schema, root), root, depth + 1);
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    const branch = branches.find((b) => !(isSchema(b) && b.type === 'null')) ?? branches[0];
    return minimalInstance(branch, root, depth + 1);
  }
  switch (typeOf(schema)) {
    case 'object':
      return objectFor(schema, root, depth);
    case 'array': {
      const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
      const count = Math.max(num(schema.minItems) ?? 0, prefix.length);
      return Array.from({ length: count }, (_, i) => minimalInstance(prefix[i] ?? schema.items ?? {}, root, depth + 1));
    }
    case 'string':
      return stringFor(schema);
    case 'integer':
      return numberFor(schema, true);
    case 'number':
      return numberFor(schema, false);
    case 'boolean':
      return false;
    default:
      return null;
  }
}

function objectFor(schema: Schema, root: unknown, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const out: Record<string, unknown> = {};
  for (const name of required) {
    const property = properties[name] ?? (isSchema(schema.additionalProperties) ? schema.additionalProperties : {});
    out[name] = minimalInstance(property, root, depth + 1);
  }
  return out;
}
