import { create } from "@bufbuild/protobuf";
import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { alreadyExists, invalidArgument } from "@warden/errors";
import { OrgSchema, type AdminService } from "@warden/proto/admin/v1";

/**
 * Test-only fake AdminService whose createOrg behaviour is chosen by the org
 * name: "dup" → ALREADY_EXISTS with the existing org as detail, "boom" → an
 * unknown error with a secret in its message, "colon" → INVALID_ARGUMENT
 * whose message holds every character URI encoding treats specially, "slow" → answers after 300 ms,
 * "hang" → waits until the call is cancelled; anything else succeeds.
 * `onCall` hears of each call as its handler starts, so a test can wait until
 * a call is really in flight instead of sleeping and hoping.
 */
export function createFakeAdminService(
  options: { onCall?: (name: string) => void } = {},
): ServiceImpl<typeof AdminService> {
  const unused = () => {
    throw new Error("not used by these tests");
  };
  return {
    async createOrg(request, context) {
      options.onCall?.(request.name);
      switch (request.name) {
        case "dup":
          throw alreadyExists("org dup exists", [
            { desc: OrgSchema, value: create(OrgSchema, { id: "org_existing", name: "dup" }) },
          ]);
        case "colon":
          throw invalidArgument("name", "must not look like this: a, b/c; d=e? f@g & h+i $j #k 100% é");
        case "boom":
          throw new Error("could not decrypt with key sk_live_SECRET123");
        case "slow":
          await new Promise((resolve) => setTimeout(resolve, 300));
          break;
        case "hang":
          await untilAborted(context);
      }
      return { org: { id: "org_new", name: request.name } };
    },
    createProject: unused,
    deleteProject: unused,
    createApiKey: unused,
    revokeApiKey: unused,
    listApiKeys: unused,
  };
}

function untilAborted(context: HandlerContext): Promise<never> {
  return new Promise((_resolve, reject) => {
    context.signal.addEventListener("abort", () => reject(context.signal.reason), { once: true });
  });
}
