# A throwaway PostgreSQL for the tests. Sourced by build.sh (uses its log, die, as_root and on_exit).

# Exports AIT_TEST_DATABASE_URL. Uses the server already there when one answers at that URL; otherwise installs
# Debian's postgresql if needed and starts a cluster in a temporary directory on a free loopback port, stopped and
# removed when the script exits.
start_postgres() {
  local pg_isready
  pg_isready=$(command -v pg_isready || compgen -G '/usr/lib/postgresql/*/bin/pg_isready' | sort -V | tail -n 1 || true)
  if [ -n "${AIT_TEST_DATABASE_URL:-}" ]; then
    if [ -z "$pg_isready" ]; then
      log "postgres: using AIT_TEST_DATABASE_URL as given (no pg_isready here to check it)"; return
    elif "$pg_isready" -q -t 5 -d "$AIT_TEST_DATABASE_URL"; then
      log "postgres: using the server at AIT_TEST_DATABASE_URL"; return
    fi
    log "postgres: nothing answers at AIT_TEST_DATABASE_URL; starting a throwaway cluster instead"
  fi

  # openssl makes the cluster's TLS certificates (postgresql's ssl-cert brings it; checked on its own too).
  if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || ! command -v openssl >/dev/null; then
    log "installing Debian postgresql and openssl"
    # The package creates and starts a default cluster on port 5432; we never use it. A policy-rc.d that refuses
    # (exit 101) keeps it from starting, as in Debian's container images; ours is removed after the install.
    local own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
      as_root chmod +x /usr/sbin/policy-rc.d
      own_policy=1
    fi
    local installed=0
    as_root apt-get update -qq &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql openssl &&
      installed=1
    [ "$own_policy" -eq 0 ] || as_root rm -f /usr/sbin/policy-rc.d
    [ "$installed" -eq 1 ] || die "postgres: installing Debian postgresql failed"
  fi
  local bin; bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)

  # In /tmp, not $TMPDIR: the socket path must stay short (~100 bytes) and the postgres user must reach it.
  PG_TEST_DIR=$(mktemp -d /tmp/ait-pg.XXXXXX)
  on_exit "stop_postgres $(printf %q "$PG_TEST_DIR")"
  pg_tls_files "$PG_TEST_DIR/tls"
  # PostgreSQL refuses to run as root: as root, the cluster belongs to the user the package creates.
  [ "$(id -u)" -ne 0 ] || chown -R postgres: "$PG_TEST_DIR"
  local port
  port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  log "postgres: throwaway cluster in $PG_TEST_DIR on 127.0.0.1:$port"
  # Trust authentication: the server listens on loopback and a socket in its own directory only, and holds
  # nothing but test databases. --no-locale: the same collation everywhere, whatever LANG the machine has.
  pg_as_owner "$bin/initdb" -D "$PG_TEST_DIR/data" -A trust -U postgres --no-sync -E UTF8 --no-locale >/dev/null \
    || die "postgres: initdb failed"
  # fsync, synchronous commits and full-page writes off: a crash loses only this throwaway cluster, and the tests
  # commit a lot. max_connections: every test opens its own pool. TLS on, as a deployment's server should have it.
  local tls="-c ssl=on -c ssl_cert_file=$PG_TEST_DIR/tls/server.crt -c ssl_key_file=$PG_TEST_DIR/tls/server.key"
  if ! pg_as_owner "$bin/pg_ctl" start -w -t 60 -D "$PG_TEST_DIR/data" -l "$PG_TEST_DIR/log" \
      -o "-p $port -k $PG_TEST_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 $tls" \
      >/dev/null; then
    cat "$PG_TEST_DIR/log" >&2
    die "postgres: the throwaway cluster did not start (its log is above)"
  fi
  # Every client of the tests checks the server's certificate against the run's CA, as docs/DEPLOY.md advises.
  export AIT_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=verify-full&sslrootcert=$PG_TEST_DIR/tls/ca.crt"
  log "postgres: AIT_TEST_DATABASE_URL=$AIT_TEST_DATABASE_URL"
}

# Writes a CA of the run's own (ca.crt) and a certificate it signed for 127.0.0.1 and localhost (server.crt,
# server.key) into $1, valid for two days. The key is readable by its owner only: PostgreSQL refuses it otherwise.
pg_tls_files() {
  local dir=$1
  mkdir -p "$dir"
  (
    cd "$dir" &&
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=ait-checkout test CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout ca.key -out ca.crt &&
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=127.0.0.1" \
        -keyout server.key -out server.csr &&
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' > server.ext &&
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext \
        -out server.crt &&
      chmod 600 server.key ca.key
  ) >/dev/null 2>&1 || die "postgres: making the cluster's TLS certificates with openssl failed"
  chmod 755 "$dir"
  chmod 644 "$dir/ca.crt" "$dir/server.crt"
}

# Runs a PostgreSQL server program as the cluster's owner: the postgres user when we are root, else ourselves.
# From inside the cluster's directory, which the postgres user can read (the caller's may not be).
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd "$PG_TEST_DIR" && runuser -u postgres -- "$@")
  else
    (cd "$PG_TEST_DIR" && "$@")
  fi
}

# Stops the throwaway cluster at once (nothing in it is kept) and removes its directory.
stop_postgres() {
  PG_TEST_DIR=$1
  local bin; bin=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V | tail -n 1)
  [ ! -f "$PG_TEST_DIR/data/postmaster.pid" ] || pg_as_owner "$bin/pg_ctl" stop -D "$PG_TEST_DIR/data" -m immediate >/dev/null 2>&1 || true
  rm -rf "$PG_TEST_DIR"
}
