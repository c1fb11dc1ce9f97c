-- The overview reads overview_rollups (0007) since the raw-row aggregate was replaced; these two indexes served only
-- that aggregate, and cost ~10 µs of Postgres CPU per logged row (bench/log-batch-cost.ts).
DROP INDEX "request_logs_overview_idx";--> statement-breakpoint
DROP INDEX "request_logs_retried_idx";
