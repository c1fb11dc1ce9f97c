CREATE TABLE "spend_daily" (
	"day" date NOT NULL,
	"key_id" text DEFAULT '' NOT NULL,
	"team_id" text DEFAULT '' NOT NULL,
	"provider" text DEFAULT '' NOT NULL,
	"model" text DEFAULT '' NOT NULL,
	"requests" bigint DEFAULT 0 NOT NULL,
	"prompt_tokens" bigint DEFAULT 0 NOT NULL,
	"completion_tokens" bigint DEFAULT 0 NOT NULL,
	"cached_tokens" bigint DEFAULT 0 NOT NULL,
	"reasoning_tokens" bigint DEFAULT 0 NOT NULL,
	"cost_usd" numeric(24, 11) DEFAULT 0 NOT NULL,
	CONSTRAINT "spend_daily_pk" PRIMARY KEY("day","key_id","team_id","provider","model")
);
--> statement-breakpoint
CREATE INDEX "spend_daily_key_idx" ON "spend_daily" USING btree ("key_id","day");--> statement-breakpoint
CREATE INDEX "spend_daily_team_idx" ON "spend_daily" USING btree ("team_id","day");