// Cleans an OpenAI tool / response JSON Schema down to what Gemini's `parametersJsonSchema` and
// `responseJsonSchema` fields document as supported.
//
// Why the JSON-Schema fields rather than the legacy `parameters`/`responseSchema` (OpenAPI-3 `Schema` proto):
// the proto rejects ordinary JSON Schema outright (`additionalProperties`, `type: ["string","null"]`, `$ref`,
// integer enums → 400 "Unknown name … Cannot find field"), so cleaning for it is lossy. The JSON-Schema fields
// (Gemini API v1beta and Vertex v1; pydantic-ai sends `parametersJsonSchema`, wire doc §2.2) accept plain JSON
// Schema including `additionalProperties`, `$defs`/`$ref` and `anyOf`; Google lists the supported keywords and
// says others are ignored. We still keep only that list so that nothing unexpected can trip validation, and
// fix the two documented hard rules: a `$ref` sub-schema may carry only `$`-keywords, and `enum` holds strings
// and numbers only. Source of the keyword list: @google/genai `GenerationConfig.responseJsonSchema` doc text.

type Json = unknown;
type JsonObject = Record<string, Json>;

const SUPPORTED = new Set([
  '$id',
  '$defs',
  '$ref',
  '$anchor',
  'type',
  'format',
  'title',
  'description',
  'enum',
  'items',
  'prefixItems',
  'minItems',
  'maxItems',
  'minimum',
  'maximum',
  'anyOf',
  'oneOf',
  'properties',
  'additionalProperties',
  'required',
  'propertyOrdering',
]);

const isObject = (value: Json): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A copy of `schema` holding only keywords Gemini's JSON-Schema fields support. */
export function cleanGeminiSchema(schema: JsonObject): JsonObject {
  return cleanNode(schema) as JsonObject;
}

function cleanNode(node: Json): Json {
  if (!isObject(node)) return node; // `true`/`false` schemas pass as they are
  const source = flattenSingleAllOf(node);
  const hasRef = typeof source.$ref === 'string';
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(source)) {
    if (hasRef && !key.startsWith('$')) continue; // documented: a $ref sub-schema carries only $-keywords
    if (key === 'definitions' || key === '$defs') {
      if (isObject(value)) out.$defs = { ...(out.$defs as JsonObject | undefined), ...mapValues(value, cleanNode) };
      continue;
    }
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/definitions/', '#/$defs/');
      continue;
    }
    if (key === 'const') {
      if (isEnumValue(value) && source.enum === undefined) out.enum = [value];
      continue;
    }
    if (!SUPPORTED.has(key)) continue;
    const cleaned = cleanKeyword(key, value);
    if (cleaned !== undefined) out[key] = cleaned;
  }
  return out;
}

function cleanKeyword(key: string, value: Json): Json {
  switch (key) {
    case 'properties':
      return isObject(value) ? mapValues(value, cleanNode) : undefined;
    case 'items':
    case 'additionalProperties':
      return cleanNode(value);
    case 'prefixItems':
    case 'anyOf':
    case 'oneOf':
      return Array.isArray(value) ? value.map(cleanNode) : undefined;
    case 'enum': {
      // Gemini takes string and number enums only. A null member is already expressed by the type
      // (`["string","null"]` / anyOf), so it is left out; a boolean/object enum is dropped rather than mangled.
      const members = Array.isArray(value) ? value.filter((member) => member !== null) : [];
      return members.length > 0 && members.every(isEnumValue) ? members : undefined;
    }
    case 'required':
    case 'propertyOrdering':
      return Array.isArray(value) ? value.filter((entry) => typeof entry === 'string') : undefined;
    default:
      return value;
  }
}

function isEnumValue(value: Json): value is string | number {
  return typeof value === 'string' || typeof value === 'number';
}

/** `allOf: [X]` (what many generators emit to attach a description to a $ref) becomes X merged in. */
function flattenSingleAllOf(node: JsonObject): JsonObject {
  const allOf = node.allOf;
  if (!Array.isArray(allOf) || allOf.length !== 1 || !isObject(allOf[0])) return node;
  const { allOf: _dropped, ...rest } = node;
  return { ...rest, ...allOf[0] };
}

function mapValues(object: JsonObject, fn: (value: Json) => Json): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) out[key] = fn(value);
  return out;
}
