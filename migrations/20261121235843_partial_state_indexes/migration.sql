DROP INDEX "weft_partition_state_status_idx";--> statement-breakpoint
DROP INDEX "weft_partition_state_fingerprint_idx";--> statement-breakpoint
CREATE INDEX "weft_partition_state_unsettled_idx" ON "weft_partition_state" ("asset_key","status") WHERE status <> 'fresh';--> statement-breakpoint
CREATE INDEX "weft_partition_state_failing_idx" ON "weft_partition_state" ("asset_key","failure_fingerprint") WHERE failure_fingerprint IS NOT NULL;