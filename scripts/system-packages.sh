#!/usr/bin/env bash
# Debian packages CityOps' tests use: PostGIS (PostgreSQL backend) and Chromium (browser
# tests). Installed when missing and we are root; otherwise a note says what is missing.
# With --check nothing is installed: the note only (what `make test` runs).
set -euo pipefail
check_only=false
[ "${1:-}" = "--check" ] && check_only=true
need=()
pg_major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)
if [ -n "$pg_major" ] && [ ! -f "/usr/share/postgresql/$pg_major/extension/postgis.control" ]; then
  need+=("postgresql-$pg_major-postgis-3")
fi
[ -x /usr/bin/chromium ] || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
if ! $check_only && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null; }
else
  echo "note: missing Debian packages ${need[*]} (as root: make system);" \
       "the tests that need them will skip (or fail with CI=true)" >&2
fi
