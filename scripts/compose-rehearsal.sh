#!/usr/bin/env bash
# Rehearses `docker compose up --build` on a machine without a container engine (docs/compose-rehearsal.md):
#   1. reads docker-compose.yml and each built service's Dockerfile;
#   2. stages the build context (COPY lines, .dockerignore) and runs the build stage's RUN lines (dotnet restore /
#      publish) exactly as written, into artifacts/compose-rehearsal/ (git-ignored);
#   3. starts a throwaway PostgreSQL the way the postgres image initialises an empty volume, then runs migrate, web
#      and worker in depends_on order with the compose environment (host "postgres" -> 127.0.0.1:PORT, generated
#      KHP_* secrets), each from its WORKDIR as the image's USER, in a private mount namespace with a read-only
#      root file system, a tmpfs /tmp, no capabilities and no-new-privileges;
#   4. checks: migrate exits 0 twice (second run a no-op), web and worker pass the compose healthcheck commands,
#      /readyz is 200, the web refuses to migrate an empty database, SIGTERM gives clean exits; removes the database.
# Prints PASS/FAIL per step and a summary; exit code 1 on any failure.
# Options: --out DIR (default artifacts/compose-rehearsal), --reuse-build (skip the build when DIR has one).
# Needs root (runuser for PostgreSQL, unshare/mount/setpriv for the container-like run), the .NET 10 SDK,
# PostgreSQL server binaries and python3 with PyYAML.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "compose-rehearsal: run as root (mount namespaces, setpriv, runuser)" >&2; exit 2; }
command -v dotnet >/dev/null || { echo "compose-rehearsal: the .NET 10 SDK is required" >&2; exit 2; }
for tool in unshare setpriv runuser python3; do
  command -v "$tool" >/dev/null || { echo "compose-rehearsal: $tool is required" >&2; exit 2; }
done
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "==> installing python3-yaml" && apt-get install -y -qq python3-yaml >/dev/null
fi
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  echo "==> installing postgresql" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
exec python3 scripts/compose_rehearsal.py "$@"
