#!/usr/bin/env python3
"""Rehearses `docker compose up --build` for docker-compose.yml without a container engine.

Driven by scripts/compose-rehearsal.sh (see docs/compose-rehearsal.md for what this proves and what it cannot).
It reads docker-compose.yml and each service's Dockerfile and, instead of guessing, executes what they say:
the build stage's COPY and RUN lines into a staged build context, the final stage's ENV/WORKDIR/USER/ENTRYPOINT,
the compose environment, dependency order and health-check commands. Every step prints PASS, FAIL, WARN or NOTE.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# What the Microsoft base images put in the environment (dotnet/dotnet-docker, runtime-deps image and up).
# Not verifiable here: no image is pulled. PATH is Debian's default in those images.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BASE_IMAGES = {
    "mcr.microsoft.com/dotnet/sdk:10.0": {
        "env": {"APP_UID": "1654", "ASPNETCORE_HTTP_PORTS": "8080", "DOTNET_RUNNING_IN_CONTAINER": "true",
                "DOTNET_GENERATE_ASPNET_CERTIFICATE": "false", "DOTNET_NOLOGO": "true",
                "DOTNET_USE_POLLING_FILE_WATCHER": "true", "NUGET_XMLDOC_MODE": "skip"},
        "frameworks": {"Microsoft.NETCore.App", "Microsoft.AspNetCore.App"}},
    "mcr.microsoft.com/dotnet/aspnet:10.0": {
        "env": {"APP_UID": "1654", "ASPNETCORE_HTTP_PORTS": "8080", "DOTNET_RUNNING_IN_CONTAINER": "true"},
        "frameworks": {"Microsoft.NETCore.App", "Microsoft.AspNetCore.App"}},
    "mcr.microsoft.com/dotnet/runtime:10.0": {
        "env": {"APP_UID": "1654", "ASPNETCORE_HTTP_PORTS": "8080", "DOTNET_RUNNING_IN_CONTAINER": "true"},
        "frameworks": {"Microsoft.NETCore.App"}},
}
# The .env keys the compose file's header documents; the rehearsal generates exactly these.
GENERATED_SECRETS = ["KHP_OWNER_PASSWORD", "KHP_APP_PASSWORD", "KHP_SYSTEM_PASSWORD", "KHP_JOBS_PASSWORD"]
CERT_SECRETS = ["KHP_DATAPROTECTION_PFX", "KHP_DATAPROTECTION_PASSWORD"]
COMPOSE_DEFAULT_STOP_GRACE = 10.0


class Failed(Exception):
    pass


# ---------------------------------------------------------------- reporting

RESULTS: list[tuple[str, str, str]] = []


def report(status: str, step: str, detail: str = "") -> None:
    detail = " ".join(str(detail).split())
    RESULTS.append((status, step, detail))
    colour = {"PASS": "32", "FAIL": "31", "WARN": "33", "NOTE": "36"}.get(status, "0")
    tty = sys.stdout.isatty()
    tag = f"\033[1;{colour}m{status}\033[0m" if tty else status
    print(f"{tag}  {step}" + (f" — {detail}" if detail else ""), flush=True)


def check(ok: bool, step: str, detail: str = "", fatal: bool = False) -> bool:
    report("PASS" if ok else "FAIL", step, detail)
    if not ok and fatal:
        raise Failed(step)
    return ok


def say(msg: str) -> None:
    print(f"==> {msg}", flush=True)


# ---------------------------------------------------------------- compose

INTERP = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def interpolate(value: str, variables: dict[str, str], missing: list[str]) -> str:
    """Compose interpolation: $$, ${V}, $V, ${V:-d}, ${V-d}, ${V:?msg}, ${V?msg}."""
    def sub(m: re.Match) -> str:
        if m.group(1):
            return "$"
        name = m.group(2) or m.group(5)
        op, arg = m.group(3), m.group(4) or ""
        val = variables.get(name)
        if op == ":-":
            return val if val else arg
        if op == "-":
            return val if val is not None else arg
        if op in (":?", "?"):
            if val is None or (op == ":?" and val == ""):
                missing.append(f"{name} ({arg})")
                return ""
            return val
        return val or ""
    return INTERP.sub(sub, value)


def service_env(svc: dict) -> dict[str, str | None]:
    env = svc.get("environment") or {}
    if isinstance(env, list):
        out: dict[str, str | None] = {}
        for item in env:
            k, sep, v = str(item).partition("=")
            out[k] = v if sep else None
        return out
    return {k: (None if v is None else (str(v).lower() if isinstance(v, bool) else str(v))) for k, v in env.items()}


def dependency_order(services: dict) -> list[str]:
    order, seen = [], set()

    def visit(name: str, stack: tuple = ()) -> None:
        if name in stack:
            raise Failed(f"depends_on cycle: {' -> '.join(stack + (name,))}")
        if name in seen:
            return
        deps = services[name].get("depends_on") or {}
        for dep in (deps if isinstance(deps, list) else deps.keys()):
            visit(dep, stack + (name,))
        seen.add(name)
        order.append(name)

    for name in services:
        visit(name)
    return order


def duration(text: str | None, default: float) -> float:
    if not text:
        return default
    total = 0.0
    for num, unit in re.findall(r"([0-9.]+)(ms|h|m|s)", str(text)):
        total += float(num) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[unit]
    return total


# ---------------------------------------------------------------- Dockerfile

def dockerfile_instructions(path: Path) -> list[tuple[str, str, int]]:
    out, buf, start = [], "", 0
    for n, raw in enumerate(path.read_text().splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buf):
            continue  # comments (and parser directives) are dropped, even inside a continuation
        if not buf:
            start = n
        if stripped.endswith("\\"):
            buf += stripped[:-1] + " "
            continue
        buf += stripped
        word, _, rest = buf.strip().partition(" ")
        out.append((word.upper(), rest.strip(), start))
        buf = ""
    return out


def dockerfile_stages(path: Path) -> list[dict]:
    stages: list[dict] = []
    for word, rest, line in dockerfile_instructions(path):
        if word == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else str(len(stages))
            stages.append({"name": name, "image": parts[0], "instructions": [], "line": line})
        elif not stages:
            raise Failed(f"{path}: {word} before FROM (line {line})")
        else:
            stages[-1]["instructions"].append((word, rest, line))
    return stages


def expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)",
                  lambda m: env.get(m.group(1) or m.group(2), ""), value)


def parse_env(rest: str, env: dict[str, str]) -> dict[str, str]:
    tokens = shlex.split(rest)
    if tokens and "=" not in tokens[0]:  # legacy "ENV key value"
        return {tokens[0]: expand(" ".join(tokens[1:]), env)}
    out = {}
    for t in tokens:
        k, _, v = t.partition("=")
        out[k] = expand(v, {**env, **out})
    return out


def exec_form(rest: str) -> list[str]:
    rest = rest.strip()
    if rest.startswith("["):
        return json.loads(rest)
    return ["/bin/sh", "-c", rest]


class DockerIgnore:
    def __init__(self, context: Path):
        self.rules: list[tuple[bool, re.Pattern]] = []
        f = context / ".dockerignore"
        if f.exists():
            for line in f.read_text().splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                neg = line.startswith("!")
                pat = line[1:] if neg else line
                pat = pat.strip("/")
                rx = ""
                i = 0
                while i < len(pat):
                    if pat.startswith("**/", i):
                        rx += "(?:.*/)?"
                        i += 3
                    elif pat.startswith("**", i):
                        rx += ".*"
                        i += 2
                    elif pat[i] == "*":
                        rx += "[^/]*"
                        i += 1
                    elif pat[i] == "?":
                        rx += "[^/]"
                        i += 1
                    else:
                        rx += re.escape(pat[i])
                        i += 1
                self.rules.append((neg, re.compile(rx + "(?:/.*)?$")))

    def ignored(self, rel: str) -> bool:
        result = False
        for neg, rx in self.rules:
            if rx.match(rel):
                result = not neg
        return result


def copy_into(src: Path, dest: Path, context: Path, ignore: DockerIgnore | None) -> int:
    """Docker COPY of one source: a file lands in dest, a directory's contents are merged into dest."""
    count = 0
    if src.is_file():
        if dest.is_dir() or str(dest).endswith("/"):
            dest = dest / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        return 1
    for dirpath, dirnames, filenames in os.walk(src):
        d = Path(dirpath)
        if ignore:
            dirnames[:] = [n for n in dirnames if not ignore.ignored(str((d / n).relative_to(context)))]
        for fn in filenames:
            p = d / fn
            if ignore and ignore.ignored(str(p.relative_to(context))):
                continue
            target = dest / p.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(p, target)
            count += 1
    return count


# ---------------------------------------------------------------- processes

STARTED: list[subprocess.Popen] = []


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_free(port: int) -> bool:
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


# In a private mount namespace: the whole file system read-only (read_only: true), a fresh tmpfs on /tmp
# (tmpfs: [/tmp]), then the image's USER with no capabilities (cap_drop: ALL) and no-new-privileges.
CONTAINER_SH = r'''
set -e
mount -o remount,bind,ro /
mount -t tmpfs -o mode=1777,nosuid,nodev,size=64m tmpfs /tmp
cd "$1"; uid="$2"; shift 2
exec setpriv --reuid="$uid" --regid="$uid" --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@"
'''


def container_argv(workdir: Path, uid: str, argv: list[str]) -> list[str]:
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", CONTAINER_SH, "container",
            str(workdir), uid, *argv]


class Service:
    def __init__(self, name: str, spec: dict):
        self.name, self.spec = name, spec
        self.env: dict[str, str] = {}
        self.workdir: Path | None = None
        self.uid = "0"
        self.argv: list[str] = []
        self.proc: subprocess.Popen | None = None
        self.log: Path | None = None


# ---------------------------------------------------------------- main flow

def on_sigterm(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(ROOT / "artifacts" / "compose-rehearsal"))
    ap.add_argument("--reuse-build", action="store_true", help="skip the build when the output dir already has one")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)  # clean up (processes, database) as on Ctrl-C
    out = Path(args.out).resolve()
    t0 = time.monotonic()
    pg = {}
    services: dict[str, Service] = {}
    try:
        run(out, args.reuse_build, pg, services)
    except Failed as e:
        report("FAIL", "rehearsal stopped", str(e))
    except KeyboardInterrupt:
        report("FAIL", "rehearsal interrupted")
    finally:
        teardown(services, pg)
    elapsed = time.monotonic() - t0
    fails = [r for r in RESULTS if r[0] == "FAIL"]
    print("\n================ compose rehearsal summary ================")
    for status, step, detail in RESULTS:
        if status in ("PASS", "FAIL", "WARN"):
            print(f"{status}  {step}" + (f" — {detail}" if detail and status != "PASS" else ""))
    print(f"{'FAIL' if fails else 'PASS'}: {sum(r[0] == 'PASS' for r in RESULTS)} passed, {len(fails)} failed, "
          f"{sum(r[0] == 'WARN' for r in RESULTS)} warnings in {elapsed:.0f} s (logs: {out / 'logs'})")
    return 1 if fails else 0


def run(out: Path, reuse_build: bool, pg: dict, services: dict[str, "Service"]) -> None:
    compose_file = ROOT / "docker-compose.yml"
    compose = yaml.safe_load(compose_file.read_text())
    check(isinstance(compose, dict) and "services" in compose, "compose: docker-compose.yml parses", fatal=True)
    specs = compose["services"]
    order = dependency_order(specs)
    report("NOTE", "compose: dependency order", " -> ".join(order))

    # ---- interpolation with generated secrets (the .env the header documents)
    header = "\n".join(l for l in compose_file.read_text().splitlines() if l.startswith("#"))
    required = sorted(set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?", compose_file.read_text())))
    undocumented = [v for v in required if v not in header]
    check(not undocumented, "compose: every required ${VAR:?} is documented in the header",
          ", ".join(undocumented) or ", ".join(required))
    alphabet = string.ascii_letters + string.digits
    variables = {k: "".join(secrets.choice(alphabet) for _ in range(32)) for k in GENERATED_SECRETS}
    # The Data Protection certificate is made the way the compose header tells users to make it.
    made = subprocess.run(["bash", str(ROOT / "scripts" / "dataprotection-cert.sh")], capture_output=True, text=True)
    check(made.returncode == 0, "scripts/dataprotection-cert.sh makes the .env certificate lines", made.stderr.strip()[:200], fatal=True)
    for line in made.stdout.splitlines():
        key, _, value = line.partition("=")
        if key in CERT_SECRETS:
            variables[key] = value
    check(all(k in variables for k in CERT_SECRETS), "scripts/dataprotection-cert.sh prints " + " and ".join(CERT_SECRETS), fatal=True)
    for name in specs:
        services[name] = Service(name, specs[name])

    logs = out / "logs"
    if logs.exists():  # this run's logs only (a reused build keeps its build logs)
        for f in logs.iterdir():
            if not (reuse_build and f.name.endswith("-build.log")):
                f.unlink()
    logs.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o755)

    # ---- build stages (compose up --build builds before it starts anything)
    built = [n for n in order if "build" in specs[n]]
    for name in built:
        build_service(services[name], out, reuse_build)

    # ---- PostgreSQL (the compose "postgres" service, from this machine's binaries)
    pg_spec = specs.get("postgres")
    check(pg_spec is not None, "compose: a postgres service exists", fatal=True)
    missing: list[str] = []
    pg_env = {k: interpolate(v or "", variables, missing) for k, v in service_env(pg_spec).items()}
    check(not missing, "compose: postgres environment resolves", ", ".join(missing), fatal=True)
    report("NOTE", "postgres image", f"compose asks for {pg_spec.get('image')}; this rehearsal uses {pg_version()}")
    start_postgres(pg, pg_env, out)
    port = pg["port"]

    # ---- resolve every built service's environment and Dockerfile
    for name in order:
        svc = services[name]
        if name == "postgres":
            continue
        missing = []
        env = {}
        for k, v in service_env(svc.spec).items():
            if v is None:
                missing.append(f"{k} (no value, would come from the caller's shell)")
                continue
            env[k] = interpolate(v, variables, missing)
        check(not missing, f"{name}: compose environment resolves with the documented secrets", ", ".join(missing), fatal=True)
        subs = 0
        for k, v in env.items():
            v2, n = re.subn(r"(?i)\bHost=postgres\b", f"Host=127.0.0.1;Port={port}", v)
            env[k], subs = v2, subs + n
        if subs:
            report("NOTE", f"{name}: host 'postgres' -> 127.0.0.1:{port} in {subs} connection string(s)")
        svc.env = {**svc.image_env, **env, "HOME": str(svc.home)}
        svc.compose_keys = list(env)

    # ---- static consistency between compose, Dockerfile and what was built
    for name in built:
        static_checks(services[name])

    # ---- every connection string and KHP_* variable compose hands a service is read by that service's code
    for name in built:
        unread_settings(services[name], out)

    # ---- the container-like sandbox really is what it claims, for each image's USER and WORKDIR
    for name in built:
        sandbox_self_test(services[name])

    # ---- run in dependency order
    web_port = None
    for name in order:
        if name == "postgres":
            services[name].healthy = run_healthcheck_until_healthy(services[name], pg_healthcheck_env(pg))
            check(services[name].healthy, "postgres: healthy (compose healthcheck command)", fatal=True)
            continue
        svc = services[name]
        deps = svc.spec.get("depends_on") or {}
        for dep, cond in (deps.items() if isinstance(deps, dict) else [(d, {"condition": "service_started"}) for d in deps]):
            c = cond.get("condition", "service_started")
            ok = {"service_healthy": getattr(services[dep], "healthy", False),
                  "service_completed_successfully": getattr(services[dep], "exit_code", None) == 0,
                  "service_started": services[dep].proc is not None or dep == "postgres"}.get(c, False)
            check(ok, f"{name}: depends_on {dep} ({c}) satisfied", fatal=True)
        if name == "web":
            web_port = prepare_web_port(svc)
        if svc.spec.get("restart") == "no" or name == "migrate":
            run_one_shot(svc, out)
        else:
            start_long_running(svc, out)
            svc.healthy = run_healthcheck_until_healthy(svc, None)
            check(svc.healthy, f"{name}: healthy (compose healthcheck command)", fatal=True)

    # ---- application-level checks
    if web_port:
        status, body = http_get(f"http://127.0.0.1:{web_port}/readyz")
        check(status == 200, "web: /readyz is 200", f"{status} {body[:200]}")
        status, body = http_get(f"http://127.0.0.1:{web_port}/healthz")
        check(status == 200, "web: /healthz is 200", f"{status} {body[:200]}")
        page_and_assets(web_port)
    if "web" in services and services["web"].proc:
        # The web made the key ring at start-up: every stored key must be encrypted to the certificate.
        keys = psql(pg, "SELECT count(*) FILTER (WHERE xml LIKE '%<masterKey%'), count(*) FILTER (WHERE xml LIKE '%EncryptedXmlDecryptor%') "
                        "FROM data_protection_keys").strip()
        plain, encrypted = (keys.split("|") + ["?", "?"])[:2]
        check(plain.strip() == "0" and encrypted.strip() not in ("", "0", "?"),
              "web: Data Protection keys in the database are encrypted to the certificate", f"plain {plain}, encrypted {encrypted}")
    if "worker" in services and services["worker"].proc:
        rows = psql(pg, "SELECT count(*) FROM hangfire.server")
        check(rows.strip() not in ("", "0"), "worker: registered in hangfire.server", f"{rows.strip()} server(s)")
    if "web" in services and services["web"].proc:
        web_refuses_to_migrate(services["web"], pg, out)

    # ---- log hygiene
    for name in built:
        svc = services[name]
        if svc.log and svc.log.exists():
            text = svc.log.read_text(errors="replace")
            ro = [l for l in text.splitlines() if "Read-only file system" in l or "UnauthorizedAccess" in l]
            check(not ro, f"{name}: no write attempt refused by the read-only file system", ro[0][:200] if ro else "")
            leaked = [k for k in GENERATED_SECRETS + CERT_SECRETS if variables[k] in text]
            check(not leaked, f"{name}: no generated secret appears in its log", ", ".join(leaked))
            if name in ("web", "worker"):
                check("stored unencrypted" not in text, f"{name}: no warning that Data Protection keys are stored unencrypted")

    # ---- stop (docker compose down: SIGTERM, then SIGKILL after stop_grace_period)
    for name in reversed(order):
        svc = services[name]
        if svc.proc and svc.proc.poll() is None:
            grace = duration(svc.spec.get("stop_grace_period"), COMPOSE_DEFAULT_STOP_GRACE)
            t = time.monotonic()
            svc.proc.send_signal(signal.SIGTERM)
            try:
                code = svc.proc.wait(timeout=grace)
                check(code == 0, f"{name}: SIGTERM -> clean exit within stop_grace_period {grace:.0f}s",
                      f"exit {code} after {time.monotonic() - t:.1f}s")
            except subprocess.TimeoutExpired:
                svc.proc.kill()
                svc.proc.wait()
                check(False, f"{name}: SIGTERM -> clean exit within stop_grace_period {grace:.0f}s", "killed (would be exit 137)")
    if "worker" in services and services["worker"].proc:
        left = psql(pg, "SELECT count(*) FROM hangfire.server").strip()
        check(left == "0", "worker: deregistered from hangfire.server on shutdown", f"{left} left")


def pg_version() -> str:
    return subprocess.run([str(pgbin() / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()


def pgbin() -> Path:
    cands = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    if not cands:
        raise Failed("no PostgreSQL binaries under /usr/lib/postgresql")
    return cands[-1]


def as_postgres(argv: list[str], **kw) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        argv = ["runuser", "-u", "postgres", "--", *argv]
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def start_postgres(pg: dict, env: dict[str, str], out: Path) -> None:
    """What the postgres image's entrypoint does on an empty volume, with this machine's binaries."""
    user, password, db = env.get("POSTGRES_USER", "postgres"), env.get("POSTGRES_PASSWORD"), env.get("POSTGRES_DB")
    check(bool(password), "postgres: POSTGRES_PASSWORD set", fatal=True)
    initdb_args = shlex.split(env.get("POSTGRES_INITDB_ARGS", ""))
    if os.geteuid() == 0 and subprocess.run(["id", "postgres"], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], check=True)
    base = Path(tempfile.mkdtemp(prefix="khp-compose-pg-"))
    pg["base"], pg["out"] = base, out
    (base / "data").mkdir()
    (base / "sock").mkdir()
    pwfile = base / "pw"
    pwfile.write_text(password + "\n")
    os.chmod(base, 0o755)
    os.chmod(base / "data", 0o700)
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres", str(base)], check=True)
    # The image: initdb --username=$POSTGRES_USER --pwfile=... $POSTGRES_INITDB_ARGS; local socket trusted.
    r = as_postgres([str(pgbin() / "initdb"), "-D", str(base / "data"), f"--username={user}", f"--pwfile={pwfile}",
                     "--auth-local=trust", *initdb_args, "-E", "UTF8", "--locale=C.UTF-8", "-N"])
    pwfile.unlink()
    check(r.returncode == 0, "postgres: initdb (owner user, password, " + " ".join(initdb_args) + ")", r.stderr[-300:], fatal=True)
    port = free_port()
    pg.update(port=port, user=user, db=db, sock=base / "sock")
    r = as_postgres([str(pgbin() / "pg_ctl"), "-D", str(base / "data"), "-l", str(base / "postgres.log"), "-w", "-t", "60",
                     "-o", f"-c listen_addresses=127.0.0.1 -p {port} -k {base / 'sock'} -c password_encryption=scram-sha-256", "start"])
    pg["started"] = r.returncode == 0
    check(r.returncode == 0, f"postgres: started on 127.0.0.1:{port}", r.stderr[-300:], fatal=True)
    if db and db != user:
        psql(pg, f'CREATE DATABASE "{db}"', db="postgres")
    hba = (base / "data" / "pg_hba.conf").read_text()
    tcp = [l for l in hba.splitlines() if l.startswith("host")]
    check(all(l.split()[-1] == "scram-sha-256" for l in tcp), "postgres: TCP connections require scram-sha-256", f"{len(tcp)} host line(s)")


def psql(pg: dict, sql: str, db: str | None = None) -> str:
    r = as_postgres([str(pgbin() / "psql"), "-h", str(pg["sock"]), "-p", str(pg["port"]), "-U", pg["user"],
                     "-d", db or pg["db"], "-v", "ON_ERROR_STOP=1", "-tAq", "-c", sql])
    if r.returncode != 0:
        raise Failed(f"psql: {sql}: {r.stderr.strip()[-300:]}")
    return r.stdout


def pg_healthcheck_env(pg: dict) -> dict:
    # The healthcheck text is kept as written; the port it cannot know comes from PGPORT.
    return {"PATH": f"{pgbin()}:{IMAGE_PATH}", "PGPORT": str(pg["port"])}


def teardown(services: dict, pg: dict) -> None:
    for svc in services.values():
        if svc.proc and svc.proc.poll() is None:
            svc.proc.kill()
            svc.proc.wait()
    for p in STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()
    if pg.get("started"):
        r = as_postgres([str(pgbin() / "pg_ctl"), "-D", str(pg["base"] / "data"), "-m", "fast", "-w", "stop"])
        pg["started"] = r.returncode != 0
        report("PASS" if r.returncode == 0 else "FAIL", "postgres: stopped")
    if pg.get("base"):
        if (pg["base"] / "postgres.log").exists() and pg.get("out"):
            shutil.copy(pg["base"] / "postgres.log", pg["out"] / "logs" / "postgres.log")
        shutil.rmtree(pg["base"], ignore_errors=True)
        report("PASS" if not pg["base"].exists() else "FAIL", "postgres: data dir removed", str(pg["base"]))


# ---------------------------------------------------------------- build

BUILD_ENV_EXTRA = {
    # A RUN step's processes die with its container; here MSBuild nodes and the compiler server must not outlive it.
    "MSBUILDDISABLENODEREUSE": "1", "DOTNET_CLI_USE_MSBUILD_SERVER": "0", "UseSharedCompilation": "false",
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
}


def build_service(svc: Service, out: Path, reuse: bool) -> None:
    build = svc.spec["build"]
    context = (ROOT / build.get("context", ".")).resolve()
    dockerfile = context / build.get("dockerfile", "Dockerfile")
    check(dockerfile.exists(), f"{svc.name}: Dockerfile {dockerfile.relative_to(ROOT)} exists", fatal=True)
    stages = dockerfile_stages(dockerfile)
    final = stages[-1]
    svc.dockerfile, svc.stages = dockerfile, stages
    sroot = out / svc.name
    rootfs = {st["name"]: sroot / f"rootfs-{st['name']}" for st in stages}
    marker = sroot / "built.ok"
    ignore = DockerIgnore(context)
    if reuse and marker.exists():
        report("NOTE", f"{svc.name}: build reused from {sroot.relative_to(ROOT) if sroot.is_relative_to(ROOT) else sroot}")
    else:
        if sroot.exists():
            shutil.rmtree(sroot)
        sroot.mkdir(parents=True)
        os.chmod(sroot, 0o755)
    sdk = subprocess.run(["dotnet", "--version"], capture_output=True, text=True, cwd=ROOT).stdout.strip()

    for st in stages:
        base = BASE_IMAGES.get(st["image"])
        if st["image"] in rootfs:
            base = {"env": dict(stages[[s["name"] for s in stages].index(st["image"])]["env"]), "frameworks": set()}
        check(base is not None, f"{svc.name}: stage {st['name']} base image {st['image']} is one this rehearsal knows", fatal=True)
        env = dict(base["env"])
        fs = rootfs[st["name"]]
        fs.mkdir(parents=True, exist_ok=True)
        os.chmod(fs, 0o755)
        workdir = "/"
        st["frameworks"] = base["frameworks"]
        is_final = st is final
        for word, rest, line in st["instructions"]:
            where = f"{dockerfile.name}:{line}"
            if word == "WORKDIR":
                workdir = os.path.normpath(os.path.join(workdir, expand(rest, env)))
                (fs / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
            elif word == "ENV":
                env.update(parse_env(rest, env))
            elif word in ("ARG", "LABEL", "EXPOSE", "STOPSIGNAL", "SHELL", "VOLUME", "ONBUILD"):
                if word == "EXPOSE":
                    st["expose"] = rest.split()
            elif word == "COPY":
                if reuse and marker.exists():
                    continue
                toks = shlex.split(rest)
                opts = [t for t in toks if t.startswith("--")]
                paths = [t for t in toks if not t.startswith("--")]
                srcs, dest = paths[:-1], paths[-1]
                dest_path = fs / os.path.join(workdir, expand(dest, env)).lstrip("/")
                if dest.endswith("/") or dest == "." or len(srcs) > 1:
                    dest_path.mkdir(parents=True, exist_ok=True)
                frm = next((o.split("=", 1)[1] for o in opts if o.startswith("--from=")), None)
                if any(o.startswith("--chown") or o.startswith("--chmod") for o in opts):
                    report("NOTE", f"{svc.name}: {where} COPY options {opts} not mirrored")
                for s in srcs:
                    if frm:
                        src = rootfs[frm] / s.lstrip("/")
                        ign, ctx = None, rootfs[frm]
                    else:
                        src = context / s
                        ign, ctx = ignore, context
                        if not src.exists() or ignore.ignored(s.rstrip("/")):
                            check(False, f"{svc.name}: {where} COPY source {s} in the build context", "not found or .dockerignored", fatal=True)
                    if not src.exists():
                        check(False, f"{svc.name}: {where} COPY --from={frm} {s}", "not found", fatal=True)
                    copy_into(src, dest_path, ctx, ign)
            elif word == "RUN":
                if reuse and marker.exists():
                    continue
                argv = exec_form(rest)
                if argv[:2] == ["/bin/sh", "-c"]:
                    toks = shlex.split(argv[2])
                    if toks and toks[0] != "dotnet":
                        check(False, f"{svc.name}: {where} RUN {argv[2][:60]}", "only dotnet commands are rehearsed", fatal=True)
                    # Absolute paths point into the stage's file system.
                    mapped = [str(fs / t.lstrip("/")) if t.startswith("/") else t for t in toks]
                    cmd = ["/bin/sh", "-c", shlex.join(mapped)]
                else:
                    cmd = argv
                say(f"{svc.name}: {where} RUN {argv[-1] if argv[0] == '/bin/sh' else argv}")
                logf = out / "logs" / f"{svc.name}-build.log"
                t = time.monotonic()
                with open(logf, "a") as lf:
                    lf.write(f"\n### {where} RUN {rest}\n### executed as: {shlex.join(cmd)}\n")
                    lf.flush()
                    r = subprocess.run(cmd, cwd=fs / workdir.lstrip("/"), stdout=lf, stderr=subprocess.STDOUT,
                                       env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
                                            **env, **BUILD_ENV_EXTRA})
                tail = ""
                segment = logf.read_text(errors="replace").split(f"### {where} RUN ")[-1]
                skipped = re.findall(r'Skipping project "([^"]+)" because it was not found', segment)
                if skipped and r.returncode == 0:
                    report("FAIL", f"{svc.name}: {where} every project reference was COPYed before this RUN",
                           "missing " + ", ".join(sorted({str(Path(x).relative_to(fs / workdir.lstrip('/'))) for x in skipped})))
                if r.returncode != 0:
                    lines = [l for l in logf.read_text(errors="replace").splitlines() if "error" in l.lower()]
                    tail = (lines[-1] if lines else "see log")[-300:]
                check(r.returncode == 0, f"{svc.name}: {where} RUN {rest[:90]}{'…' if len(rest) > 90 else ''}",
                      tail or f"{time.monotonic() - t:.0f}s", fatal=True)
            elif word == "USER":
                st["user"] = expand(rest, env)
            elif word in ("ENTRYPOINT", "CMD"):
                st[word.lower()] = exec_form(rest)
            elif word == "HEALTHCHECK":
                st["healthcheck"] = rest
            else:
                report("WARN", f"{svc.name}: {where} {word} not rehearsed")
        st["env"], st["workdir"] = env, workdir
        if is_final:
            if st["image"].startswith("mcr.microsoft.com/dotnet/sdk"):
                report("WARN", f"{svc.name}: final stage runs on the SDK image")
    if not (reuse and marker.exists()):
        marker.write_text("ok\n")
    build_image = next((s["image"] for s in stages if "/sdk:" in s["image"]), None)
    if build_image:
        report("NOTE", f"{svc.name}: build stage image {build_image}; rehearsed with the local SDK {sdk}")

    # The final stage as a container: root-owned, read-only files; the image's env, user, workdir and entrypoint.
    fs = rootfs[final["name"]]
    for dirpath, dirnames, filenames in os.walk(fs):
        for n in dirnames + filenames:
            p = os.path.join(dirpath, n)
            os.chown(p, 0, 0, follow_symlinks=False)
            os.chmod(p, 0o555 if os.path.isdir(p) else 0o444)
    os.chmod(fs, 0o555)
    svc.workdir = fs / final["workdir"].lstrip("/")
    svc.uid = final.get("user", "0") or "0"
    svc.argv = final.get("entrypoint", []) + final.get("cmd", [])
    home = sroot / "home"
    home.mkdir(exist_ok=True)
    os.chmod(home, 0o555)
    # Docker's order: image ENV, then the compose service's environment; HOME from the user (app: /home/app).
    svc.image_env = {"PATH": IMAGE_PATH, "HOSTNAME": f"kubeharden-{svc.name}-1", **final["env"]}
    svc.home = home
    svc.final = final


def unread_settings(svc: Service, out: Path) -> None:
    """Looks for each name as a string literal in the C# sources the image build copied (not a proof of use)."""
    sources = "\n".join(p.read_text(errors="replace") for p in (out / svc.name).glob("rootfs-build/**/*.cs")
                        if "/obj/" not in str(p))
    for key in svc.compose_keys:
        if key.startswith("ConnectionStrings__"):
            name = key.split("__", 1)[1]
            needles = [f'"{name}"', f'ConnectionStrings__{name}"', f'ConnectionStrings:{name}"']
        elif key.startswith("KHP_"):
            needles = [f'"{key}"']
        else:
            continue
        if not any(n in sources for n in needles):
            report("WARN", f"{svc.name}: compose gives it {key}, which its code never names",
                   "a credential the process does not use (least privilege)")


def static_checks(svc: Service) -> None:
    final = svc.final
    check(bool(svc.argv), f"{svc.name}: image has an ENTRYPOINT/CMD", " ".join(svc.argv))
    dlls = [a for a in svc.argv if a.endswith(".dll")]
    for d in dlls:
        check((svc.workdir / d).is_file(), f"{svc.name}: ENTRYPOINT's {d} is in WORKDIR {final['workdir']}")
        rc = (svc.workdir / d).with_suffix(".runtimeconfig.json")
        if rc.is_file():
            cfg = json.loads(rc.read_text())["runtimeOptions"]
            fws = {f["name"] for f in cfg.get("frameworks", [cfg.get("framework", {})]) if f}
            missing = fws - final["frameworks"]
            check(not missing, f"{svc.name}: shared frameworks {sorted(fws)} are in {final['image']}",
                  f"missing {sorted(missing)}" if missing else "")
    check(svc.uid not in ("0", "root", ""), f"{svc.name}: image USER is non-root", f"USER {svc.uid}")
    settings = svc.workdir / "appsettings.json"
    if "stop_grace_period" in svc.spec and settings.is_file():
        worker = json.loads(settings.read_text()).get("Worker", {})
        if "JobShutdownTimeout" in worker:
            def span(t: str) -> float:
                h, m, sec = t.split(":")
                return int(h) * 3600 + int(m) * 60 + float(sec)
            host = span(worker["JobShutdownTimeout"]) + span(worker.get("HostShutdownMargin", "00:00:00"))
            grace = duration(svc.spec["stop_grace_period"], COMPOSE_DEFAULT_STOP_GRACE)
            check(host < grace, f"{svc.name}: host shutdown ({host:.0f}s = Worker:JobShutdownTimeout + HostShutdownMargin) "
                  f"fits in stop_grace_period {grace:.0f}s")
    hc = svc.spec.get("healthcheck")
    if hc and final.get("healthcheck"):
        df_cmd = exec_form(final["healthcheck"].split("CMD", 1)[1]) if "CMD" in final["healthcheck"] else []
        test = hc.get("test", [])
        same = test[1:] == df_cmd if test and test[0] == "CMD" else False
        report("PASS" if same else "WARN", f"{svc.name}: compose healthcheck test equals the Dockerfile HEALTHCHECK CMD")
    if svc.name == "web":
        ports = [str(p) for p in svc.spec.get("ports", [])]
        http_ports = svc.env.get("ASPNETCORE_HTTP_PORTS", "")
        container_ports = {p.rsplit(":", 1)[-1].split("/")[0] for p in ports}
        check(http_ports in container_ports, "web: compose ports' container side matches ASPNETCORE_HTTP_PORTS",
              f"ports {ports}, ASPNETCORE_HTTP_PORTS={http_ports}, EXPOSE {final.get('expose')}")
        test = " ".join((hc or {}).get("test", []))
        check(f"/dev/tcp/127.0.0.1/{http_ports}" in test, "web: healthcheck probes the port the app listens on")


# ---------------------------------------------------------------- run

SANDBOX_PROBE = r'''
echo "uid=$(id -u)"
awk '/^(CapEff|NoNewPrivs):/ { sub(":", "", $1); print $1 "=" $2 }' /proc/self/status
touch ./.probe 2>/dev/null && echo workdir=writable || echo workdir=readonly
touch "$HOME/.probe" 2>/dev/null && echo home=writable || echo home=readonly
touch /var/tmp/.khp-probe 2>/dev/null && echo root=writable || echo root=readonly
touch /tmp/.probe 2>/dev/null && echo tmp=writable || echo tmp=readonly
'''


def sandbox_self_test(svc: Service) -> None:
    r = subprocess.run(container_argv(svc.workdir, svc.uid, ["/bin/sh", "-c", SANDBOX_PROBE]), env=svc.env,
                       capture_output=True, text=True, timeout=30)
    got = dict(l.split("=", 1) for l in r.stdout.split() if "=" in l)
    want = {"uid": svc.uid, "CapEff": "0000000000000000", "NoNewPrivs": "1", "workdir": "readonly",
            "home": "readonly", "root": "readonly", "tmp": "writable"}
    bad = {k: got.get(k) for k, v in want.items() if got.get(k) != v}
    check(r.returncode == 0 and not bad, f"{svc.name}: sandbox is uid {svc.uid}, no capabilities, no-new-privs, "
          "read-only / and WORKDIR, writable tmpfs /tmp", f"unexpected {bad} {r.stderr.strip()[-200:]}" if bad else "")


def prepare_web_port(svc: Service) -> int:
    """With no network namespace the container port is a host port; 8080 stays 8080 unless it is taken."""
    want = int(svc.env.get("ASPNETCORE_HTTP_PORTS", "8080"))
    if port_free(want):
        return want
    other = free_port()
    svc.env["ASPNETCORE_HTTP_PORTS"] = str(other)
    svc.port_subst = (want, other)
    report("NOTE", f"web: port {want} is taken on this machine; ASPNETCORE_HTTP_PORTS and the probe use {other}")
    return other


def healthcheck_argv(svc: Service) -> list[str]:
    test = svc.spec["healthcheck"]["test"]
    if isinstance(test, str):
        argv = ["/bin/sh", "-c", test]
    elif test[0] == "CMD-SHELL":
        argv = ["/bin/sh", "-c", test[1]]
    elif test[0] == "CMD":
        argv = list(test[1:])
    else:
        raise Failed(f"{svc.name}: healthcheck test {test[0]} not supported")
    if getattr(svc, "port_subst", None):
        a, b = svc.port_subst
        argv = [x.replace(f"/127.0.0.1/{a}", f"/127.0.0.1/{b}") for x in argv]
    return argv


def run_healthcheck_until_healthy(svc: Service, host_env: dict | None) -> bool:
    """Compose's healthcheck, polled every second (compose waits `interval`) for start_period + interval * retries."""
    hc = svc.spec.get("healthcheck")
    if not hc:
        return True
    argv = healthcheck_argv(svc)
    timeout = duration(hc.get("timeout"), 30)
    budget = duration(hc.get("start_period"), 0) + duration(hc.get("interval"), 30) * int(hc.get("retries", 3))
    deadline = time.monotonic() + budget
    attempts, last = 0, ""
    while time.monotonic() < deadline:
        if svc.proc and svc.proc.poll() is not None:
            last = f"process exited with {svc.proc.returncode}"
            if svc.log and svc.log.exists():
                why = [l for l in svc.log.read_text(errors="replace").splitlines() if "Exception:" in l]
                last += f": {why[0].strip()[:240]}" if why else ""
            break
        attempts += 1
        if host_env is not None:
            cmd, env, cwd = argv, host_env, None
        else:  # docker exec: same user, env, working directory and file system view as the service
            cmd, env, cwd = container_argv(svc.workdir, svc.uid, argv), svc.env, None
        try:
            r = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout)
            last = (r.stdout + r.stderr).strip()[-200:]
            if r.returncode == 0:
                report("NOTE", f"{svc.name}: healthcheck passed after {attempts} attempt(s)", last)
                return True
        except subprocess.TimeoutExpired:
            last = f"timed out after {timeout:.0f}s"
        time.sleep(1)
    report("FAIL" if svc.proc else "NOTE", f"{svc.name}: healthcheck never passed", last)
    return False


def start_long_running(svc: Service, out: Path) -> None:
    svc.log = out / "logs" / f"{svc.name}.log"
    lf = open(svc.log, "w")
    say(f"{svc.name}: starting {' '.join(svc.argv)} in {svc.workdir} as uid {svc.uid} (read-only fs, tmpfs /tmp)")
    svc.proc = subprocess.Popen(container_argv(svc.workdir, svc.uid, svc.argv), env=svc.env, stdout=lf,
                                stderr=subprocess.STDOUT, start_new_session=True)
    STARTED.append(svc.proc)


def run_one_shot(svc: Service, out: Path) -> None:
    for attempt in (1, 2):
        log = out / "logs" / f"{svc.name}{'' if attempt == 1 else '-again'}.log"
        say(f"{svc.name}: run {attempt}: {' '.join(svc.argv)} in {svc.workdir} as uid {svc.uid}")
        with open(log, "w") as lf:
            t = time.monotonic()
            p = subprocess.Popen(container_argv(svc.workdir, svc.uid, svc.argv), env=svc.env, stdout=lf,
                                 stderr=subprocess.STDOUT, start_new_session=True)
            STARTED.append(p)
            try:
                code = p.wait(timeout=180)
            except subprocess.TimeoutExpired:
                p.kill()
                code = p.wait()
        text = log.read_text(errors="replace")
        tail = text.strip().splitlines()[-1][-200:] if text.strip() else ""
        what = "exits 0" if attempt == 1 else "second run is a no-op and exits 0"
        pending = re.findall(r"migrate: (\d+) pending migration", text)
        if attempt == 2 and code == 0:
            ok = pending == ["0"]
            check(ok, f"{svc.name}: {what}", f"{time.monotonic() - t:.1f}s; 'migrate: {pending[0] if pending else '?'} pending migration(s)'")
        else:
            check(code == 0, f"{svc.name}: {what}", f"exit {code} in {time.monotonic() - t:.1f}s; {tail}", fatal=True)
        if attempt == 1:
            svc.exit_code = code
            svc.log = log


def http_get(url: str, timeout: float = 10) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except OSError as e:
        return 0, str(e)


def page_and_assets(port: int) -> None:
    """An anonymous visitor: / (redirects to sign-in), rendered in Production from the read-only publish dir, and
    every local stylesheet, script and icon it links (static web assets must be in the publish output)."""
    base = f"http://127.0.0.1:{port}"
    status, body = http_get(base + "/")
    ok = status == 200 and "blazor.web" in body
    check(ok, "web: / renders for an anonymous visitor (after redirects)", f"{status} {body[:160]}")
    if not ok:
        return
    links = sorted({u for u in re.findall(r'(?:href|src)="([^"#?]+)', body)
                    if not u.startswith(("http:", "https:", "//", "data:", "mailto:")) and re.search(r"\.(css|js|svg|ico|png|woff2?)$", u)})
    bad = []
    for u in links:
        st, _ = http_get(base + "/" + u.lstrip("/"))
        if st != 200:
            bad.append(f"{u} {st}")
    check(bool(links) and not bad, f"web: the {len(links)} static assets the page links are served",
          "; ".join(bad) if bad else ", ".join(links)[:300])


def web_refuses_to_migrate(web: Service, pg: dict, out: Path) -> None:
    """The same web image and environment, pointed at an empty database where khp_app may even create tables."""
    db = "kubeharden_unmigrated"
    psql(pg, f'CREATE DATABASE "{db}"')
    psql(pg, "GRANT CREATE ON SCHEMA public TO khp_app", db=db)
    port = free_port()
    env = dict(web.env)
    for k in ("ConnectionStrings__App", "ConnectionStrings__Hangfire"):
        env[k] = env[k].replace(f"Database={pg['db']}", f"Database={db}")
    env["ASPNETCORE_HTTP_PORTS"] = str(port)
    log = out / "logs" / "web-unmigrated.log"
    say(f"web: second instance on port {port} against the empty database {db}")
    with open(log, "w") as lf:
        p = subprocess.Popen(container_argv(web.workdir, web.uid, web.argv), env=env, stdout=lf,
                             stderr=subprocess.STDOUT, start_new_session=True)
        STARTED.append(p)
        status, body = 0, ""
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and p.poll() is None:
            status, body = http_get(f"http://127.0.0.1:{port}/healthz", 5)
            if status == 200:
                break
            time.sleep(1)
        ready_status, ready_body = http_get(f"http://127.0.0.1:{port}/readyz", 15)
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    tables = psql(pg, "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog','information_schema')", db=db).strip()
    check(status == 200 and ready_status == 503 and "pending migration" in ready_body and tables == "0",
          "web: refuses to migrate by itself (empty database: /readyz 503 'pending migrations', no table created)",
          f"healthz {status}, readyz {ready_status} {ready_body[:160]}, tables {tables}")
    psql(pg, f'DROP DATABASE "{db}"')


if __name__ == "__main__":
    sys.exit(main())
