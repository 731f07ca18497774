// Test support (not a test): seeded, reproducible hostile requests for any
// RPC, built from its descriptor alone, so a new RPC is fuzzed without a line
// written for it. fast-check's gen() is the seeded source; every choice below
// is drawn from it, so one seed replays one exact sequence of requests.
import { gzipSync } from "node:zlib";
import {
  create,
  ScalarType,
  toBinary,
  toJsonString,
  type DescField,
  type DescMessage,
  type DescMethod,
} from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { envelope, type RawCall, type RawProtocol } from "@warden/rpc/raw-rpc-call";
import fc from "fast-check";

/** A draw from fast-check's seeded generator. */
export type Gen = fc.GeneratorValue;

/** What a body is made of. `hostile` kinds are refused by every RPC; `plausible` ones may succeed. */
export type BodyKind =
  | "random-bytes"
  | "invalid-utf8"
  | "control-chars"
  | "truncated"
  | "bad-compression"
  | "oversize"
  | "mutated"
  | "plausible";

/** Kinds no RPC may accept whatever the credential: nothing they carry can pass validation. */
export const REFUSED_KINDS: BodyKind[] = [
  "invalid-utf8",
  "control-chars",
  "truncated",
  "bad-compression",
  "oversize",
];

/** Values a field may take besides random ones: real ids of the run's tenant, so calls reach deep. */
export interface FuzzPools {
  ids: string[];
}

const CONTROL = ["\u0000", "\u0001", "\u0007", "\u001b", "\u007f", "\u0085", "\n", "\r", "\t"];
const INVALID_UTF8 = [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82]];
const ID_PREFIXES = ["org", "prj", "ac", "ca", "ls", "key", "oj", "pj"];
const ONE_MB = 1024 * 1024;

/** The index-th hostile call for `method` on `protocol`: its body kind and the raw call (credential added by the caller). */
export function fuzzCall(
  g: Gen,
  method: DescMethod,
  protocol: RawProtocol,
  kinds: readonly BodyKind[],
  pools: FuzzPools,
  index: number,
): { kind: BodyKind; call: RawCall } {
  // Oversized bodies cost megabytes each: one per RPC, protocol and phase (index 0), never drawn.
  const kind =
    index === 0 && kinds.includes("oversize")
      ? "oversize"
      : g(fc.constantFrom, ...kinds.filter((k) => k !== "oversize"));
  const path = `/${method.parent.typeName}/${method.name}`;
  const streaming = method.methodKind !== "unary";
  const json = protocol === "connect-json";
  const enveloped = protocol !== "connect-proto" && protocol !== "connect-json" ? true : streaming;
  const headers: Record<string, string> = {};
  // Server streams of a valid request run until their deadline; keep it short.
  const timeoutMs = method.methodKind === "server_streaming" ? 700 : 15_000;
  if (protocol === "grpc" || protocol === "grpc-web") headers["grpc-timeout"] = `${timeoutMs}m`;
  else headers["connect-timeout-ms"] = String(timeoutMs);

  const messages = (): Uint8Array[] => {
    const count = method.methodKind === "client_streaming" ? g(fc.integer, { min: 1, max: 3 }) : 1;
    return Array.from({ length: count }, () =>
      encode(method.input, randomMessage(g, method.input, pools, kind === "control-chars"), json),
    );
  };
  const frame = (parts: Uint8Array[]): Uint8Array =>
    enveloped ? concat(parts.map((part) => envelope(part))) : (parts[0] ?? new Uint8Array(0));

  let body: Uint8Array = new Uint8Array(0);
  switch (kind) {
    case "random-bytes":
      body = g(fc.uint8Array, { maxLength: 400 });
      break;
    case "invalid-utf8":
      body = frame([invalidUtf8(g, method.input, json)]);
      break;
    case "control-chars":
    case "plausible":
      body = frame(messages());
      break;
    case "mutated":
      body = frame(messages().map((m) => mutate(g, m)));
      break;
    case "truncated": {
      const whole = frame(messages());
      // A frame header promising more than follows, or a unary body cut short.
      body = enveloped
        ? concat([whole, envelope(new Uint8Array(64)).subarray(0, g(fc.integer, { min: 1, max: 20 }))])
        : truncatedUnary(g, whole, json);
      break;
    }
    case "bad-compression": {
      const bytes = frame(messages());
      const broken = gzipSync(bytes).subarray(0, g(fc.integer, { min: 0, max: 12 }));
      if (enveloped) {
        body = concat([envelope(broken, 0x01)]);
        if (g(fc.boolean))
          headers[protocol.startsWith("grpc") ? "grpc-encoding" : "connect-content-encoding"] = "gzip";
      } else {
        body = broken;
        headers["content-encoding"] = "gzip";
      }
      break;
    }
    case "oversize": {
      const size = g(fc.integer, { min: ONE_MB + 1, max: Math.floor(2.5 * ONE_MB) });
      const big = json
        ? new TextEncoder().encode(`{"x":"${"a".repeat(size)}"}`)
        : new Uint8Array(size).fill(0x41);
      body = enveloped ? envelope(big) : big;
      break;
    }
  }
  return { kind, call: { protocol, path, body, streaming, headers } };
}

/** A message of `desc` with random field values; with `hostile`, every string anywhere holds a control character. */
export function randomMessage(g: Gen, desc: DescMessage, pools: FuzzPools, hostile: boolean, depth = 0) {
  const message = create(desc);
  const r = reflect(desc, message);
  for (const field of desc.fields) {
    if (field.oneof && r.oneofCase(field.oneof) !== undefined) continue;
    const forced = hostile && (containsString(field, 0) || field.fieldKind === "message");
    if (!forced && !g(fc.boolean)) continue;
    setRandom(g, r, field, pools, hostile, depth, forced);
  }
  return message;
}

function setRandom(
  g: Gen,
  r: ReflectMessage,
  field: DescField,
  pools: FuzzPools,
  hostile: boolean,
  depth: number,
  forced: boolean,
): void {
  switch (field.fieldKind) {
    case "scalar":
      r.set(field, randomScalar(g, field.scalar, pools, hostile));
      return;
    case "enum":
      r.set(field, g(fc.integer, { min: -2, max: 12 }));
      return;
    case "message":
      if (depth >= 3) return;
      r.set(field, reflect(field.message, randomMessage(g, field.message, pools, hostile, depth + 1)));
      return;
    case "list": {
      const list = r.get(field);
      const count = g(fc.integer, { min: forced ? 1 : 0, max: 3 });
      for (let i = 0; i < count; i++) {
        if (field.listKind === "scalar") list.add(randomScalar(g, field.scalar, pools, hostile));
        else if (field.listKind === "enum") list.add(g(fc.integer, { min: -2, max: 12 }));
        else if (depth < 3)
          list.add(reflect(field.message, randomMessage(g, field.message, pools, hostile, depth + 1)));
      }
      return;
    }
    case "map": {
      const map = r.get(field);
      const key = randomScalar(g, field.mapKey, pools, hostile);
      if (field.mapKind === "scalar") map.set(key, randomScalar(g, field.scalar, pools, hostile));
      else if (field.mapKind === "enum") map.set(key, g(fc.integer, { min: -2, max: 12 }));
      else if (depth < 3)
        map.set(key, reflect(field.message, randomMessage(g, field.message, pools, hostile, depth + 1)));
      return;
    }
  }
}

function randomScalar(g: Gen, type: ScalarType, pools: FuzzPools, hostile: boolean): never {
  const value = (() => {
    switch (type) {
      case ScalarType.STRING:
        return hostile ? withControl(g, randomText(g, pools)) : randomText(g, pools);
      case ScalarType.BOOL:
        return g(fc.boolean);
      case ScalarType.BYTES:
        return g(fc.uint8Array, { maxLength: 64 });
      case ScalarType.DOUBLE:
      case ScalarType.FLOAT:
        return g(fc.double);
      case ScalarType.INT64:
      case ScalarType.SINT64:
      case ScalarType.SFIXED64:
        return g(fc.bigInt, { min: -(2n ** 63n), max: 2n ** 63n - 1n });
      case ScalarType.UINT64:
      case ScalarType.FIXED64:
        return g(fc.bigInt, { min: 0n, max: 2n ** 64n - 1n });
      case ScalarType.UINT32:
      case ScalarType.FIXED32:
        return g(fc.constantFrom, 0, 1, 50, 1000, 2 ** 31, 2 ** 32 - 1);
      default:
        return g(fc.constantFrom, 0, 1, -1, 50, 1000, 2 ** 31 - 1, -(2 ** 31));
    }
  })();
  return value as never;
}

function randomText(g: Gen, pools: FuzzPools): string {
  switch (g(fc.integer, { min: 0, max: 7 })) {
    case 0:
    case 1:
      return pools.ids.length > 0 ? g(fc.constantFrom, ...pools.ids) : "";
    case 2:
      return `${g(fc.constantFrom, ...ID_PREFIXES)}_${g(fc.stringMatching, /^[0-9a-z]{26}$/)}`;
    case 3:
      return g(fc.constantFrom, "", " ", "45m", "7d", "31d", "-1h", "accounts:read", "https://example.com/t");
    case 4:
      return wellFormed(g(fc.string, { unit: "binary", maxLength: 40 }));
    case 5:
      return "x".repeat(g(fc.integer, { min: 150, max: 9000 }));
    default:
      return g(fc.string, { maxLength: 30 });
  }
}

function withControl(g: Gen, text: string): string {
  const at = g(fc.integer, { min: 0, max: text.length });
  return wellFormed(`${text.slice(0, at)}${g(fc.constantFrom, ...CONTROL)}${text.slice(at)}`);
}

// Lone surrogates cannot be encoded as UTF-8 at all (invalid UTF-8 has its own kind).
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

function containsString(field: DescField, depth: number): boolean {
  if (depth > 3) return false;
  if (field.fieldKind === "scalar" || field.fieldKind === "list" || field.fieldKind === "map") {
    if ("scalar" in field && field.scalar === ScalarType.STRING) return true;
    if (field.fieldKind === "map" && field.mapKey === ScalarType.STRING) return true;
  }
  const nested =
    field.fieldKind === "message" ? field.message : "message" in field ? field.message : undefined;
  return nested !== undefined && nested.fields.some((f) => containsString(f, depth + 1));
}

function encode(desc: DescMessage, message: ReturnType<typeof create>, json: boolean): Uint8Array {
  if (!json) return toBinary(desc, message);
  try {
    return new TextEncoder().encode(toJsonString(desc, message));
  } catch {
    // A value JSON cannot spell (a timestamp past year 9999): its binary
    // form is still fuzzed; here the message goes out empty.
    return new TextEncoder().encode("{}");
  }
}

/** A message whose first string field holds invalid UTF-8 (or, if it has none, invalid UTF-8 in field 1). */
function invalidUtf8(g: Gen, desc: DescMessage, json: boolean): Uint8Array {
  const bad = g(fc.constantFrom, ...INVALID_UTF8);
  const field =
    desc.fields.find((f) => f.fieldKind === "scalar" && f.scalar === ScalarType.STRING) ?? desc.fields[0];
  if (json) {
    const name = field?.jsonName ?? "x";
    return concat([
      new TextEncoder().encode(`{"${name}":"a`),
      new Uint8Array(bad),
      new TextEncoder().encode('"}'),
    ]);
  }
  const number = field?.number ?? 1;
  return new Uint8Array([...varint((number << 3) | 2), bad.length, ...bad]);
}

function truncatedUnary(g: Gen, whole: Uint8Array, json: boolean): Uint8Array {
  if (json)
    return whole.subarray(0, Math.max(1, g(fc.integer, { min: 0, max: Math.max(0, whole.length - 1) })));
  // A length-delimited field announcing more bytes than follow.
  return concat([whole, new Uint8Array([0x0a, 0x7f, 0x41])]);
}

function mutate(g: Gen, bytes: Uint8Array): Uint8Array {
  const out = [...bytes];
  const edits = g(fc.integer, { min: 1, max: 4 });
  for (let i = 0; i < edits; i++) {
    const at = g(fc.integer, { min: 0, max: out.length });
    switch (g(fc.integer, { min: 0, max: 3 })) {
      case 0:
        if (out.length > 0) out[Math.min(at, out.length - 1)] = g(fc.integer, { min: 0, max: 255 });
        break;
      case 1:
        out.splice(at, g(fc.integer, { min: 1, max: 8 }));
        break;
      case 2:
        out.splice(at, 0, ...g(fc.uint8Array, { minLength: 1, maxLength: 8 }));
        break;
      default:
        out.length = Math.min(out.length, at);
    }
  }
  return new Uint8Array(out);
}

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 0x7f) {
    out.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  out.push(value);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
