// Bundles the dashboard into dist/: content-hashed app and styles (cached for
// ever) and an index.html that names them (never cached). Run by the gateway's
// `build:dashboard` script and by tests; exported for the latter.
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));

/** Where the built files go (served by src/dashboard-files.ts). */
export const DASHBOARD_DIST = join(here, "dist");

// Where a build is staged, inside outdir (same file system for rename; gitignored with it).
const STAGING_PREFIX = ".staging-";

/**
 * Builds the dashboard into `outdir` (replacing what was there); resolves with the file names written.
 * Files are staged and renamed in one by one, index.html last, so a gateway serving `outdir` while
 * another build (another test file) runs never sees a missing or half-written file.
 */
export async function buildDashboard(outdir = DASHBOARD_DIST): Promise<string[]> {
  await mkdir(outdir, { recursive: true });
  const staging = await mkdtemp(join(outdir, STAGING_PREFIX));
  try {
    const files = await buildInto(staging);
    const ordered = [...files.filter((name) => name !== "index.html"), "index.html"];
    for (const name of ordered) await rename(join(staging, name), join(outdir, name));
    const stale = (await readdir(outdir)).filter(
      (name) => !files.includes(name) && !name.startsWith(STAGING_PREFIX),
    );
    await Promise.all(stale.map((name) => rm(join(outdir, name), { recursive: true, force: true })));
    return files;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function buildInto(outdir: string): Promise<string[]> {
  const result = await build({
    entryPoints: { app: join(here, "src/main.ts"), styles: join(here, "styles.css") },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome110", "firefox110", "safari16"],
    minify: true,
    sourcemap: "linked",
    entryNames: "[name]-[hash]",
    metafile: true,
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const named = (prefix: string, ext: string) => {
    const file = outputs.find((name) => name.startsWith(`${prefix}-`) && name.endsWith(ext));
    if (!file) throw new Error(`dashboard build produced no ${prefix}${ext}`);
    return file;
  };
  const html = (await readFile(join(here, "index.html"), "utf8"))
    .replace("{{app}}", named("app", ".js"))
    .replace("{{styles}}", named("styles", ".css"));
  await writeFile(join(outdir, "index.html"), html);
  return [...outputs, "index.html"];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  const files = await buildDashboard();
  process.stdout.write(`dashboard built in ${Date.now() - started} ms: ${files.join(", ")}\n`);
}
