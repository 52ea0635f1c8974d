CREATE TABLE "conversation_tickets" (
	"ticket_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"channel" text NOT NULL,
	"thread_ref" text NOT NULL,
	"customer_id" text NOT NULL,
	"address" text NOT NULL,
	"locale" text DEFAULT 'id' NOT NULL,
	"ticket_id" text,
	"dialogue" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbound_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"channel" text NOT NULL,
	"provider_message_id" text NOT NULL,
	"sender_address" text NOT NULL,
	"sender_name" text,
	"thread_ref" text NOT NULL,
	"text" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"language_hint" text,
	"received_at" timestamp with time zone NOT NULL,
	"raw_payload" jsonb,
	"status" text DEFAULT 'received' NOT NULL,
	"outcome" text,
	"conversation_id" text,
	"ticket_id" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"routed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outbound_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"conversation_id" text NOT NULL,
	"ticket_id" text,
	"comment_id" text,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"to_address" text NOT NULL,
	"text" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"provider_message_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "service_type_rules" (
	"tenant_id" text NOT NULL,
	"rule_set" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "service_type_rules_tenant_id_pk" PRIMARY KEY("tenant_id")
);
--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "service_type_rules" ADD CONSTRAINT "service_type_rules_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "conversation_tickets_conversation_idx" ON "conversation_tickets" USING btree ("conversation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_thread_uq" ON "conversations" USING btree ("tenant_id","channel","thread_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_messages_provider_uq" ON "inbound_messages" USING btree ("tenant_id","channel","provider_message_id");--> statement-breakpoint
CREATE INDEX "inbound_messages_pending_idx" ON "inbound_messages" USING btree ("tenant_id","channel","thread_ref","created_at") WHERE "inbound_messages"."status" = 'received';--> statement-breakpoint
CREATE INDEX "inbound_messages_received_idx" ON "inbound_messages" USING btree ("created_at") WHERE "inbound_messages"."status" = 'received';--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_messages_comment_uq" ON "outbound_messages" USING btree ("comment_id") WHERE "outbound_messages"."comment_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "outbound_messages_ticket_idx" ON "outbound_messages" USING btree ("tenant_id","ticket_id");--> statement-breakpoint
CREATE INDEX "outbound_messages_pending_idx" ON "outbound_messages" USING btree ("created_at") WHERE "outbound_messages"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "outbound_messages_provider_idx" ON "outbound_messages" USING btree ("channel","provider_message_id") WHERE "outbound_messages"."provider_message_id" IS NOT NULL;