"""A province's installation, shaped as in production and started from deploy/: nginx (TLS)
in front of two app servers that share nothing but PostgreSQL and Redis, and an RQ job
worker on a third "machine" (tests/production.py, tests/production_fixture.py).

A sponsor signs in through nginx and logs deliveries with photos, which both app servers
take; each photo is then shown by the server that did not store it. An officer issues the
month's statements in bulk: the RQ worker makes them, and both servers hand out the zip
and the letters. Then the proxy itself: client address and scheme as the app sees them,
static files, the upload limit, HTTP to HTTPS, unknown hosts, /healthz, and one app
server stopped.
"""

import io
import os
import re
import zipfile
from urllib.parse import urljoin

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, PG_URL_ENV, csrf_token
from tests.production_fixture import installation

CLIENT_ADDRESS = "127.0.0.5"  # a loopback address of its own: the "phone" nginx sees
JOB_SECONDS = 120


@pytest.fixture
def site(tmp_path):
    if not os.environ.get(PG_URL_ENV):
        pytest.skip("runs in the PostgreSQL pass (make test-postgres)")
    with installation(tmp_path) as started:
        yield started


class FromAddress(HTTPAdapter):
    """Connections from one loopback address, so the client's address differs from the
    proxy's own (127.0.0.1) as it would on a network."""

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (CLIENT_ADDRESS, 0)
        super().init_poolmanager(*args, **kwargs)


def _browser(site, *, address: bool = False) -> requests.Session:
    session = requests.Session()
    # Never the environment's CA bundle (it would replace ours) nor its proxies.
    session.trust_env = False
    session.verify = str(site.certificate)
    if address:
        session.mount("https://", FromAddress())
    return session


def _post(session, url: str, data: dict, **kwargs):
    # Browsers send a Referer; Flask-WTF requires it on HTTPS (same origin as the host the
    # app sees, which proves X-Forwarded-Proto and -Host arrive).
    return session.post(url, data=data, headers={"Referer": url, **kwargs.pop("headers", {})},
                        allow_redirects=False, **kwargs)


def _sign_in(site, session, email: str, **headers):
    page = session.get(f"{site.url}/login")
    assert page.status_code == 200, page.text[:500]
    response = _post(session, f"{site.url}/login", {
        "email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        headers=headers)
    assert response.status_code == 302, response.text[:2000]


def _served_by(site, response) -> str:
    return site.upstream_of(response.headers["X-Request-ID"])


def _from_both(site, session, url: str) -> dict[str, bytes]:
    """GET ``url`` through nginx until each app server has answered it once; {server:
    body}. nginx takes turns, so two or three requests do."""
    bodies = {}
    for _ in range(6):
        response = session.get(url)
        assert response.status_code == 200, (url, response.status_code, response.text[:500])
        bodies[_served_by(site, response)] = response.content
        if set(bodies) == {"a", "b"}:
            return bodies
    raise AssertionError(f"{url} was not served by both app servers: {sorted(bodies)}")


def _log_delivery(site, session, match: int, photo: bytes):
    form = session.get(f"{site.url}/matches/{match}/contributions/new")
    assert form.status_code == 200, form.text[:500]
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', form.text)
    data = {"csrf_token": csrf_token(form.text), "submission_token": token.group(1),
            "delivered_on": re.search(r'name="delivered_on"[^>]*value="([^"]+)"',
                                      form.text).group(1),
            "note": "Diantar langsung", "items-0-item": "rice|karung 5 kg",
            "items-0-quantity": "2", "items-0-value_idr": "150.000"}
    return _post(session, form.url, data,
                 files=[("photos", ("bukti.jpg", photo, "image/jpeg"))])


def _photos_of(site, contribution_id: int) -> list[int]:
    from asuh.contributions.models import ContributionPhoto
    from asuh.extensions import db

    with site.app.app_context():
        return db.session.scalars(select(ContributionPhoto.id).where(
            ContributionPhoto.contribution_id == contribution_id)).all()


def test_a_province_behind_nginx_two_app_servers_and_a_worker(site):
    users = site.seeded["users"]

    # A sponsor's phone signs in, claiming to be someone else in X-Forwarded-For.
    sponsor = _browser(site, address=True)
    _sign_in(site, sponsor, users["sponsor"][1], **{"X-Forwarded-For": "203.0.113.9"})
    _check_client_address(site, users["sponsor"][0])

    # Deliveries with photos, until both app servers have stored one (nginx takes turns).
    stored_by = {}
    for n in range(6):
        photo = factories.image_bytes(color=("red", "green", "blue")[n % 3], size=(96, 64))
        response = _log_delivery(site, sponsor, site.seeded["match"], photo)
        assert response.status_code == 302, response.text[:2000]
        contribution = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
        stored_by[contribution] = _served_by(site, response)
        assert sponsor.get(urljoin(site.url, response.headers["Location"])).status_code == 200
        if set(stored_by.values()) == {"a", "b"}:
            break
    assert set(stored_by.values()) == {"a", "b"}, stored_by

    # Every photo and its thumbnail, from both servers: the one that did not store it too.
    for contribution in stored_by:
        photos = _photos_of(site, contribution)
        assert len(photos) == 1
        base = f"{site.url}/contributions/{contribution}/photos/{photos[0]}"
        for url in (base, base + "/thumbnail"):
            bodies = _from_both(site, sponsor, url)
            assert bodies["a"] == bodies["b"] and bodies["a"][:3] in (b"\xff\xd8\xff",
                                                                      b"RIF"), url

    _bulk_statements_through_the_worker(site)
    _the_proxy(site, sponsor)
    _one_server_down(site, sponsor)

    # Every process sealed the same audit chain with the same key.
    verified = site.flask("audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _check_client_address(site, user_id: int) -> None:
    """The app records the address nginx saw, not the one the client wrote."""
    from asuh.accounts.models import LoginSession
    from asuh.extensions import db

    with site.app.app_context():
        addresses = db.session.scalars(select(LoginSession.ip_address).where(
            LoginSession.user_id == user_id)).all()
    assert addresses == [CLIENT_ADDRESS]


def _bulk_statements_through_the_worker(site) -> None:
    import time

    from redis import Redis
    from rq.registry import FinishedJobRegistry

    from asuh.extensions import db
    from asuh.letters.models import Letter

    officer = _browser(site)
    _sign_in(site, officer, site.seeded["users"]["officer"][1])
    form = officer.get(f"{site.url}/letters/statements/all")
    submitted = _post(officer, form.url, {"csrf_token": csrf_token(form.text),
                                          "month": site.seeded["period"].code})
    assert submitted.status_code == 302, submitted.text[:2000]
    job = int(submitted.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    deadline = time.monotonic() + JOB_SECONDS
    while True:
        state = officer.get(f"{site.url}/jobs/{job}/status").json()
        if state["status"] not in ("queued", "running"):
            break
        assert time.monotonic() < deadline, f"job {job} still {state['status']}"
        time.sleep(0.5)
    assert state["status"] == "done", (state, (site.work / "worker.log").read_text()[-3000:])
    ran = FinishedJobRegistry("asuh", connection=Redis.from_url(site.redis_url))
    assert any(i.startswith(f"asuh-job-{job}-") for i in ran.get_job_ids()), "not run by RQ"

    zips = _from_both(site, officer, f"{site.url}/jobs/{job}/download")
    assert zips["a"] == zips["b"]
    names = zipfile.ZipFile(io.BytesIO(zips["a"])).namelist()
    with site.app.app_context():
        letters = db.session.scalars(select(Letter).where(
            Letter.kind == "sponsor_statement")).all()
        assert sorted(names) == sorted(letter.file_name for letter in letters)
        assert len(letters) == 2
    pdfs = _from_both(site, officer, f"{site.url}/letters/{letters[0].id}/pdf")
    assert pdfs["a"] == pdfs["b"] and pdfs["a"].startswith(b"%PDF")


def _the_proxy(site, sponsor) -> None:
    # /healthz on each app server and through nginx.
    for url in [f"http://127.0.0.1:{port}/healthz" for port in site.servers.values()] + [
            f"{site.url}/healthz"]:
        health = _browser(site).get(url)
        assert health.status_code == 200, health.text
        assert {"database": "ok", "redis": "ok", "storage": "ok"}.items() <= \
            health.json()["checks"].items()

    # Secure cookies and HSTS: the app knows it is reached over HTTPS.
    page = sponsor.get(f"{site.url}/login")
    assert "max-age=" in page.headers.get("Strict-Transport-Security", "")
    assert all(cookie.secure for cookie in sponsor.cookies)

    # Links the app builds from the request name the address the officer used: scheme
    # (X-Forwarded-Proto) and host with its port (Host, X-Forwarded-Host).
    admin = _browser(site)
    _sign_in(site, admin, site.seeded["users"]["admin"][1])
    user_page = f"{site.url}/admin/users/{site.seeded['users']['officer'][0]}"
    made = _post(admin, f"{user_page}/password-reset",
                 {"csrf_token": csrf_token(admin.get(user_page).text)})
    assert made.status_code == 302, made.text[:2000]
    assert f"{site.url}/reset/" in admin.get(urljoin(user_page, made.headers["Location"])).text

    # A fingerprinted static file comes from nginx's disk, compressed and immutable.
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page.text).group(1)
    static = sponsor.get(site.url + css, headers={"Accept-Encoding": "gzip"})
    assert static.status_code == 200 and "immutable" in static.headers["Cache-Control"]
    assert static.headers.get("Content-Encoding") == "gzip"
    assert _served_by(site, static) == "-"

    # A body just over the app's limit reaches the app, which says why in Indonesian.
    too_big = _log_delivery(site, sponsor, site.seeded["match"], b"\xff\xd8\xff" +
                            b"\0" * (20 * 1024 * 1024 + 200_000))
    assert too_big.status_code == 413 and "Berkas terlalu besar" in too_big.text

    # Plain HTTP is sent to HTTPS; another host name gets no answer at all.
    plain = _browser(site).get(f"{site.http_url}/login", allow_redirects=False)
    assert plain.status_code == 301
    assert plain.headers["Location"].startswith("https://127.0.0.1")
    try:
        stranger = sponsor.get(f"{site.url}/login", headers={"Host": "asuh.elsewhere.example"})
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError(f"another host name was answered: {stranger.status_code}")


def _one_server_down(site, sponsor) -> None:
    """App server b stops: nginx sends every request to a, a delivery's POST too."""
    site.processes["b"].stop()
    for _ in range(4):
        page = sponsor.get(f"{site.url}/me/contributions")
        assert page.status_code == 200 and _served_by(site, page) == "a"
    response = _log_delivery(site, sponsor, site.seeded["match"],
                             factories.image_bytes(color="yellow"))
    assert response.status_code == 302 and _served_by(site, response) == "a"
