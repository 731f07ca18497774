import { Writable } from "node:stream";
import { pino, type Logger } from "pino";

/**
 * Test-only: a debug-level pino logger whose JSON lines are kept in memory,
 * so tests can assert what was (and was not) logged.
 */
export function createCapturingLogger(): {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
} {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: "debug" }, destination);
  const text = () => chunks.join("");
  const lines = () =>
    text()
      .split("\n")
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, text };
}
