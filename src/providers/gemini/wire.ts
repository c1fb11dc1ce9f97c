// Gemini / Vertex response wire shapes: zod schemas of only the fields the adapter reads (wire doc §2.3–2.6).
import { z } from 'zod';

const count = z.number().nullish();

export const partialArgSchema = z.looseObject({
  jsonPath: z.string().nullish(),
  stringValue: z.string().nullish(),
  numberValue: z.number().nullish(),
  boolValue: z.boolean().nullish(),
  nullValue: z.string().nullish(),
  willContinue: z.boolean().nullish(),
});
export type GeminiPartialArg = z.infer<typeof partialArgSchema>;

export const functionCallSchema = z.looseObject({
  name: z.string().nullish(),
  args: z.record(z.string(), z.unknown()).nullish(),
  /** Vertex `streamFunctionCallArguments` only (fixture vertex-stream-functioncall-partialargs). */
  partialArgs: z.array(partialArgSchema).nullish(),
  willContinue: z.boolean().nullish(),
});
export type GeminiFunctionCall = z.infer<typeof functionCallSchema>;

export const partSchema = z.looseObject({
  text: z.string().nullish(),
  thought: z.boolean().nullish(),
  thoughtSignature: z.string().nullish(),
  functionCall: functionCallSchema.nullish(),
});
export type GeminiPart = z.infer<typeof partSchema>;

const candidateSchema = z.looseObject({
  content: z.looseObject({ parts: z.array(partSchema).nullish() }).nullish(),
  finishReason: z.string().nullish(),
  index: z.number().nullish(),
});

export const usageMetadataSchema = z.looseObject({
  promptTokenCount: count,
  candidatesTokenCount: count,
  thoughtsTokenCount: count,
  cachedContentTokenCount: count,
});
export type GeminiUsageMetadata = z.infer<typeof usageMetadataSchema>;

/** One generateContent body, and equally one `data:` event of streamGenerateContent?alt=sse. */
export const generateContentResponseSchema = z.looseObject({
  candidates: z.array(candidateSchema).nullish(),
  promptFeedback: z.looseObject({ blockReason: z.string().nullish() }).nullish(),
  usageMetadata: usageMetadataSchema.nullish(),
});
export type GeminiResponse = z.infer<typeof generateContentResponseSchema>;

export const geminiErrorSchema = z.looseObject({
  error: z.looseObject({
    code: z.number().nullish(),
    message: z.string().nullish(),
    status: z.string().nullish(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().nullish(),
          reason: z.string().nullish(),
          retryDelay: z.string().nullish(),
          violations: z.array(z.looseObject({ quotaId: z.string().nullish() })).nullish(),
        }),
      )
      .nullish(),
  }),
});

export const modelsListSchema = z.looseObject({
  models: z
    .array(z.looseObject({ name: z.string(), supportedGenerationMethods: z.array(z.string()).nullish() }))
    .nullish(),
  nextPageToken: z.string().nullish(),
});

export const batchEmbedResponseSchema = z.looseObject({
  embeddings: z.array(z.looseObject({ values: z.array(z.number()) })),
});

/** Vertex `:predict` for text-embedding models. */
export const vertexPredictEmbedResponseSchema = z.looseObject({
  predictions: z.array(
    z.looseObject({
      embeddings: z.looseObject({
        values: z.array(z.number()),
        statistics: z.looseObject({ token_count: count }).nullish(),
      }),
    }),
  ),
});

/** models.countTokens: only the total is read. */
export const countTokensResponseSchema = z.looseObject({ totalTokens: z.number().int().nonnegative() });
