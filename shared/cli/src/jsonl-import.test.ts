import { Readable } from "node:stream";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { UsageError } from "./cli-io.js";
import { parseImportLine, readImportRecords } from "./jsonl-import.js";

describe("JSONL import records", () => {
  it("reads snake_case and camelCase records, fills the default auth config and skips blank lines", async () => {
    const input = Readable.from([
      '{"external_user_id":"u1","access_token":"a1","refresh_token":"r1","expires_at":"2030-01-01T00:00:00Z"}\n\n',
      '{"authConfigId":"ac_other","externalUserId":"u2","accessToken":"a2"}\r\n',
    ]);
    const records = [];
    for await (const r of readImportRecords({ input, defaultAuthConfigId: "ac_default" })) records.push(r);
    expect(records.map((r) => [r.authConfigId, r.externalUserId, r.accessToken])).toEqual([
      ["ac_default", "u1", "a1"],
      ["ac_other", "u2", "a2"],
    ]);
    expect(timestampDate(records[0]!.expiresAt!).toISOString()).toBe("2030-01-01T00:00:00.000Z");
  });

  it("a bad record is a usage error naming its line, with every value of the record scrubbed", () => {
    const attempt = (line: string) => {
      try {
        parseImportLine(line, 7, "ac_1");
      } catch (error) {
        return error as Error;
      }
      throw new Error("accepted");
    };
    const badTime = attempt(
      '{"external_user_id":"u","access_token":"tok-SECRET","expires_at":"tok-SECRET-2"}',
    );
    expect(badTime).toBeInstanceOf(UsageError);
    expect(badTime.message).toMatch(/^line 7: /);
    expect(badTime.message).not.toContain("SECRET");
    expect(attempt('{"external_user_id":"u","acess_token":"tok-SECRET"}').message).not.toContain("SECRET");
    expect(attempt('{"access_token":"x"}').message).toBe("line 7: external_user_id is missing");
    expect(attempt("[1,").message).toBe("line 7: not valid JSON");
    expect(() => parseImportLine('{"external_user_id":"u"}', 1)).toThrow("auth_config_id is missing");
  });
});
