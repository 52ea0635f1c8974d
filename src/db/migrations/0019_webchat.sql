CREATE TABLE "webchat_sessions" (
	"session_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"thread_ref" text NOT NULL,
	"token_hash" text NOT NULL,
	"sender_address" text NOT NULL,
	"sender_name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webchat_sessions" ADD CONSTRAINT "webchat_sessions_session_id_customer_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."customer_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "webchat_sessions_token_uq" ON "webchat_sessions" USING btree ("token_hash");--> statement-breakpoint
CREATE INDEX "webchat_sessions_thread_idx" ON "webchat_sessions" USING btree ("tenant_id","thread_ref");--> statement-breakpoint
CREATE INDEX "outbound_messages_conversation_idx" ON "outbound_messages" USING btree ("conversation_id","created_at");