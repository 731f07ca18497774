import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import {
  ImportConnectedAccountsRequestSchema,
  type ImportConnectedAccountsRequest,
} from "@warden/proto/accounts/v1";
import { UsageError } from "./cli-io.js";

/** Where import records come from and what to fill in. */
export interface ImportSource {
  /** A file path, or a readable (stdin for "-"). */
  input: string | NodeJS.ReadableStream;
  /** Used for records without auth_config_id. */
  defaultAuthConfigId?: string;
}

// Every string in a record, so an error message that quotes one (a token!) can be scrubbed.
function stringsIn(value: unknown, into: string[] = []): string[] {
  if (typeof value === "string" && value.length >= 4) into.push(value);
  else if (value && typeof value === "object") for (const v of Object.values(value)) stringsIn(v, into);
  return into;
}

function scrub(message: string, record: unknown): string {
  let clean = message;
  for (const secret of stringsIn(record)) clean = clean.split(secret).join("[redacted]");
  return clean;
}

/**
 * Parses one JSONL line (protobuf JSON of ImportConnectedAccountsRequest, snake_case or camelCase
 * names, `expires_at` as RFC 3339) into a message; a UsageError naming the line, never its content.
 */
export function parseImportLine(
  line: string,
  lineNumber: number,
  defaultAuthConfigId = "",
): ImportConnectedAccountsRequest {
  let record: JsonValue;
  try {
    record = JSON.parse(line) as JsonValue;
  } catch {
    throw new UsageError(`line ${lineNumber}: not valid JSON`);
  }
  let message: ImportConnectedAccountsRequest;
  try {
    message = fromJson(ImportConnectedAccountsRequestSchema, record);
  } catch (error) {
    throw new UsageError(`line ${lineNumber}: ${scrub((error as Error).message, record)}`);
  }
  if (!message.authConfigId)
    message = create(ImportConnectedAccountsRequestSchema, { ...message, authConfigId: defaultAuthConfigId });
  if (!message.authConfigId)
    throw new UsageError(`line ${lineNumber}: auth_config_id is missing (or pass --auth-config)`);
  if (!message.externalUserId) throw new UsageError(`line ${lineNumber}: external_user_id is missing`);
  return message;
}

/** Streams the records of a JSONL source one by one, skipping blank lines; rejects on the first bad line. */
export async function* readImportRecords(
  source: ImportSource,
): AsyncGenerator<ImportConnectedAccountsRequest> {
  const stream = typeof source.input === "string" ? createReadStream(source.input) : source.input;
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === "") continue;
      yield parseImportLine(line, lineNumber, source.defaultAuthConfigId);
    }
  } finally {
    lines.close();
  }
}
