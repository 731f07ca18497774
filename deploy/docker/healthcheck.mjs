// Docker HEALTHCHECK: exit 0 when the service's probe port answers /healthz with 200.
// Liveness only: /readyz would mark the container unhealthy whenever a shared dependency is down.
const DEFAULT_PROBE_PORTS = {
  "jobs-gateway": 9470,
  "revoke-executor": 9471,
  "token-refresh": 9472,
  sweeper: 9473,
};
const port = process.env.WARDEN_PROBE_PORT || DEFAULT_PROBE_PORTS[process.env.WARDEN_SERVICE ?? ""];
if (!port) {
  console.error("healthcheck: set WARDEN_PROBE_PORT (or WARDEN_SERVICE)");
  process.exit(1);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) });
  process.exit(response.status === 200 ? 0 : 1);
} catch (error) {
  console.error(`healthcheck: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
