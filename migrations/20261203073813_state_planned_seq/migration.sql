ALTER TABLE "weft_materializations" ADD COLUMN "became_current" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "weft_partition_state" ADD COLUMN "running_batch" text;--> statement-breakpoint
ALTER TABLE "weft_partition_state" ADD COLUMN "planned_seq" bigint DEFAULT -1 NOT NULL;