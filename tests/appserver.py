"""One app server of a multi-server test: ``python -m tests.appserver SETTINGS_JSON PORT``
builds the app from the settings (as ``create_app(test_config)``; the environment adds
what a deployment sets, e.g. ``ASUH_REDIS_URL``) and serves it over HTTP on 127.0.0.1.

A separate process, as each gunicorn worker of each server is: nothing held in one
process's memory (Flask-Limiter's counts, the dashboard's cache) is seen by another.
"""

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.mailserver import free_port

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def app_servers(settings: dict, count: int = 2, env: dict | None = None) -> Iterator[list[str]]:
    """Start ``count`` servers of the same installation; yield their base URLs."""
    processes, urls = [], []
    environment = {**os.environ, **(env or {})}
    try:
        for _ in range(count):
            port = free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "tests.appserver", json.dumps(settings), str(port)],
                cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls, strict=True):
            _wait(process, url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(10)


def _wait(process, url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app server exited: {process.stderr.read().decode()[-2000:]}",
                        pytrace=False)
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
            return
        except OSError as error:
            if getattr(error, "code", None):  # answered (even 503): it is up
                return
            time.sleep(0.1)
    pytest.fail(f"app server at {url} did not answer within 60 s", pytrace=False)


def main() -> None:
    from werkzeug.serving import make_server

    from asuh import create_app

    app = create_app(json.loads(sys.argv[1]))
    make_server("127.0.0.1", int(sys.argv[2]), app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
