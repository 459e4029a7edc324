#!/usr/bin/env bash
# Builds the kubeharden CLI as one native (ahead-of-time compiled) binary: artifacts/kubeharden/kubeharden, and
# prints the binary's path. Native AOT links with clang; it is installed when missing (root + apt-get), as run.sh and
# test.sh do for PostgreSQL.
# Usage: scripts/build-cli.sh [OUT_DIR [PROJECT]]   (then e.g. `artifacts/kubeharden/kubeharden scan deploy/`)
# PROJECT is another PublishAot project to build the same way (the benchmark's native child).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-artifacts/kubeharden}
PROJECT=${2:-src/KubeHardenPortal.Cli/KubeHardenPortal.Cli.csproj}

LINKER=()
if ! command -v clang >/dev/null 2>&1; then
  # A versioned clang (Debian's clang-14, clang-16, ...) works as well; only the unversioned name is looked up.
  versioned=$(compgen -c clang- | grep -E '^clang-[0-9]+$' | sort -t- -k2 -n | tail -1 || true)
  if [ -n "$versioned" ]; then
    LINKER=(-p:CppCompilerAndLinker="$versioned")
  elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing clang (apt-get install clang), needed to link the native binary" >&2
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends clang >/dev/null; } \
      || { echo "clang install failed: the native kubeharden cannot be linked" >&2; exit 1; }
  else
    echo "clang not found: install it (apt-get install -y clang) to build the native kubeharden" >&2
    exit 1
  fi
fi

case "$(uname -m)" in
  x86_64) RID=linux-x64 ;;
  aarch64) RID=linux-arm64 ;;
  *) echo "no native build for $(uname -m); use: dotnet src/KubeHardenPortal.Cli/bin/Release/net10.0/kubeharden.dll" >&2; exit 1 ;;
esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish "$PROJECT" -c Release -r "$RID" -o "$OUT" -v q -nologo "${LINKER[@]}" >&2
echo "$OUT/$(dotnet msbuild "$PROJECT" -getProperty:AssemblyName)"
