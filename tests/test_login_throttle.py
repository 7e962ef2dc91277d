"""Issue 12's attacks on sign-in, each reproduced and shown to fail, on both stores of the
throttle: the database (default) and Redis (a real ``redis-server`` this module starts on
a free port; without one the Redis cases fail, never skip)."""

import shutil
import socket
import subprocess
import time

import pytest
from sqlalchemy import func, select

from asuh import create_app
from asuh.accounts.models import LoginFailure
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from tests.conftest import PASSWORD, app_settings

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OWNER = {"REMOTE_ADDR": "198.51.100.7"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (.ci/system-deps installs it)",
                    pytrace=False)
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if server.poll() is not None:
                pytest.fail(f"redis-server exited with {server.returncode}", pytrace=False)
            time.sleep(0.05)
    else:
        server.kill()
        pytest.fail("redis-server did not answer within 5 s", pytrace=False)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    server.terminate()
    server.wait(10)


@pytest.fixture(params=["database", "redis"])
def make_app(request, app, tmp_dir, database_url):
    """Fresh app objects (workers, or the app after a restart) on one database, and on
    one Redis server for the Redis store."""
    settings = app_settings(tmp_dir, database_url)
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        import redis

        redis.Redis.from_url(url).flushdb()
        settings["REDIS_URL"] = url
    return lambda: create_app(settings)


def _login(app, email, password, env=OWNER):
    return app.test_client().post("/login", data={"email": email, "password": password},
                                  environ_base=env)


def _token(app, email, password, env=OWNER):
    return app.test_client().post("/api/v1/tokens", json={"email": email, "password": password},
                                  environ_base=env)


def _failures_audited(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditRecord)
                                 .where(AuditRecord.action == "login_failed"))


def test_twenty_failures_over_two_workers_and_both_endpoints_check_five(make_app, users):
    email = users["officer"][1]
    worker_a, worker_b = make_app(), make_app()
    answers = []
    for attempt in range(20):
        app = worker_a if attempt % 2 else worker_b
        if attempt % 4 < 2:
            answers.append(_login(app, email, f"guess-{attempt}", ATTACKER).status_code)
        else:
            answers.append(_token(app, email, f"guess-{attempt}", ATTACKER).status_code)
    # Five guesses checked (wrong: 200 form again / 401), the other fifteen refused unchecked.
    assert sorted(code for code in answers if code != 429) == [200, 200, 200, 401, 401]
    assert answers[5:] == [429] * 15
    assert _failures_audited(worker_a) == 5
    # Even the right password waits now, from this client.
    assert _login(worker_a, email, PASSWORD, ATTACKER).status_code == 429


def test_a_restart_keeps_the_count(make_app, users):
    email = users["officer"][1]
    before = make_app()
    for attempt in range(5):
        assert _login(before, email, f"guess-{attempt}", ATTACKER).status_code == 200
    after = make_app()  # a new app object: a recycled worker, or the server restarted
    response = _login(after, email, PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in response.text
    assert "per 15 minute" not in response.text and "Lupa kata sandi" in response.text


def test_an_attacker_elsewhere_does_not_lock_the_owner_out(make_app, users):
    email = users["officer"][1]
    app = make_app()
    for attempt in range(8):
        _token(app, email, f"guess-{attempt}", ATTACKER)
    assert _token(app, email, PASSWORD, ATTACKER).status_code == 429
    assert _login(app, email, PASSWORD, OWNER).status_code == 302
    assert _token(app, email, PASSWORD, OWNER).status_code == 201


def test_a_guesser_spread_over_many_addresses_meets_the_account_budget(make_app, users):
    email = users["officer"][1]
    app = make_app()
    for host in range(5):
        for attempt in range(5):
            response = _login(app, email, f"guess-{host}-{attempt}",
                              {"REMOTE_ADDR": f"203.0.113.{host + 1}"})
            assert response.status_code == 200
    # 25 failures for the account: a sixth address is refused unchecked, the owner too.
    assert _login(app, email, "guess-6", {"REMOTE_ADDR": "203.0.113.99"}).status_code == 429
    assert _login(app, email, PASSWORD, OWNER).status_code == 429
    assert _failures_audited(app) == 25


def test_the_api_says_why_and_until_when_in_indonesian(make_app, users):
    email = users["officer"][1]
    app = make_app()
    for attempt in range(5):
        assert _token(app, email, f"guess-{attempt}", ATTACKER).status_code == 401
    response = _token(app, email, PASSWORD, ATTACKER)
    assert response.status_code == 429
    assert response.json["error"] == "too_many_failures"
    assert "Terlalu banyak percobaan" in response.json["message"]
    assert "WIB" in response.json["message"]


def test_unknown_emails_are_throttled_alike(make_app, users):
    app = make_app()
    codes = [_login(app, "nobody@example.id", f"guess-{n}", ATTACKER).status_code
             for n in range(6)]
    assert codes == [200] * 5 + [429]


def test_a_success_clears_the_clients_own_failures(make_app, users):
    email = users["officer"][1]
    app = make_app()
    for attempt in range(4):
        _login(app, email, f"typo-{attempt}", OWNER)
    assert _login(app, email, PASSWORD, OWNER).status_code == 302
    for attempt in range(4):
        assert _login(app, email, f"typo-again-{attempt}", OWNER).status_code == 200


def test_the_counters_hold_no_email_or_address(app, users):
    email = users["officer"][1]
    _login(app, email, "wrong-guess", ATTACKER)
    with app.app_context():
        row = db.session.scalar(select(LoginFailure))
    assert row is not None
    stored = f"{row.account_key} {row.client_key}"
    assert email not in stored and ATTACKER["REMOTE_ADDR"] not in stored
    assert len(row.account_key) == len(row.client_key) == 64


def test_with_redis_configured_the_counts_live_in_redis(redis_url, app, tmp_dir, database_url,
                                                        users):
    import redis

    server = redis.Redis.from_url(redis_url)
    server.flushdb()
    redis_app = create_app({**app_settings(tmp_dir, database_url), "REDIS_URL": redis_url})
    _login(redis_app, users["officer"][1], "wrong-guess", ATTACKER)
    with redis_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0
    keys = server.keys("asuh:login-failures:*")
    assert len(keys) == 1 and server.zcard(keys[0]) == 1
    assert users["officer"][1].encode() not in keys[0]


def test_parallel_guesses_cannot_all_pass_the_check(make_app, users):
    """Twenty guesses sent at once to a threaded server: each is checked and counted in
    turn (per account), so still only five reach the password check."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import requests
    from werkzeug.serving import make_server

    app = make_app()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}/api/v1/tokens"
    barrier = threading.Barrier(20)

    def guess(n):
        barrier.wait()
        return requests.post(url, json={"email": users["officer"][1],
                                        "password": f"guess-{n}"}, timeout=60).status_code

    try:
        with ThreadPoolExecutor(20) as pool:
            codes = sorted(pool.map(guess, range(20)))
    finally:
        server.shutdown()
        thread.join(10)
    assert codes == [401] * 5 + [429] * 15
    assert _failures_audited(app) == 5
