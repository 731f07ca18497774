#!/usr/bin/env bash
# Makes sure PostgreSQL, Redis and NATS with JetStream answer at DATABASE_URL, REDIS_URL and NATS_URL.
#
# A server that already answers is left alone. Only servers on loopback at their default ports are
# managed: installed from Debian's packages when missing and started without systemd (dev machines and
# CI containers have none). A URL pointing anywhere else is only checked. Idempotent, and silent when
# there is nothing to do. WARDEN_SERVICES_WAIT (seconds, default 60) bounds each wait.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
NATS_URL="${NATS_URL:-nats://127.0.0.1:4222}"
WAIT_SECONDS="${WARDEN_SERVICES_WAIT:-60}"

log() { printf 'ensure-services: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=0
apt_install() {
  log "installing $* from Debian's packages"
  if [ "$APT_UPDATED" -eq 0 ]; then
    as_root apt-get update -qq
    APT_UPDATED=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Where servers we start keep their data and logs: the system places as root, the user's state dir otherwise.
if [ "$(id -u)" -eq 0 ]; then
  STATE_DIR=/var/lib
  LOG_DIR=/var/log
  RUN_DIR=/run
else
  STATE_DIR="${XDG_STATE_HOME:-$HOME/.local/state}/warden"
  LOG_DIR="$STATE_DIR"
  RUN_DIR="$STATE_DIR"
fi

# url_host URL / url_port URL DEFAULT: the host and port of the first server in a URL
# (scheme://user:pass@host:port/path, IPv6 in brackets; a comma list counts by its first entry).
url_authority() {
  local rest="${1%%,*}"
  rest="${rest#*://}"
  rest="${rest%%/*}"
  rest="${rest%%\?*}"
  printf '%s' "${rest##*@}"
}
url_host() {
  local authority
  authority="$(url_authority "$1")"
  if [[ "$authority" == \[* ]]; then
    authority="${authority#[}"
    printf '%s' "${authority%%]*}"
  else
    printf '%s' "${authority%%:*}"
  fi
}
url_port() {
  local authority
  authority="$(url_authority "$1")"
  if [[ "$authority" == \[* ]]; then authority="${authority##*]}"; fi
  if [[ "$authority" == *:* ]]; then printf '%s' "${authority##*:}"; else printf '%s' "$2"; fi
}

# managed URL DEFAULT_PORT: true when the URL names one server on loopback at the default port.
managed() {
  local host port
  [[ "$1" != *,* ]] || return 1
  host="$(url_host "$1")"
  port="$(url_port "$1" "$2")"
  [ "$port" = "$2" ] || return 1
  case "$host" in "" | 127.0.0.1 | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

NOT_MANAGED="not a loopback default-port server, so it is only checked, never started"

# wait_until DESCRIPTION HINT COMMAND...: polls COMMAND until it succeeds or WAIT_SECONDS pass.
wait_until() {
  local description="$1" hint="$2" deadline=$((SECONDS + WAIT_SECONDS))
  shift 2
  until "$@"; do
    if [ "$SECONDS" -ge "$deadline" ]; then die "$description did not answer within ${WAIT_SECONDS}s${hint:+ ($hint)}"; fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------- PostgreSQL

postgres_answers() {
  command -v psql >/dev/null 2>&1 || return 1
  PGCONNECT_TIMEOUT=3 psql -d "$DATABASE_URL" -XAtqc 'select 1' >/dev/null 2>&1
}

newest_postgres_version() {
  local binary
  binary="$(printf '%s\n' /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)"
  [ -x "$binary" ] || return 1
  binary="${binary%/bin/postgres}"
  printf '%s' "${binary##*/}"
}

# Local development trusts loopback connections, so DATABASE_URL needs no password.
trust_loopback() {
  local hba="/etc/postgresql/$1/main/pg_hba.conf"
  as_root grep -q '^# warden: trust loopback' "$hba" && return 0
  log "trusting loopback connections in $hba (local development only)"
  as_root sed -i '1i # warden: trust loopback for local development (deploy/local/ensure-services.sh)\nlocal all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
}

ensure_postgres() {
  postgres_answers && return 0
  if ! managed "$DATABASE_URL" 5432; then
    command -v psql >/dev/null 2>&1 || apt_install postgresql-client
    wait_until "PostgreSQL at $DATABASE_URL" "$NOT_MANAGED" postgres_answers
    return 0
  fi
  local version ours=0
  if ! version="$(newest_postgres_version)" || ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
    version="$(newest_postgres_version)" || die "postgresql installed but no server binary found"
    ours=1
  fi
  if ! as_root pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
    log "creating PostgreSQL $version cluster 'main' on port 5432"
    as_root pg_createcluster --port 5432 "$version" main -- --auth-local=trust --auth-host=trust >/dev/null
    ours=1
  fi
  [ "$ours" -eq 0 ] || trust_loopback "$version"
  if as_root pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    # Running but not answering: a pg_hba change we just made needs a reload.
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
  else
    log "starting PostgreSQL $version cluster 'main'"
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start
  fi
  wait_until "PostgreSQL at $DATABASE_URL" "log: /var/log/postgresql/postgresql-$version-main.log" postgres_answers
}

# ---------------------------------------------------------------- Redis

redis_answers() {
  command -v redis-cli >/dev/null 2>&1 || return 1
  [ "$(timeout 5 redis-cli -u "$REDIS_URL" --no-auth-warning ping 2>/dev/null)" = "PONG" ]
}

ensure_redis() {
  redis_answers && return 0
  if ! managed "$REDIS_URL" 6379; then
    command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
    wait_until "Redis at $REDIS_URL" "$NOT_MANAGED" redis_answers
    return 0
  fi
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  local dir="$STATE_DIR/redis" logfile="$LOG_DIR/redis-warden.log"
  mkdir -p "$dir"
  log "starting redis-server on 127.0.0.1:6379"
  # Keeps nothing on disk: local and CI data is disposable.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$dir" --logfile "$logfile"
  wait_until "Redis at $REDIS_URL" "log: $logfile" redis_answers
}

# ---------------------------------------------------------------- NATS

# Prints the INFO line a NATS server sends on connect; its "jetstream" flag says whether JetStream is on.
nats_info() {
  # shellcheck disable=SC2016 # $1 and $2 belong to the inner shell
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && IFS= read -r -t 2 line <&3 && printf "%s\n" "$line"' \
    _ "$1" "$2" 2>/dev/null
}

# nats_state: "jetstream" if a server of NATS_URL answers with JetStream on, "plain" if only without, else "down".
nats_state() {
  local entry info state=down
  local -a entries
  IFS=',' read -ra entries <<<"$NATS_URL"
  for entry in "${entries[@]}"; do
    info="$(nats_info "$(url_host "$entry")" "$(url_port "$entry" 4222)")" || continue
    [[ "$info" == INFO* ]] || continue
    if [[ "$info" == *'"jetstream":true'* ]]; then
      printf 'jetstream'
      return 0
    fi
    state=plain
  done
  printf '%s' "$state"
}

jetstream_answers() { [ "$(nats_state)" = jetstream ]; }

# shellcheck disable=SC2016 # $1 belongs to the inner shell
port_in_use() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null; }

ensure_nats() {
  case "$(nats_state)" in
    jetstream) return 0 ;;
    plain) die "NATS at $NATS_URL answers but JetStream is not enabled: restart it with -js (Warden needs JetStream)" ;;
  esac
  if ! managed "$NATS_URL" 4222; then
    wait_until "NATS with JetStream at $NATS_URL" "$NOT_MANAGED" jetstream_answers
    return 0
  fi
  local bin
  bin="$(command -v nats-server || true)"
  if [ -z "$bin" ] && [ -x /usr/sbin/nats-server ]; then bin=/usr/sbin/nats-server; fi
  if [ -z "$bin" ]; then
    apt_install nats-server
    bin="$(command -v nats-server || echo /usr/sbin/nats-server)"
  fi
  local store="$STATE_DIR/nats-server" logfile="$LOG_DIR/nats-server.log" monitor=()
  mkdir -p "$store"
  # Monitoring (/jsz, /healthz) is handy for operators, but a busy 8222 must not stop NATS from starting.
  port_in_use 8222 || monitor=(-m 8222)
  log "starting nats-server with JetStream on 127.0.0.1:4222"
  local args=(-a 127.0.0.1 -p 4222 -js -sd "$store" -l "$logfile" "${monitor[@]}")
  if command -v start-stop-daemon >/dev/null 2>&1 || [ -x /sbin/start-stop-daemon ] || [ -x /usr/sbin/start-stop-daemon ]; then
    # A pid file of our own, so a nats-server running elsewhere on the machine is not mistaken for ours.
    PATH="$PATH:/sbin:/usr/sbin" start-stop-daemon --start --oknodo --background --make-pidfile \
      --pidfile "$RUN_DIR/warden-nats-server.pid" --exec "$bin" -- "${args[@]}"
  else
    nohup "$bin" "${args[@]}" >/dev/null 2>&1 &
    disown
  fi
  wait_until "NATS with JetStream at $NATS_URL" "log: $logfile" jetstream_answers
}

ensure_postgres
ensure_redis
ensure_nats
