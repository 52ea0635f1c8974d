ALTER TABLE "conversation_tickets" ADD COLUMN "reply_token" text;--> statement-breakpoint
ALTER TABLE "inbound_messages" ADD COLUMN "thread_hints" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "conversation_tickets_reply_token_uq" ON "conversation_tickets" USING btree ("reply_token") WHERE "conversation_tickets"."reply_token" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "inbound_messages_conversation_idx" ON "inbound_messages" USING btree ("conversation_id","created_at");