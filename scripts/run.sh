#!/usr/bin/env bash
# Runs the portal on the embedded default, on this machine only:
#   1. a private PostgreSQL from the machine's binaries in .data/postgres (durable, kept between runs);
#   2. generated passwords for the owner and the khp_app / khp_system / khp_jobs roles in .data/secrets.env (chmod 600),
#      and a self-signed certificate in .data/dataprotection/keys.pfx that encrypts the Data Protection keys at rest
#      (DataProtection__CertificatePath / DataProtection__CertificatePassword, given to the web app and the worker alike);
#   3. migrations applied by the Migrations project (the web app never migrates by itself);
#   4. the demo organization seeded once (one user per role, two teams);
#   5. the Worker (Hangfire server as khp_jobs; in Development it logs e-mails, invitation links included, instead of sending);
#   6. the web app on http://127.0.0.1:5080 as khp_app (KHP_HOST / KHP_PORT / KHP_PG_PORT change the addresses).
# Ctrl-C stops the web app, the worker and the database; the data stays for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA="$ROOT/.data"
PGDATA_DIR="$DATA/postgres"
SOCK="$DATA/run"
SECRETS="$DATA/secrets.env"
CREDS="$DATA/demo-sign-ins.txt"
WEB_HOST=${KHP_HOST:-127.0.0.1}
WEB_PORT=${KHP_PORT:-5080}
PG_PORT=${KHP_PG_PORT:-55432}
DB_NAME=khp
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is required (https://dot.net)" >&2; exit 1; }

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ]; then
  say "installing PostgreSQL (apt-get install -y postgresql)"
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; fi
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

# initdb and postgres refuse to run as root: run them as the "postgres" OS user then.
AS_ROOT=0; [ "$(id -u)" -eq 0 ] && AS_ROOT=1
pg() { if [ $AS_ROOT -eq 1 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ $AS_ROOT -eq 1 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --no-create-home --shell /usr/sbin/nologin postgres
fi

mkdir -p "$DATA" "$SOCK"
chmod 711 "$DATA"   # the postgres user must traverse it; nothing in it is listable by others

gen() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }
if [ ! -f "$SECRETS" ]; then
  say "generating database passwords in .data/secrets.env"
  (umask 077; printf 'KHP_OWNER_PASSWORD=%s\nKHP_APP_PASSWORD=%s\nKHP_SYSTEM_PASSWORD=%s\nKHP_JOBS_PASSWORD=%s\n' \
    "$(gen)" "$(gen)" "$(gen)" "$(gen)" > "$SECRETS")
fi
grep -q '^KHP_DP_CERT_PASSWORD=' "$SECRETS" || printf 'KHP_DP_CERT_PASSWORD=%s\n' "$(gen)" >> "$SECRETS"
chmod 600 "$SECRETS"
set -a; . "$SECRETS"; set +a

DP_DIR="$DATA/dataprotection"
DP_CERT="$DP_DIR/keys.pfx"
if [ ! -f "$DP_CERT" ]; then
  command -v openssl >/dev/null || { echo "openssl is required to make the Data Protection certificate" >&2; exit 1; }
  say "generating the Data Protection key-encryption certificate in .data/dataprotection"
  (umask 077; mkdir -p "$DP_DIR"
   openssl req -x509 -newkey rsa:3072 -nodes -sha256 -days 3650 -subj "/CN=KubeHardenPortal Data Protection (local)" \
     -keyout "$DP_DIR/key.pem" -out "$DP_DIR/cert.pem" 2>/dev/null
   openssl pkcs12 -export -inkey "$DP_DIR/key.pem" -in "$DP_DIR/cert.pem" -out "$DP_CERT" -passout env:KHP_DP_CERT_PASSWORD
   rm -f "$DP_DIR/key.pem")
fi
# Both hosts read the key ring: they must decrypt it with the same certificate.
export DataProtection__CertificatePath="$DP_CERT" DataProtection__CertificatePassword="$KHP_DP_CERT_PASSWORD"

if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
  say "creating the database cluster in .data/postgres"
  mkdir -p "$PGDATA_DIR"; chmod 700 "$PGDATA_DIR"
  pwfile=$(mktemp); printf '%s\n' "$KHP_OWNER_PASSWORD" > "$pwfile"
  if [ $AS_ROOT -eq 1 ]; then chown -R postgres "$PGDATA_DIR" "$SOCK"; chown postgres "$pwfile"; fi
  pg "$PGBIN/initdb" -D "$PGDATA_DIR" -U postgres --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
     -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
fi
[ $AS_ROOT -eq 1 ] && chown postgres "$SOCK"

WEB_PID=""
WORKER_PID=""
cleanup() {
  [ -n "$WEB_PID" ] && kill "$WEB_PID" 2>/dev/null && wait "$WEB_PID" 2>/dev/null || true
  [ -n "$WORKER_PID" ] && kill "$WORKER_PID" 2>/dev/null && wait "$WORKER_PID" 2>/dev/null || true
  pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
}
if ! pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  pg "$PGBIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/postgres.log" -w -t 60 \
     -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $SOCK" start >/dev/null
  trap cleanup EXIT INT TERM
fi

psql_owner() { pg "$PGBIN/psql" -h "$SOCK" -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -tAq "$@"; }
if [ "$(psql_owner -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
  psql_owner -d postgres -c "CREATE DATABASE $DB_NAME"
fi

OWNER_CS="Host=127.0.0.1;Port=$PG_PORT;Database=$DB_NAME;Username=postgres;Password=$KHP_OWNER_PASSWORD"
APP_CS="Host=127.0.0.1;Port=$PG_PORT;Database=$DB_NAME;Username=khp_app;Password=$KHP_APP_PASSWORD"
JOBS_CS="Host=127.0.0.1;Port=$PG_PORT;Database=$DB_NAME;Username=khp_jobs;Password=$KHP_JOBS_PASSWORD"

say "applying migrations"
ConnectionStrings__Owner="$OWNER_CS" dotnet run --project migrations/KubeHardenPortal.Migrations -c Release

say "building the web app and the worker"
dotnet build src/KubeHardenPortal.Web -c Release -v quiet -nologo >/dev/null
dotnet build src/KubeHardenPortal.Worker -c Release -v quiet -nologo >/dev/null
WEB_DLL="$ROOT/src/KubeHardenPortal.Web/bin/Release/net10.0/KubeHardenPortal.Web.dll"
WORKER_DLL="$ROOT/src/KubeHardenPortal.Worker/bin/Release/net10.0/KubeHardenPortal.Worker.dll"

if [ ! -f "$CREDS" ]; then
  say "seeding the demo organization (once)"
  (cd src/KubeHardenPortal.Web && ConnectionStrings__App="$APP_CS" ConnectionStrings__Hangfire="$JOBS_CS" DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
     dotnet "$WEB_DLL" --seed-demo)
  (umask 077; cat > "$CREDS" <<'TXT'
  Owner    owner@acme.example     Harden-Owner-2026
  Admin    admin@acme.example     Harden-Admin-2026
  Auditor  auditor@acme.example   Harden-Auditor-2026
  Member   member@acme.example    Harden-Member-2026
TXT
  )
fi

say "starting the worker (e-mails are logged here in Development)"
ConnectionStrings__App="$APP_CS" ConnectionStrings__Hangfire="$JOBS_CS" DOTNET_ENVIRONMENT=Development dotnet "$WORKER_DLL" &
WORKER_PID=$!

say "starting the portal"
cd src/KubeHardenPortal.Web
ConnectionStrings__App="$APP_CS" ConnectionStrings__Hangfire="$JOBS_CS" ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://$WEB_HOST:$WEB_PORT" \
  dotnet "$WEB_DLL" &
WEB_PID=$!
for _ in $(seq 1 120); do
  curl -fsS "http://$WEB_HOST:$WEB_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$WEB_PID" 2>/dev/null || { echo "the web app exited; see the log above" >&2; exit 1; }
  sleep 0.5
done

cat <<MSG

  KubeHarden Portal is running:  http://$WEB_HOST:$WEB_PORT

  Demo organization "Acme Platform" — sign in as:
$(cat "$CREDS")

  New accounts: sign up in the browser; the confirmation link is shown on the page (no mail server here).
  Invitation and account e-mails go through the worker, which logs them (link included) in this terminal.
  Data: .data/postgres (kept between runs).  Stop: Ctrl-C.

MSG
wait "$WEB_PID"
