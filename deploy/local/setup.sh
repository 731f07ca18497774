#!/usr/bin/env bash
# Everything a fresh Debian machine with Node.js 20 needs before Warden runs: checks Node, installs
# pnpm if missing, installs the workspace's packages (frozen lockfile when CI=true) and makes sure
# PostgreSQL, Redis and NATS with JetStream answer. Idempotent, and quiet when there is nothing to do.
set -euo pipefail

PNPM_VERSION=9.15.9
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

log() { printf 'setup: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v node >/dev/null 2>&1 || die "Node.js >= 20.19 is required and was not found (install Debian's nodejs or Node 20 LTS)"
node -e '
  const [major, minor] = process.versions.node.split(".").map(Number);
  process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);
' || die "Node.js >= 20.19 is required, found $(node --version)"

if ! command -v pnpm >/dev/null 2>&1; then
  log "installing pnpm $PNPM_VERSION"
  if ! npm install --global --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1; then
    log "npm could not install pnpm; trying corepack"
    corepack enable || die "could not install pnpm: run 'npm install -g pnpm@$PNPM_VERSION' by hand"
  fi
  hash -r
  command -v pnpm >/dev/null 2>&1 || die "pnpm was installed but is not on PATH ($(npm prefix --global)/bin)"
fi

install_args=(install --config.confirmModulesPurge=false)
# CI must build exactly what the lockfile says; a developer's install may update it.
if [ "${CI:-}" = "true" ]; then install_args+=(--frozen-lockfile); fi
install_log="$(mktemp)"
trap 'rm -f "$install_log"' EXIT
if ! pnpm "${install_args[@]}" >"$install_log" 2>&1; then
  cat "$install_log" >&2
  die "pnpm ${install_args[*]} failed"
fi
# Say something only when packages actually changed.
grep -q 'Already up to date' "$install_log" || grep -E '^(Packages:|Done)' "$install_log" >&2 || true

# The gateway serves the dashboard bundle; building it takes well under a second.
pnpm --filter @warden/jobs-gateway --silent build:dashboard >/dev/null

bash deploy/local/ensure-services.sh
