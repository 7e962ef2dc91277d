"""Measurements: z-scores on save, impossible and implausible values, one a day, voiding."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from asuh.audit.models import AuditRecord
from asuh.children import measuring
from asuh.children.models import Child, Measurement
from asuh.errors import ValidationFailed
from asuh.extensions import db
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY
# WHO length-for-age, boys, day 365 (lenanthro.txt): L=1, M=75.7391, S=0.03137, so
# -2 SD = 75.7391 * (1 - 2 * 0.03137) = 70.99 cm and -3 SD = 68.61 cm.
WHO_BOY_365 = (1, 75.7391, 0.03137)


def who_z(height: float) -> float:
    _, m, s = WHO_BOY_365
    return round((height / m - 1) / s, 2)


@pytest.fixture
def boy(app_ctx, regions):
    """A boy exactly 365 days old today."""
    return factories.child(birth_date=TODAY - timedelta(days=365))


@pytest.mark.parametrize(("height", "category"), [
    ("71.0", "normal"),            # just above -2 SD: -1.99
    ("70.9", "stunted"),           # just below: -2.04
    ("68.6", "stunted"),           # -3.00 is still "pendek" (-3 to < -2)
    ("68.5", "severely_stunted"),  # -3.05
])
def test_z_score_and_category_at_who_sd_cells(boy, height, category):
    measurement = factories.measurement(boy, height_cm=height, weight_kg="9.6")
    assert measurement.age_days == 365
    assert float(measurement.haz) == who_z(float(height))
    assert measurement.category == category
    assert measurement.waz is not None and measurement.whz is not None
    assert measurement.weight_category == "normal"
    assert measurement.flags == ""
    assert (boy.latest_category, boy.latest_haz, boy.latest_measured_on) == (
        category, measurement.haz, TODAY)


def test_decimal_comma_and_precision(boy):
    measurement = factories.measurement(boy, height_cm="70,94", weight_kg="9,555")
    assert measurement.height_cm == Decimal("70.9")
    assert measurement.weight_kg == Decimal("9.56")


def test_same_day_twice_is_409(boy):
    factories.measurement(boy)
    with pytest.raises(ValidationFailed) as info:
        factories.measurement(boy, height_cm="73.0")
    assert info.value.status == 409 and "measured_on" in info.value.errors


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"measured_on": TODAY + timedelta(days=1)}, "measured_on", "masa depan"),
    ({"measured_on": TODAY - timedelta(days=366)}, "measured_on", "sebelum tanggal lahir"),
    ({"height_cm": "20"}, "height_cm", "antara"),
    ({"height_cm": "abc"}, "height_cm", "angka"),
    ({"weight_kg": "0"}, "weight_kg", "antara"),
    ({"position": "duduk"}, "position", "Cara ukur"),
])
def test_impossible_values_are_refused_on_the_right_field(boy, overrides, field, words):
    with pytest.raises(ValidationFailed) as info:
        factories.measurement(boy, **overrides)
    assert field in info.value.errors
    assert words in info.value.errors[field][0]
    assert db.session.scalar(select(Measurement)) is None


def test_twenty_cm_at_three_years_and_over_sixty_months(app_ctx, regions):
    three = factories.child(birth_date=TODAY - timedelta(days=3 * 365))
    with pytest.raises(ValidationFailed) as info:
        factories.measurement(three, height_cm="20", weight_kg="14", position="standing")
    assert "height_cm" in info.value.errors
    # Registered at 59 months, measured after turning 60 months: WHO's standard stops.
    old = factories.child(birth_date=TODAY - timedelta(days=1800))
    with pytest.raises(ValidationFailed) as info:
        factories.measurement(old, measured_on=TODAY + timedelta(days=30), height_cm="100",
                              weight_kg="15", position="standing",
                              today=TODAY + timedelta(days=30))
    assert "60 bulan" in info.value.errors["measured_on"][0]


def test_implausible_z_scores_are_stored_flagged_and_badged(client, login, regions, app):
    with app.app_context():
        child = factories.child(birth_date=TODAY - timedelta(days=3 * 365))
        # About -7 SD for a three-year-old boy: WHO flags it (< -6), we keep it.
        measurement = factories.measurement(child, height_cm="68.0", weight_kg="8.6",
                                            position="standing")
        assert "haz" in measurement.flags
        assert measurement.haz < -6
        child_id = child.id
        db.session.commit()
    login("officer")
    page = client.get(f"/children/{child_id}")
    assert "perlu diukur ulang" in page.text


def test_newest_measurement_wins_and_void_recomputes(boy):
    newer = factories.measurement(boy, measured_on=TODAY, height_cm="71.0")
    older = factories.measurement(boy, measured_on=TODAY - timedelta(days=30),
                                  height_cm="68.0")
    assert boy.latest_measured_on == TODAY  # an older record does not take over
    assert boy.latest_category == "normal"
    measuring.void_measurement(newer, boy, "Salah ketik tinggi badan")
    assert (boy.latest_measured_on, boy.latest_category) == (older.measured_on,
                                                            older.category)
    assert newer.voided_at is not None and newer.void_reason == "Salah ketik tinggi badan"
    # A voided day is free again.
    factories.measurement(boy, measured_on=TODAY, height_cm="71.2")
    measuring.void_measurement(older, boy, "Anak lain")
    assert boy.latest_measured_on == TODAY
    with pytest.raises(ValidationFailed):
        measuring.void_measurement(older, boy, "lagi")
    with pytest.raises(ValidationFailed):
        measuring.void_measurement(newer, boy, " ")
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "void"))


def test_deceased_child_gets_no_new_measurements(boy):
    from asuh.children import services

    services.change_status(boy, "deceased", "Meninggal dunia, laporan kelurahan")
    with pytest.raises(ValidationFailed):
        factories.measurement(boy)


def test_measurement_form_shows_errors_in_place(client, login, regions, app):
    with app.app_context():
        child_id = factories.child().id
        db.session.commit()
    login("officer")
    response = client.post(f"/children/{child_id}/measurements", data={
        "measured_on": TODAY.isoformat(), "height_cm": "20", "weight_kg": "8,5",
        "position": "lying"})
    assert response.status_code == 200
    assert "Tinggi/panjang badan harus antara" in response.text
    assert 'value="8,5"' in response.text
    response = client.post(f"/children/{child_id}/measurements", data={
        "measured_on": TODAY.isoformat(), "height_cm": "72,5", "weight_kg": "8,5",
        "position": "lying", "measured_by": "Kader Sari"})
    assert response.status_code == 302
    with app.app_context():
        child = db.session.get(Child, child_id)
        assert child.latest_measured_on == TODAY
    page = client.get(f"/children/{child_id}")
    assert "72,5" in page.text and "Kader Sari" in page.text
    assert "1 tahun 1 bulan" in page.text  # age label of a 400-day-old


def test_officer_voids_through_the_page(client, login, regions, app):
    with app.app_context():
        child = factories.child()
        measurement_id = factories.measurement(child).id
        child_id = child.id
        db.session.commit()
    login("officer")
    url = f"/children/{child_id}/measurements/{measurement_id}/void"
    client.post(url, data={"reason": ""})
    with app.app_context():
        assert db.session.get(Measurement, measurement_id).voided_at is None
    assert client.post(url, data={"reason": "Timbangan rusak"}).status_code == 302
    with app.app_context():
        assert db.session.get(Measurement, measurement_id).void_reason == "Timbangan rusak"
        assert db.session.get(Child, child_id).latest_measured_on is None
    field_client = login("field", app.test_client())
    assert field_client.post(url, data={"reason": "x"}).status_code == 403
