CREATE TABLE "journey_step_history" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"journey_id" text NOT NULL,
	"step_id" text NOT NULL,
	"step_index" integer NOT NULL,
	"outcome" text NOT NULL,
	"step_data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"advanced_by" text NOT NULL,
	"advanced_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "journey_template_versions" (
	"tenant_id" text NOT NULL,
	"template_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"category" text NOT NULL,
	"steps" jsonb NOT NULL,
	"estimated_duration_days" integer,
	"sla_hours" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journey_template_versions_tenant_id_template_id_version_pk" PRIMARY KEY("tenant_id","template_id","version")
);
--> statement-breakpoint
CREATE TABLE "journey_templates" (
	"tenant_id" text NOT NULL,
	"id" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"current_version" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "journey_templates_tenant_id_id_pk" PRIMARY KEY("tenant_id","id")
);
--> statement-breakpoint
CREATE TABLE "journeys" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"template_id" text NOT NULL,
	"template_version" integer NOT NULL,
	"customer_id" text NOT NULL,
	"channel" text,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'created' NOT NULL,
	"current_step_index" integer DEFAULT 0 NOT NULL,
	"completed_steps" integer DEFAULT 0 NOT NULL,
	"assignee_id" text,
	"assignee_type" text,
	"assignment_reason" text,
	"priority" text DEFAULT 'normal' NOT NULL,
	"due_at" timestamp with time zone,
	"step_due_at" timestamp with time zone,
	"step_overdue_at" timestamp with time zone,
	"sla_due_at" timestamp with time zone,
	"sla_breached_at" timestamp with time zone,
	"completion_notes" text,
	"completed_by" text,
	"outcome" text,
	"cancellation_reason" text,
	"cancelled_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "journey_step_history" ADD CONSTRAINT "journey_step_history_journey_id_journeys_id_fk" FOREIGN KEY ("journey_id") REFERENCES "public"."journeys"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journey_template_versions" ADD CONSTRAINT "journey_template_versions_template_fk" FOREIGN KEY ("tenant_id","template_id") REFERENCES "public"."journey_templates"("tenant_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journey_templates" ADD CONSTRAINT "journey_templates_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "journeys" ADD CONSTRAINT "journeys_template_version_fk" FOREIGN KEY ("tenant_id","template_id","template_version") REFERENCES "public"."journey_template_versions"("tenant_id","template_id","version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "journey_step_history_journey_idx" ON "journey_step_history" USING btree ("journey_id","advanced_at");--> statement-breakpoint
CREATE INDEX "journeys_tenant_created_idx" ON "journeys" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "journeys_customer_idx" ON "journeys" USING btree ("tenant_id","customer_id");--> statement-breakpoint
CREATE INDEX "journeys_step_due_idx" ON "journeys" USING btree ("step_due_at") WHERE "journeys"."step_overdue_at" IS NULL AND "journeys"."status" IN ('created', 'in_progress', 'assigned');--> statement-breakpoint
CREATE INDEX "journeys_sla_due_idx" ON "journeys" USING btree ("sla_due_at") WHERE "journeys"."sla_breached_at" IS NULL AND "journeys"."status" IN ('created', 'in_progress', 'assigned');