"""Issue 16's load phase through nginx: the production-shaped installation of
tests/test_production_shape.py (nginx over TLS from deploy/, two app servers, an RQ worker,
Redis, PostgreSQL) driven by tests/bench_load.py's generator.

    .venv/bin/python -m tests.bench_nginx [--sponsors 40] [--seconds 20] [--clients 4]

Sponsors sign in through nginx (the form and POST /api/v1/tokens); then the same phases as
``make bench``'s load test: ``GET /login`` (baseline), the sponsors' home page (readers) and
``POST /api/v1/contributions`` (writers, a fresh Idempotency-Key each). Afterwards every
id answered with 201 must be in the table and the rows added must equal the 201s; nginx's
access log says how the requests were shared between the two app servers. Exit 1 on any
error or a missing write. Not collected by pytest.
"""

import argparse
import os
import re
import shutil
import ssl
import sys
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.bench_city import BENCH_PASSWORD
from tests.bench_load import Target, run_load
from tests.conftest import PG_URL_ENV
from tests.postgres import start_server
from tests.production_fixture import installation

# Every sign-in of the bench comes from 127.0.0.1 within seconds.
NO_SIGN_IN_LIMITS = {"ASUH_LOGIN_ATTEMPT_LIMIT": "1000000 per minute",
                     "ASUH_LOGIN_FAILURE_LIMIT": "1000000 per minute"}


def _sponsors_with_matches(site, count: int) -> list[dict]:
    """``count`` sponsors registered by an officer, each matched with a child, their
    invited accounts given the bench password (a cheap hash, as bench_pages does)."""
    from werkzeug.security import generate_password_hash

    from asuh import timeutil
    from asuh.accounts.models import User
    from asuh.extensions import db
    from tests import factories

    password_hash = generate_password_hash(BENCH_PASSWORD, method="pbkdf2:sha256:1000")
    logins = []
    with site.app.app_context():
        admin = db.session.get(User, site.seeded["users"]["admin"][0])
        start = timeutil.today() - timedelta(days=30)
        for _ in range(count):
            sponsor = factories.sponsor(actor=admin)
            match = factories.match(sponsor, factories.child(actor=admin), actor=admin,
                                    start_on=start)
            user = db.session.get(User, sponsor.user_id)
            user.password_hash, user.active = password_hash, True
            logins.append({"email": user.email, "sponsor_id": match.sponsor_id,
                           "match_ids": [match.id]})
        db.session.commit()
    assert len(logins) == count
    return logins


def _contribution_ids(site):
    from asuh.contributions.models import Contribution
    from asuh.extensions import db

    def ids() -> set[int]:
        with site.app.app_context():
            return set(db.session.scalars(select(Contribution.id)))
    return ids


def _shares(access_log: Path, servers: dict) -> dict:
    """Answers per app server, by request line, from nginx's access log."""
    names = {f"127.0.0.1:{port}": name for name, port in servers.items()}
    shares: dict[str, Counter] = {}
    for line in access_log.read_text().splitlines():
        found = re.search(r'"(\w+) (\S+) [^"]*" (\d+) .* upstream=(.+?) rt=', line)
        if found:
            method, path, _status, upstream = found.groups()
            key = f"{method} {path.split('?')[0]}"
            server = names.get(upstream.split(",")[-1].strip(), upstream)
            shares.setdefault(key, Counter())[server] += 1
    return shares


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sponsors", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="asuh-bench-nginx-"))
    postgres = start_server()
    os.environ[PG_URL_ENV] = postgres.url
    try:
        with installation(work, extra_env=NO_SIGN_IN_LIMITS) as site:
            logins = _sponsors_with_matches(site, args.sponsors)
            port = int(site.url.rsplit(":", 1)[1])
            target = Target("127.0.0.1", port,
                            ssl.create_default_context(cafile=str(site.certificate)))
            result = run_load(None, logins, work, seconds=args.seconds,
                              baseline_seconds=min(10, args.seconds), clients=args.clients,
                              target=target, contribution_ids=_contribution_ids(site))
            shares = _shares(site.access_log, site.servers)
    finally:
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nnginx (TLS) -> 2 app servers (gunicorn, 1 process x 4 threads each), "
          f"PostgreSQL, {args.clients} clients, {args.seconds:g} s per phase, "
          f"{len(logins)} sponsors")
    for name in ("baseline", "sponsor_home", "log_contribution"):
        phase = result[name]
        print(f"  {name}: {phase['rps']} req/s, median {phase['median_ms']} ms, "
              f"p95 {phase['p95_ms']} ms, {phase['ok']} ok, {phase['errors']} errors "
              f"{phase['error_samples'] or ''}")
    print(f"  writes: {result['check']}")
    for key in ("GET /me/children", "POST /api/v1/contributions"):
        print(f"  {key} answered by: {dict(shares.get(key, {}))}")
    errors = sum(result[name]["errors"] for name in ("baseline", "sponsor_home",
                                                      "log_contribution"))
    return 0 if errors == 0 and result["check"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
