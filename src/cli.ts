import { Command, InvalidArgumentError } from "commander";
import { createApiKey, listApiKeys, revokeApiKey } from "./apiKeys/service.js";
import { isScope, type Scope, scopes } from "./auth/scopes.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { type DatabaseHandle, openDatabase } from "./db/client.js";
import type { Actor } from "./events/catalog.js";
import { createLogger } from "./logger.js";
import { resealAll } from "./resealSecrets.js";
import { resolveChannelSecretKeys } from "./secrets/localKey.js";
import { createTenant, findTenant, listTenants, setTenantStatus } from "./tenants/service.js";

/**
 * `npm run cli -- ...`: the operator's side of the admin API, straight against the database the
 * environment names. With the embedded database (no DATABASE_URL) stop the hub first: PGlite
 * allows one process at a time; or use the admin API over HTTP.
 */
const operator: Actor = { type: "admin", id: "cli" };

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function fail(message: string): never {
  process.stderr.write(`switchboard-cli: ${message}\n`);
  process.exit(1);
}

function parseScopes(value: string): Scope[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = list.filter((s) => !isScope(s));
  if (list.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(`unknown scope(s) ${unknown.join(", ")}; known: ${scopes.join(", ")}`);
  }
  return list as Scope[];
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

async function withDatabase(run: (handle: DatabaseHandle, config: Config) => Promise<void>): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const handle = openDatabase(config.database, createLogger({ level: "warn", pretty: false }));
  try {
    await handle.migrate();
    await run(handle, config);
  } finally {
    await handle.close();
  }
}

async function requireTenantId(handle: DatabaseHandle, idOrSlug: string): Promise<string> {
  const tenant = await findTenant(handle.db, idOrSlug);
  if (!tenant) fail(`tenant ${idOrSlug} not found`);
  return tenant.id;
}

const program = new Command("switchboard-cli").description(
  "Manage Switchboard tenants, API keys and sealed secrets",
);
const tenants = program.command("tenants").description("Tenants");
const keys = program.command("keys").description("API keys");
const secrets = program
  .command("secrets")
  .description(
    "Channel credentials, push subscriptions and webhook secrets, sealed with CHANNEL_SECRET_KEYS",
  );

tenants
  .command("create")
  .requiredOption("--slug <slug>", "short unique name, e.g. bank-sulutgo")
  .requiredOption("--name <name>", "display name")
  .action((opts: { slug: string; name: string }) =>
    withDatabase(async ({ db }) => {
      const result = await createTenant(db, opts, operator);
      if (!result.ok) fail(`slug ${opts.slug} is already taken`);
      print(result.tenant);
    }),
  );

tenants
  .command("list")
  .option("--page <n>", "page", parsePositiveInt, 1)
  .option("--per-page <n>", "per page", parsePositiveInt, 50)
  .action((opts: { page: number; perPage: number }) =>
    withDatabase(async ({ db }) => print(await listTenants(db, { page: opts.page, perPage: opts.perPage }))),
  );

for (const [command, status] of [
  ["disable", "disabled"],
  ["enable", "active"],
] as const) {
  tenants
    .command(command)
    .argument("<tenant>", "tenant id or slug")
    .action((tenant: string) =>
      withDatabase(async (handle) => {
        const result = await setTenantStatus(
          handle.db,
          await requireTenantId(handle, tenant),
          status,
          operator,
        );
        if (!result.ok) fail(`tenant ${tenant} not found`);
        print(result.tenant);
      }),
    );
}

keys
  .command("create")
  .requiredOption("--tenant <tenant>", "tenant id or slug")
  .requiredOption("--name <name>", "what the key is for")
  .requiredOption("--scopes <list>", `comma-separated: ${scopes.join(",")}`, parseScopes)
  .option("--expires-at <iso>", "when the key stops working (ISO 8601)")
  .action((opts: { tenant: string; name: string; scopes: Scope[]; expiresAt?: string }) =>
    withDatabase(async (handle) => {
      const expiresAt = opts.expiresAt ? new Date(opts.expiresAt) : undefined;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) fail("--expires-at is not a date");
      const tenantId = await requireTenantId(handle, opts.tenant);
      const result = await createApiKey(
        handle.db,
        { tenantId, name: opts.name, scopes: opts.scopes, expiresAt },
        operator,
      );
      if (!result.ok) fail(`tenant ${opts.tenant} not found`);
      print({ ...result.apiKey, key: result.key });
      process.stderr.write("The key is shown this once; store it now.\n");
    }),
  );

keys
  .command("list")
  .requiredOption("--tenant <tenant>", "tenant id or slug")
  .option("--page <n>", "page", parsePositiveInt, 1)
  .option("--per-page <n>", "per page", parsePositiveInt, 50)
  .action((opts: { tenant: string; page: number; perPage: number }) =>
    withDatabase(async (handle) => {
      const tenantId = await requireTenantId(handle, opts.tenant);
      print(await listApiKeys(handle.db, tenantId, { page: opts.page, perPage: opts.perPage }));
    }),
  );

keys
  .command("revoke")
  .argument("<keyId>", "key id (key_...)")
  .action((keyId: string) =>
    withDatabase(async ({ db }) => {
      const result = await revokeApiKey(db, undefined, keyId, operator);
      if (!result.ok) fail(`API key ${keyId} not found`);
      print(result.apiKey);
    }),
  );

secrets
  .command("reseal")
  .description(
    "Seal every stored secret under the first key of CHANNEL_SECRET_KEYS, so that the keys after it can be removed",
  )
  .action(() =>
    withDatabase(async ({ db }, config) => {
      // The keys `npm start` would use: outside production, the generated local key if the variable is unset.
      const { keys: keyring } = await resolveChannelSecretKeys(config);
      if (!keyring) fail("CHANNEL_SECRET_KEYS is not set: there is no key to seal with");
      const report = await resealAll(db, keyring);
      print(report);
      const unreadable = Object.values(report).reduce((sum, outcome) => sum + outcome.unreadable, 0);
      if (unreadable > 0)
        fail(
          `${unreadable} values are sealed under keys CHANNEL_SECRET_KEYS no longer lists; they were left as they are`,
        );
    }),
  );

await program.parseAsync(process.argv);
