#!/usr/bin/env python3
"""Measures the kubeharden CLI the way a CI pipeline runs it: one process per scan, start-up included.

For each snapshot size it runs `kubeharden scan SNAPSHOT --format F --output FILE` in a fresh process and reports the
wall time and the peak resident memory (the child's ru_maxrss from wait4) against the snapshot's JSON size, medians
of --repeat runs. By default it measures the native binary (scripts/build-cli.sh, built when missing); --managed adds
`dotnet kubeharden.dll` for comparison. Snapshots come from the benchmark's cache (bench-out/), generated when missing.

Usage (from the repository root):
  scripts/bench-cli.py --sizes 5000,20000,50000,100000 [--repeat 3] [--formats json,table,sarif] [--managed]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANAGED = ["dotnet", os.path.join(ROOT, "src/KubeHardenPortal.Cli/bin/Release/net10.0/kubeharden.dll")]
TINY = """apiVersion: v1
kind: Pod
metadata: {name: one, namespace: shop}
spec:
  containers:
  - {name: c, image: registry.example.org/app:1.0.0}
"""


def run_once(cmd):
    """Wall seconds, peak RSS in KiB and exit code of one child process."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(cmd, stdout=null, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {code}: {err.decode(errors='replace')[:400]}")
    return wall, usage.ru_maxrss, code


def snapshot(size, seed, out):
    path = os.path.join(out, f"snapshot-{size}-s{seed}-compact-v1.json")
    if not os.path.exists(path):
        print(f"generating {path} ...", file=sys.stderr)
        subprocess.run(["dotnet", "run", "-c", "Release", "--project", "tests/KubeHardenPortal.ScanEngine.Benchmarks", "--",
                        "gen", "--objects", str(size), "--seed", str(seed), "--out", path], check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="5000,20000,50000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--formats", default="json")
    ap.add_argument("--seed", type=int, default=20260301)
    ap.add_argument("--out", default=os.path.join(ROOT, "bench-out"))
    ap.add_argument("--native", default=os.path.join(ROOT, "artifacts/kubeharden/kubeharden"))
    ap.add_argument("--managed", action="store_true", help="also measure `dotnet kubeharden.dll`")
    a = ap.parse_args()

    if not os.path.exists(a.native):
        built = subprocess.run([os.path.join(ROOT, "scripts/build-cli.sh"), os.path.dirname(a.native)],
                               check=True, cwd=ROOT, capture_output=True, text=True).stdout.strip()
        print(f"built {built}", file=sys.stderr)
    binaries = [("native", [a.native])]
    if a.managed:
        subprocess.run(["dotnet", "build", "src/KubeHardenPortal.Cli", "-c", "Release", "-v", "q", "-nologo"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        binaries.append(("managed", MANAGED))
    os.makedirs(a.out, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="kh-bench-cli-") as tmp:
        tiny = os.path.join(tmp, "one.yaml")
        with open(tiny, "w") as fh:
            fh.write(TINY)
        report = os.path.join(tmp, "report")
        print(f"kubeharden one-shot scans, medians of {a.repeat} fresh processes, report written to a file")
        print(f"{os.cpu_count()} cores; {os.uname().sysname} {os.uname().release}\n")
        print("| objects | JSON MiB | build | format | wall s | peak RSS MiB | peak / JSON | exit |")
        print("|---:|---:|---|---|---:|---:|---:|---:|")
        for name, cmd in binaries:
            walls, peaks = [], []
            for _ in range(a.repeat):
                wall, peak, code = run_once(cmd + ["scan", tiny, "--format", "json", "--output", report])
                walls.append(wall)
                peaks.append(peak)
            print(f"| 1 | 0.0 | {name} | json | {statistics.median(walls):.2f} | {statistics.median(peaks) / 1024:.0f} | – | {code} |")
        for size in [int(s) for s in a.sizes.split(",") if s]:
            path = snapshot(size, a.seed, a.out)
            mib = os.path.getsize(path) / 1048576
            for name, cmd in binaries:
                for fmt in a.formats.split(","):
                    walls, peaks = [], []
                    for _ in range(a.repeat):
                        wall, peak, code = run_once(cmd + ["scan", path, "--format", fmt, "--output", report])
                        walls.append(wall)
                        peaks.append(peak)
                    peak = statistics.median(peaks) / 1024
                    print(f"| {size:,} | {mib:.1f} | {name} | {fmt} | {statistics.median(walls):.2f} | {peak:.0f} | "
                          f"{peak / mib:.2f} | {code} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
