import { writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

/**
 * Profiles this process's JavaScript between start() and the returned stop(),
 * writing a .cpuprofile (open it in Chrome DevTools) when BENCH_PROFILE names a
 * file; otherwise does nothing. Used around the end-to-end phase only, so
 * seeding and the ceilings do not blur the picture.
 */
export async function startCpuProfile(file = process.env.BENCH_PROFILE): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    process.stdout.write(`cpu profile of the end-to-end phase written to ${file}\n`);
  };
}
