-- Rows logged before the rollups existed, folded into them once, so budgets and /admin/spend keep their history.
-- Rows written later by a replica still on the previous version are not folded in (see docs: upgrade all replicas).
INSERT INTO "spend_daily" ("day", "key_id", "team_id", "provider", "model", "requests", "prompt_tokens", "completion_tokens", "cached_tokens", "reasoning_tokens", "cost_usd")
SELECT (r."created_at" AT TIME ZONE 'UTC')::date, coalesce(r."key_id", ''), coalesce(r."team_id", ''), coalesce(r."provider", ''), coalesce(r."model", ''),
	count(*), coalesce(sum(r."prompt_tokens"), 0), coalesce(sum(r."completion_tokens"), 0), coalesce(sum(r."cached_tokens"), 0), coalesce(sum(r."reasoning_tokens"), 0), coalesce(sum(r."cost_usd"), 0)
FROM "request_logs" r
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT ("day", "key_id", "team_id", "provider", "model") DO NOTHING;
