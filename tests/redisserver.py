"""A real ``redis-server`` for the tests (Debian's, from .ci/system-deps), on a free port
of 127.0.0.1 with nothing saved to disk. A test that needs it and cannot start it fails,
never skips."""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mailserver import free_port


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """Start one; yield its URL; stop it."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed (.ci/system-deps installs it)",
                    pytrace=False)
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    client = Redis(port=port)
    try:
        for _ in range(200):
            try:
                client.ping()
                break
            except RedisDown:
                if process.poll() is not None:
                    pytest.fail(f"redis-server exited with {process.returncode}",
                                pytrace=False)
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer within 10 s", pytrace=False)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        process.terminate()
        process.wait(10)
