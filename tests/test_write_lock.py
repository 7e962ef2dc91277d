"""Issue 12: no request holds the write lock while it computes, and reads that write
(downloads, exports) never fail because others are writing.

A "probe" is a second, real database connection with a short lock wait: on SQLite it
takes the write lock (BEGIN IMMEDIATE), on PostgreSQL the audit head row every writer
locks. It succeeds only while no request holds them.
"""

import functools
import io
import threading
import time

import pytest
from PIL import Image
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from asuh.audit.models import AuditRecord
from asuh.contributions.models import ContributionPhoto
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.transactions import short_write
from tests import factories
from tests.test_letters_pages import downloads, issue


@functools.cache
def big_png() -> bytes:
    """~40 MP (7300×5450) of plain white: about 130 KB as PNG, seconds to decode."""
    out = io.BytesIO()
    Image.new("RGB", (7300, 5450), "white").save(out, "PNG")
    return out.getvalue()


def broken_png(width: int, height: int) -> bytes:
    """A PNG whose header is true and whose pixel data is damaged (its checksum fails):
    judging it takes reading the body, which the header check never does."""
    out = io.BytesIO()
    Image.new("L", (width, height)).save(out, "PNG")
    data = bytearray(out.getvalue())
    start = data.index(b"IDAT") + 4
    data[start:start + 8] = b"\xff" * 8
    return bytes(data)


class Probe:
    """A second connection that tries the write lock with a short wait (``timeout_s``)."""

    def __init__(self, url: str, timeout_s: float = 0.3):
        self.sqlite = url.startswith("sqlite")
        args = {"timeout": timeout_s} if self.sqlite else {}
        self.engine = create_engine(url, connect_args=args, poolclass=None)
        self.timeout_ms = int(timeout_s * 1000)

    def try_write(self) -> None:
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            cur = raw.cursor()
            if self.sqlite:
                raw.isolation_level = None
                cur.execute("BEGIN IMMEDIATE")
                cur.execute("ROLLBACK")
            else:
                cur.execute(f"SET lock_timeout = {self.timeout_ms}")
                cur.execute("SELECT 1 FROM audit_head FOR UPDATE")
                raw.rollback()

    def hold(self, seconds: float, started: threading.Event) -> None:
        """Hold the write lock (and write something) for ``seconds``."""
        with self.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            cur = raw.cursor()
            if self.sqlite:
                raw.isolation_level = None
                cur.execute("BEGIN IMMEDIATE")
                cur.execute("UPDATE users SET email = email")
            else:
                cur.execute("SELECT 1 FROM audit_head FOR UPDATE")
                cur.execute("UPDATE users SET email = email")
            started.set()
            time.sleep(seconds)
            cur.execute("COMMIT") if self.sqlite else raw.commit()

    def close(self):
        self.engine.dispose()


@pytest.fixture
def probe(app):
    the_probe = Probe(app.config["SQLALCHEMY_DATABASE_URI"])
    yield the_probe
    the_probe.close()


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        ids = factories.contribution_scene(users)
        mine = factories.contribution(db.session.get(Match, ids["match"]))
        db.session.commit()
        return {**ids, "mine": mine.id}


def _post_photos(client, contribution_id, files: list[bytes]):
    return client.post(f"/contributions/{contribution_id}/photos", data={"photos": [
        (io.BytesIO(data), f"foto{i}.png") for i, data in enumerate(files)]},
        content_type="multipart/form-data", follow_redirects=True)


def _photo_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(ContributionPhoto.id)).all())


# --- 1. uploads: count, then headers, then decoding, all before the lock -------------


@pytest.mark.parametrize("count", [15, 40])
def test_too_many_big_photos_are_refused_by_count_before_any_is_read(app, client, login,
                                                                     scene, count):
    # The last file is no image at all: were any file opened before the count was checked,
    # the answer would be "bukan gambar"; were they decoded, it would take a minute.
    login("sponsor")
    files = [big_png()] * (count - 1) + [b"not an image"]
    response = _post_photos(client, scene["mine"], files)
    assert response.status_code == 200
    assert "Maksimal 10 foto per penyaluran (sudah ada 0, ditambah " f"{count})" in response.text
    assert "bukan gambar" not in response.text
    assert _photo_count(app) == 0


def test_every_header_is_checked_before_any_photo_is_decoded(app, client, login, scene):
    # The first file's header is fine but its pixel data is damaged; the second's header
    # says 50 MP. Headers first: the answer names the megapixels.
    login("sponsor")
    response = _post_photos(client, scene["mine"],
                            [broken_png(800, 600), broken_png(10_000, 5_000)])
    assert "maksimal 40 megapiksel" in response.text
    assert "bukan gambar" not in response.text
    # Alone, the first one is refused when decoded.
    response = _post_photos(client, scene["mine"], [broken_png(800, 600)])
    assert "bukan gambar yang valid" in response.text
    assert _photo_count(app) == 0


def test_a_big_upload_does_not_hold_the_write_lock_while_it_is_decoded(app, client, login,
                                                                       scene, probe):
    login("sponsor")
    data = big_png()
    answer = {}

    def upload():
        answer["response"] = _post_photos(client, scene["mine"], [data, data])

    worker = threading.Thread(target=upload)
    worker.start()
    probes, failures = 0, []
    while worker.is_alive():
        try:
            probe.try_write()
        except OperationalError as exc:
            failures.append(str(exc))
        probes += 1
        time.sleep(0.1)
    worker.join()
    assert "2 foto bukti ditambahkan" in answer["response"].text
    assert _photo_count(app) == 2
    # Two 40 MP photos take seconds to decode: many probes ran meanwhile, none waited.
    assert probes >= 5
    assert failures == []


# --- 2. reads that write: their own short write, waiting for the lock ------------------


@pytest.fixture
def letter_scene(app, regions, users):
    with app.app_context():
        mine = factories.letter_scene(sponsor_email=users["sponsor"][1])
        db.session.commit()
    return mine


def _while_locked(probe, seconds: float, request):
    started = threading.Event()
    holder = threading.Thread(target=probe.hold, args=(seconds, started))
    holder.start()
    assert started.wait(5)
    try:
        began = time.monotonic()
        response = request()
        waited = time.monotonic() - began
    finally:
        holder.join()
    return response, waited


def test_a_download_waits_for_a_writer_and_is_recorded(app, client, login, letter_scene,
                                                       probe):
    letter = issue(app, letter_scene)
    login("auditor")
    response, waited = _while_locked(probe, 1.0,
                                     lambda: client.get(f"/letters/{letter['id']}/pdf"))
    assert response.status_code == 200 and response.data == letter["pdf"]
    assert waited >= 0.5  # it did meet the writer, and waited instead of failing
    assert len(downloads(app, letter["id"])) == 1


def test_an_export_waits_for_a_writer_and_is_recorded(app, client, login, letter_scene,
                                                      probe):
    login("officer")
    response, waited = _while_locked(probe, 1.0,
                                     lambda: client.get("/exports/contributions.csv"))
    assert response.status_code == 200
    assert waited >= 0.5
    with app.app_context():
        assert db.session.scalar(select(AuditRecord).where(
            AuditRecord.action == "export", AuditRecord.entity_type == "contribution"))


def test_short_write_tries_a_locked_database_again_a_bounded_number_of_times(app_ctx):
    calls = []

    @short_write
    def record(fail_times: int, message: str = "database is locked"):
        calls.append(1)
        if len(calls) <= fail_times:
            raise OperationalError("INSERT ...", {}, Exception(message))
        db.session.execute(text("SELECT 1"))
        return len(calls)

    assert record(2) == 3
    calls.clear()
    with pytest.raises(OperationalError):
        record(10)
    assert len(calls) == 4  # bounded
    calls.clear()
    with pytest.raises(OperationalError):
        record(1, "no such table: x")  # not a lock: never tried again
    assert len(calls) == 1
