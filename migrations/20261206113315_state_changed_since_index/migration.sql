DROP INDEX "weft_partition_state_changed_idx";--> statement-breakpoint
CREATE INDEX "weft_partition_state_changed_since_idx" ON "weft_partition_state" ("location","changed_xid");