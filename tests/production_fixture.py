"""``installation()``: a province-shaped Asuh on this machine (tests/production.py
starts the pieces), its database seeded through the services."""

import os
import secrets
import subprocess
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from tests import factories
from tests.conftest import PG_URL_ENV, app_settings
from tests.mailserver import MailServer
from tests.production import (
    DEPLOY,
    ROOT,
    Installation,
    Process,
    command_line,
    free_port,
    port_open,
    read_env_file,
    read_unit,
    render_nginx,
    self_signed_certificate,
    start_nginx,
    start_redis,
    unknown_names,
)

# Values in the example that name another machine or stand for a secret: each must be
# replaced here, or the test would talk to hosts that are not this machine's.
PLACEHOLDERS = ("example.", ".internal", "CHANGE-ME", "/var/lib/", "/etc/")
# The environment of the shell running the suite must not leak into the servers.
FOREIGN = ("ASUH_", "DATABASE_URL", "SECRET_KEY", "WEB_CONCURRENCY", "GUNICORN_", "FLASK_")


def _database(work: Path) -> tuple[str, str]:
    """A database of its own on the PostgreSQL pass's server: (URL as an operator writes it
    in the environment file, URL for SQLAlchemy here)."""
    server = os.environ[PG_URL_ENV]
    name = "asuh_prod_" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    ours = server.rsplit("/", 1)[0] + "/" + name
    return ours.replace("postgresql+psycopg://", "postgresql://"), ours


def _seed(database: str, work: Path, audit_key: str):
    """Regions, catalogue, signing certificate, one user per role, and two sponsors with
    last month's deliveries (one of them the sponsor who signs in)."""
    from asuh import create_app
    from asuh.accounts.models import User
    from asuh.extensions import db
    from asuh.install import install_defaults
    from asuh.letters.signing import install_signing_certificate

    settings = app_settings(work, database)
    settings.update(AUDIT_KEY=audit_key, SIGNING_FOLDER=str(work / "signing"))
    app = create_app(settings)
    with app.app_context():
        install_defaults()
        install_signing_certificate()
        users = {role: factories.user(role) for role in ("admin", "officer", "field",
                                                          "sponsor")}
        db.session.commit()
        admin = db.session.get(User, users["admin"].id)
        # The signed-in sponsor's match (deliveries are logged on it) and another
        # sponsor's: two statements for last month.
        scene = factories.letter_scene(users["sponsor"].email, actor=admin)
        factories.letter_scene(actor=admin)
        db.session.commit()
        ids = {role: (user.id, user.email) for role, user in users.items()}
    return app, {"users": ids, "match": scene["match"], "period": scene["period"]}


def _environment(example: dict, overrides: dict) -> dict:
    missing = sorted(set(overrides) - set(example))
    assert not missing, f"deploy/asuh.env.example does not set {missing}"
    rendered = {**example, **overrides}
    left = {k: v for k, v in rendered.items() if any(p in v for p in PLACEHOLDERS)}
    assert not left, f"the test does not replace these example values: {left}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN)}
    return {**base, **rendered}


def _machine(work: Path, name: str) -> dict:
    """The folders of one machine: nothing in them is seen by the others."""
    folder = work / name
    return {"ASUH_UPLOAD_FOLDER": str(folder / "uploads"),
            "ASUH_LETTER_FOLDER": str(folder / "letters"),
            "ASUH_STATIC_BUILD_FOLDER": str(folder / "public" / "static")}


def _flask(unit: dict, env: dict, *args: str) -> subprocess.CompletedProcess:
    """A one-off ``flask --app app …`` as an operator runs it on one host."""
    program = command_line(unit, env)
    flask = program[:program.index("--app")] + ["--app", "app", *args]
    return subprocess.run(flask, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


@contextmanager
def installation(tmp_path: Path):
    """Start everything (on the PostgreSQL pass's server) and stop it again."""
    example = read_env_file(DEPLOY / "asuh.env.example")
    assert not unknown_names(example), f"names asuh/ never reads: {unknown_names(example)}"
    web, worker = read_unit("asuh-web@.service"), read_unit("asuh-worker.service")
    notifications = read_unit("asuh-notifications.service")
    assert (web["EnvironmentFile"] == worker["EnvironmentFile"]
            == notifications["EnvironmentFile"]), "the units read different environments"
    assert web["WorkingDirectory"] == worker["WorkingDirectory"] == "/srv/asuh"

    processes: dict[str, Process] = {}
    mail = MailServer().start()
    try:
        env_url, database = _database(tmp_path)
        processes["redis"], redis_url = start_redis(tmp_path)
        ports = {"a": free_port(), "b": free_port()}
        https, http = free_port(), free_port()
        audit_key = secrets.token_hex(32)
        shared = _environment(example, {
            "DATABASE_URL": env_url, "ASUH_REDIS_URL": redis_url,
            "SECRET_KEY": secrets.token_hex(32), "ASUH_AUDIT_KEY": audit_key,
            "ASUH_SIGNING_P12": str(tmp_path / "signing" / "signer.p12"),
            "ASUH_SIGNING_PASSWORD": "", "ASUH_PUBLIC_URL": f"https://127.0.0.1:{https}",
            "ASUH_SMTP_URL": mail.url, "ASUH_MAIL_FROM": "asuh@127.0.0.1",
            "WEB_CONCURRENCY": "1", **_machine(tmp_path, "shared")})
        # Once, from one host, before any app server starts (README, "Several servers").
        migrated = _flask(worker, shared, "db", "upgrade")
        assert migrated.returncode == 0, migrated.stderr
        for name, port in ports.items():
            env = {**shared, **_machine(tmp_path, name)}
            unit_env = {**web["Environment"], **env}
            processes[name] = Process(f"app server {name}",
                                      command_line(web, unit_env, str(port)),
                                      tmp_path / f"gunicorn-{name}.log", env).start()
        processes["worker"] = Process("job worker", command_line(worker, shared),
                                      tmp_path / "worker.log",
                                      {**shared, **_machine(tmp_path, "worker")}).start()
        app, seeded = _seed(database, tmp_path, audit_key)  # while they start
        for name, port in ports.items():
            processes[name].wait_until(lambda port=port: port_open(port),
                                       f"gunicorn listening on {port}")
        processes["worker"].wait_until(
            lambda: "RQ job worker started" in (tmp_path / "worker.log").read_text(),
            "RQ worker")

        certificate, key = self_signed_certificate(tmp_path)
        logs = tmp_path / "nginx-logs"
        logs.mkdir()
        site = render_nginx(DEPLOY / "nginx" / "asuh.conf", upstreams=[ports["a"], ports["b"]],
                            https=https, http=http, certificate=certificate, key=key,
                            logs=logs, static_root=tmp_path / "a" / "public")
        processes["nginx"] = start_nginx(tmp_path, site, https)
        yield Installation(
            url=f"https://127.0.0.1:{https}", http_url=f"http://127.0.0.1:{http}",
            certificate=certificate, servers=ports,
            folders={name: tmp_path / name for name in ("a", "b", "worker")},
            access_log=logs / "asuh-access.log", redis_url=redis_url,
            processes=processes, app=app, seeded=seeded, mail=mail, env=shared,
            flask=lambda *args: _flask(worker, shared, *args), work=tmp_path)
    finally:
        for process in reversed(list(processes.values())):
            process.stop()
        mail.stop()
