ALTER TABLE "weft_partition_state" ADD COLUMN "changed_xid" xid8 DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "weft_partition_state" ALTER COLUMN "changed_xid" SET DEFAULT pg_current_xact_id();--> statement-breakpoint
CREATE INDEX "weft_partition_state_changed_idx" ON "weft_partition_state" ("location","asset_key","changed_xid");