#!/usr/bin/env bash
# Measures agreement of kubeharden with a peer's own test suite (../shared/corpora/polaris) using
# ../shared/tools/peer-agreement.py. Extra arguments go to the tool (e.g. --show 20, --only hostPIDSet).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
dotnet build src/KubeHardenPortal.Cli -c Release -v q -nologo >/dev/null
exec python3 "$SHARED/tools/peer-agreement.py" --corpus "$SHARED/corpora/polaris" \
  --cli "dotnet src/KubeHardenPortal.Cli/bin/Release/net10.0/kubeharden.dll" "$@"
