#!/usr/bin/env bash
# A private PostgreSQL 15 + pgvector server for the gallery tests, on 127.0.0.1 only.
#
#   bash scripts/postgres/start-test-server.sh      # prints postgres://likeness:likeness@127.0.0.1:55432/likeness_test
#
# Idempotent: each step is skipped when its result is already there, so a second run takes well
# under a second. Progress goes to stderr; stdout holds only the connection URL.
#  1. Debian's postgresql-15, postgresql-server-dev-15 and build-essential (apt-get, only if missing).
#  2. pgvector (HNSW needs >= 0.5; bookworm has none): Debian's own source package from trixie,
#     fetched through a temporary deb-src-only list (no trixie binaries ever become installable,
#     and the list is removed again), built and installed against pg_config of 15.
#  3. A private cluster in $LIKENESS_PG_DIR (default /tmp/likeness-postgres), owned by the postgres
#     user when run as root (initdb refuses root), listening on 127.0.0.1:$LIKENESS_PG_PORT
#     (default 55432) and on a unix socket inside that folder; the socket has trust auth (the
#     folder is private to its owner), TCP needs the password.
#  4. Role `likeness` (password `likeness`), database `likeness_test` owned by it, extension vector.
# Exit status 0 with the URL printed, 1 with the reason on stderr when something cannot be done.
set -euo pipefail

PORT="${LIKENESS_PG_PORT:-55432}"
DIR="${LIKENESS_PG_DIR:-/tmp/likeness-postgres}"
DB="${LIKENESS_PG_DB:-likeness_test}"
ROLE=likeness
PASSWORD=likeness
PG_MAJOR=15
BIN="/usr/lib/postgresql/$PG_MAJOR/bin"
PG_CONFIG="$BIN/pg_config"
TRIXIE_LIST=/etc/apt/sources.list.d/likeness-trixie-src.sources

log() { echo "[postgres] $*" >&2; }
die() { echo "[postgres] cannot start the test server: $*" >&2; exit 1; }
# apt runs one at a time across the project's scripts (the Chromium script too), waiting for dpkg's lock.
apt_locked() { flock -w 900 /tmp/likeness-apt.lock apt-get -o DPkg::Lock::Timeout=300 "$@"; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# One run at a time (several test processes may call this at once).
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock -w 900 9 || die "timed out waiting for another run of this script ($DIR.lock)"

# --- 1. packages --------------------------------------------------------------------------------
# (pgxs.mk ships with the client package; the server headers come with postgresql-server-dev-15)
have_pgxs() {
  [ -x "$PG_CONFIG" ] && [ -f "$("$PG_CONFIG" --pgxs 2>/dev/null)" ] &&
    [ -f "$("$PG_CONFIG" --includedir-server 2>/dev/null)/postgres.h" ]
}
missing=()
[ -x "$BIN/postgres" ] && [ -x "$BIN/initdb" ] && [ -x "$BIN/pg_ctl" ] || missing+=("postgresql-$PG_MAJOR")
have_pgxs || missing+=("postgresql-server-dev-$PG_MAJOR")
command -v make >/dev/null && command -v gcc >/dev/null && command -v dpkg-source >/dev/null || missing+=(build-essential)
if [ "${#missing[@]}" -gt 0 ]; then
  is_root || die "missing ${missing[*]} and not root to apt-get install them"
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get on this machine"
  log "installing ${missing[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt_locked update -qq >&2 || die "apt-get update failed"
  apt_locked install -y -qq --no-install-recommends "${missing[@]}" >&2 || die "apt-get install ${missing[*]} failed"
fi
[ -x "$BIN/postgres" ] || die "$BIN/postgres is absent after installation"
have_pgxs || die "PGXS or the server headers of PostgreSQL $PG_MAJOR are absent after installation"

# --- 2. pgvector --------------------------------------------------------------------------------
SHAREDIR="$("$PG_CONFIG" --sharedir)"
PKGLIBDIR="$("$PG_CONFIG" --pkglibdir)"
vector_version() { sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$SHAREDIR/extension/vector.control" 2>/dev/null || true; }
vector_ok() {
  local v; v="$(vector_version)"
  [ -f "$PKGLIBDIR/vector.so" ] && [ -n "$v" ] && [ "$(printf '%s\n0.5.0\n' "$v" | sort -V | head -1)" = "0.5.0" ]
}
if ! vector_ok; then
  is_root || die "pgvector (>= 0.5, for HNSW) is not installed in $PKGLIBDIR and not root to build it"
  log "building pgvector from Debian's trixie source package"
  build="$(mktemp -d /tmp/likeness-pgvector-build.XXXXXX)"
  # apt downloads as its _apt user where it can write (else it warns and downloads as root).
  if id _apt >/dev/null 2>&1; then chown _apt "$build"; fi
  cleanup_src() { rm -f "$TRIXIE_LIST"; rm -rf "$build"; }
  trap cleanup_src EXIT
  cat >"$TRIXIE_LIST" <<'EOF'
# Temporary (scripts/postgres/start-test-server.sh): trixie SOURCE packages only, to build pgvector.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  apt_locked update -qq >&2 || die "apt-get update with the trixie deb-src list failed"
  (cd "$build" && apt_locked source -qq pgvector/trixie >&2) || die "apt-get source pgvector/trixie failed"
  rm -f "$TRIXIE_LIST"
  src="$(find "$build" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -1)"
  [ -n "$src" ] || die "no pgvector source tree after apt-get source"
  # with_llvm=no: no JIT bitcode (it would need clang; the extension works the same without it).
  make -C "$src" -s -j"$(nproc)" PG_CONFIG="$PG_CONFIG" with_llvm=no >&2 || die "building pgvector failed"
  make -C "$src" -s install PG_CONFIG="$PG_CONFIG" with_llvm=no >&2 || die "installing pgvector failed"
  cleanup_src
  trap - EXIT
  vector_ok || die "pgvector is still not usable after installing it"
  log "pgvector $(vector_version) installed"
fi

# --- 3. cluster ---------------------------------------------------------------------------------
as_owner() {
  if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}
if is_root; then
  id postgres >/dev/null 2>&1 || die "there is no postgres user to own the cluster"
fi
DATA="$DIR/data"
mkdir -p "$DIR"
if is_root; then chown postgres:postgres "$DIR"; fi
chmod 700 "$DIR"
if [ ! -f "$DATA/PG_VERSION" ]; then
  log "initdb $DATA"
  rm -rf "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 --no-sync >"$DIR/initdb.log" 2>&1 ||
    { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$DATA/postgresql.conf" <<EOF

# likeness test server (scripts/postgres/start-test-server.sh)
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
max_connections = 100
shared_buffers = 128MB
maintenance_work_mem = 256MB
logging_collector = off
EOF
elif [ "$(cat "$DATA/PG_VERSION")" != "$PG_MAJOR" ]; then
  die "$DATA holds a PostgreSQL $(cat "$DATA/PG_VERSION") cluster, not $PG_MAJOR: remove $DIR"
fi
if ! as_owner "$BIN/pg_ctl" status -D "$DATA" >/dev/null 2>&1; then
  log "starting the server on 127.0.0.1:$PORT"
  # 9>&-: the server must not inherit (and hold forever) the lock of this script
  as_owner "$BIN/pg_ctl" start -D "$DATA" -l "$DIR/server.log" -w -t 60 >/dev/null 2>&1 9>&- ||
    { tail -n 20 "$DIR/server.log" >&2 || true; die "pg_ctl start failed (is port $PORT taken by another server?)"; }
fi

# --- 4. role, database, extension ---------------------------------------------------------------
psql_admin() { as_owner "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U postgres "$@"; }
psql_admin -d postgres -tA >/dev/null <<EOF || die "creating role $ROLE failed"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN PASSWORD '$PASSWORD';
  END IF;
END \$\$;
EOF
if [ "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
  psql_admin -d postgres -c "CREATE DATABASE $DB OWNER $ROLE" >/dev/null || die "creating database $DB failed"
fi
psql_admin -d "$DB" -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS vector" >/dev/null || die "CREATE EXTENSION vector failed"

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DB"
