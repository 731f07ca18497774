import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./create-logger.js";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe("createLogger", () => {
  it("writes JSON lines naming the service", () => {
    const { lines, destination } = capture();
    createLogger({ service: "svc", destination }).info({ accountId: "ca_x" }, "hello");
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: "svc", msg: "hello", accountId: "ca_x" });
  });

  it("censors secret fields at any of the first three levels", () => {
    const { lines, destination } = capture();
    const logger = createLogger({ service: "svc", destination });
    logger.info({
      access_token: "AT-SECRET",
      nested: { refreshToken: "RT-SECRET", deeper: { client_secret: "CS-SECRET" } },
    });
    logger.info({ headers: { authorization: "Bearer KEY-SECRET" } });
    const all = lines.join("");
    for (const secret of ["AT-SECRET", "RT-SECRET", "CS-SECRET", "KEY-SECRET"])
      expect(all).not.toContain(secret);
    expect(all).toContain("[redacted]");
  });
});
