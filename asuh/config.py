"""Settings read from the environment (12-factor), with safe development defaults."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from asuh.filemodes import private_dir
from asuh.timeutil import DEFAULT_ZONE, check_zone

# The checkout: templates, static files and migrations sit beside the package. Defined on
# the ground floor so modules that need it (PDF rendering) never import the factory.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when ASUH_ENV=production.")
    # A generated key survives restarts, so developers are not logged out on every reload.
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance_path / 'asuh.db'}")
    # Heroku-style URLs name the old driver; psycopg 3 is the one we ship.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _timezone() -> str:
    try:
        return check_zone(os.environ.get("ASUH_TIMEZONE", DEFAULT_ZONE).strip())
    except ValueError as error:
        raise ConfigError(str(error)) from None


def load_config(instance_path: Path) -> dict:
    """Build the Flask config mapping from the environment."""
    private_dir(instance_path)
    production = os.environ.get("ASUH_ENV", "development") == "production"
    https = _bool("ASUH_HTTPS", production)
    redis_url = os.environ.get("ASUH_REDIS_URL", "").strip() or None
    return {
        "ASUH_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_FOLDER": os.environ.get("ASUH_UPLOAD_FOLDER", str(instance_path / "uploads")),
        "LETTER_FOLDER": os.environ.get("ASUH_LETTER_FOLDER", str(instance_path / "letters")),
        # Where photos, thumbnails and files waiting for a confirmation are kept
        # (asuh/storage): "local" (UPLOAD_FOLDER, one server) or "database" (the
        # stored_files table, for several app servers).
        "STORAGE": os.environ.get("ASUH_STORAGE", "local").strip().lower() or "local",
        "MAX_CONTENT_LENGTH": int(os.environ.get("ASUH_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": https,
        # HSTS only where HTTPS is on: sent over plain HTTP it would lock browsers out.
        "HSTS_SECONDS": int(os.environ.get("ASUH_HSTS_SECONDS", "31536000")) if https else 0,
        "PERMANENT_SESSION_LIFETIME": timedelta(
            hours=int(os.environ.get("ASUH_SESSION_HOURS", "12"))
        ),
        "API_TOKEN_HOURS": int(os.environ.get("ASUH_API_TOKEN_HOURS", "24")),
        # Werkzeug's default (scrypt) is a modern memory-hard KDF; overridable only for tests.
        "PASSWORD_HASH_METHOD": os.environ.get("ASUH_PASSWORD_HASH", "scrypt"),
        # Failed sign-ins per account and client address, and per account from anywhere
        # (looser: only a guesser spread over many addresses reaches it). asuh/accounts/throttle.py
        "LOGIN_FAILURE_LIMIT": os.environ.get("ASUH_LOGIN_FAILURE_LIMIT", "5 per 15 minutes"),
        "LOGIN_ACCOUNT_FAILURE_LIMIT": os.environ.get("ASUH_LOGIN_ACCOUNT_FAILURE_LIMIT",
                                                      "25 per 15 minutes"),
        # Shared counters for every worker and server: failed sign-ins live in the database
        # unless this names a Redis server, which then also holds Flask-Limiter's counts.
        "REDIS_URL": redis_url,
        "LOGIN_ATTEMPT_LIMIT": os.environ.get("ASUH_LOGIN_ATTEMPT_LIMIT", "30 per minute"),
        "SPONSOR_REGISTRATION_LIMIT": os.environ.get("ASUH_REGISTRATION_LIMIT", "10 per hour"),
        # The public figures page and CSV (asuh/opendata), open to the internet.
        "PUBLIC_FIGURES_LIMIT": os.environ.get("ASUH_PUBLIC_FIGURES_LIMIT", "60 per minute"),
        "SPONSOR_INVITATION_HOURS": int(os.environ.get("ASUH_INVITATION_HOURS", "72")),
        "PASSWORD_RESET_HOURS": int(os.environ.get("ASUH_PASSWORD_RESET_HOURS", "24")),
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust
        # (client address for rate limits and the audit trail; host for invitation links).
        "PROXY_COUNT": int(os.environ.get("ASUH_PROXY_COUNT", "0")),
        "RATELIMIT_STORAGE_URI": os.environ.get("ASUH_RATELIMIT_STORAGE",
                                                redis_url or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": False,
        # A moving window: with fixed windows, five failures just before a window ends and
        # five just after it would all be allowed.
        "RATELIMIT_STRATEGY": "moving-window",
        "SQLITE_BUSY_TIMEOUT_MS": int(os.environ.get("ASUH_SQLITE_BUSY_MS", "30000")),
        # The installation's clock: "today", month and year boundaries, letter dates and
        # every time shown (asuh/timeutil.py). WIB, WITA (Asia/Makassar) or WIT (Asia/Jayapura).
        "ASUH_TIMEZONE": _timezone(),
        "CITY_NAME": os.environ.get("ASUH_CITY_NAME", "Kota Pangkalpinang"),
        "CITY_PLACE": os.environ.get("ASUH_CITY_PLACE", "Pangkalpinang"),
        "OFFICE_NAME": os.environ.get(
            "ASUH_OFFICE_NAME",
            "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk "
            "dan Keluarga Berencana",
        ),
        "OFFICE_SHORT_NAME": os.environ.get("ASUH_OFFICE_SHORT_NAME", "DPPPAKB"),
        "OFFICE_ADDRESS": os.environ.get(
            "ASUH_OFFICE_ADDRESS", "Jl. Rasakunda No. 1, Pangkalpinang"
        ),
        "OFFICE_PHONE": os.environ.get("ASUH_OFFICE_PHONE", "(0717) 000000"),
        "OFFICE_EMAIL": os.environ.get("ASUH_OFFICE_EMAIL", "dpppakb@pangkalpinangkota.go.id"),
        # Where the public reaches this app: letters print QR codes to <PUBLIC_URL>/verify/…,
        # also when issued by the CLI, outside any request.
        "PUBLIC_URL": os.environ.get("ASUH_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        # Background jobs (asuh/jobs): RQ on REDIS_URL when set, else the embedded worker
        # (`flask jobs work`) polls the database this often.
        "JOB_POLL_SECONDS": float(os.environ.get("ASUH_JOB_POLL_SECONDS", "1")),
        # A running job with no heartbeat for this long lost its worker: taken up again.
        "JOB_STALE_SECONDS": int(os.environ.get("ASUH_JOB_STALE_SECONDS", "600")),
        "JOB_MAX_ATTEMPTS": int(os.environ.get("ASUH_JOB_MAX_ATTEMPTS", "3")),
        "JOB_TIMEOUT_SECONDS": int(os.environ.get("ASUH_JOB_TIMEOUT_SECONDS", str(6 * 3600))),
        # Outgoing mail (asuh/notifications): smtp://[user:password@]host:port (STARTTLS
        # when the server offers it) or smtps://…; unset, nothing is sent (and the log says so).
        "SMTP_URL": os.environ.get("ASUH_SMTP_URL") or None,
        "MAIL_FROM": os.environ.get("ASUH_MAIL_FROM") or None,
        # A delivery waiting longer than this for confirmation goes in the officers' digest.
        "CONFIRMATION_WAIT_DAYS": int(os.environ.get("ASUH_CONFIRMATION_WAIT_DAYS", "3")),
    }
