import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "shared/proto/src/gen/**",
      "**/dist/**",
      "services/jobs-gateway/public/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // Migrations are frozen against Kysely<any> (kysely's own convention), and
    // grpc-js clients built from .proto files at run time are untyped.
    files: ["shared/db/src/migrat*/**", "shared/db/src/migrate.ts", "**/*.test.ts", "**/test-*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
