import { connectRawNats } from "./raw-nats.js";
import { runCommand } from "./run-command.js";

// psql and redis-cli come with the server packages deploy/local installs, and they already understand
// every URL form (auth, TLS, database numbers); NATS has no CLI in Debian, so it gets the raw client.

/** Resolves once PostgreSQL at `url` runs a query; rejects with psql's reason otherwise. */
export async function pingPostgres(url: string, timeoutMs = 5_000): Promise<void> {
  const env = { ...process.env, PGCONNECT_TIMEOUT: String(Math.max(1, Math.ceil(timeoutMs / 1000))) };
  const out = await runCommand("psql", ["-d", url, "-XAtqc", "select 1"], { timeoutMs, env });
  if (out.trim() !== "1") throw new Error(`unexpected answer from PostgreSQL: ${out.trim()}`);
}

/** Resolves once Redis at `url` answers PING; rejects with redis-cli's reason otherwise. */
export async function pingRedis(url: string, timeoutMs = 5_000): Promise<void> {
  const out = await runCommand("redis-cli", ["-u", url, "--no-auth-warning", "ping"], { timeoutMs });
  if (out.trim() !== "PONG") throw new Error(out.trim() || "no answer to PING");
}

/** Resolves once a NATS server from the `url` list completes a handshake; rejects with the reason otherwise. */
export async function pingNats(url: string, timeoutMs = 3_000): Promise<void> {
  const connection = await connectRawNats(url, timeoutMs);
  connection.close();
}

/** Resolves once NATS at `url` answers a JetStream `$JS.API.INFO` request, proving JetStream is enabled for us. */
export async function pingJetStream(url: string, timeoutMs = 3_000): Promise<void> {
  const connection = await connectRawNats(url, timeoutMs);
  try {
    const reply = JSON.parse(await connection.request("$JS.API.INFO", "", timeoutMs)) as {
      error?: { description?: string };
    };
    if (reply.error !== undefined) throw new Error(`JetStream: ${reply.error.description ?? "error"}`);
  } finally {
    connection.close();
  }
}
