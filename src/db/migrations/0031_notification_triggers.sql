CREATE TABLE "notification_triggers" (
	"tenant_id" text NOT NULL,
	"trigger" text NOT NULL,
	"template_code" text NOT NULL,
	"channels" text[] NOT NULL,
	"priority" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_triggers_tenant_id_trigger_pk" PRIMARY KEY("tenant_id","trigger")
);
--> statement-breakpoint
ALTER TABLE "notification_triggers" ADD CONSTRAINT "notification_triggers_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;