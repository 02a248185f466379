ALTER TABLE "weft_dynamic_partitions" ADD COLUMN "location" text DEFAULT 'default';--> statement-breakpoint
ALTER TABLE "weft_failure_groups" ADD COLUMN "location" text DEFAULT 'default';--> statement-breakpoint
ALTER TABLE "weft_partition_state" ADD COLUMN "location" text DEFAULT 'default';--> statement-breakpoint
ALTER TABLE "weft_requests" ADD COLUMN "location" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "weft_source_observations" ADD COLUMN "location" text DEFAULT 'default';--> statement-breakpoint
ALTER TABLE "weft_dynamic_partitions" DROP CONSTRAINT "weft_dynamic_partitions_pkey";--> statement-breakpoint
ALTER TABLE "weft_dynamic_partitions" ADD PRIMARY KEY ("location","name","partition_key");--> statement-breakpoint
ALTER TABLE "weft_failure_groups" DROP CONSTRAINT "weft_failure_groups_pkey";--> statement-breakpoint
ALTER TABLE "weft_failure_groups" ADD PRIMARY KEY ("location","asset_key","fingerprint");--> statement-breakpoint
ALTER TABLE "weft_partition_state" DROP CONSTRAINT "weft_partition_state_pkey";--> statement-breakpoint
ALTER TABLE "weft_partition_state" ADD PRIMARY KEY ("location","asset_key","partition_key");--> statement-breakpoint
ALTER TABLE "weft_source_observations" DROP CONSTRAINT "weft_source_observations_pkey";--> statement-breakpoint
ALTER TABLE "weft_source_observations" ADD PRIMARY KEY ("location","asset_key","partition_key");--> statement-breakpoint
DROP INDEX "weft_dynamic_partitions_position_key";--> statement-breakpoint
CREATE UNIQUE INDEX "weft_dynamic_partitions_position_key" ON "weft_dynamic_partitions" ("location","name","position");--> statement-breakpoint
DROP INDEX "weft_partition_state_unsettled_idx";--> statement-breakpoint
CREATE INDEX "weft_partition_state_unsettled_idx" ON "weft_partition_state" ("location","asset_key","status") WHERE status <> 'fresh';--> statement-breakpoint
DROP INDEX "weft_partition_state_failing_idx";--> statement-breakpoint
CREATE INDEX "weft_partition_state_failing_idx" ON "weft_partition_state" ("location","asset_key","failure_fingerprint") WHERE failure_fingerprint IS NOT NULL;