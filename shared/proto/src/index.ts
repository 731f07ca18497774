import { fileURLToPath } from "node:url";

/** Absolute path of the repository's `proto/` root, for loaders such as @grpc/proto-loader. */
export const PROTO_ROOT = fileURLToPath(new URL("../../../proto", import.meta.url));
