import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROVIDER_CATALOG } from "./catalog/index.js";
import { findProvider, providerTerminalErrors } from "./find-provider.js";
import type { ProviderEntry } from "./provider-entry.js";
import { validateProviderEntry } from "./validate-provider-entry.js";

const DESIGN_PROVIDERS = [
  "slack",
  "github",
  "google",
  "microsoft",
  "dropbox",
  "hubspot",
  "salesforce",
  "zoom",
  "gitlab",
  "box",
  "linear",
  "discord",
  "x",
  "atlassian",
  "notion",
];

describe("provider catalog", () => {
  it("holds every provider DESIGN §8 names", () => {
    const ids = PROVIDER_CATALOG.map((entry) => entry.id);
    for (const id of DESIGN_PROVIDERS) expect(ids).toContain(id);
  });

  it("every entry is complete: https endpoints, a doc URL per fact, plain error codes", () => {
    for (const entry of PROVIDER_CATALOG)
      expect({ id: entry.id, problems: validateProviderEntry(entry) }).toEqual({
        id: entry.id,
        problems: [],
      });
  });

  it("lists every file of catalog/ exactly once, ids unique and sorted", () => {
    const files = readdirSync(new URL("./catalog/", import.meta.url)).filter((f) => f !== "index.ts");
    expect(PROVIDER_CATALOG.map((e) => `${e.id}.ts`).sort()).toEqual(files.sort());
    const ids = PROVIDER_CATALOG.map((e) => e.id);
    expect(ids).toEqual([...ids].sort());
  });

  it("validation catches an incomplete entry", () => {
    const github = findProvider("github") as ProviderEntry;
    const broken: ProviderEntry = {
      ...github,
      tokenUrl: "http://github.com/token",
      revokeMethod: "none",
      sources: github.sources.filter((s) => s.topic !== "errors"),
      accountTerminalErrors: ["bad code"],
    };
    expect(validateProviderEntry(broken)).toEqual(
      expect.arrayContaining([
        "tokenUrl must be https",
        "revokeUrl must be null for revoke method none",
        "sources must cite a page for errors",
        'error code "bad code" is not a plain code',
      ]),
    );
  });

  it("gives terminal errors per provider, and none for an unknown or missing id", () => {
    expect(providerTerminalErrors("github").account).toContain("bad_refresh_token");
    expect(providerTerminalErrors("github").app).toContain("incorrect_client_credentials");
    expect(providerTerminalErrors("nope")).toEqual({ account: [], app: [] });
    expect(providerTerminalErrors(null)).toEqual({ account: [], app: [] });
  });
});
