// A session's memory: its earlier question/answer turns, read from the log store for the key that asks, fitted
// newest-first into SESSION_CONTEXT_TOKENS (estimated as characters / 4: no tokenizer per model on the hot path),
// and sent in order before the new question.
import type { Deps } from '../../../deps.js';
import type { SessionTurn } from '../../../request-log/store.js';
import type { ChatMessage } from '../../../schemas/chat-request.js';
import { estimateTokens } from '../../../usage/estimate.js';

/** More turns than any budget keeps in practice; bounds the read however long a session grows. */
const MAX_TURNS_READ = 200;

/** The newest turns that fit the budget (a turn is kept whole or not at all), oldest first. */
export function fitTurns(newestFirst: readonly SessionTurn[], budgetTokens: number): SessionTurn[] {
  const kept: SessionTurn[] = [];
  let used = 0;
  for (const turn of newestFirst) {
    used += estimateTokens(turn.question) + estimateTokens(turn.answer);
    if (used > budgetTokens) break;
    kept.push(turn);
  }
  return kept.reverse();
}

export const turnMessages = (turns: readonly SessionTurn[]): ChatMessage[] =>
  turns.flatMap((t): ChatMessage[] => [
    { role: 'user', content: t.question },
    { role: 'assistant', content: t.answer },
  ]);

/** The messages to put before the new question ([] with no session, no budget, or the store down). */
export async function sessionContext(deps: Deps, keyId: string | undefined, sessionId: string | undefined): Promise<ChatMessage[]> {
  const budget = deps.config.sessionContextTokens;
  if (!sessionId || budget <= 0 || deps.logWriter.stats.degraded) return [];
  // The previous turn may still wait in the writer's queue: the next question must see it.
  await deps.logWriter.flush(true);
  try {
    return turnMessages(fitTurns(await deps.logStore.sessionTurns(keyId, deps.redact(sessionId), MAX_TURNS_READ), budget));
  } catch {
    // Memory is a convenience: a store that just failed must not fail the question itself.
    return [];
  }
}
