ALTER TABLE "weft_attempts" ADD COLUMN "error_stack" bytea;--> statement-breakpoint
ALTER TABLE "weft_failure_groups" ADD COLUMN "last_stack" bytea;