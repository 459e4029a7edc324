#!/usr/bin/env bash
# Measures agreement of kubeharden with a peer's own test suite (../shared/corpora/polaris) using
# ../shared/tools/peer-agreement.py, with the native kubeharden that CI pipelines run (scripts/build-cli.sh).
# Extra arguments go to the tool (e.g. --show 20, --only hostPIDSet).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
CLI=$(scripts/build-cli.sh)
exec python3 "$SHARED/tools/peer-agreement.py" --corpus "$SHARED/corpora/polaris" --cli "$CLI" "$@"
