// `npm run build [-- --outDir <dir>]`: compiles the hub with tsc (tsconfig.build.json) and copies beside the
// compiled code the files it reads at run time, so `node <outDir>/src/main.js` runs without tsx or esbuild.
// Plain JavaScript because it runs before anything is compiled.
import { execFileSync } from "node:child_process";
import { cpSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repoRoot = fileURLToPath(new URL("../", import.meta.url));
const { values } = parseArgs({ options: { outDir: { type: "string", default: "dist" } } });
const outDir = resolve(repoRoot, values.outDir);

// The output directory is emptied first (a deleted source must not live on as a stale .js), so it must be a
// directory of its own: never the repository or one of its parents.
if (!relative(outDir, repoRoot).startsWith("..")) {
  throw new Error(`--outDir ${outDir} contains the repository; choose a directory of its own`);
}
rmSync(outDir, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], {
  cwd: repoRoot,
  stdio: "inherit",
});

// Files the code finds relative to its own module (import.meta.url), not through imports:
// src/db/client.ts runs the SQL migrations (and drizzle's meta/_journal.json) from ./migrations, and
// src/templates/defaults.ts loads the default message templates from templates/ at the root;
// src/webchat/routes.ts serves the web chat widget, plain JavaScript, from ./assets.
// (The /docs bundle is resolved from node_modules.)
const assets = ["src/db/migrations", "templates", "src/webchat/assets"];
for (const asset of assets) {
  cpSync(join(repoRoot, asset), join(outDir, asset), { recursive: true });
}
