DROP INDEX "request_logs_created_at_idx";--> statement-breakpoint
CREATE INDEX "request_logs_created_id_idx" ON "request_logs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "request_logs_key_idx" ON "request_logs" USING btree ("key_id","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_team_idx" ON "request_logs" USING btree ("team_id","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_model_idx" ON "request_logs" USING btree ("model","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_provider_idx" ON "request_logs" USING btree ("provider","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_status_idx" ON "request_logs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "request_logs_overview_idx" ON "request_logs" USING btree ("created_at","provider","model","status","latency_ms","ttft_ms","total_tokens","prompt_tokens","completion_tokens","cost_usd","attempts","error_code");--> statement-breakpoint
CREATE INDEX "request_logs_retried_idx" ON "request_logs" USING btree ("created_at") WHERE "request_logs"."attempts" > 1;