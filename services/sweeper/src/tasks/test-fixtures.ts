// Test support (not a test): rows and stream reads for the task tests.
import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Database } from "@warden/db";
import { newId } from "@warden/ids";
import type { Kysely } from "kysely";
import type { TestInfrastructure } from "../test-infrastructure.js";
import type { Notification } from "../notifications/notification.js";
import { notificationOf } from "../notifications/notification-outbox.repository.js";
import type { NotificationDispatcher } from "../notifications/notification-dispatcher.js";
import type { TaskRunContext } from "../scheduler/sweeper-task.js";

/** A run context for calling a task directly. */
export function runContext(infra: TestInfrastructure, runId: string): TaskRunContext {
  return { signal: new AbortController().signal, runId, now: new Date(), logger: infra.logger };
}

/** A dispatcher that keeps what it was given. */
export function capturingDispatcher(): NotificationDispatcher & { sent: Notification[] } {
  const sent: Notification[] = [];
  return {
    sent,
    dispatch: (n) => void sent.push(n),
    deliver: async (n) => (sent.push(n), true),
    idle: async () => undefined,
    close: async () => undefined,
  };
}

/** Takes every notification waiting in the notification outbox (deleting them), oldest first. */
export async function drainNotificationOutbox(db: Kysely<Database>): Promise<Notification[]> {
  const rows = await db.deleteFrom("notification_outbox").returningAll().execute();
  return rows.sort((a, b) => Number(a.id) - Number(b.id)).map(notificationOf);
}

/** An org, a project and an auth config (with or without a revoke URL). */
export async function seedTenant(db: Kysely<Database>, options: { revokeUrl?: string | null } = {}) {
  const orgId = newId("org");
  const projectId = newId("project");
  const authConfigId = newId("authConfig");
  await db.insertInto("orgs").values({ id: orgId, name: "acme" }).execute();
  await db.insertInto("projects").values({ id: projectId, org_id: orgId, name: "prod" }).execute();
  await db
    .insertInto("auth_configs")
    .values({
      id: authConfigId,
      org_id: orgId,
      project_id: projectId,
      name: "github",
      token_url: "https://provider.example/token",
      revoke_url: options.revokeUrl === undefined ? "https://provider.example/revoke" : options.revokeUrl,
      client_id: "client",
      client_secret_ciphertext: Buffer.from("sealed-client-secret"),
      client_secret_key_id: "k1",
      client_auth: "basic",
      response_style: "rfc6749",
      default_scopes: [],
      deleted_at: null,
      updated_at: new Date(),
    })
    .execute();
  return { orgId, projectId, authConfigId };
}

/** A second auth config in the same project. */
export async function seedAuthConfig(
  db: Kysely<Database>,
  tenant: { orgId: string; projectId: string },
  revokeUrl: string | null,
) {
  const id = newId("authConfig");
  await db
    .insertInto("auth_configs")
    .values({
      id,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      name: "other",
      token_url: "https://p.example/t",
      revoke_url: revokeUrl,
      client_id: "c",
      client_auth: "post",
      response_style: "rfc6749",
      default_scopes: [],
      client_secret_ciphertext: null,
      client_secret_key_id: null,
      deleted_at: null,
      updated_at: new Date(),
    })
    .execute();
  return id;
}

/** One connected account holding (fake) sealed tokens unless told otherwise. */
export async function seedAccount(
  db: Kysely<Database>,
  tenant: { orgId: string; projectId: string; authConfigId: string },
  fields: Partial<{
    status: "active" | "needs_reconnect" | "revoked" | "deleted";
    expires_at: Date;
    deleted_at: Date | null;
    tokens: boolean;
    revoked_upstream_at: Date | null;
    status_changed_at: Date;
  }> = {},
): Promise<string> {
  const id = newId("account");
  const tokens = fields.tokens ?? true;
  await db
    .insertInto("connected_accounts")
    .values({
      id,
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      auth_config_id: tenant.authConfigId,
      external_user_id: id,
      status: fields.status ?? "active",
      access_token_ciphertext: tokens ? Buffer.from(`sealed-access-${id}`) : null,
      refresh_token_ciphertext: tokens ? Buffer.from(`sealed-refresh-${id}`) : null,
      token_key_id: tokens ? "k1" : null,
      expires_at: fields.expires_at ?? new Date(Date.now() + 3600_000),
      deleted_at: fields.deleted_at ?? null,
      revoked_upstream_at: fields.revoked_upstream_at ?? null,
      ...(fields.status_changed_at ? { status_changed_at: fields.status_changed_at } : {}),
    })
    .execute();
  return id;
}

/** How many messages a stream holds on one subject. */
export async function streamCount(
  infra: TestInfrastructure,
  stream: string,
  subject: string,
): Promise<number> {
  const info = await infra.bus.jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** Every message a stream holds on `subject`, decoded. */
export async function streamMessages<Desc extends DescMessage>(
  infra: TestInfrastructure,
  stream: string,
  subject: string,
  schema: Desc,
): Promise<MessageShape<Desc>[]> {
  const info = await infra.bus.jsm.streams.info(stream);
  const out: MessageShape<Desc>[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    try {
      const message = await infra.bus.jsm.streams.getMessage(stream, { seq });
      if (message.subject === subject) out.push(fromBinary(schema, message.data));
    } catch {
      // deleted (acked) sequence
    }
  }
  return out;
}
