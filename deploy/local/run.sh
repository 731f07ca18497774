#!/usr/bin/env bash
# Runs the whole Warden stack in the foreground: setup, migrations, then the four services (Ctrl-C stops them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/local/setup.sh
pnpm migrate
exec pnpm start
