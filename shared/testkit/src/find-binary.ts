import { accessSync, constants, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Debian keeps server binaries off PATH (/usr/sbin for root only, /usr/lib/postgresql/<v>/bin). */
function systemDirs(): string[] {
  let postgresDirs: string[] = [];
  try {
    postgresDirs = readdirSync("/usr/lib/postgresql")
      .filter((version) => /^\d+$/.test(version))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => `/usr/lib/postgresql/${version}/bin`);
  } catch {
    // No Debian PostgreSQL packages: PATH is all there is.
  }
  return ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", ...postgresDirs];
}

/** Returns the absolute path of an executable found on PATH or in Debian's server directories; throws naming it otherwise. */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), ...systemDirs()];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(`${name} not found on PATH or in ${systemDirs().join(", ")}: run deploy/local/setup.sh`);
}
