/** URLs of the PostgreSQL, Redis and NATS a run uses. */
export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
  natsUrl: string;
}

/** Returns DATABASE_URL, REDIS_URL and NATS_URL from `env`, with DESIGN.md §7's local defaults for unset ones. */
export function serviceUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceUrls {
  return {
    databaseUrl: env.DATABASE_URL || "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: env.REDIS_URL || "redis://127.0.0.1:6379",
    natsUrl: env.NATS_URL || "nats://127.0.0.1:4222",
  };
}
