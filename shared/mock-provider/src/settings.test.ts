import { describe, expect, it } from "vitest";
import { applySettingsPatch, defaultSettings } from "./settings.js";

describe("applySettingsPatch", () => {
  it("applies known fields without touching the input", () => {
    const base = defaultSettings();
    const next = applySettingsPatch(base, {
      rate429: 0.5,
      responseStyle: "slack",
      faultEndpoints: ["revoke"],
    });
    expect(next).toMatchObject({ rate429: 0.5, responseStyle: "slack", faultEndpoints: ["revoke"] });
    expect(base.rate429).toBe(0);
    expect(base.faultEndpoints).toEqual(["token", "revoke"]);
  });

  it("rejects out-of-range values and unknown fields, naming them", () => {
    const base = defaultSettings();
    expect(() => applySettingsPatch(base, { rate5xx: 1.5 })).toThrow(/rate5xx/);
    expect(() => applySettingsPatch(base, { latencyMs: "10" })).toThrow(/latencyMs/);
    expect(() => applySettingsPatch(base, { responseStyle: "xml" })).toThrow(/responseStyle/);
    expect(() => applySettingsPatch(base, { rate_429: 0.1 })).toThrow(/unknown .*rate_429/);
    expect(() => applySettingsPatch(base, [])).toThrow(/JSON object/);
    expect(() => applySettingsPatch(base, { forceError: { token: { status: 400 } } })).toThrow(
      /forceError.token.error/,
    );
    expect(() => applySettingsPatch(base, { forceError: { other: { status: 400, error: "x" } } })).toThrow(
      /forceError/,
    );
  });

  it("merges forceError per endpoint and clears with null", () => {
    let settings = applySettingsPatch(defaultSettings(), {
      forceError: { token: { status: 400, error: "invalid_grant" } },
    });
    settings = applySettingsPatch(settings, {
      forceError: { revoke: { status: 401, error: "invalid_client" } },
    });
    expect(Object.keys(settings.forceError).sort()).toEqual(["revoke", "token"]);
    settings = applySettingsPatch(settings, { forceError: { token: null } });
    expect(Object.keys(settings.forceError)).toEqual(["revoke"]);
    expect(applySettingsPatch(settings, { forceError: null }).forceError).toEqual({});
  });

  it("copies forced errors, so counting one down never changes the settings it came from", () => {
    const initial = applySettingsPatch(defaultSettings(), {
      forceError: { token: { status: 500, error: "x", times: 2 } },
    });
    const live = applySettingsPatch(initial, {});
    live.forceError.token!.times = 1;
    expect(initial.forceError.token!.times).toBe(2);
  });
});
