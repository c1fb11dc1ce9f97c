// Anthropic's Messages API as a provider kind: where it lives, what switches it on; the adapter is adapter.ts.
import { keyedFromEnv } from '../shared/env.js';
import type { ProviderKind } from '../provider.js';
import { ANTHROPIC_BASE_URL, createAnthropicProvider } from './adapter.js';

export const anthropicKind: ProviderKind = {
  create: createAnthropicProvider,
  defaultBaseUrl: ANTHROPIC_BASE_URL,
  fromEnv: keyedFromEnv('ANTHROPIC', ANTHROPIC_BASE_URL),
  // Claude 3 to 4.x ids as Anthropic publishes them: family before or after the version, then a date or -latest.
  claimsBareNames: /^claude-(?:(?:opus|sonnet|haiku)-\d+(?:-\d+)?|\d+(?:-\d+)?-(?:opus|sonnet|haiku))(?:-\d{8}|-latest)?$/,
};
