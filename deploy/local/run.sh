#!/usr/bin/env bash
# Runs the whole Warden stack in the foreground: setup, migrations, the production build (each
# service compiled to services/<service>/dist/main.js), then the four built services (Ctrl-C stops them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/local/setup.sh
pnpm migrate
pnpm build
exec pnpm start
