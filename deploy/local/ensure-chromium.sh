#!/usr/bin/env bash
# The dashboard's browser test drives Debian's Chromium (never a downloaded
# browser build). Installs it when missing; idempotent and quiet otherwise.
set -euo pipefail

[ -x /usr/bin/chromium ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
printf 'setup: installing chromium from Debian for the dashboard browser test\n' >&2
$SUDO apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
