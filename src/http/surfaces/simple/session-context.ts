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

/** The session's turns still in this process's log queue, newest first: they must count before they are written. */
function queuedTurns(deps: Deps, keyId: string | undefined, sessionId: string): Array<SessionTurn & { id: string }> {
  const owner = keyId ?? null;
  const rows = deps.logWriter.pending(({ request: r }) => r.sessionId === sessionId && r.keyId === owner && r.status === 200 && !r.partial && r.question !== null && r.content !== null);
  return rows.reverse().map(({ request: r }) => ({ id: r.id, question: r.question!, answer: r.content! }));
}

/** The messages to put before the new question ([] with no session, no budget, or the store down). */
export async function sessionContext(deps: Deps, keyId: string | undefined, sessionId: string | undefined): Promise<ChatMessage[]> {
  const budget = deps.config.sessionContextTokens;
  if (!sessionId || budget <= 0 || deps.logWriter.stats.degraded) return [];
  const stored = deps.redact(sessionId);
  // Read the queue before the store: a row written in between is then in both, and dropped once by its id (forcing a
  // flush instead would commit one row per question).
  const queued = queuedTurns(deps, keyId, stored);
  try {
    const written = await deps.logStore.sessionTurns(keyId, stored, MAX_TURNS_READ);
    const seen = new Set(queued.map((t) => t.id));
    return turnMessages(fitTurns([...queued, ...written.filter((t) => !seen.has(t.id))], budget));
  } catch {
    // Memory is a convenience: a store that just failed must not fail the question itself.
    return [];
  }
}
