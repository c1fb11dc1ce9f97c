-- The overview reads overview_rollups (0007) since the raw-row aggregate was replaced; these two indexes served only
-- that aggregate, and cost ~10 µs of Postgres CPU per logged row (measured by dropping them on a scratch database,
-- as bench/log-batch-cost.ts does for the indexes that remain).
DROP INDEX "request_logs_overview_idx";--> statement-breakpoint
DROP INDEX "request_logs_retried_idx";
