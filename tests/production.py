"""A production-shaped installation on this machine, started from the files in deploy/.

PostgreSQL (the suite's throwaway server, a database of its own), Redis (Debian's
``redis-server``), one job worker and two app servers run from the commands in the systemd
units, with the environment of ``deploy/asuh.env.example`` (machine-specific values put in),
and Debian's ``nginx`` runs a copy of ``deploy/nginx/asuh.conf`` with the ports and paths
rendered in. Each app server has its own upload, letter and static folders, as if it ran
on a machine of its own. Whatever cannot start fails the test with its log: never a skip.
"""

import configparser
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT_PREFIX = "/srv/asuh/.venv/bin/"
# Variables the deployment files set that are not the app's own.
NOT_THE_APPS = {"WEB_CONCURRENCY", "ASUH_BIND"}
START_SECONDS = 90  # two cores shared with the rest of the suite


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"(no {path.name})"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --- the deployment files, rendered -------------------------------------------------------

def read_unit(name: str) -> dict:
    """A systemd unit's [Service] settings: ``Environment`` as a dict, the rest as text."""
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",))
    parser.optionxform = str
    environment = {}
    for line in (DEPLOY / name).read_text().splitlines():
        if line.startswith("Environment="):
            key, _, value = line.removeprefix("Environment=").partition("=")
            environment[key] = value
    parser.read_string("\n".join(line for line in (DEPLOY / name).read_text().splitlines()
                                 if not line.startswith("Environment=")))
    service = dict(parser["Service"])
    service["Environment"] = environment
    return service


def read_env_file(path: Path) -> dict:
    """``KEY=value`` lines as systemd's EnvironmentFile= reads them (comments skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z][A-Z0-9_]*", key), f"bad line in {path}: {line}"
        values[key] = value
    return values


def unknown_names(names) -> list[str]:
    """Names the app's code never reads (a misspelt variable is silently ignored)."""
    source = "\n".join(p.read_text() for p in (ROOT / "asuh").rglob("*.py"))
    return [name for name in names if name not in NOT_THE_APPS
            and not re.search(rf"[\"']({name}|{name.removeprefix('ASUH_')})[\"']", source)]


def command_line(unit: dict, environment: dict, instance: str = "") -> list[str]:
    """ExecStart with systemd's ``%i`` and ``${VAR}`` expanded and the unit's virtualenv
    replaced by this one."""
    text = unit["ExecStart"].replace("%i", instance)
    text = re.sub(r"\$\{(\w+)\}", lambda m: environment[m.group(1)], text)
    words = shlex.split(text)
    assert words[0].startswith(UNIT_PREFIX), f"ExecStart runs {words[0]}, not {UNIT_PREFIX}…"
    program = words[0].removeprefix(UNIT_PREFIX)
    local = Path(sys.executable).parent / program
    head = [str(local)] if local.exists() else [sys.executable, "-m", program]
    return head + words[1:]


def render_nginx(site: Path, *, upstreams: list[int], https: int, http: int,
                 certificate: Path, key: Path, logs: Path, static_root: Path) -> str:
    """The site file with this run's ports and paths; each replaced text must be there."""
    text = site.read_text()
    text = "\n".join(line for line in text.splitlines() if "listen [::]" not in line)
    replacements = [
        ("127.0.0.1:8001", f"127.0.0.1:{upstreams[0]}"),
        ("127.0.0.1:8002", f"127.0.0.1:{upstreams[1]}"),
        ("listen 443 ", f"listen 127.0.0.1:{https} "),
        ("listen 80", f"listen 127.0.0.1:{http}"),
        ("asuh.example.go.id", "127.0.0.1"),
        ("/etc/ssl/asuh/fullchain.pem", str(certificate)),
        ("/etc/ssl/asuh/privkey.pem", str(key)),
        ("/var/log/nginx/", f"{logs}/"),
        ("root /var/lib/asuh;", f"root {static_root};"),
    ]
    for old, new in replacements:
        assert old in text, f"deploy/nginx/asuh.conf no longer has {old!r}: update the test"
        text = text.replace(old, new)
    return text


def nginx_main_config(prefix: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, with everything in ``prefix``."""
    # As root the workers would switch to `nobody`, who may not read the temp folders.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {name}_temp_path {prefix}/{name};"
                     for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
{temp}
    access_log {prefix}/access.log;
    include {site};
}}
"""


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (what the site's certificate paths name)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=2)).not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


# --- processes ----------------------------------------------------------------------------

@dataclass
class Process:
    name: str
    command: list[str]
    log: Path
    env: dict | None = None
    popen: subprocess.Popen | None = None

    def start(self) -> "Process":
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_until(self, ready, what: str, seconds: float = START_SECONDS) -> None:
        """Poll ``ready()`` until it is true; fail with the log if the process dies or
        the time runs out."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                pytest.fail(f"{self.name} exited ({self.popen.returncode}) before {what}:\n"
                            f"{' '.join(self.command)}\n{_tail(self.log)}", pytrace=False)
            try:
                if ready():
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"{self.name}: no {what} after {seconds} s:\n{_tail(self.log)}",
                    pytrace=False)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def find_program(name: str, package: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        pytest.fail(f"{name} is missing: Debian's {package} (`.ci/system-deps test` installs "
                    "it)", pytrace=False)
    return found


@dataclass
class Installation:
    """What the journey needs to know of the running installation."""
    url: str  # https through nginx
    http_url: str
    certificate: Path
    servers: dict[str, int]  # "a"/"b" → app server port
    folders: dict[str, Path]  # "a"/"b" → that server's own machine folder
    access_log: Path
    redis_url: str
    processes: dict[str, Process]
    app: object  # the Flask app the test seeded and reads the database with
    seeded: dict
    mail: object
    env: dict
    flask: object  # flask(*args): a one-off `flask --app app …` with the environment
    work: Path

    def upstream_of(self, request_id: str, seconds: float = 5) -> str:
        """The app server ("a", "b", or "-" for nginx itself) that answered a request."""
        ports = {f"127.0.0.1:{port}": name for name, port in self.servers.items()}
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.access_log.exists():
                for line in self.access_log.read_text().splitlines():
                    found = re.search(rf"rid={request_id} upstream=(.+?) rt=", line)
                    if found:
                        # After a failed try nginx lists every server it asked: the last
                        # one answered.
                        last = found.group(1).split(",")[-1].strip()
                        return ports.get(last, last)
            time.sleep(0.05)
        raise AssertionError(f"request {request_id} not in nginx's access log:\n"
                             f"{_tail(self.access_log)}")


def start_redis(work: Path) -> tuple[Process, str]:
    port = free_port()
    process = Process("redis-server", [find_program("redis-server", "redis-server"),
                                       "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no",
                                       "--dir", str(work)], work / "redis.log").start()
    process.wait_until(lambda: port_open(port), f"Redis on port {port}")
    return process, f"redis://127.0.0.1:{port}/0"


def start_nginx(work: Path, site_text: str, https: int) -> Process:
    nginx = find_program("nginx", "nginx")
    prefix = work / "nginx"
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (prefix / name).mkdir(parents=True, exist_ok=True)
    site = prefix / "asuh.conf"
    site.write_text(site_text)
    main = prefix / "nginx.conf"
    main.write_text(nginx_main_config(prefix, site))
    command = [nginx, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if checked.returncode != 0:
        pytest.fail(f"nginx refuses the configuration rendered from deploy/nginx/asuh.conf:\n"
                    f"{checked.stderr}", pytrace=False)
    process = Process("nginx", command, prefix / "nginx.out").start()
    process.wait_until(lambda: port_open(https), f"nginx on port {https}")
    return process
