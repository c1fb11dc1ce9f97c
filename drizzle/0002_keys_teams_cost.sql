CREATE TABLE "teams" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"allowed_models" jsonb,
	"rpm" integer,
	"tpm" integer,
	"max_parallel" integer,
	"budget_usd" numeric(20, 6),
	"budget_period" text,
	"soft_threshold" real,
	"metadata" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "virtual_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"name" text,
	"key_hash" text NOT NULL,
	"key_prefix" text NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"allowed_models" jsonb,
	"rpm" integer,
	"tpm" integer,
	"max_parallel" integer,
	"budget_usd" numeric(20, 6),
	"budget_period" text,
	"soft_threshold" real,
	"metadata" jsonb,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "virtual_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "team_id" text;--> statement-breakpoint
ALTER TABLE "request_logs" ADD COLUMN "cost_usd" numeric(20, 11);--> statement-breakpoint
ALTER TABLE "virtual_keys" ADD CONSTRAINT "virtual_keys_team_id_teams_id_fk" FOREIGN KEY ("team_id") REFERENCES "public"."teams"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "virtual_keys_team_idx" ON "virtual_keys" USING btree ("team_id");