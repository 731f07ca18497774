// The Kubernetes manifests in deploy/k8s, rendered by kustomize as `kubectl apply -k`
// would render them, hold together: each Deployment's environment is one its service
// boots with (its own zod config, NODE_ENV=production included), names only variables
// the service reads, and reaches its peers through Services that exist; probes, ports
// and selectors line up; the monitoring component renders on top of base.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadExecutorConfig } from "../../revoke-executor/src/config.js";
import { loadSweeperConfig } from "../../sweeper/src/config.js";
import { loadTokenRefreshConfig } from "../../token-refresh/src/config.js";
import { loadGatewayConfig } from "./config.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const K8S = join(REPO, "deploy/k8s");

// kubectl (with its built-in kustomize) is not a Debian package here; where it is missing the
// test says so and skips rather than pass without rendering anything.
const kubectl = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
const hasKubectl = kubectl.status === 0;
if (!hasKubectl) console.warn("k8s-manifests.test: kubectl not found, the manifests are not rendered");

interface Resource {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

function render(dir: string): Resource[] {
  const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(out).map((doc) => doc.toJSON() as Resource);
}

const LOADERS: Record<string, (env: NodeJS.ProcessEnv) => unknown> = {
  "jobs-gateway": loadGatewayConfig,
  "revoke-executor": loadExecutorConfig,
  "token-refresh": loadTokenRefreshConfig,
  sweeper: loadSweeperConfig,
};

// Node's own and OpenTelemetry's standard variables, read by libraries rather than config.ts.
const NOT_WARDEN_CONFIG = /^(NODE_ENV|NODE_OPTIONS|OTEL_[A-Z_]+|TZ)$/;

/** Every source file a service's configuration is read from. */
function configSource(service: string): string {
  const files = [
    join(REPO, "services", service, "src/config.ts"),
    ...["common-variables.ts", "parse-config.ts", "index.ts"].map((f) => join(REPO, "shared/config/src", f)),
  ];
  return files.map((f) => readFileSync(f, "utf8")).join("\n");
}

/** The environment a container starts with: its envFrom ConfigMaps and Secrets, then its env. */
function containerEnv(container: any, resources: Resource[]): Record<string, string> {
  const byName = (kind: string, name: string) => {
    const found = resources.find((r) => r.kind === kind && r.metadata.name === name);
    expect(found, `${kind} ${name} referenced by ${container.name}`).toBeDefined();
    return found!;
  };
  const decoded = (secret: Resource) =>
    Object.fromEntries(
      Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, byName("ConfigMap", from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, decoded(byName("Secret", from.secretRef.name)));
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = String(variable.value);
    else if (variable.valueFrom?.secretKeyRef) {
      const { name, key, optional } = variable.valueFrom.secretKeyRef;
      const value = decoded(byName("Secret", name))[key];
      // An optional key the Secret lacks leaves the variable unset, as the kubelet does.
      if (!optional) expect(value, `${container.name}: Secret ${name} has key ${key}`).toBeDefined();
      if (value !== undefined) env[variable.name] = value;
    } else if (variable.valueFrom?.configMapKeyRef) {
      const { name, key } = variable.valueFrom.configMapKeyRef;
      env[variable.name] = byName("ConfigMap", name).data![key]!;
    }
  }
  return env;
}

describe.skipIf(!hasKubectl)("kubernetes manifests (rendered with kubectl kustomize)", () => {
  // kustomize takes only relative paths to other kustomizations: the scratch one sits beside them.
  const scratch = mkdtempSync(join(K8S, ".test-render-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("every service boots with the environment its Deployment gives it, and names only variables it reads", () => {
    const resources = render(K8S);
    const services = resources.filter((r) => r.kind === "Service").map((r) => r.metadata.name);
    for (const [name, load] of Object.entries(LOADERS)) {
      const deployment = resources.find((r) => r.kind === "Deployment" && r.metadata.name === name);
      expect(deployment, `Deployment ${name}`).toBeDefined();
      const [container] = deployment!.spec.template.spec.containers;
      expect(container.image).toBe(`warden/${name}:dev`);
      // The compiled build runs on plain node: no transpiler in the command line.
      expect(JSON.stringify([container.command ?? [], container.args ?? []])).not.toMatch(/tsx/);

      const env = containerEnv(container, resources);
      expect(env.NODE_ENV, name).toBe("production");
      expect(() => load(env), `${name} config`).not.toThrow();
      const source = configSource(name);
      const unknown = Object.keys(env).filter((v) => !NOT_WARDEN_CONFIG.test(v) && !source.includes(v));
      expect(unknown, `${name}: variables its config never reads`).toEqual([]);

      // Every peer a URL names is a Service of this stack (nats-0.nats-headless → nats-headless).
      for (const value of Object.values(env))
        for (const url of value.split(",").filter((v) => /^[a-z]+:\/\//.test(v))) {
          const host = new URL(url).hostname;
          expect(
            host.split(".").some((label) => services.includes(label)),
            `${name}: ${url} names no Service`,
          ).toBe(true);
        }

      // Probes hit the probe port, the RPC port is the one the config listens on.
      const ports = Object.fromEntries(
        (container.ports ?? []).map((p: any) => [p.name, p.containerPort as number]),
      );
      expect(ports.metrics, `${name} metrics port`).toBe(Number(env.WARDEN_PROBE_PORT));
      for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
        expect(container[probe]?.httpGet?.port, `${name} ${probe}`).toBe("metrics");
        expect(["/healthz", "/readyz"]).toContain(container[probe].httpGet.path);
      }
      const rpcVariable = Object.keys(env).find((v) => /^WARDEN_(GATEWAY|TOKENS|SWEEPER)_PORT$/.test(v));
      if (ports.rpc !== undefined) expect(ports.rpc, `${name} rpc port`).toBe(Number(env[rpcVariable!]));

      // Its Service selects its pods and targets ports the container has.
      const service = resources.find((r) => r.kind === "Service" && r.metadata.name === name);
      expect(service, `Service ${name}`).toBeDefined();
      const podLabels = deployment!.spec.template.metadata.labels;
      for (const [key, value] of Object.entries(service!.spec.selector)) expect(podLabels[key]).toBe(value);
      for (const port of service!.spec.ports) expect(Object.keys(ports)).toContain(port.targetPort);
    }
  });

  it("base renders without the development Secret and PostgreSQL, and with the monitoring component", () => {
    const base = render(join(K8S, "base"));
    expect(base.filter((r) => r.kind === "Deployment").map((r) => r.metadata.name)).toEqual(
      expect.arrayContaining(Object.keys(LOADERS)),
    );
    expect(base.some((r) => r.kind === "Secret")).toBe(false);
    expect(base.some((r) => r.metadata.name.startsWith("postgres"))).toBe(false);

    writeFileSync(
      join(scratch, "kustomization.yaml"),
      [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources:",
        "  - ../base",
        "components:",
        "  - ../components/monitoring",
        "",
      ].join("\n"),
    );
    const withMonitoring = render(scratch);
    const monitor = withMonitoring.find((r) => r.kind === "ServiceMonitor");
    expect(monitor).toBeDefined();
    // The ServiceMonitor scrapes a `metrics` port of Services it selects: all four services'.
    const selected = withMonitoring.filter(
      (r) =>
        r.kind === "Service" &&
        Object.entries(monitor!.spec.selector.matchLabels ?? {}).every(
          ([k, v]) => r.metadata.labels?.[k] === v,
        ) &&
        (monitor!.spec.selector.matchExpressions ?? []).every(
          (e: { key: string; operator: string; values: string[] }) =>
            e.operator !== "In" || e.values.includes(r.metadata.labels?.[e.key] ?? ""),
        ),
    );
    expect(selected.map((r) => r.metadata.name)).toEqual(expect.arrayContaining(Object.keys(LOADERS)));
    for (const endpoint of monitor!.spec.endpoints) expect(endpoint.port).toBe("metrics");
    for (const service of selected)
      expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain("metrics");
    expect(withMonitoring.some((r) => r.kind === "PrometheusRule")).toBe(true);
    const dashboard = withMonitoring.find(
      (r) => r.kind === "ConfigMap" && r.metadata.name.startsWith("warden-grafana-dashboard"),
    );
    expect(dashboard?.metadata.labels?.grafana_dashboard).toBe("1");
    expect(() => JSON.parse(dashboard!.data!["warden-dashboard.json"]!)).not.toThrow();
  });
});
