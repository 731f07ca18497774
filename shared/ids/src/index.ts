export type { IdKind } from "./ids.js";
export { ID_PREFIXES, newId, isId, parseId } from "./ids.js";
