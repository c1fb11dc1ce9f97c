CREATE TABLE "stored_responses" (
	"id" text PRIMARY KEY NOT NULL,
	"key_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"previous_response_id" text,
	"response" jsonb NOT NULL,
	"input_items" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "stored_responses_created_at_idx" ON "stored_responses" USING btree ("created_at");