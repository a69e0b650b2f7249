#!/usr/bin/env bash
# The PROD_CONNECTION_URL that rds-connection-url prints really connects through libpq over
# verified TLS, with the password found in the ~/.pgpass line that --pgpass wrote. A local
# PostgreSQL 15 plays the RDS instance: moto holds the instance (its endpoint name, port, user and
# database), the server's certificate names that endpoint and is signed by a test CA given as the
# bundle, and libpq's hostaddr=127.0.0.1 stands in for DNS. A wrong bundle, a wrong host name and a
# missing password must each fail.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_moto
export AWS_DEFAULT_REGION=eu-west-3
pg_bin=/usr/lib/postgresql/15/bin
[[ -x "$pg_bin/initdb" ]] || fail "PostgreSQL 15 server binaries are missing ($pg_bin)"
for tool in psql openssl python3; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed"
done

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="Tls-test-$RUN_ID"
id="cruddur-tls-$RUN_ID"
DB_PASSWORD="$password" "$BIN/rds-create" --id "$id" --port "$port" </dev/null >/dev/null 2>&1 ||
  fail "rds-create in moto failed"
host="$(moto_aws rds describe-db-instances --db-instance-identifier "$id" \
  --query 'DBInstances[0].Endpoint.Address' --output text)"

# A CA, a server certificate for the endpoint name, and an unrelated CA.
pki="$WORK/pki"
mkdir -p "$pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Test RDS CA" \
  -keyout "$pki/ca.key" -out "$pki/ca.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Other CA" \
  -keyout "$pki/other.key" -out "$pki/other.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$host" -keyout "$pki/server.key" \
  -out "$pki/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s\n' "$host" >"$pki/san.ext"
openssl x509 -req -in "$pki/server.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -CAcreateserial \
  -days 2 -extfile "$pki/san.ext" -out "$pki/server.pem" 2>/dev/null

# The stand-in instance: TLS only, scram passwords, master user and database as in RDS.
pg="$WORK/pg"
mkdir -p "$pg"
printf '%s\n' "$password" >"$pg/pwfile"
as_pg=()
if ((EUID == 0)); then
  as_pg=(runuser -u postgres --)
  chown -R postgres "$pg"
  chmod 755 "$WORK"
fi
stop_pg() {
  [[ -f "$pg/data/postmaster.pid" ]] && "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg/data" -m immediate stop >/dev/null 2>&1
  rm -rf -- "$WORK"
}
trap stop_pg EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg/data" -U cruddurroot --auth=scram-sha-256 \
  --pwfile="$pg/pwfile" >"$pg/initdb.log" 2>&1 || fail "initdb failed: $(cat "$pg/initdb.log")"
cp "$pki/server.pem" "$pki/server.key" "$pg/data/"
printf 'local all all scram-sha-256\nhostssl all all 127.0.0.1/32 scram-sha-256\n' >"$pg/data/pg_hba.conf"
if ((EUID == 0)); then chown -R postgres "$pg"; fi
chmod 600 "$pg/data/server.key"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg/data" -l "$pg/log" -w -o \
  "-p $port -k $pg -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server.key" \
  start >/dev/null || fail "postgres did not start: $(cat "$pg/log")"
PGPASSWORD="$password" psql -X -q "host=$pg port=$port user=cruddurroot dbname=postgres" \
  -c "CREATE DATABASE cruddur" || fail "could not create the database"

# The URL as printed, the password only in ~/.pgpass; hostaddr stands in for DNS.
url="$(DB_PASSWORD="$password" RDS_CA_BUNDLE="$pki/ca.pem" "$BIN/rds-connection-url" --instance "$id" --pgpass 2>/dev/null)" ||
  fail "rds-connection-url failed"
assert_eq "$url" "postgresql://cruddurroot@$host:$port/cruddur?sslmode=verify-full&sslrootcert=$pki/ca.pem" "URL"
assert_not_contains "$url" "$password" "URL"
got="$(psql -X -At "$url&hostaddr=127.0.0.1" -c \
  "SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()" 2>&1)" ||
  fail "libpq could not connect with the printed URL: $got"
assert_eq "$got" "cruddurroot|cruddur|t" "session over the printed URL"
pass "the printed URL connects over verified TLS with the password from ~/.pgpass"

# Refusals: another CA, another host name, no password.
if got="$(psql -X -At "${url/ca.pem/other.pem}&hostaddr=127.0.0.1" -c 'SELECT 1' 2>&1)"; then
  fail "a server certificate from another CA was accepted"
fi
assert_contains "$got" "certificate verify failed" "with another CA"
if got="$(psql -X -At "${url/$host/localhost}&hostaddr=127.0.0.1" -c 'SELECT 1' 2>&1)"; then
  fail "a certificate for another host name was accepted"
fi
assert_contains "$got" "does not match host name" "with another host name"
mv "$HOME/.pgpass" "$HOME/pgpass.saved"
if got="$(psql -X -At -w "$url&hostaddr=127.0.0.1" -c 'SELECT 1' 2>&1)"; then
  fail "connected without a password"
fi
assert_contains "$got" "no password supplied" "without ~/.pgpass"
pass "verify-full refuses another CA and another host name; no .pgpass, no password"

moto_aws rds delete-db-instance --db-instance-identifier "$id" --skip-final-snapshot >/dev/null 2>&1 || true
