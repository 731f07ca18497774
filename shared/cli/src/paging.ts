import { flag, integerOption, stringOption, type CommandContext } from "./command.js";

/** One page of results in a shape every list RPC can be mapped to. */
export interface Page<T> {
  items: T[];
  nextCursor: string;
}

/**
 * Fetches one page from --cursor, or with --all every page in order until the
 * server's cursor runs out; the returned cursor is where a next call resumes.
 */
export async function fetchPages<T>(
  ctx: CommandContext,
  fetchPage: (request: { pageSize: number; cursor: string }) => Promise<Page<T>>,
): Promise<Page<T>> {
  const pageSize = integerOption(ctx, "page-size", 0);
  let cursor = stringOption(ctx, "cursor") ?? "";
  const items: T[] = [];
  for (;;) {
    const page = await fetchPage({ pageSize, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!flag(ctx, "all") || cursor === "") return { items, nextCursor: cursor };
  }
}

/** Tells a human how to get the next page (on stderr, so stdout stays the table). */
export function printNextCursorHint(ctx: CommandContext, nextCursor: string): void {
  if (nextCursor && !ctx.json) ctx.io.stderr.write(`more results: --cursor ${nextCursor} (or --all)\n`);
}
