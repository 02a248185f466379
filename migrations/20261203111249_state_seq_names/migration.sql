ALTER TABLE "weft_partition_state" RENAME COLUMN "verified_at" TO "verified_seq";--> statement-breakpoint
ALTER TABLE "weft_partition_state" RENAME COLUMN "changed_at" TO "changed_seq";