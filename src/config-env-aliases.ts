// Older variable spellings the first users' configs still carry → today's names, as a pre-pass over the env object
// before any config is read from it, so it holds wherever the env mapping lives. Each spelling found yields one notice.

export interface EnvNotice {
  /** pino fields: the spelling found and the one to use instead, never a value (they may be secrets). */
  fields: { deprecated: string; use: string };
  message: string;
}

interface Alias {
  deprecated: string;
  current: string;
  /** `append`: the old value joins a comma-separated list (keys); `rename`: it stands in for an unset new name. */
  merge: 'rename' | 'append';
  /** Reshapes the old value into what the new variable means. */
  adapt?: (value: string) => string;
}

// An "endpoint" in those configs may name the chat route itself; DEEPSEEK_BASE_URL is the root the adapter extends.
const endpointToBaseUrl = (value: string) => value.replace(/\/+$/, '').replace(/\/chat\/completions$/, '');

export const ENV_ALIASES: readonly Alias[] = [
  { deprecated: 'GEMINI_KEY', current: 'GEMINI_API_KEY', merge: 'rename' },
  { deprecated: 'DIPSEEK_API_KEY', current: 'DEEPSEEK_API_KEY', merge: 'rename' },
  { deprecated: 'DIPSEEK_ENDPOINT', current: 'DEEPSEEK_BASE_URL', merge: 'rename', adapt: endpointToBaseUrl },
  // The singular named the one provider to use; the fallback order's first entry is the default provider.
  { deprecated: 'LLM_PROVIDER', current: 'LLM_PROVIDERS', merge: 'rename' },
  { deprecated: 'LLM_PROXY__INTERNAL_API_KEY', current: 'GATEWAY_API_KEYS', merge: 'append' },
];

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** The env with every deprecated spelling mapped onto its new name (the new name wins), and what to warn about. */
export function applyEnvAliases(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; notices: EnvNotice[] } {
  const found = ENV_ALIASES.filter((alias) => isSet(env[alias.deprecated]));
  if (found.length === 0) return { env, notices: [] };
  const out: NodeJS.ProcessEnv = { ...env };
  const notices: EnvNotice[] = [];
  for (const alias of found) {
    const value = (alias.adapt ?? String)((env[alias.deprecated] ?? '').trim());
    const existing = env[alias.current];
    const fields = { deprecated: alias.deprecated, use: alias.current };
    if (alias.merge === 'append') {
      const listed = (existing ?? '').split(',').map((item) => item.trim());
      if (!listed.includes(value)) out[alias.current] = isSet(existing) ? `${existing},${value}` : value;
      notices.push({ fields, message: `${alias.deprecated} is deprecated: add its key to ${alias.current} instead` });
    } else if (isSet(existing)) {
      notices.push({ fields, message: `${alias.deprecated} is ignored because ${alias.current} is set too: remove ${alias.deprecated}` });
    } else {
      out[alias.current] = value;
      notices.push({ fields, message: `${alias.deprecated} is deprecated: rename it to ${alias.current}` });
    }
  }
  return { env: out, notices };
}
