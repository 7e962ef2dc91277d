"""A sponsor logs a delivery on the phone form; rules on items, dates, matches, tokens."""

import re
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.contributions.models import Contribution, ContributionItem
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.matching import services as matching
from asuh.matching.models import Match
from tests import factories


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        return factories.contribution_scene(users)


def _token(html: str) -> str:
    found = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', html)
    assert found, "form has no submission token"
    return found.group(1)


def _form(token: str, rows: list[dict], **fields) -> dict:
    data = {"submission_token": token, "delivered_on": timeutil.today().isoformat(),
            "note": "Diantar langsung"}
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"items-{index}-{name}"] = value
    data.update(fields)
    return data


def _photo(name: str = "bukti.jpg", data: bytes | None = None):
    import io

    return (io.BytesIO(data or factories.image_bytes()), name)


RICE = {"item": "rice|karung 5 kg", "quantity": "2", "value_idr": "150.000"}
EGGS = {"item": "eggs|tray", "quantity": "1", "value_idr": "Rp 60.000"}
BLANK = {"item": "", "quantity": "", "value_idr": ""}


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contribution.id)))


def test_sponsor_logs_several_items_with_a_photo(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.count('name="items-') >= 4 * 4  # four empty rows, four inputs each
    data = _form(_token(page.text), [RICE, BLANK, EGGS, BLANK])
    data["photos"] = [_photo()]
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    with app.app_context():
        contribution = db.session.scalar(select(Contribution))
        items = db.session.scalars(select(ContributionItem).order_by(ContributionItem.id)).all()
        assert contribution.status == "pending"
        assert contribution.sponsor_id == scene["sponsor"]
        assert contribution.kelurahan_code == factories.KELURAHAN
        assert contribution.total_value_idr == 210_000
        assert [(i.commodity.code, i.quantity, i.unit, i.canonical_quantity) for i in items] == [
            ("rice", Decimal("2.000"), "karung 5 kg", Decimal("10.000")),
            ("eggs", Decimal("1.000"), "tray", Decimal("30.000"))]
        audit = db.session.scalar(select(AuditRecord).where(
            AuditRecord.entity_type == "contribution", AuditRecord.action == "create"))
        assert audit.changes["items"][1] == [
            "Beras 2 karung 5 kg = 10 kg (Rp 150.000)", "Telur 1 tray = 30 butir (Rp 60.000)"]
    detail = client.get(response.headers["Location"])
    assert "Menunggu konfirmasi" in detail.text and "Rp 210.000" in detail.text


def test_same_form_token_twice_makes_one_contribution(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    first = client.post(url, data={**_form(token, [RICE]), "photos": [_photo()]},
                        content_type="multipart/form-data")
    second = client.post(url, data={**_form(token, [RICE]), "photos": [_photo()]},
                         content_type="multipart/form-data")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1
    assert "sudah tersimpan sebelumnya" in client.get(second.headers["Location"]).text
    # A fresh render carries a fresh token, so the next delivery is a new one.
    assert _token(client.get(url).text) != token


def test_concurrent_double_submit_makes_one_contribution(app, users, scene):
    from tests.conftest import sign_in

    clients = [app.test_client() for _ in range(4)]
    for c in clients:
        assert sign_in(c, users["sponsor"][1]).status_code == 302
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(clients[0].get(url).text)
    barrier = threading.Barrier(len(clients))
    statuses = []

    def submit(c):
        barrier.wait()
        response = c.post(url, data={**_form(token, [RICE]), "photos": [_photo()]},
                          content_type="multipart/form-data")
        statuses.append((response.status_code, response.headers.get("Location")))

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({s for s in statuses}) == 1 and statuses[0][0] == 302, statuses
    assert _count(app) == 1


def test_blank_rows_ignored_but_one_item_needed(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    response = client.post(url, data={**_form(token, [BLANK, BLANK]), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Isi minimal satu barang" in response.text
    assert 'value="Diantar langsung"' not in response.text  # a textarea keeps it as text
    assert "Diantar langsung" in response.text
    assert _count(app) == 0


def test_item_errors_land_on_their_row(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    # An entry that is no number is refused by the form itself (formatting.parse_*),
    # before the service looks at the rows; the service's refusals follow once it reads.
    unreadable = [BLANK, {"item": "eggs|tray", "quantity": "-1", "value_idr": "abc"}]
    response = client.post(url, data={**_form(token, unreadable), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert re.search(r'id="items-1-value_idr-error"[^>]*>Nilai harus angka Rupiah',
                     response.text)
    rows = [BLANK, {"item": "eggs|tray", "quantity": "-1", "value_idr": "60.000"},
            {"item": "", "quantity": "3", "value_idr": ""}]
    response = client.post(url, data={**_form(token, rows), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.text
    assert re.search(r'id="items-1-quantity-error"[^>]*>Jumlah harus lebih dari 0', html)
    # A row with numbers but no commodity is not silently dropped.
    assert re.search(r'id="items-2-item-error"[^>]*>Pilih barang', html)
    assert _count(app) == 0


def test_a_photo_is_required_on_the_form(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    response = client.post(url, data=_form(token, [RICE]))
    assert response.status_code == 200
    assert "minimal satu foto bukti" in response.text
    assert _count(app) == 0


@pytest.mark.parametrize("days, message", [
    (-1, "tidak boleh di masa depan"),
    (61, "sebelum masa asuh dimulai"),
])
def test_delivery_date_must_lie_within_the_match(app, client, login, scene, days, message):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    day = (timeutil.today() - timedelta(days=days)).isoformat()
    response = client.post(url, data={**_form(token, [RICE], delivered_on=day),
                                      "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and message in response.text
    assert _count(app) == 0


def test_no_delivery_after_the_match_ended(app, users, scene):
    from asuh.contributions import services

    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        match = db.session.get(Match, scene["match"])
        matching.end_match(match, reason="moved", ended_on=timeutil.today() - timedelta(days=10),
                           actor=admin)
        db.session.commit()
        # Even an admin entering a late record cannot date it after the end.
        with pytest.raises(ValidationFailed, match="setelah masa asuh berakhir"):
            services.log_contribution(match, delivered_on=timeutil.today() - timedelta(days=5),
                                      items=[factories.RICE_2_KARUNG], actor=admin)
        db.session.rollback()
        made, created = services.log_contribution(
            match, delivered_on=timeutil.today() - timedelta(days=12),
            items=[factories.RICE_2_KARUNG], actor=admin)
        assert created and made.status == "pending"


def test_sponsor_cannot_log_for_an_ended_match(app, client, login, users, scene):
    with app.app_context():
        match = db.session.get(Match, scene["match"])
        matching.end_match(match, reason="moved", ended_on=timeutil.today(),
                           actor=db.session.get(User, users["admin"][0]))
        db.session.commit()
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    response = client.post(url, data={**_form(token, [RICE]), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "sudah berakhir" in response.text
    assert _count(app) == 0


def test_only_the_matchs_sponsor_or_an_admin_logs(app, client, login, scene):
    login("sponsor")
    assert client.get(f"/matches/{scene['other_match']}/contributions/new").status_code == 403
    assert client.get("/matches/999999/contributions/new").status_code == 404
    for role in ("officer", "field", "auditor"):
        other = login(role, app.test_client())
        assert other.get(f"/matches/{scene['match']}/contributions/new").status_code == 403
    admin = login("admin", app.test_client())
    assert admin.get(f"/matches/{scene['other_match']}/contributions/new").status_code == 200


def test_cash_item_counts_its_amount_as_value(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    token = _token(client.get(url).text)
    rows = [{"item": "cash|Rp", "quantity": "60000", "value_idr": ""},
            {"item": "other|unit", "quantity": "2", "value_idr": "40000", "other_unit": "ekor"}]
    response = client.post(url, data={**_form(token, rows), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    with app.app_context():
        items = db.session.scalars(select(ContributionItem).order_by(ContributionItem.id)).all()
        assert [(i.commodity.code, i.unit, i.value_idr) for i in items] == [
            ("cash", "Rp", 60000), ("other", "ekor", 40000)]
        assert db.session.scalar(select(Contribution.total_value_idr)) == 100_000


def _logged(app, scene, **kwargs):
    with app.app_context():
        made = factories.contribution(db.session.get(Match, scene["match"]), **kwargs)
        db.session.commit()
        return made.id


def test_sponsor_corrects_a_pending_delivery_and_the_audit_keeps_both(app, client, login,
                                                                      scene):
    contribution_id = _logged(app, scene)
    login("sponsor")
    page = client.get(f"/contributions/{contribution_id}/edit")
    assert page.status_code == 200
    # Shown as the app prints it, so it reads back as the same number (id-ID).
    assert 'value="2"' in page.text and 'value="150.000"' in page.text
    data = _form(_token(page.text), [{"item": "rice|kg", "quantity": "7,5",
                                       "value_idr": "120000"}, BLANK],
                 delivered_on=scene["start"].isoformat(), note="Dikoreksi")
    response = client.post(f"/contributions/{contribution_id}/edit", data=data)
    assert response.status_code == 302, response.text
    with app.app_context():
        items = db.session.scalars(select(ContributionItem)).all()
        assert [(i.unit, i.canonical_quantity) for i in items] == [("kg", Decimal("7.500"))]
        record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "update"))
        assert record.changes["items"] == [["Beras 2 karung 5 kg = 10 kg (Rp 150.000)"],
                                           ["Beras 7,5 kg (Rp 120.000)"]]
        assert record.changes["note"] == [None, "Dikoreksi"]
        assert record.changes["total_value_idr"] == [150000, 120000]


def test_only_pending_deliveries_change_and_only_their_sponsors(app, client, login, users,
                                                                scene):
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        confirmed = factories.contribution(db.session.get(Match, scene["match"]),
                                           status="confirmed", verifier=officer)
        others = factories.contribution(db.session.get(Match, scene["other_match"]))
        db.session.commit()
        confirmed_id, others_id = confirmed.id, others.id
    login("sponsor")
    assert client.get(f"/contributions/{others_id}/edit").status_code == 403
    assert client.get(f"/contributions/{others_id}").status_code == 403
    data = _form("x" * 32, [RICE], delivered_on=scene["start"].isoformat())
    response = client.post(f"/contributions/{confirmed_id}/edit", data=data)
    assert response.status_code == 200 and "tidak dapat diubah lagi" in response.text
    page = client.get(f"/contributions/{confirmed_id}").text
    assert "Dikonfirmasi" in page and f"/contributions/{confirmed_id}/edit" not in page


def test_my_deliveries_page_lists_statuses_and_a_log_button(app, client, login, users, scene):
    with app.app_context():
        officer = db.session.get(User, users["officer"][0])
        match = db.session.get(Match, scene["match"])
        factories.contribution(match, status="rejected", verifier=officer,
                               reason="Keluarga belum menerima")
        factories.contribution(match, status="confirmed", verifier=officer)
        factories.contribution(db.session.get(Match, scene["other_match"]))
        db.session.commit()
    login("sponsor")
    page = client.get("/me/contributions").text
    assert "Ditolak" in page and "Dikonfirmasi" in page
    assert page.count("/contributions/") >= 2
    assert f"/matches/{scene['match']}/contributions/new" in page
    assert f"/matches/{scene['other_match']}/contributions/new" not in page
    assert page.count("badge-danger") == 1  # the other sponsor's delivery is not listed


def test_a_post_without_its_token_is_refused_and_can_be_resent(app, client, login, scene):
    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    response = client.post(url, data={**_form("", [RICE]), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "muat ulang halaman" in response.text
    assert _count(app) == 0
    fresh = _token(response.text)
    response = client.post(url, data={**_form(fresh, [RICE]), "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and _count(app) == 1


def test_a_thousand_kilos_typed_as_printed_is_a_thousand(app, client, login, scene):
    # Letters print 1,000 kg as "1.000" (id-ID); the form used to read that back as 1.
    from asuh.formatting import format_quantity

    login("sponsor")
    url = f"/matches/{scene['match']}/contributions/new"
    rows = [{"item": "rice|kg", "quantity": "1.000", "value_idr": "Rp 15.000.000,-"}]
    response = client.post(url, data={**_form(_token(client.get(url).text), rows),
                                      "photos": [_photo()]},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    with app.app_context():
        item = db.session.scalar(select(ContributionItem))
        assert (item.quantity, item.value_idr) == (Decimal(1000), 15_000_000)
        assert format_quantity(item.quantity) == "1.000"
