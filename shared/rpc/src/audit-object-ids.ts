import type { DescField, DescMessage, Message } from "@bufbuild/protobuf";
import { ID_PREFIXES } from "@warden/ids";

// Which ids a call touched is read from its messages by one rule instead of
// per-RPC code: every string field named `id` or `…_id` (also inside nested
// messages and oneofs, e.g. CreateRevokeJob's scope.id and its answer's
// job.id) whose value is a well-formed Warden id. The shape check is also the
// secret guard: tokens, keys and client secrets never look like `ca_…` ids,
// and fields such as client_id or external_user_id hold values that do not
// either, so no request body ever reaches the log.

const ID_SHAPE = new RegExp(`^(?:${Object.values(ID_PREFIXES).join("|")})_[0-9a-z]{26}$`);
const MAX_DEPTH = 3;
/** Caps what one row carries; a bulk answer names its objects elsewhere. */
export const MAX_OBJECT_IDS = 16;

/** Collects the Warden ids a message names (see the rule above) into `into`, up to MAX_OBJECT_IDS. */
export function collectObjectIds(schema: DescMessage, message: Message, into: Set<string>, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  const record = message as unknown as Record<string, unknown>;
  for (const field of schema.fields) {
    if (into.size >= MAX_OBJECT_IDS) return;
    const value = valueOf(record, field);
    if (value === undefined) continue;
    if (field.fieldKind === "scalar" && isIdField(field) && typeof value === "string") {
      if (ID_SHAPE.test(value)) into.add(value);
    } else if (field.fieldKind === "message" && !isWellKnown(field.message)) {
      collectObjectIds(field.message, value as Message, into, depth + 1);
    } else if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(value)) {
      for (const item of value.slice(0, MAX_OBJECT_IDS))
        collectObjectIds(field.message, item as Message, into, depth + 1);
    } else if (field.fieldKind === "list" && field.listKind === "scalar" && isIdField(field)) {
      for (const item of (value as unknown[]).slice(0, MAX_OBJECT_IDS))
        if (typeof item === "string" && ID_SHAPE.test(item)) into.add(item);
    }
  }
}

function isIdField(field: DescField): boolean {
  return field.name === "id" || field.name.endsWith("_id") || field.name.endsWith("_ids");
}

function isWellKnown(message: DescMessage): boolean {
  return message.typeName.startsWith("google.protobuf.");
}

// A oneof member lives under the oneof's name as { case, value }.
function valueOf(record: Record<string, unknown>, field: DescField): unknown {
  if (field.oneof) {
    const oneof = record[field.oneof.localName] as { case?: string; value?: unknown } | undefined;
    return oneof?.case === field.localName ? oneof.value : undefined;
  }
  return record[field.localName];
}
