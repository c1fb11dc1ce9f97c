// The mock's embeddings: fixed dimensions, unit length, equal inputs → equal vectors, shared words → closer vectors.
import { describe, expect, it } from 'vitest';
import { MOCK_EMBEDDING_DIMENSIONS, mockEmbeddings } from '../../src/providers/mock-embeddings.js';

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0) / (norm(a) * norm(b));
const vectors = (input: string | string[] | number[] | number[][], dimensions?: number) =>
  mockEmbeddings({ model: 'embed', input, dimensions }, 'mock/embed').data.map((d) => d.embedding as number[]);

describe('mockEmbeddings', () => {
  it('gives every input a unit vector of the fixed dimensions, in input order', () => {
    const out = vectors(['alpha', 'beta gamma', '']);
    expect(out).toHaveLength(3);
    for (const v of out) {
      expect(v).toHaveLength(MOCK_EMBEDDING_DIMENSIONS);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
    expect(out[0]).not.toEqual(out[1]);
  });

  it('is deterministic: the same input gives the same vector in any batch', () => {
    const [first] = vectors('the same words');
    const [, again] = vectors(['other', 'the same words']);
    expect(again).toEqual(first);
  });

  it('places texts that share words closer than unrelated ones', () => {
    const [cat, catMat, stocks] = vectors(['the cat sat', 'the cat sat on the mat', 'quarterly stock report']);
    expect(cosine(cat ?? [], catMat ?? [])).toBeGreaterThan(cosine(cat ?? [], stocks ?? []) + 0.3);
  });

  it('honours `dimensions` and refuses absurd ones with a 400', () => {
    expect(vectors('x', 64)[0]).toHaveLength(64);
    expect(() => vectors('x', 100_000)).toThrow(expect.objectContaining({ status: 400, param: 'dimensions' }));
  });

  it('embeds token-id inputs (one tokenised text, or several) and counts their tokens', () => {
    const one = mockEmbeddings({ model: 'embed', input: [1, 2, 3] }, 'mock/embed');
    expect(one.data).toHaveLength(1);
    expect(one.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const two = vectors([[1, 2], [1, 2]]);
    expect(two[0]).toEqual(two[1]);
  });
});
