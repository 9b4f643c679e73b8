# Starts and stops a private PostgreSQL cluster on a free loopback port (sourced by scripts).
# aitbc_pg_start DIR sets AITBC_PG_URL; aitbc_pg_stop DIR stops it and removes DIR.

aitbc_pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n "$bin" ]] || { echo "postgresql server not installed (scripts/deps)" >&2; return 1; }
  echo "$bin"
}

# Runs a command as the cluster's owner: PostgreSQL refuses to run as root.
aitbc_pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

aitbc_pg_start() {
  local dir=$1 bin port try
  bin=$(aitbc_pg_bin)
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$dir"; fi
  aitbc_pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
  for try in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    if aitbc_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 60 -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null; then
      AITBC_PG_URL="postgresql://postgres@127.0.0.1:$port/postgres"
      export AITBC_PG_URL
      return 0
    fi
  done
  echo "could not start PostgreSQL; log follows" >&2
  cat "$dir/log" >&2
  return 1
}

aitbc_pg_stop() {
  local dir=$1 bin
  bin=$(aitbc_pg_bin) || return 0
  if [[ -d "$dir/data" ]]; then
    aitbc_pg_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
