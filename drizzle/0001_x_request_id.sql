ALTER TABLE "request_logs" ADD COLUMN "x_request_id" text;--> statement-breakpoint
CREATE INDEX "request_logs_x_request_id_idx" ON "request_logs" USING btree ("x_request_id");