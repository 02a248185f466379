CREATE TABLE "weft_logs" (
	"location" text,
	"token" text,
	"attempt" integer,
	"line" integer,
	"asset_key" text NOT NULL,
	"partition_key" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"level" text NOT NULL,
	"message" bytea NOT NULL,
	"fields" text,
	CONSTRAINT "weft_logs_pkey" PRIMARY KEY("location","token","attempt","line")
);
--> statement-breakpoint
CREATE INDEX "weft_logs_at_idx" ON "weft_logs" ("at");