"""Many writers at once: SQLite must not answer "database is locked" (PostgreSQL likewise)."""

import threading

from asuh.audit.services import verify_chain
from tests.conftest import PASSWORD

WRITERS = 8
WRITES_EACH = 15


def test_concurrent_read_then_write_requests_all_succeed(app, users):
    # Each token request reads (user, audit head) and then writes (session, audit record):
    # the pattern that fails at once under SQLite's deferred transactions.
    failures = []
    barrier = threading.Barrier(WRITERS)

    def writer():
        client = app.test_client()
        barrier.wait()
        for _ in range(WRITES_EACH):
            response = client.post("/api/v1/tokens",
                                   json={"email": users["officer"][1], "password": PASSWORD},
                                   environ_base={"REMOTE_ADDR": f"10.0.{id(client) % 250}.1"})
            if response.status_code != 201:
                failures.append((response.status_code, response.text[:200]))

    app.config["LOGIN_ATTEMPT_LIMIT"] = "10000 per minute"
    try:
        threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        app.config["LOGIN_ATTEMPT_LIMIT"] = "30 per minute"
    assert failures == []
    with app.app_context():
        # Every writer chained onto the true predecessor: no fork in the audit chain.
        assert verify_chain() == []
