"""Sign-in throttling that holds across workers, endpoints and restarts.

Failed sign-ins are counted in shared storage: the database by default (a table, so it
works with no extra server), Redis when ``ASUH_REDIS_URL`` is set. ``services.authenticate``
counts them, so the sign-in page and ``POST /api/v1/tokens`` spend one budget. Two
moving-window budgets:

- per account and client address (``LOGIN_FAILURE_LIMIT``, 5 per 15 minutes): what
  stops a guesser, without touching the owner signing in from elsewhere;
- per account alone, looser (``LOGIN_ACCOUNT_FAILURE_LIMIT``, 25 per 15 minutes): bounds
  a guesser spread over many addresses. Only such an attack locks the owner out, and a
  password reset (``clear_failures``) opens the account again.

Why not Flask-Limiter/limits, already used for the per-address attempt limit below: its
storages are memory, Redis, Memcached and MongoDB, none in the database we already run;
its keys cannot be cleared per account across every client (a reset must); and its 429
says "5 per 15 minute" in English. Its limit strings are still parsed with ``limits``.
Counting only what the credentials check says failed also lets a locked attempt cost
nothing: it is refused before any hashing.
"""

import hashlib
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from limits import parse
from redis.exceptions import LockError
from sqlalchemy import delete, select, text

from asuh.accounts.models import LoginFailure
from asuh.audit.key import audit_key
from asuh.errors import ValidationFailed
from asuh.extensions import db, limiter
from asuh.formatting import format_datetime_id
from asuh.timeutil import utcnow

_STORE = "asuh_login_failures"


class SignInLocked(ValidationFailed):
    """Too many failed sign-ins for this account (from this client): refused unchecked."""

    def __init__(self, until: datetime):
        self.until = until
        super().__init__({"password": [locked_message(until)]}, status=429)


def locked_message(until: datetime) -> str:
    return ("Terlalu banyak percobaan masuk yang gagal untuk akun ini. Demi keamanan, "
            f"percobaan masuk ditahan sampai {format_datetime_id(until)}. Jika ini akun Anda, "
            "buka “Lupa kata sandi” atau minta petugas membuat tautan atur ulang kata "
            "sandi: kata sandi baru membuka kembali akun Anda saat itu juga.")


@dataclass(frozen=True)
class Budget:
    amount: int
    window: timedelta

    @classmethod
    def parse(cls, text: str) -> "Budget":
        item = parse(text)
        return cls(item.amount, timedelta(seconds=item.get_expiry()))

    def blocked_until(self, times: list[datetime], now: datetime) -> datetime | None:
        """When the failures ``times`` (any order) next leave room for an attempt, or
        None if there is room now."""
        recent = sorted(t for t in times if t > now - self.window)
        if len(recent) < self.amount:
            return None
        return recent[len(recent) - self.amount] + self.window


def _budgets() -> tuple[Budget, Budget]:
    config = current_app.config
    return (Budget.parse(config["LOGIN_FAILURE_LIMIT"]),
            Budget.parse(config["LOGIN_ACCOUNT_FAILURE_LIMIT"]))


def _keyed(kind: str, value: str) -> str:
    # A keyed hash: the counters hold no email or address an intruder could read back.
    return hmac.new(audit_key(), f"login-{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def account_key(email: str) -> str:
    return _keyed("account", (email or "").strip().lower())


def client_key(client: str | None) -> str:
    return _keyed("client", client or "-")


class DatabaseFailures:
    """Failures as rows of ``login_failures``, written in the caller's unit of work (the
    failed sign-in's audit record commits with them)."""

    def add(self, account: str, client: str, at: datetime, keep: timedelta) -> None:
        db.session.execute(delete(LoginFailure).where(LoginFailure.account_key == account,
                                                      LoginFailure.failed_at <= at - keep))
        db.session.add(LoginFailure(account_key=account, client_key=client, failed_at=at))
        db.session.flush()

    @contextmanager
    def serialized(self, account: str) -> Iterator[None]:
        """SQLite's write transactions (BEGIN IMMEDIATE) already run one at a time; on
        PostgreSQL a lock per account, held to the end of the sign-in's transaction."""
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": int(account[:15], 16)})
        yield

    def times(self, account: str, since: datetime) -> list[tuple[str, datetime]]:
        rows = db.session.execute(select(LoginFailure.client_key, LoginFailure.failed_at)
                                  .where(LoginFailure.account_key == account,
                                         LoginFailure.failed_at > since))
        return [(client, at) for client, at in rows]

    def clear(self, account: str, client: str | None = None) -> None:
        stmt = delete(LoginFailure).where(LoginFailure.account_key == account)
        if client is not None:
            stmt = stmt.where(LoginFailure.client_key == client)
        db.session.execute(stmt)


class RedisFailures:
    """Failures as members of one sorted set per account (score: the moment), so one
    DEL clears an account across every client; the set expires with the longest window."""

    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)

    @staticmethod
    def _key(account: str) -> str:
        return f"asuh:login-failures:{account}"

    @contextmanager
    def serialized(self, account: str) -> Iterator[None]:
        """redis-py's lock (SET NX with an expiry), so a crashed worker cannot hold it."""
        lock = self.redis.lock(f"asuh:login-lock:{account}", timeout=30, blocking_timeout=10)
        if not lock.acquire():
            raise SignInLocked(utcnow() + timedelta(minutes=1))
        try:
            yield
        finally:
            with suppress(LockError):
                lock.release()

    @staticmethod
    def _score(at: datetime) -> float:
        return at.replace(tzinfo=UTC).timestamp()

    def add(self, account: str, client: str, at: datetime, keep: timedelta) -> None:
        key = self._key(account)
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(key, "-inf", self._score(at - keep))
        pipe.zadd(key, {f"{client}:{secrets.token_hex(8)}": self._score(at)})
        pipe.expire(key, int(keep.total_seconds()) + 1)
        pipe.execute()

    def times(self, account: str, since: datetime) -> list[tuple[str, datetime]]:
        members = self.redis.zrangebyscore(self._key(account), f"({self._score(since)}", "+inf",
                                           withscores=True)
        return [(member.decode().partition(":")[0],
                 datetime.fromtimestamp(score, UTC).replace(tzinfo=None))
                for member, score in members]

    def clear(self, account: str, client: str | None = None) -> None:
        key = self._key(account)
        if client is None:
            self.redis.delete(key)
            return
        mine = [member for member in self.redis.zrange(key, 0, -1)
                if member.decode().startswith(f"{client}:")]
        if mine:
            self.redis.zrem(key, *mine)


def store():
    app = current_app._get_current_object()
    if _STORE not in app.extensions:
        url = app.config.get("REDIS_URL")
        app.extensions[_STORE] = RedisFailures(url) if url else DatabaseFailures()
    return app.extensions[_STORE]


@contextmanager
def attempt(email: str, client: str | None) -> Iterator[None]:
    """One sign-in attempt for ``email`` from ``client``: refused (``SignInLocked``) while
    a budget is spent, and run one at a time per account, so parallel guesses cannot all
    pass the check before any of them is counted."""
    with store().serialized(account_key(email)):
        ensure_open(email, client)
        yield


def ensure_open(email: str, client: str | None) -> None:
    """Raise ``SignInLocked`` if this account may not try again from this client yet."""
    pair, account = _budgets()
    now = utcnow()
    since = now - max(pair.window, account.window)
    failures = store().times(account_key(email), since)
    mine = client_key(client)
    until = max(
        (moment for moment in (
            pair.blocked_until([at for who, at in failures if who == mine], now),
            account.blocked_until([at for _, at in failures], now),
        ) if moment is not None),
        default=None,
    )
    if until is not None:
        raise SignInLocked(until)


def count_failure(email: str, client: str | None) -> None:
    pair, account = _budgets()
    store().add(account_key(email), client_key(client), utcnow(),
                max(pair.window, account.window))


def forget_client_failures(email: str, client: str | None) -> None:
    """A success from this client: its own typos no longer count (the per-account count
    of failures from elsewhere stands)."""
    store().clear(account_key(email), client_key(client))


def clear_failures(email: str) -> None:
    """Open the account again from every client (its owner has just proved who they are
    with a reset link)."""
    store().clear(account_key(email))


def throttled(view):
    """Attempts per client address on a view that takes credentials, whatever the
    account: a sprayer trying one password on many emails must not make the server
    spend ~150 ms of scrypt per guess without end. Flask-Limiter keeps this count (in
    Redis too, when ``ASUH_REDIS_URL`` is set)."""
    return limiter.limit(
        lambda: current_app.config["LOGIN_ATTEMPT_LIMIT"],
        methods=["POST"],
    )(view)
