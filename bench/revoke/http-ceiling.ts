import http from "node:http";
import { Agent, request } from "undici";

/** Requests per second of `requests` RFC 7009 POSTs to `url` with `concurrency` in flight, via a keep-alive node:http agent. */
export async function nodeHttpRate(
  url: string,
  requests: number,
  concurrency: number,
  auth: string,
): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const body = `token=bench-node-${i}&token_type_hint=refresh_token`;
      const req = http.request(
        target,
        {
          method: "POST",
          agent,
          headers: {
            authorization: auth,
            "content-type": "application/x-www-form-urlencoded",
            "content-length": Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on("end", () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  const rate = await drive(requests, concurrency, one);
  agent.destroy();
  return rate;
}

/** The same load through undici.request on a keep-alive dispatcher. */
export async function undiciRate(
  url: string,
  requests: number,
  concurrency: number,
  auth: string,
): Promise<number> {
  const dispatcher = new Agent({ connections: concurrency, pipelining: 1 });
  const one = async (i: number) => {
    const { statusCode, body } = await request(url, {
      method: "POST",
      dispatcher,
      headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
      body: `token=bench-undici-${i}&token_type_hint=refresh_token`,
    });
    await body.dump();
    if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`);
  };
  const rate = await drive(requests, concurrency, one);
  await dispatcher.close();
  return rate;
}

async function drive(
  requests: number,
  concurrency: number,
  one: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) await one(next++);
    }),
  );
  return requests / ((performance.now() - started) / 1000);
}
