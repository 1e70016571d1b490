"""docs/deploy.md works as written.

Always: the systemd units pass `systemd-analyze verify`, the nginx site passes `nginx -t`, the
files the page names exist, its shell blocks parse, and the units and the site agree with the
application (the commands they run exist, the upload limit is the app's).

With DEPLOY_DOC_TEST=1 in the PostgreSQL run (TEST_DB=postgresql), as root on Debian: every
```sh block of the page runs in order, with bash, as written, on this machine (it installs
packages, creates the ticketing user, the database `ticketing`, /opt/ticketing, /etc/ticketing,
the units and the nginx site). There is no systemd in a container, so `systemctl` is a
stand-in (this file, run as a script: see `systemctl()` below) that starts a unit's ExecStart
as its User= with its Environment= and EnvironmentFile=, a /run folder (RuntimeDirectory=) and
a temporary folder of its own (for PrivateTmp=); the other hardening settings are checked by
`systemd-analyze verify` only. Then the site is checked through nginx over HTTPS, and
everything the run made is removed again, before and after, so that a second run works.
TICKETING_SOURCE is set to this checkout (its committed state: the page clones it with git).
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticketing import config

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "deploy.md"
UNITS = REPO / "deploy" / "systemd"
SITE = REPO / "deploy" / "nginx" / "ticketing.conf"
HOST = "tickets.example.cn"
STATE = Path("/run/ticketing-deploy-test")  # the stand-in's pids and logs
SYSTEM = Path("/etc/systemd/system")
DEADLINE_SECONDS = 300

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Block:
    info: str
    code: str
    line: int

    @property
    def runs(self) -> bool:
        return self.info.split() == ["sh"]

    @property
    def shell(self) -> bool:
        return self.info.split()[:1] == ["sh"]


def doc_blocks(text: str | None = None) -> list[Block]:
    text = DOC.read_text(encoding="utf-8") if text is None else text
    found = []
    for match in FENCE.finditer(text):
        indent = match["indent"]
        lines = [
            line[len(indent) :] if line.startswith(indent) else line
            for line in match["body"].splitlines()
        ]
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(match["info"].strip(), "\n".join(lines) + "\n", line))
    return found


def unit_settings(path: Path) -> dict[str, list[str]]:
    """`Section.Key` → its values in order (a key may be given several times)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.setdefault(f"{section}.{key.strip()}", []).append(value.strip())
    return settings


def one(settings: dict[str, list[str]], key: str) -> str:
    values = settings.get(key, [])
    assert len(values) == 1, f"{key}: {values}"
    return values[0]


# ---------------------------------------------------------------- always


def test_the_page_blocks_parse_and_the_essential_steps_run() -> None:
    blocks = doc_blocks()
    for block in (b for b in blocks if b.shell):
        parsed = subprocess.run(["bash", "-n"], input=block.code, text=True, capture_output=True)
        assert parsed.returncode == 0, f"docs/deploy.md line {block.line}: {parsed.stderr}"
    running = "".join(block.code for block in blocks if block.runs)
    # a step marked norun would escape the test: these must stay in blocks that run
    for step in (
        "apt-get install -y python3-venv git postgresql redis-server nginx",
        "runuser -u postgres -- createdb",
        '"${TICKETING_SOURCE:?',
        "/opt/ticketing/venv/bin/pip install /opt/ticketing/src",
        "install -o root -g ticketing -m 640 /dev/stdin /etc/ticketing/ticketing.env",
        "ticketing migrate",
        "ticketing create-admin",
        "ticketing check-deploy",
        "systemctl enable --now ticketing-web.service ticketing-notify.service",
        "systemctl enable --now ticketing-due.timer ticketing-audit-prune.timer "
        "ticketing-backup.timer",
        "openssl req -x509",
        "systemctl reload nginx",
        f"https://{HOST}/readyz",
        "systemctl reload ticketing-web.service",
    ):
        assert step in running, step
    norun = [b for b in blocks if b.info.split() == ["sh", "norun"]]
    assert any("certbot certonly" in b.code for b in norun)
    for setting in (
        "TICKETING_ENV=production",
        "SECRET_KEY=$(",
        "DATABASE_URL=postgresql+psycopg:",
        "RATELIMIT_STORAGE_URI=redis://",
        "TRUSTED_PROXIES=1",
        "UPLOAD_FOLDER=/var/lib/ticketing/uploads",
        f"BASE_URL=https://{HOST}",
    ):
        assert setting in running, setting


def test_every_file_the_page_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"\]\((?:\.\./)?([\w./-]+)\)", text))  # links
    named |= {f"docs/{name}" for name in re.findall(r"\]\(([\w-]+\.md)\)", text)}
    named |= set(re.findall(r"/opt/ticketing/src/([\w./*-]+)", text))  # the checkout
    named |= set(re.findall(r"`((?:deploy|docs|tests|ticketing)/[\w./-]*)`", text))
    named = {name.rstrip("/.") for name in named if "/" in name}
    assert {"deploy/ticketing", "deploy/gunicorn.conf.py", "deploy/nginx/ticketing.conf"} <= named
    for name in sorted(named):
        matches = list(REPO.glob(name)) if "*" in name else [REPO / name]
        assert matches and all(path.exists() for path in matches), name
    # the page installs every unit shipped (install … deploy/systemd/ticketing-*)
    assert all(unit.name.startswith("ticketing-") for unit in UNITS.iterdir())
    for unit in ("ticketing-web.service", "ticketing-notify.service", "ticketing-due.timer"):
        assert unit in text, unit


def _stub_root(tmp_path: Path) -> Path:
    """A file-system root with systemd's own units, ours, and an empty executable at each
    absolute command path ours run (the real ones exist only after the installation)."""
    root = tmp_path / "root"
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    for unit in sorted(UNITS.iterdir()):
        shutil.copy(unit, root / "etc/systemd/system" / unit.name)
        for key, values in unit_settings(unit).items():
            if key.startswith("Service.Exec"):
                for value in values:
                    command = Path(shlex.split(value.lstrip("-@+!"))[0])
                    stub = root / command.relative_to("/")
                    stub.parent.mkdir(parents=True, exist_ok=True)
                    stub.write_text("#!/bin/sh\n")
                    stub.chmod(0o755)
    return root


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed")
    root = _stub_root(tmp_path)
    names = [f"/etc/systemd/system/{unit.name}" for unit in sorted(UNITS.iterdir())]
    assert len(names) == 8
    verified = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", *names],
        capture_output=True,
        text=True,
    )
    # an unknown or misspelt setting is only a warning: nothing may be said at all
    assert verified.returncode == 0 and not verified.stdout + verified.stderr, verified.stderr
    broken = Path("/etc/systemd/system/ticketing-due.timer")  # inside the root
    inside = root / broken.relative_to("/")
    inside.write_text(inside.read_text().replace("OnCalendar=*-*-*", "OnCalendar=every-"))
    refused = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", str(broken)],
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0 and "calendar" in refused.stderr


def test_units_run_the_service_as_the_page_says(app) -> None:  # type: ignore[no-untyped-def]
    web = unit_settings(UNITS / "ticketing-web.service")
    start = shlex.split(one(web, "Service.ExecStart"))
    assert start[:3] == [
        "/opt/ticketing/venv/bin/gunicorn",
        "-c",
        "/opt/ticketing/src/deploy/gunicorn.conf.py",
    ]
    assert start[3] == "ticketing:create_app()"
    assert one(web, "Service.Restart") == "on-failure"
    for name in ("web", "notify", "due", "audit-prune", "backup"):
        unit = unit_settings(UNITS / f"ticketing-{name}.service")
        assert one(unit, "Service.User") == "ticketing"
        assert one(unit, "Service.EnvironmentFile") == "/etc/ticketing/ticketing.env"
        writes = "/var/backups/ticketing" if name == "backup" else "/var/lib/ticketing/uploads"
        for key, value in (
            ("NoNewPrivileges", "yes"),
            ("ProtectSystem", "strict"),
            ("ReadWritePaths", writes),
            ("PrivateTmp", "yes"),
            ("ProtectHome", "yes"),
            ("CapabilityBoundingSet", ""),
        ):
            assert one(unit, f"Service.{key}") == value, (name, key)
    commands = {
        "notify": ["notify", "run"],
        "due": ["notify", "due"],
        "audit-prune": ["audit", "prune"],
        "backup": ["backup", "--to", "/var/backups/ticketing"],
    }
    runner = app.test_cli_runner()
    for name, words in commands.items():
        unit = unit_settings(UNITS / f"ticketing-{name}.service")
        line = shlex.split(one(unit, "Service.ExecStart"))
        assert line == ["/opt/ticketing/venv/bin/flask", "--app", "ticketing", *words]
        command = [word for word in words if not word.startswith("/") and word != "--to"]
        assert runner.invoke(args=[*command, "--help"]).exit_code == 0, words
    for timer in ("due", "audit-prune", "backup"):
        settings = unit_settings(UNITS / f"ticketing-{timer}.timer")
        assert one(settings, "Timer.OnCalendar").startswith("*-*-* ")
        assert one(unit_settings(UNITS / f"ticketing-{timer}.service"), "Service.Type") == (
            "oneshot"
        )


def test_the_site_matches_the_application(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    site = SITE.read_text(encoding="utf-8")
    monkeypatch.delenv("MAX_ATTACHMENT_MB", raising=False)
    monkeypatch.delenv("TICKETING_ENV", raising=False)
    limit = config.load(str(tmp_path))["MAX_CONTENT_LENGTH"]
    (size,) = re.findall(r"client_max_body_size (\d+)m;", site)
    assert int(size) * 1024 * 1024 == limit
    gunicorn = (REPO / "deploy" / "gunicorn.conf.py").read_text(encoding="utf-8")
    assert '"BIND", "127.0.0.1:8000"' in gunicorn and "server 127.0.0.1:8000" in site
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in site
    metrics = site[site.index("location = /metrics") :]
    metrics = metrics[: metrics.index("}")]
    assert "allow 127.0.0.1;" in metrics and "deny all;" in metrics
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site and "Strict-Transport-Security" in site
    assert (config.asset_dir("static") / "css" / "app.css").is_file()
    assert "alias /opt/ticketing/static/;" in site


# ---------------------------------------------------------------- the stand-in for systemctl


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _pid(unit: str) -> int | None:
    try:
        pid = int((STATE / f"{unit}.pid").read_text())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _environment(settings: dict[str, list[str]]) -> dict[str, str]:
    """What systemd gives a service: a clean environment, the user's names, the files'."""
    user = pwd.getpwnam(one(settings, "Service.User"))
    env = {
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "LOGNAME": user.pw_name,
        "SHELL": user.pw_shell,
    }
    for assignment in settings.get("Service.Environment", []):
        for word in shlex.split(assignment):
            key, _, value = word.partition("=")
            env[key] = value
    for name in settings.get("Service.EnvironmentFile", []):
        optional, path = name.startswith("-"), Path(name.lstrip("-"))
        if optional and not path.exists():
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            key, _, value = line.partition("=")
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            env[key.strip()] = value
    return env


def _spawn(unit: str, settings: dict[str, list[str]], line: str) -> subprocess.Popen[bytes]:
    env = _environment(settings)
    user = one(settings, "Service.User")
    group = (settings.get("Service.Group") or [user])[0]
    owner = pwd.getpwnam(user)
    for name in settings.get("Service.RuntimeDirectory", []):
        runtime = Path("/run") / name
        runtime.mkdir(mode=0o755, exist_ok=True)
        os.chown(runtime, owner.pw_uid, owner.pw_gid)
    if settings.get("Service.PrivateTmp") == ["yes"]:  # near enough: a /tmp of its own
        private = STATE / f"{unit}.tmp"
        private.mkdir(mode=0o700, exist_ok=True)
        os.chown(private, owner.pw_uid, owner.pw_gid)
        env["TMPDIR"] = str(private)
    log = open(STATE / f"{unit}.log", "ab")  # noqa: SIM115 - the child keeps it
    notify = STATE / f"{unit}.notify"
    listener = None
    if (settings.get("Service.Type") or ["simple"])[0] == "notify":
        notify.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(str(notify))
        os.chown(notify, owner.pw_uid, -1)
        env["NOTIFY_SOCKET"] = str(notify)
    child = subprocess.Popen(
        shlex.split(line.lstrip("-@+!")),
        env=env,
        user=user,
        group=group,
        extra_groups=[],
        cwd=(settings.get("Service.WorkingDirectory") or ["/"])[0],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    if listener is not None:  # started when it says READY=1, as systemd waits for it
        listener.settimeout(1)
        deadline = time.monotonic() + 90
        try:
            while time.monotonic() < deadline:
                try:
                    if b"READY=1" in listener.recv(4096):
                        break
                except TimeoutError:
                    if child.poll() is not None:
                        break
        finally:
            listener.close()
    return child


def _start(unit: str) -> int:
    if unit.endswith(".timer"):  # armed; its service runs once now, so its command is tried
        (STATE / f"{unit}.enabled").touch()
        return _start(unit.removesuffix(".timer") + ".service")
    path = SYSTEM / unit
    if not path.exists():
        print(f"Unit {unit} not found.", file=sys.stderr)
        return 5
    if _pid(unit):
        return 0
    settings = unit_settings(path)
    child = _spawn(unit, settings, one(settings, "Service.ExecStart"))
    if one(settings, "Service.Type") == "oneshot":
        return child.wait()
    (STATE / f"{unit}.pid").write_text(str(child.pid))
    time.sleep(0.5)
    if child.poll() is not None:
        print(f"{unit} exited with status {child.returncode}", file=sys.stderr)
        return 1
    return 0


def _stop(unit: str) -> int:
    if unit.endswith(".timer"):
        (STATE / f"{unit}.enabled").unlink(missing_ok=True)
        return 0
    pid = _pid(unit)
    if pid:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 45
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.killpg(pid, signal.SIGKILL)
    (STATE / f"{unit}.pid").unlink(missing_ok=True)
    if (SYSTEM / unit).exists():
        for name in unit_settings(SYSTEM / unit).get("Service.RuntimeDirectory", []):
            shutil.rmtree(Path("/run") / name, ignore_errors=True)
    return 0


def _reload(unit: str) -> int:
    pid = _pid(unit)
    settings = unit_settings(SYSTEM / unit)
    if not pid or "Service.ExecReload" not in settings:
        return 1
    line = one(settings, "Service.ExecReload").replace("$MAINPID", str(pid))
    return _spawn(unit, settings, line).wait()


def _nginx(verb: str) -> int:
    pidfile = Path("/run/nginx.pid")
    running = pidfile.exists() and _alive(int(pidfile.read_text().strip() or 0))
    if verb in ("start", "enable", "restart") or (verb == "reload" and not running):
        if running and verb == "restart":
            subprocess.run(["nginx", "-s", "stop"], check=False)
            running = False
        return 0 if running else subprocess.run(["nginx"]).returncode
    if verb == "reload":
        return subprocess.run(["nginx", "-s", "reload"]).returncode
    if verb == "stop":
        return subprocess.run(["nginx", "-s", "quit"]).returncode if running else 0
    return 0 if running else 3


def systemctl(argv: list[str]) -> int:
    """`systemctl` for a machine without systemd: daemon-reload, enable [--now], start, stop,
    restart, reload, status, is-active on the units in /etc/systemd/system and nginx."""
    STATE.mkdir(parents=True, exist_ok=True)
    words = [word for word in argv if not word.startswith("-")]
    now = "--now" in argv
    verb, units = words[0], words[1:]
    units = [u if "." in u else f"{u}.service" for u in units]
    if verb == "daemon-reload":
        return 0
    status = 0
    for unit in units:
        if unit == "nginx.service":
            if verb != "enable" or now:
                status = status or _nginx("start" if verb == "enable" else verb)
        elif verb == "enable":
            if not (SYSTEM / unit).exists():
                print(f"Unit {unit} not found.", file=sys.stderr)
                return 5
            status = status or (_start(unit) if now else 0)
        elif verb == "start":
            status = status or _start(unit)
        elif verb in ("stop", "disable"):
            status = status or _stop(unit)
        elif verb == "restart":
            _stop(unit)
            status = status or _start(unit)
        elif verb == "reload":
            status = status or _reload(unit)
        elif verb in ("status", "is-active"):
            pid = _pid(unit)
            armed = unit.endswith(".timer") and (STATE / f"{unit}.enabled").exists()
            if verb == "status":
                state = f"active (running) pid {pid}" if pid else "inactive (dead)"
                print(f"● {unit} - {'active (waiting)' if armed else state}")
            status = status or (0 if pid or armed else 3)
        else:
            print(f"systemctl stand-in: {verb} is not known", file=sys.stderr)
            return 1
    return status


# ---------------------------------------------------------------- the page, run as written


def _run(command: list[str], **kw) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(command, capture_output=True, text=True, check=False, **kw)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _clean(default_site: bool) -> None:
    """Undo what the page does on this machine (not the packages it installs)."""
    for unit in ("ticketing-web.service", "ticketing-notify.service"):
        _stop(unit)
    for timer in ("ticketing-due.timer", "ticketing-audit-prune.timer", "ticketing-backup.timer"):
        (STATE / f"{timer}.enabled").unlink(missing_ok=True)
    for database in ("dropdb --force --if-exists ticketing", "dropuser --if-exists ticketing"):
        _run(["runuser", "-u", "postgres", "--", *database.split()])
    for path in (
        "/opt/ticketing",
        "/etc/ticketing",
        "/var/lib/ticketing",
        "/var/backups/ticketing",
        "/usr/local/bin/ticketing",
        "/etc/nginx/sites-enabled/ticketing.conf",
        "/etc/nginx/sites-available/ticketing.conf",
        "/etc/nginx/tls",
        "/var/www/letsencrypt",
        f"/root/{HOST}.csr",
        *(str(SYSTEM / unit.name) for unit in UNITS.iterdir()),
    ):
        target = Path(path)
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
    if default_site and Path("/etc/nginx/sites-available/default").exists():
        link = Path("/etc/nginx/sites-enabled/default")
        if not link.is_symlink():
            link.symlink_to("/etc/nginx/sites-available/default")
    _run(["userdel", "ticketing"])
    _run(["groupdel", "ticketing"])
    shutil.rmtree(STATE, ignore_errors=True)


def _curl(url: str, *extra: str) -> tuple[int, dict[str, list[str]], str]:
    """Status, headers (lower-case names) and body of one request to this machine."""
    answer = _run(
        ["curl", "--silent", "--show-error", "--include", "--max-time", "30"]
        + ["--resolve", f"{HOST}:443:127.0.0.1", "--resolve", f"{HOST}:80:127.0.0.1"]
        + ["--cacert", "/etc/nginx/tls/ticketing.crt", *extra, url]
    )
    assert answer.returncode == 0, answer.stderr
    head, _, body = answer.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return int(lines[0].split()[1]), headers, body


def _logs() -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}" for log in STATE.glob("*.log")
    )


def _deploy_test_wanted() -> str | None:
    if os.environ.get("DEPLOY_DOC_TEST") != "1":
        return "runs with DEPLOY_DOC_TEST=1 (it installs the site on this machine)"
    if os.environ.get("TEST_DB") != "postgresql":
        return "runs in the PostgreSQL run only (TEST_DB=postgresql): the page's site uses it"
    if os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        return "runs as root on Debian"
    return None


@pytest.fixture()
def machine(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A clean machine for the page, a `systemctl` stand-in first on PATH, and the page's
    leftovers removed again afterwards, whatever happened."""
    reason = _deploy_test_wanted()
    if reason:
        pytest.skip(reason)
    for port in (80, 443, 8000):
        if _listening(port) and not (port in (80, 443) and Path("/run/nginx.pid").exists()):
            pytest.fail(f"port {port} is taken on this machine: the page's site needs it")
    default_site = (
        Path("/etc/nginx/sites-enabled/default").exists() or not Path("/etc/nginx").exists()
    )
    nginx_was_running = Path("/run/nginx.pid").exists()
    _clean(default_site=False)
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "systemctl").write_text(
        f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(__file__)} systemctl "$@"\n'
    )
    (shim / "systemctl").chmod(0o755)
    env = {
        "PATH": f"{shim}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "DEBIAN_FRONTEND": "noninteractive",
        "TICKETING_SOURCE": str(REPO),
    }
    try:
        yield env
    finally:
        _clean(default_site)
        if nginx_was_running:
            _nginx("reload")
        else:
            _nginx("stop")


def test_the_page_runs_as_written(machine: dict[str, str], tmp_path: Path) -> None:
    # the administrator's password, typed where create-admin asks for it
    password = "Deploy-check-" + os.urandom(9).hex()
    started = time.monotonic()
    for number, block in enumerate(b for b in doc_blocks() if b.runs):
        script = tmp_path / f"block-{number}.sh"
        script.write_text("set -eo pipefail\n" + block.code, encoding="utf-8")
        left = DEADLINE_SECONDS - (time.monotonic() - started)
        assert left > 0, f"the page took over {DEADLINE_SECONDS} s, at line {block.line}"
        ran = subprocess.run(
            ["bash", str(script)],
            env=machine,
            input=password + "\n",
            capture_output=True,
            text=True,
            timeout=left,
            cwd="/root",
            start_new_session=True,  # no terminal: the password is read from standard input
        )
        assert ran.returncode == 0, (
            f"docs/deploy.md line {block.line} failed ({ran.returncode}):\n{block.code}\n"
            f"{ran.stdout[-4000:]}\n{ran.stderr[-4000:]}\n{_logs()}"
        )
        if "ticketing check-deploy" in block.code:
            assert "no problem found" in ran.stdout and "✗" not in ran.stdout, ran.stdout

    # plain HTTP moves to HTTPS
    status, headers, _ = _curl(f"http://{HOST}/some/page?x=1")
    assert status == 301 and headers["location"] == [f"https://{HOST}/some/page?x=1"]
    # the application through nginx, over HTTPS with the page's certificate
    status, headers, body = _curl(f"https://{HOST}/healthz")
    assert status == 200 and '"ok"' in body, body
    assert "x-request-id" in headers  # gunicorn answered
    assert headers["strict-transport-security"] == ["max-age=63072000"]  # once, from nginx
    status, _, body = _curl(f"https://{HOST}/readyz")
    assert status == 200, body
    assert '"database":"ok"' in body and '"redis":"ok"' in body and '"migrations":"ok"' in body
    status, headers, page = _curl(f"https://{HOST}/login")
    assert status == 200 and '<html lang="zh-CN">' in page and "登录" in page
    # a static file from nginx, straight from the installed package (gunicorn adds a request id)
    status, headers, body = _curl(f"https://{HOST}/static/css/app.css")
    assert status == 200 and "x-request-id" not in headers
    assert body == (REPO / "static" / "css" / "app.css").read_text(encoding="utf-8")
    assert headers["cache-control"] == ["no-cache"]
    # the pages name it with its fingerprint: that URL browsers keep for a year
    stylesheet = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
    assert stylesheet, "the sign-in page names the stylesheet with its fingerprint"
    _status, headers, _ = _curl(f"https://{HOST}{stylesheet.group(1)}")
    assert headers["cache-control"] == ["public, max-age=31536000, immutable"]
    # /metrics: refused by nginx to any address but this machine's own 127.0.0.1
    status, _, _ = _curl(f"https://{HOST}/metrics", "--interface", "127.0.0.2")
    assert status == 403
    status, headers, _ = _curl(f"https://{HOST}/metrics")
    assert status != 403 and "x-request-id" in headers  # passed on to the application

    # the services run as the ticketing user; the settings are root's and the service's only
    ticketing = pwd.getpwnam("ticketing")
    for unit in ("ticketing-web.service", "ticketing-notify.service"):
        pid = _pid(unit)
        assert pid, f"{unit} is not running\n{_logs()}"
        uids = re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
        assert uids and int(uids[1]) == ticketing.pw_uid
    # the nightly backup ran once when its timer was enabled: a whole archive, the service's
    [archive] = Path("/var/backups/ticketing").glob("ticketing-backup-*.tar.gz")
    assert archive.stat().st_uid == ticketing.pw_uid and archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive) as backup:
        assert {"manifest.json", "database.dump"} <= set(backup.getnames())
    settings = os.stat("/etc/ticketing/ticketing.env")
    assert settings.st_mode & 0o777 == 0o640 and settings.st_uid == 0
    assert settings.st_gid == ticketing.pw_gid
    # nothing a service tried to do was refused (a folder it may not write, say)
    for log in STATE.glob("*.log"):
        text = log.read_text(errors="replace")
        for trouble in ("Traceback", "Permission denied", "[ERROR]", '"level": "ERROR"'):
            assert trouble not in text, f"{log.name}:\n{text[-3000:]}"
    # installed for real, the units' commands exist and the units still verify
    if shutil.which("systemd-analyze"):
        names = [str(SYSTEM / unit.name) for unit in sorted(UNITS.iterdir())]
        verified = _run(["systemd-analyze", "verify", "--man=no", *names])
        assert verified.returncode == 0, verified.stderr


def test_the_site_passes_nginx_t(tmp_path: Path) -> None:
    """Last in this file: in the PostgreSQL run with DEPLOY_DOC_TEST=1 the page has installed
    nginx by now."""
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        pytest.skip("nginx is not installed")
    key, cert = tmp_path / "site.key", tmp_path / "site.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", f"/CN={HOST}", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    site = SITE.read_text(encoding="utf-8")
    site = site.replace("/etc/nginx/tls/ticketing.crt", str(cert))
    site = site.replace("/etc/nginx/tls/ticketing.key", str(key))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "temp").mkdir()
    temps = "".join(
        f"    {kind}_temp_path {tmp_path}/temp/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log stderr;\nevents {{}}\nhttp {{\n"
        f"    access_log off;\n{temps}    include {tmp_path}/site.conf;\n}}\n"
    )
    checked = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr
    (tmp_path / "site.conf").write_text(site.replace("ssl_protocols", "ssl_protocol"))
    broken = subprocess.run(
        [nginx, "-t", "-e", "stderr", "-p", str(tmp_path), "-c", str(main)],
        capture_output=True,
        text=True,
    )
    assert broken.returncode != 0 and "ssl_protocol" in broken.stderr


if __name__ == "__main__" and sys.argv[1:2] == ["systemctl"]:
    sys.exit(systemctl(sys.argv[2:]))
