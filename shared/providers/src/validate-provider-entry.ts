import { SOURCE_TOPICS, type ProviderEntry } from "./provider-entry.js";

const ID = /^[a-z][a-z0-9_-]{0,31}$/;
const ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
const METHODS_WITH_URL = new Set([
  "rfc7009",
  "rfc7009_unauthenticated",
  "slack",
  "bearer",
  "github",
  "delete_by_path",
]);

function httpsProblem(field: string, value: string): string | undefined {
  try {
    const url = new URL(value.replace("{client_id}", "client"));
    return url.protocol === "https:" ? undefined : `${field} must be https`;
  } catch {
    return `${field} must be a URL`;
  }
}

/**
 * Lists what is wrong with one catalog entry (empty when it is complete):
 * https endpoints, a revoke URL exactly when the method calls one, error codes
 * in the form classification accepts, and a documentation URL for each fact.
 */
export function validateProviderEntry(entry: ProviderEntry): string[] {
  const problems: string[] = [];
  if (!ID.test(entry.id)) problems.push("id must be lower-case letters, digits, _ or -");
  if (entry.name.trim() === "") problems.push("name must not be empty");
  for (const [field, value] of [
    ["authorizeUrl", entry.authorizeUrl],
    ["tokenUrl", entry.tokenUrl],
  ] as const) {
    const problem = httpsProblem(field, value);
    if (problem) problems.push(problem);
  }
  if (METHODS_WITH_URL.has(entry.revokeMethod)) {
    if (entry.revokeUrl === null)
      problems.push(`revokeUrl must be set for revoke method ${entry.revokeMethod}`);
    else {
      const problem = httpsProblem("revokeUrl", entry.revokeUrl);
      if (problem) problems.push(problem);
    }
  } else if (entry.revokeUrl !== null) {
    problems.push("revokeUrl must be null for revoke method none");
  }
  if (entry.revokeMethod === "none" && entry.notes.trim() === "") {
    problems.push("notes must say why the provider cannot revoke");
  }
  if (entry.revokeUrl?.includes("{client_id}") && entry.revokeMethod !== "github") {
    problems.push("revokeUrl may hold {client_id} only for revoke method github");
  }
  for (const code of [...entry.accountTerminalErrors, ...entry.appTerminalErrors]) {
    if (!ERROR_CODE.test(code)) problems.push(`error code ${JSON.stringify(code)} is not a plain code`);
  }
  const overlap = entry.accountTerminalErrors.filter((code) => entry.appTerminalErrors.includes(code));
  if (overlap.length > 0)
    problems.push(`error codes ${overlap.join(", ")} cannot be both account and app terminal`);
  for (const topic of SOURCE_TOPICS) {
    if (!entry.sources.some((source) => source.topic === topic)) {
      problems.push(`sources must cite a page for ${topic}`);
    }
  }
  for (const source of entry.sources) {
    const problem = httpsProblem(`sources.${source.topic}`, source.url);
    if (problem) problems.push(problem);
  }
  return problems;
}
