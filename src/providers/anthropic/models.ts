// What the adapter must know per Claude model family: output-token limits, a default max_tokens, reasoning, vision.
// Families are matched by id prefix so dated ids (claude-sonnet-4-5-20250929) and aliases (claude-sonnet-4-5) agree.

export interface AnthropicModelTraits {
  /** max_tokens sent when the client gave none (the Messages API requires one). */
  defaultMaxTokens: number;
  /** The family's documented output ceiling; computed max_tokens (answer + thinking budget) never exceed it. */
  maxOutputTokens: number;
  /** Extended thinking (`thinking: {type:'enabled'}`) is accepted. */
  reasoning: boolean;
  vision: boolean;
  tools: boolean;
}

/*
 * Defaults: OpenAI clients that omit max_tokens expect "no small cap", so 4096 would cut long answers from
 * models that allow 32k–64k. The full ceiling is not used either: 64k tokens at ~60 tok/s is ~18 min, far past
 * any gateway timeout for a non-streamed call, and Anthropic's own SDK refuses non-streaming calls whose
 * max_tokens implies more than 10 minutes (~21k). 16384 stays under that on every 3.7+/4.x model (all allow
 * ≥ 32000). 3.5 models top out at 8192; Claude 3 (and anything unrecognised) at 4096, which every model accepts.
 */
const LEGACY: AnthropicModelTraits = { defaultMaxTokens: 4096, maxOutputTokens: 4096, reasoning: false, vision: false, tools: false };
const CLAUDE_3: AnthropicModelTraits = { defaultMaxTokens: 4096, maxOutputTokens: 4096, reasoning: false, vision: true, tools: true };
const CLAUDE_3_5: AnthropicModelTraits = { defaultMaxTokens: 8192, maxOutputTokens: 8192, reasoning: false, vision: true, tools: true };
// Opus 4 / 4.1 stop at 32000; 3.7 Sonnet, Sonnet 4/4.5, Haiku 4.5, Opus 4.5 at 64000. Unknown 4.x+: the lower one.
const MODERN_32K: AnthropicModelTraits = { defaultMaxTokens: 16384, maxOutputTokens: 32000, reasoning: true, vision: true, tools: true };
const MODERN_64K: AnthropicModelTraits = { ...MODERN_32K, maxOutputTokens: 64000 };

/** claude-{family}-{major}[-{minor}] (4.x naming) or claude-{major}[-{minor}]-{family} (3.x naming). */
function version(model: string): { major: number; minor: number; family: string } | undefined {
  const modern = /^claude-(opus|sonnet|haiku)-(\d+)(?:-(\d)(?!\d))?/.exec(model);
  if (modern) return { family: modern[1] ?? '', major: Number(modern[2]), minor: Number(modern[3] ?? 0) };
  const legacy = /^claude-(\d+)(?:-(\d)(?!\d))?-(opus|sonnet|haiku)/.exec(model);
  if (legacy) return { family: legacy[3] ?? '', major: Number(legacy[1]), minor: Number(legacy[2] ?? 0) };
  return undefined;
}

export function anthropicModelTraits(model: string): AnthropicModelTraits {
  const v = version(model);
  if (!v) return /^claude-(2|instant)/.test(model) ? LEGACY : CLAUDE_3;
  if (v.major < 3) return LEGACY;
  if (v.major === 3 && v.minor < 5) return CLAUDE_3;
  // 3.5 Haiku shipped without image input.
  if (v.major === 3 && v.minor < 7) return v.family === 'haiku' ? { ...CLAUDE_3_5, vision: false } : CLAUDE_3_5;
  if (v.major === 3) return MODERN_64K;
  if (v.major === 4 && v.minor < 5 && v.family === 'opus') return MODERN_32K;
  if (v.major === 4) return MODERN_64K;
  return MODERN_32K;
}
