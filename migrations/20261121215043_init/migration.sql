CREATE TABLE "weft_api_tokens" (
	"id" text PRIMARY KEY,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"roles" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "weft_attempts" (
	"id" bigserial PRIMARY KEY,
	"token" text NOT NULL,
	"asset_key" text NOT NULL,
	"partition_key" text NOT NULL,
	"attempt" integer NOT NULL,
	"status" text NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"worker" text,
	"workflow_id" text,
	"run_id" text,
	"failure_class" text,
	"fingerprint" text,
	"error_message" bytea
);
--> statement-breakpoint
CREATE TABLE "weft_audit_log" (
	"id" bigserial PRIMARY KEY,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "weft_check_results" (
	"id" bigserial PRIMARY KEY,
	"asset_key" text NOT NULL,
	"partition_key" text NOT NULL,
	"data_version" text NOT NULL,
	"check_name" text NOT NULL,
	"passed" boolean NOT NULL,
	"blocking" boolean NOT NULL,
	"message" bytea,
	"metadata" jsonb,
	"materialization_id" bigint,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "weft_deployments" (
	"id" text PRIMARY KEY,
	"location" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"definitions" jsonb NOT NULL,
	"code_versions" jsonb NOT NULL,
	"event_id" bigint
);
--> statement-breakpoint
CREATE TABLE "weft_dynamic_partitions" (
	"name" text,
	"partition_key" text,
	"position" integer NOT NULL,
	"event_id" bigint NOT NULL,
	CONSTRAINT "weft_dynamic_partitions_pkey" PRIMARY KEY("name","partition_key")
);
--> statement-breakpoint
CREATE TABLE "weft_events" (
	"id" bigserial PRIMARY KEY,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"location" text DEFAULT 'default' NOT NULL,
	"asset_key" text,
	"partition_key" text,
	"payload" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "weft_failure_groups" (
	"fingerprint" text,
	"asset_key" text,
	"failure_class" text NOT NULL,
	"first_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"occurrences" integer DEFAULT 1 NOT NULL,
	"sample_message" bytea NOT NULL,
	CONSTRAINT "weft_failure_groups_pkey" PRIMARY KEY("asset_key","fingerprint")
);
--> statement-breakpoint
CREATE TABLE "weft_input_edges" (
	"materialization_id" bigint,
	"input_name" text,
	"upstream_asset" text NOT NULL,
	"upstream_partition" text,
	"upstream_materialization_id" bigint,
	"data_version" text,
	"range_first" text,
	"range_last" text,
	"range_count" integer,
	"combined_hash" text,
	CONSTRAINT "weft_input_edges_pkey" PRIMARY KEY("materialization_id","input_name")
);
--> statement-breakpoint
CREATE TABLE "weft_materializations" (
	"id" bigserial PRIMARY KEY,
	"token" text NOT NULL,
	"asset_key" text NOT NULL,
	"partition_key" text NOT NULL,
	"code_version" text NOT NULL,
	"data_version" text NOT NULL,
	"storage_uri" text,
	"bytes" bigint,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"worker" text,
	"compute_provider" text,
	"workflow_id" text,
	"run_id" text,
	"inputs_as_of" bigint NOT NULL,
	"deployment_id" text,
	"event_id" bigint
);
--> statement-breakpoint
CREATE TABLE "weft_partition_state" (
	"asset_key" text,
	"partition_key" text,
	"status" text NOT NULL,
	"materialization_id" bigint,
	"token" text,
	"data_version" text,
	"code_version" text,
	"verified_at" bigint DEFAULT -1 NOT NULL,
	"changed_at" bigint DEFAULT -1 NOT NULL,
	"reasons" jsonb,
	"failure" jsonb,
	"failure_fingerprint" text,
	"running_token" text,
	"running_since" timestamp with time zone,
	"check_failure" jsonb,
	"updated_event_id" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "weft_partition_state_pkey" PRIMARY KEY("asset_key","partition_key")
);
--> statement-breakpoint
CREATE TABLE "weft_planner_cursors" (
	"location" text PRIMARY KEY,
	"cursor" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "weft_requests" (
	"id" text PRIMARY KEY,
	"action" text NOT NULL,
	"asset_key" text NOT NULL,
	"partition_keys" jsonb,
	"priority" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"requested_by" text,
	"total" integer,
	"progress" jsonb
);
--> statement-breakpoint
CREATE TABLE "weft_source_observations" (
	"asset_key" text,
	"partition_key" text,
	"data_version" text NOT NULL,
	"reported" jsonb,
	"observed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"event_id" bigint NOT NULL,
	CONSTRAINT "weft_source_observations_pkey" PRIMARY KEY("asset_key","partition_key")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "weft_api_tokens_hash_key" ON "weft_api_tokens" ("token_hash");--> statement-breakpoint
CREATE INDEX "weft_attempts_token_idx" ON "weft_attempts" ("token");--> statement-breakpoint
CREATE INDEX "weft_attempts_partition_idx" ON "weft_attempts" ("asset_key","partition_key","id");--> statement-breakpoint
CREATE INDEX "weft_audit_log_at_idx" ON "weft_audit_log" ("at");--> statement-breakpoint
CREATE INDEX "weft_check_results_partition_idx" ON "weft_check_results" ("asset_key","partition_key","id");--> statement-breakpoint
CREATE UNIQUE INDEX "weft_dynamic_partitions_position_key" ON "weft_dynamic_partitions" ("name","position");--> statement-breakpoint
CREATE INDEX "weft_events_asset_idx" ON "weft_events" ("asset_key","id");--> statement-breakpoint
CREATE INDEX "weft_events_kind_idx" ON "weft_events" ("kind","id");--> statement-breakpoint
CREATE INDEX "weft_input_edges_upstream_idx" ON "weft_input_edges" ("upstream_materialization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "weft_materializations_token_key" ON "weft_materializations" ("token");--> statement-breakpoint
CREATE INDEX "weft_materializations_partition_idx" ON "weft_materializations" ("asset_key","partition_key","id");--> statement-breakpoint
CREATE INDEX "weft_partition_state_status_idx" ON "weft_partition_state" ("asset_key","status");--> statement-breakpoint
CREATE INDEX "weft_partition_state_fingerprint_idx" ON "weft_partition_state" ("asset_key","failure_fingerprint");