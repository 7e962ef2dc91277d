"""What several app servers share (issue 16), each shown with two app servers on one
database: separate processes where the state in question lives in a process's memory
(rate-limit counts, the dashboard's cache), two app objects where it lives in the
database (sessions, settings)."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

from asuh import create_app
from asuh.accounts.models import User
from asuh.extensions import db
from asuh.settings import services as settings
from asuh.static_files import build
from tests import factories
from tests.appserver import ROOT, app_servers
from tests.conftest import app_settings, sign_in
from tests.redisserver import redis_server


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _public_limits(tmp_dir, database_url) -> dict:
    # Four public-figure pages a minute per client address, and a default limit of two
    # on every other route (/healthz must be exempt from it).
    return {**app_settings(tmp_dir, database_url), "PUBLIC_FIGURES_LIMIT": "4 per minute",
            "RATELIMIT_DEFAULT": "2 per minute"}


def test_with_redis_a_rate_limit_is_counted_across_both_servers(app, tmp_dir, database_url,
                                                               tmp_path):
    with redis_server(tmp_path) as redis_url, app_servers(
            _public_limits(tmp_dir, database_url), env={"ASUH_REDIS_URL": redis_url}) as urls:
        first, second = urls
        answers = [_status(f"{url}/statistik") for url in (first, second, first, second,
                                                           first, second)]
        # Four in the minute between them, whichever server answered.
        assert answers == [200, 200, 200, 200, 429, 429]
        # The balancer's checks are never limited (nor do they spend anyone's budget).
        assert {_status(f"{url}/healthz") for url in urls for _ in range(5)} == {200}


def test_without_redis_each_server_counts_alone(app, tmp_dir, database_url):
    """Why several servers need ASUH_REDIS_URL: Flask-Limiter has no database storage,
    so without Redis each process keeps its own count (README, several servers). The
    failed-sign-in throttle is not affected: it counts in the database."""
    with app_servers(_public_limits(tmp_dir, database_url),
                     env={"ASUH_REDIS_URL": ""}) as urls:
        first, second = urls
        answers = [_status(f"{url}/statistik") for url in (first, first, first, first, first,
                                                           second)]
    assert answers == [200, 200, 200, 200, 429, 200]


CACHE_PROBE = """
import json, sys
from sqlalchemy import func, select
from asuh import create_app
from asuh.children.models import Child
from asuh.dashboard import cache
from asuh.extensions import db
from asuh.transactions import end_read

app = create_app(json.loads(sys.argv[1]))
computed = 0

def count():
    global computed
    computed += 1
    return db.session.scalar(select(func.count(Child.id)))

with app.app_context():
    for _ in sys.stdin:
        value = cache.cached(("children-probe",), ("child",), count)
        end_read()
        print(json.dumps([value, computed]), flush=True)
"""


def test_the_dashboard_cache_of_one_server_sees_a_change_made_through_another(
        app, users, regions, tmp_dir, database_url):
    """The dashboard's cache lives in each process, keyed by the newest audit record of
    the kinds it reads (asuh/dashboard/cache.py): a change made anywhere is seen on the
    next request everywhere, with no message between servers."""
    other = subprocess.Popen([sys.executable, "-c", CACHE_PROBE,
                              json.dumps(app_settings(tmp_dir, database_url))],
                             cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)

    def ask():
        other.stdin.write("\n")
        other.stdin.flush()
        return json.loads(other.stdout.readline())

    try:
        assert ask() == [0, 1]
        assert ask() == [0, 1]  # cached: not computed again while nothing changed
        with app.app_context():  # this process is "the other server"
            factories.child(actor=db.session.get(User, users["admin"][0]))
            db.session.commit()
        assert ask() == [1, 2]
        assert ask() == [1, 2]
    finally:
        other.stdin.close()
        other.wait(30)


def _two(tmp_dir, database_url):
    settings_ = app_settings(tmp_dir, database_url)
    return create_app(settings_), create_app(settings_)


def test_a_sign_in_on_one_server_holds_on_the_other(app, users, tmp_dir, database_url):
    first, second = _two(tmp_dir, database_url)
    one = first.test_client()
    assert sign_in(one, users["officer"][1]).status_code == 302
    cookie = one.get_cookie("session")
    two = second.test_client()
    two.set_cookie("session", cookie.value)
    assert two.get("/home").status_code == 200
    # Signing out on the second ends the session on the first too (it is a database row).
    two.post("/logout")
    assert one.get("/home").status_code == 302


def test_a_setting_changed_on_one_server_is_used_by_the_other(app, users, tmp_dir,
                                                              database_url):
    first, second = _two(tmp_dir, database_url)
    with second.app_context():
        assert settings.get("city_name") == "Kota Pangkalpinang"
    with first.app_context():
        settings.update({"city_name": "Kota Contoh"},
                                 actor=db.session.get(User, users["admin"][0]))
    with second.app_context():
        assert settings.get("city_name") == "Kota Contoh"


def test_every_server_names_the_same_static_file_alike(tmp_path):
    """Fingerprinted names come from the file's content alone: a page from one server
    names assets the other serves (when both run the same release)."""
    static = ROOT / "static"
    assert build(static, tmp_path / "server-a") == build(static, tmp_path / "server-b")
