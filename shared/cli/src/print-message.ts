import { toJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { CommandContext } from "./command.js";

/** In --json mode writes the message as protobuf JSON; otherwise calls `human` for the table view. */
export function printMessage<D extends DescMessage>(
  ctx: CommandContext,
  schema: D,
  message: MessageShape<D>,
  human: () => void,
): void {
  if (ctx.json) ctx.io.stdout.write(`${toJsonString(schema, message, { prettySpaces: 2 })}\n`);
  else human();
}
