"""Visit lists: exactly the children due for measuring and the deliveries to confirm, for
one kelurahan (or posyandu) and month, on paper and on the phone; field users only in
their kelurahan."""

from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from asuh import timeutil
from asuh.accounts.models import User
from asuh.children import measuring
from asuh.children import services as children
from asuh.children.growth import balita_until
from asuh.children.models import Child
from asuh.children.rules import due_for_measurement
from asuh.extensions import db
from asuh.regions.services import assign_kelurahan
from asuh.visits import services as visits
from tests import factories
from tests.factories import KELURAHAN, OTHER_KELURAHAN

DUE = ("Ayu Lastmonth", "Bima Nevermeasured", "Dewi Flagged", "Eka Voided", "Hana Mawar",
       "Joko Sponsored")
NOT_DUE = ("Candra Measured", "Fajar Graduated", "Gita Otherkel")


def _pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    return " ".join(text.split())


@pytest.fixture
def scene(app, regions, users):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        field = db.session.get(User, users["field"][0])
        assign_kelurahan(field, [KELURAHAN], actor=admin)
        today = timeutil.today()
        before = today.replace(day=1) - timedelta(days=10)

        def kid(name, **kw):
            return factories.child(actor=admin, name=name, **kw)

        made = {}
        made["Ayu Lastmonth"] = kid("Ayu Lastmonth")
        factories.measurement(made["Ayu Lastmonth"], actor=admin, measured_on=before)
        made["Bima Nevermeasured"] = kid("Bima Nevermeasured")
        made["Candra Measured"] = kid("Candra Measured")
        factories.measurement(made["Candra Measured"], actor=admin, measured_on=before)
        factories.measurement(made["Candra Measured"], actor=admin, measured_on=today,
                              height_cm=None, position=None, weight_kg="8.9")
        made["Dewi Flagged"] = kid("Dewi Flagged")
        flagged = factories.measurement(made["Dewi Flagged"], actor=admin, measured_on=today,
                                        height_cm="60.0", weight_kg="6.0")
        assert flagged.flags
        made["Eka Voided"] = kid("Eka Voided")
        wrong = factories.measurement(made["Eka Voided"], actor=admin, measured_on=today)
        measuring.void_measurement(wrong, made["Eka Voided"], "Salah anak", actor=admin)
        made["Fajar Graduated"] = kid("Fajar Graduated")
        children.change_status(made["Fajar Graduated"], "graduated", "Tidak stunting lagi",
                               actor=admin)
        made["Gita Otherkel"] = kid("Gita Otherkel", kelurahan_code=OTHER_KELURAHAN)
        made["Hana Mawar"] = kid("Hana Mawar", posyandu="Posyandu Mawar 1")
        made["Joko Sponsored"] = kid("Joko Sponsored")
        factories.measurement(made["Joko Sponsored"], actor=admin, measured_on=before,
                              height_cm="66.0", weight_kg="7.61")
        sponsor = factories.sponsor(actor=admin, name="Ibu Sponsor Joko")
        match = factories.match(sponsor, made["Joko Sponsored"], actor=admin,
                                start_on=before)
        factories.contribution(match, actor=admin, delivered_on=before, note="menunggu")
        factories.contribution(match, actor=admin, delivered_on=before, status="confirmed",
                               items=[dict(factories.EGGS_TRAY)])
        other = factories.match(None, made["Gita Otherkel"], actor=admin, start_on=before)
        factories.contribution(other, actor=admin, delivered_on=before,
                               items=[dict(factories.MILK_2_LITRES)])
        db.session.commit()
        return {name: child.id for name, child in made.items()}


def test_the_pdf_holds_exactly_the_children_due(app, scene, login, client):
    login("field")
    month = f"{timeutil.today():%Y-%m}"
    response = client.get(f"/visits.pdf?kelurahan_code={KELURAHAN}&month={month}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]
    text = _pdf_text(response.data)
    assert [name for name in DUE if name not in text] == []
    assert [name for name in NOT_DUE if name in text] == []
    # The last measurement, its HAZ through formatting (decimal comma), and the sponsor.
    assert "7,61" in text and "66,0" in text
    assert "Ibu Sponsor Joko" in text
    # The pending delivery (rice) is to confirm; the confirmed one (eggs) and another
    # kelurahan's (milk) are not.
    assert "Beras" in text and "Telur" not in text and "Susu" not in text


def test_a_posyandu_narrows_the_list(app, scene, login, client):
    login("officer")
    response = client.get("/visits.pdf", query_string={
        "kelurahan_code": KELURAHAN, "posyandu": "Posyandu Mawar 1"})
    text = _pdf_text(response.data)
    assert "Hana Mawar" in text
    assert [name for name in DUE + NOT_DUE if name != "Hana Mawar" and name in text] == []
    assert "Beras" not in text  # Joko's posyandu is another


def test_the_phone_page_lists_the_same_children(app, scene, login, client):
    login("field")
    # One kelurahan: the field user gets it without choosing.
    response = client.get("/visits")
    assert response.status_code == 200
    html = response.text
    assert [name for name in DUE if name not in html] == []
    assert [name for name in NOT_DUE if name in html] == []
    assert "Posyandu Mawar 1" in html  # offered as a choice


@pytest.mark.parametrize(("role", "kelurahan", "status"), [
    ("field", OTHER_KELURAHAN, 403), ("field", KELURAHAN, 200),
    ("officer", OTHER_KELURAHAN, 200), ("auditor", OTHER_KELURAHAN, 200),
    ("sponsor", KELURAHAN, 403), ("officer", "99.99.99.9999", 404),
])
def test_who_may_see_which_kelurahan(app, scene, login, client, role, kelurahan, status):
    login(role)
    for path in ("/visits", "/visits.pdf"):
        response = client.get(path, query_string={"kelurahan_code": kelurahan})
        assert response.status_code == status, path
        if status != 200:
            assert b"Gita Otherkel" not in response.data


def test_a_bad_month_is_refused_with_a_message(app, scene, login, client):
    login("officer")
    response = client.get("/visits", query_string={"kelurahan_code": KELURAHAN,
                                                    "month": "2026-13"})
    assert response.status_code == 422
    assert "YYYY-MM" in response.text and 'value="2026-13"' in response.text


def test_due_uses_the_month_reference_day(app_ctx, regions, users):
    """A child who completes 60 months before next month starts is due this month (still
    a balita today) and not next month."""
    admin = db.session.get(User, users["admin"][0])
    today = timeutil.today()
    next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    # Born so that 60 months are completed on the first day of next month.
    birth = next_month.replace(year=next_month.year - 5)
    assert balita_until(birth) == next_month
    child = factories.child(actor=admin, birth_date=birth, confirm_nik_warnings=True)
    db.session.commit()

    def due(month):
        last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return child.id in db.session.scalars(
            db.select(Child.id).where(due_for_measurement(month, last, today))).all()

    assert due(today.replace(day=1)) is True
    assert due(next_month) is False
    query = visits.VisitQuery(KELURAHAN, next_month)
    assert visits.visit_list(admin, query)["children"] == []


def test_the_pdf_is_headed_by_the_visited_city_office(app, scene, login, client):
    """Issue 15: a kabupaten/kota sets its own letterhead; the visit list of one of its
    kelurahan carries that office's name, not the installation's."""
    from asuh.settings import services as settings

    with app.app_context():
        settings.update_region(KELURAHAN[:5], {"office_name": "Dinas Kota Uji Kunjungan"},
                               actor=None)
        db.session.commit()
    login("officer")
    response = client.get("/visits.pdf", query_string={"kelurahan_code": KELURAHAN})
    assert "Dinas Kota Uji Kunjungan" in _pdf_text(response.data)
