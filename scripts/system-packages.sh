#!/usr/bin/env bash
# Debian packages CityOps' tests use: PostGIS (PostgreSQL backend), Chromium (browser
# tests) and nats-server (the scale-out tests start their own three-node cluster).
# Installed when missing and we are root; otherwise a note says what is missing.
# With --check nothing is installed: the note only (what `make test` runs). With --bench, also
# wrk (the HTTP load generator of bench/: a C program, so that load does not eat a Python core).
set -euo pipefail
check_only=false
need=()
[ "${1:-}" = "--check" ] && check_only=true
[ "${1:-}" = "--bench" ] && { command -v wrk >/dev/null || need+=(wrk); }
pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
if [ -n "$pg_major" ] && [ ! -f "/usr/share/postgresql/$pg_major/extension/postgis.control" ]; then
  need+=("postgresql-$pg_major-postgis-3")
fi
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
[ ${#need[@]} -eq 0 ] && exit 0
if ! $check_only && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
else
  echo "note: missing Debian packages ${need[*]} (as root: make system);" \
       "the tests that need them will skip (or fail with CI=true)" >&2
fi
