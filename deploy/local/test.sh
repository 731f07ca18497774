#!/usr/bin/env bash
# Runs Warden's tests against real PostgreSQL, Redis and NATS after setup; extra arguments go to vitest
# (e.g. `deploy/local/test.sh shared/testkit` or `deploy/local/test.sh -t "retry revokes"`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

bash deploy/local/setup.sh
bash deploy/local/ensure-chromium.sh
exec pnpm test "$@"
