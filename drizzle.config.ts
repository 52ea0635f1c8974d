import { defineConfig } from "drizzle-kit";

// Only generation uses this file (npm run db:generate); the hub applies the generated SQL itself.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema/index.ts",
  out: "./src/db/migrations",
});
