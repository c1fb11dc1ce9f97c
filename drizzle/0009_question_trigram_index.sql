-- The console's free-text filter (question ILIKE '%word%', console-request-query.ts) as a trigram index scan: without
-- it a rare word reads every row of the window. Written by hand, not generated: drizzle-kit cannot make an index depend
-- on an extension being there. A server without the pg_trgm contrib module (or a role that may not create it; it is a
-- trusted extension from PostgreSQL 13, so a database owner may) still migrates: the search then scans, as before.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
	RAISE NOTICE 'pg_trgm is not available (%); the console''s free-text search will scan', SQLERRM;
END $$;
--> statement-breakpoint
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
		CREATE INDEX IF NOT EXISTS "request_logs_question_trgm_idx" ON "request_logs" USING gin ("question" gin_trgm_ops);
	END IF;
END $$;
