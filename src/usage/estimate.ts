// The gateway's one token estimate where no tokenizer runs: about four characters a token (OpenAI's and Anthropic's
// rule of thumb for English text and code). Used for session memory budgets, count_tokens over providers without a
// counting endpoint, and billing a stream cut before its usage.
export const CHARS_PER_TOKEN = 4;

export const estimateTokens = (text: string): number => Math.ceil(text.length / CHARS_PER_TOKEN);
