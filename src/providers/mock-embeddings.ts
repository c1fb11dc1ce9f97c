// The mock's embeddings: each token (a word, or a token id) seeds a fixed pseudo-random direction and a text's vector
// is their normalised sum, so equal inputs give equal unit vectors and texts that share words point alike.
import { invalidRequest } from '../errors.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../schemas/embeddings.js';

export const MOCK_EMBEDDING_DIMENSIONS = 256;
const MAX_DIMENSIONS = 4096;

/** FNV-1a: a stable 32-bit seed per token, the same on every run and machine. */
function seedOf(token: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < token.length; i++) hash = Math.imul(hash ^ token.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** mulberry32: a tiny deterministic generator, uniform in [-1, 1). */
function direction(seed: number, dimensions: number, into: Float64Array): void {
  let state = seed;
  for (let i = 0; i < dimensions; i++) {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    into[i] = (into[i] ?? 0) + (((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1);
  }
}

function tokensOf(input: string | number[]): string[] {
  if (Array.isArray(input)) return input.map((id) => `#${id}`);
  const words = input.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  // An empty text still gets a (fixed) unit vector, as a real model's would be.
  return words.length > 0 ? words : [''];
}

export function mockEmbedding(tokens: string[], dimensions: number): number[] {
  const sum = new Float64Array(dimensions);
  for (const token of tokens) direction(seedOf(token), dimensions, sum);
  let norm = 0;
  for (const v of sum) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  return Array.from(sum, (v) => v / norm);
}

export function mockEmbeddings(request: EmbeddingsRequest, model: string): EmbeddingsResponse {
  const dimensions = request.dimensions ?? MOCK_EMBEDDING_DIMENSIONS;
  if (dimensions > MAX_DIMENSIONS) throw invalidRequest(`dimensions must be at most ${MAX_DIMENSIONS} for the mock`, 'dimensions');
  const { input } = request;
  // string | string[] | number[] (one tokenised input) | number[][]
  const inputs: Array<string | number[]> =
    typeof input === 'string' ? [input] : typeof input[0] === 'number' ? [input as number[]] : (input as Array<string | number[]>);
  let promptTokens = 0;
  const data = inputs.map((item, index) => {
    const tokens = tokensOf(item);
    promptTokens += tokens.length;
    return { object: 'embedding' as const, index, embedding: mockEmbedding(tokens, dimensions) };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}
