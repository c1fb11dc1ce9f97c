// What differs between Gemini model generations, read from the model name, and reasoning_effort → thinkingConfig.
// 2.5 takes `thinkingBudget` (tokens), 3.x takes `thinkingLevel`; sending both is a 400 (wire doc §2.2).

export interface GeminiModelTraits {
  /** e.g. 2, 2.5, 3, 3.1; 0 when the name carries no Gemini version (Gemma, embeddings, tuned models). */
  version: number;
  gemma: boolean;
  gemini3: boolean;
  /** Thinking models: 2.5 and later. */
  reasoning: boolean;
  /** presence/frequency penalties accepted (2.5 answers 400 "Penalty is not enabled"). */
  penalties: boolean;
  flash: boolean;
  pro: boolean;
}

export function geminiModelTraits(model: string): GeminiModelTraits {
  const name = model.toLowerCase().replace(/^models\//, '');
  const match = /gemini-(\d+(?:\.\d+)?)/.exec(name);
  // `gemini-flash-latest`-style aliases point at current (2.5+) models.
  const version = match?.[1] ? Number(match[1]) : /^gemini-.*latest$/.test(name) ? 2.5 : 0;
  return {
    version,
    gemma: name.startsWith('gemma'),
    gemini3: version >= 3,
    reasoning: version >= 2.5,
    penalties: version > 0 && version < 2.5,
    flash: name.includes('flash'),
    pro: name.includes('pro'),
  };
}

/** Budgets for 2.5 (flash caps at 24,576, pro at 32,768; pro cannot switch thinking off, minimum 128). */
function thinkingBudget(effort: string, traits: GeminiModelTraits): number | undefined {
  switch (effort) {
    case 'none':
      return traits.pro ? 128 : 0;
    case 'minimal':
      return 512;
    case 'low':
      return 1024;
    case 'medium':
      return 8192;
    case 'high':
      return 24576;
    case 'xhigh':
      return traits.pro ? 32768 : 24576;
    default:
      return undefined;
  }
}

/** 3.x levels: Flash offers MINIMAL…HIGH; Pro only LOW and HIGH (thinking cannot be switched off). */
function thinkingLevel(effort: string, traits: GeminiModelTraits): string | undefined {
  switch (effort) {
    case 'none':
    case 'minimal':
      return traits.flash ? 'MINIMAL' : 'LOW';
    case 'low':
      return 'LOW';
    case 'medium':
      return traits.flash ? 'MEDIUM' : 'HIGH';
    case 'high':
    case 'xhigh':
      return 'HIGH';
    default:
      return undefined;
  }
}

/**
 * reasoning_effort → thinkingConfig, with includeThoughts so summaries surface as reasoning_content.
 * Non-thinking models and unknown effort values get nothing (dropped, not an error).
 */
export function toThinkingConfig(
  model: string,
  effort: string | undefined,
  includeThoughtsByDefault: boolean,
): Record<string, unknown> | undefined {
  const traits = geminiModelTraits(model);
  if (!traits.reasoning) return undefined;
  if (!effort) return includeThoughtsByDefault ? { includeThoughts: true } : undefined;
  const includeThoughts = effort !== 'none';
  if (traits.gemini3) {
    const level = thinkingLevel(effort, traits);
    return level ? { thinkingLevel: level, includeThoughts } : undefined;
  }
  const budget = thinkingBudget(effort, traits);
  return budget === undefined ? undefined : { thinkingBudget: budget, includeThoughts };
}
