#!/usr/bin/env node
// `pnpm build`: compiles each service to one JavaScript file, services/<service>/dist/main.js
// (with its source map), that runs with plain `node --enable-source-maps dist/main.js`: no tsx,
// no TypeScript and no node_modules at run time. esbuild bundles the service's main.ts with
// every workspace package and npm dependency it imports, so an image needs only dist/ (and,
// for the gateway, the dashboard bundle beside it).
//
//   node deploy/build/build-services.mjs                    every service
//   node deploy/build/build-services.mjs revoke-executor    some
//   node deploy/build/build-services.mjs --outdir /tmp/x jobs-gateway   /tmp/x/jobs-gateway/dist/main.js (tests)
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const SERVICES = ["jobs-gateway", "revoke-executor", "token-refresh", "sweeper"];

// An ESM bundle has no `require`, `__filename` or `__dirname`; the CommonJS packages inside it
// (pg, ioredis, prom-client …) use them, so the bundle defines them from import.meta.url.
const BANNER = [
  'import { createRequire as __wardenCreateRequire } from "node:module";',
  'import { fileURLToPath as __wardenFileURLToPath } from "node:url";',
  'import { dirname as __wardenDirname } from "node:path";',
  "const require = __wardenCreateRequire(import.meta.url);",
  "const __filename = __wardenFileURLToPath(import.meta.url);",
  "const __dirname = __wardenDirname(__filename);",
].join("\n");

/** Builds one service; resolves with the output file and its size. */
export async function buildService(service, outdir = resolve(ROOT, "services", service, "dist")) {
  if (!SERVICES.includes(service))
    throw new Error(`unknown service ${service} (one of ${SERVICES.join(", ")})`);
  const outfile = resolve(outdir, "main.js");
  const result = await build({
    entryPoints: [resolve(ROOT, "services", service, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    sourcemap: "linked",
    // Source paths in the map stay readable in stack traces.
    sourceRoot: ROOT,
    banner: { js: BANNER },
    // pg loads its native binding only when asked to (never here); nothing else is left out.
    external: ["pg-native"],
    // Names stay as written, so logs and stack traces read like the source.
    keepNames: true,
    logLevel: "warning",
    metafile: true,
  });
  const bytes =
    result.metafile.outputs[Object.keys(result.metafile.outputs).find((o) => o.endsWith("main.js"))].bytes;
  return { outfile, bytes };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outdirAt = args.indexOf("--outdir");
  const outdir = outdirAt >= 0 ? args.splice(outdirAt, 2)[1] : undefined;
  const wanted = args.length > 0 ? args : SERVICES;
  for (const service of wanted) {
    const started = performance.now();
    const { outfile, bytes } = await buildService(
      service,
      outdir === undefined ? undefined : resolve(outdir, service, "dist"),
    );
    console.log(
      `built ${service} → ${outfile} (${(bytes / 1024 / 1024).toFixed(1)} MiB) in ${Math.round(performance.now() - started)} ms`,
    );
  }
}
