#!/usr/bin/env bash
# Runs every test project and prints, as its last line, "N passed, N failed, N skipped" summed over all
# test assemblies. The exit code is the tests' own (non-zero if any test project failed or did not build).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

need() { command -v "$1" >/dev/null 2>&1; }
if ! need dotnet; then
  echo "dotnet SDK 10 is required (https://dot.net); not found on PATH" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Data and Worker tests start a throwaway PostgreSQL from the machine's binaries (tests/KubeHardenPortal.Testing).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${KHP_TEST_PG:-}" ]; then
  if [ "$(id -u)" -eq 0 ] && need apt-get; then
    echo "== installing PostgreSQL (apt-get install postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends postgresql >/dev/null \
      || echo "PostgreSQL install failed; database tests will fail" >&2
  else
    echo "PostgreSQL binaries not found (/usr/lib/postgresql/*/bin): install the postgresql package or set KHP_TEST_PG" >&2
  fi
fi

# Browser tests (tests/KubeHardenPortal.Web.Tests) drive Debian's chromium through Playwright; never `playwright install`.
if ! [ -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ] && need apt-get; then
    echo "== installing chromium (apt-get install chromium)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
      || echo "chromium install failed; browser tests will fail" >&2
  else
    echo "chromium not found at /usr/bin/chromium: install it (apt-get install -y chromium) for the browser tests" >&2
  fi
fi

LOG_DIR="$ROOT/artifacts/test-logs"
mkdir -p "$LOG_DIR"

echo "== restore and build (Release)"
if ! dotnet build KubeHardenPortal.sln -c Release 2>&1 | tee "$LOG_DIR/build.log" | grep -E "error|Warn|Build succeeded|Elapsed" ; then
  :
fi
if grep -qE "Build FAILED|[1-9][0-9]* Error\(s\)" "$LOG_DIR/build.log"; then
  echo "build failed; see $LOG_DIR/build.log" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

# The native kubeharden (what CI pipelines run); NativeCliTests compare it with the managed build.
echo "== native kubeharden (scripts/build-cli.sh)"
if native=$(scripts/build-cli.sh "$ROOT/artifacts/kubeharden" 2> "$LOG_DIR/build-cli.log"); then
  export KH_NATIVE_CLI="$native"
  echo "   $KH_NATIVE_CLI"
else
  echo "   native build failed (see $LOG_DIR/build-cli.log); NativeCliTests will try again and report it" >&2
fi

passed=0; failed=0; skipped=0; rc=0
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  case "$name" in *.Benchmarks) continue ;; esac
  # Shared fixtures (tests/KubeHardenPortal.Testing) are libraries, not test projects.
  grep -q "<IsTestProject>true</IsTestProject>" "$proj" || continue
  echo "== $name"
  log="$LOG_DIR/$name.log"
  dotnet test "$proj" -c Release --no-build --logger "console;verbosity=normal" \
    --results-directory "$ROOT/artifacts/test-results/$name" 2>&1 | tee "$log" \
    | grep -E "^\s*(Failed|Skipped) [A-Za-z0-9_]+\.[A-Za-z]|Passed!|Failed!|error CS|Build FAILED" | head -200
  status=${PIPESTATUS[0]}
  [ "$status" -ne 0 ] && rc=$status
  # "Passed!  - Failed: 0, Passed: 5, Skipped: 0" (minimal) or "Total tests: / Passed: / Failed: / Skipped:" (normal).
  line=$(grep -E "(Passed|Failed)!\s+-\s+Failed:" "$log" | tail -1)
  if [ -n "$line" ]; then
    f=$(echo "$line" | sed -E 's/.*Failed:\s*([0-9]+).*/\1/')
    p=$(echo "$line" | sed -E 's/.*Passed:\s*([0-9]+).*/\1/')
    s=$(echo "$line" | sed -E 's/.*Skipped:\s*([0-9]+).*/\1/')
  elif grep -qE "^Total tests: [0-9]+" "$log"; then
    p=$(grep -E "^\s+Passed: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+" || echo 0)
    f=$(grep -E "^\s+Failed: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+" || echo 0)
    s=$(grep -E "^\s+Skipped: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+" || echo 0)
    p=${p:-0}; f=${f:-0}; s=${s:-0}
  else
    echo "   no test summary from $name (did it crash?)" >&2
    failed=$((failed + 1)); rc=1
    continue
  fi
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
done

echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
