// `pnpm migrate`: applies the schema for WARDEN_NAMESPACE and exits.
import { parseConfig, databaseUrlVariable, namespaceVariable } from "@warden/config";
import { z } from "zod";
import { createDatabase } from "./create-database.js";
import { migrateToLatest } from "./migrate.js";

const config = parseConfig(
  z.object({ DATABASE_URL: databaseUrlVariable, WARDEN_NAMESPACE: namespaceVariable }),
);
const handle = createDatabase({ url: config.DATABASE_URL, namespace: config.WARDEN_NAMESPACE });
try {
  const applied = await migrateToLatest(handle.db, config.WARDEN_NAMESPACE);
  console.log(
    JSON.stringify({
      msg: "migrated",
      namespace: config.WARDEN_NAMESPACE,
      applied: applied.length ? applied : "none pending",
    }),
  );
} finally {
  await handle.close();
}
