CREATE TABLE "request_logs" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"key_id" text,
	"endpoint" text NOT NULL,
	"requested_model" text,
	"stream" boolean DEFAULT false NOT NULL,
	"session_id" text,
	"user_id" text,
	"question" text,
	"request_body" jsonb,
	"provider" text,
	"model" text,
	"status" integer NOT NULL,
	"finish_reason" text,
	"content" text,
	"tool_calls" jsonb,
	"prompt_tokens" integer,
	"completion_tokens" integer,
	"total_tokens" integer,
	"cached_tokens" integer,
	"reasoning_tokens" integer,
	"latency_ms" integer NOT NULL,
	"ttft_ms" integer,
	"overhead_ms" integer,
	"attempts" integer DEFAULT 0 NOT NULL,
	"partial" boolean DEFAULT false NOT NULL,
	"error" text,
	"error_code" text
);
--> statement-breakpoint
CREATE TABLE "upstream_attempts" (
	"id" text PRIMARY KEY NOT NULL,
	"request_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"provider" text NOT NULL,
	"model" text NOT NULL,
	"status" integer,
	"latency_ms" bigint NOT NULL,
	"error" text,
	"error_code" text
);
--> statement-breakpoint
CREATE INDEX "request_logs_created_at_idx" ON "request_logs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "request_logs_session_idx" ON "request_logs" USING btree ("session_id","created_at");--> statement-breakpoint
CREATE INDEX "upstream_attempts_request_idx" ON "upstream_attempts" USING btree ("request_id");