import type { z } from "zod";

/** Thrown at boot when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parses env with a zod object schema whose keys are variable names.
 * Throws a ConfigError naming each bad variable (never echoing its value,
 * which may be a secret).
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.join(".") : "(environment)";
    return `${variable}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}
