// OpenAI chat request → Gemini generateContent body (wire doc §2.2). Pure: remote images are fetched by the
// provider beforehand and passed in; fields Gemini has no equivalent for are dropped, never an error.
import { invalidRequest } from '../../errors.js';
import { contentText, type ChatMessage, type ChatRequest, type UserContentPart } from '../../schemas/chat-request.js';
import { defaultSignatureCodec, SKIP_THOUGHT_SIGNATURE_VALIDATOR, type ThoughtSignatureCodec } from './signature.js';
import { geminiModelTraits } from './models.js';
import { toGenerationConfig, toGeminiTools } from './generation.js';

export type GeminiOutPart = Record<string, unknown>;
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiOutPart[];
}
export interface InlineData {
  mimeType: string;
  data: string;
}

export interface GeminiRequestContext {
  /** Upstream model name; decides Gemma system handling, penalties, thinking config, signature placeholder. */
  model: string;
  /** Remote image URL → bytes, fetched by the provider before translating. */
  images?: ReadonlyMap<string, InlineData>;
  codec?: ThoughtSignatureCodec;
  /** Ask reasoning-capable models for thought summaries even without reasoning_effort. */
  includeThoughts?: boolean;
  /** Send remote image URLs as fileData for Gemini to fetch itself (2.5+/3 models) instead of inlining. */
  passImageUrls?: boolean;
}

const DATA_URL = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s;

/** URLs that must be downloaded and inlined: http(s) images that are not Google Files API / GCS references. */
export function remoteImageUrls(request: ChatRequest): string[] {
  const urls = new Set<string>();
  for (const message of request.messages) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const part of message.content) {
      if (part.type === 'image_url' && /^https?:\/\//i.test(part.image_url.url) && !isGoogleFileUri(part.image_url.url)) {
        urls.add(part.image_url.url);
      }
    }
  }
  return [...urls];
}

function isGoogleFileUri(url: string): boolean {
  return url.startsWith('gs://') || /^https:\/\/generativelanguage\.googleapis\.com\/v1\w*\/files\//.test(url);
}

export function toGeminiRequest(request: ChatRequest, context: GeminiRequestContext): Record<string, unknown> {
  const traits = geminiModelTraits(context.model);
  const { system, contents } = toGeminiContents(request.messages, context);
  const body: Record<string, unknown> = {};
  if (system.length > 0 && !traits.gemma && contents.length > 0) body.systemInstruction = { parts: system };
  else if (system.length > 0) contents.unshift({ role: 'user', parts: system }); // Gemma has no systemInstruction
  body.contents = mergeSameRole(contents);
  Object.assign(body, toGeminiTools(request));
  const generationConfig = toGenerationConfig(request, context);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

function toGeminiContents(messages: ChatMessage[], context: GeminiRequestContext) {
  const codec = context.codec ?? defaultSignatureCodec;
  const traits = geminiModelTraits(context.model);
  const system: GeminiOutPart[] = [];
  const contents: GeminiContent[] = [];
  const toolNames = new Map<string, string>();
  messages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = contentText(message.content);
        if (text) system.push({ text });
        return;
      }
      case 'user':
        contents.push({ role: 'user', parts: userParts(message.content, index, context) });
        return;
      case 'assistant': {
        const parts: GeminiOutPart[] = [];
        const text = contentText(message.content);
        if (text) parts.push({ text });
        // Gemini 3 signs only the first call of a parallel batch; later calls legitimately have none.
        let batchSigned = false;
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          const part: GeminiOutPart = { functionCall: { name: call.function.name, args: parseArguments(call.function.arguments) } };
          const signature = codec.signatureOf(call.id);
          if (signature) part.thoughtSignature = signature;
          else if (traits.gemini3 && !batchSigned) part.thoughtSignature = SKIP_THOUGHT_SIGNATURE_VALIDATOR;
          batchSigned ||= signature !== undefined;
          parts.push(part);
        }
        contents.push({ role: 'model', parts });
        return;
      }
      case 'tool': {
        const name = toolNames.get(message.tool_call_id);
        if (!name) {
          throw invalidRequest(
            `messages[${index}]: no earlier assistant tool call has id '${message.tool_call_id}'`,
            `messages[${index}].tool_call_id`,
          );
        }
        const response = toFunctionResponse(contentText(message.content));
        contents.push({ role: 'user', parts: [{ functionResponse: { name, response } }] });
        return;
      }
      case 'function':
        contents.push({ role: 'user', parts: [{ functionResponse: { name: message.name, response: toFunctionResponse(message.content ?? '') } }] });
        return;
    }
  });
  return { system, contents: contents.filter((c) => c.parts.length > 0) };
}

/** functionResponse.response must be a JSON object: a JSON-object result passes as is, anything else is wrapped. */
function toFunctionResponse(text: string): Record<string, unknown> {
  const parsed = safeParse(text);
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  return { content: text };
}

/** Arguments the client echoes back. Unparseable ones (a model's truncated output) become {} rather than a 400. */
function parseArguments(text: string): Record<string, unknown> {
  const parsed = safeParse(text);
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function userParts(content: string | UserContentPart[], index: number, context: GeminiRequestContext): GeminiOutPart[] {
  if (typeof content === 'string') return content ? [{ text: content }] : [];
  const parts: GeminiOutPart[] = [];
  content.forEach((part, partIndex) => {
    const out = userPart(part, context);
    if (out === null) {
      throw invalidRequest(`messages[${index}].content[${partIndex}]: image could not be read`, `messages[${index}].content[${partIndex}]`);
    }
    if (out) parts.push(out);
  });
  return parts;
}

/** undefined = nothing to send (empty text, unsupported part); null = an image we cannot use. */
function userPart(part: UserContentPart, context: GeminiRequestContext): GeminiOutPart | undefined | null {
  switch (part.type) {
    case 'text':
      return part.text ? { text: part.text } : undefined;
    case 'image_url': {
      const url = part.image_url.url;
      const data = DATA_URL.exec(url);
      if (data) return { inlineData: { mimeType: data[1], data: data[2] } };
      if (isGoogleFileUri(url)) return { fileData: { mimeType: guessMimeType(url), fileUri: url } };
      const fetched = context.images?.get(url);
      if (fetched) return { inlineData: fetched };
      return context.passImageUrls ? { fileData: { mimeType: guessMimeType(url), fileUri: url } } : null;
    }
    case 'input_audio':
      return { inlineData: { mimeType: `audio/${part.input_audio.format}`, data: part.input_audio.data } };
    case 'file': {
      const file = part.file as { file_data?: unknown; file_id?: unknown };
      const data = typeof file.file_data === 'string' ? DATA_URL.exec(file.file_data) : null;
      if (data) return { inlineData: { mimeType: data[1], data: data[2] } };
      if (typeof file.file_id === 'string' && isGoogleFileUri(file.file_id)) {
        return { fileData: { mimeType: guessMimeType(file.file_id), fileUri: file.file_id } };
      }
      return undefined; // an OpenAI file id means nothing to Gemini
    }
  }
}

export function guessMimeType(url: string): string {
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  const known: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    gif: 'image/gif',
    heic: 'image/heic',
    pdf: 'application/pdf',
  };
  return (ext && known[ext]) || 'image/jpeg';
}

/** Gemini wants user/model alternation: adjacent turns of one role (e.g. tool results + user text) are merged. */
function mergeSameRole(contents: GeminiContent[]): GeminiContent[] {
  const merged: GeminiContent[] = [];
  for (const content of contents) {
    const last = merged.at(-1);
    if (last && last.role === content.role) last.parts.push(...content.parts);
    else merged.push({ role: content.role, parts: [...content.parts] });
  }
  return merged;
}
