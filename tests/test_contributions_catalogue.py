"""The commodity catalogue: defaults, conversions, admin edits that never delete, and the
monthly package."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.contributions import catalogue
from asuh.contributions.models import Commodity, CommodityUnit
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.settings import services as settings
from tests import factories


def test_default_catalogue_installs_once_with_domain_units(app_ctx):
    assert catalogue.install_default_catalogue() == 7
    assert catalogue.install_default_catalogue() == 0
    assert db.session.scalar(select(func.count(Commodity.id))) == 7
    expected = {
        ("rice", "karung 5 kg"): ("5", "kg"), ("rice", "karung 10 kg"): ("50", "kg"),
        ("rice", "liter"): ("4", "kg"), ("eggs", "tray"): ("3", "butir"),
        ("eggs", "papan"): ("3", "butir"), ("eggs", "kg"): ("1.6", "butir"),
        ("milk", "kotak 200 ml"): ("0.2", "liter"), ("milk", "kotak 1 L"): ("1", "liter"),
        ("milk_powder", "kaleng 800 g"): ("800", "gram"),
        ("honey", "botol 250 ml"): ("250", "ml"), ("other", "ekor"): ("1", "unit"),
        ("cash", "Rp"): ("1", "Rp"),
    }
    # The quantity below is 1 except where a factor would hide a mistake (5 × 10 = 50).
    quantities = {("rice", "karung 10 kg"): "5", ("rice", "liter"): "5",
                  ("eggs", "tray"): "0.1", ("eggs", "papan"): "0.1", ("eggs", "kg"): "0.1"}
    for (code, unit), (canonical, canonical_unit) in expected.items():
        commodity = catalogue.commodity_by_code(code)
        name, factor = catalogue.resolve_unit(commodity, unit)
        quantity = Decimal(quantities.get((code, unit), "1"))
        assert (quantity * factor).normalize() == Decimal(canonical).normalize(), (code, unit)
        assert commodity.canonical_unit == canonical_unit
    assert catalogue.commodity_by_code("cash").is_cash
    assert catalogue.resolve_unit(catalogue.commodity_by_code("rice"), "tray") is None
    assert catalogue.resolve_unit(catalogue.commodity_by_code("rice"), " KARUNG  5 kg ")[0] \
        == "karung 5 kg"


@pytest.fixture
def admin_client(app, client, login, users):
    with app.app_context():
        factories.catalogue()
        db.session.commit()
    login("admin")
    return client


def _rice(app) -> tuple[int, dict]:
    with app.app_context():
        rice = catalogue.commodity_by_code("rice")
        return rice.id, {u.name: u.id for u in rice.units}


def test_admin_adds_and_corrects_units_never_deleting(app, admin_client):
    rice_id, units = _rice(app)
    page = admin_client.get(f"/catalogue/commodities/{rice_id}")
    assert page.status_code == 200 and "karung 5 kg" in page.text
    response = admin_client.post(f"/catalogue/commodities/{rice_id}/units",
                                 data={"name": "karung 25 kg", "factor": "25"})
    assert response.status_code == 302
    duplicate = admin_client.post(f"/catalogue/commodities/{rice_id}/units",
                                  data={"name": "Karung 25 KG", "factor": "25"})
    assert duplicate.status_code == 200 and "sudah ada" in duplicate.text
    bad = admin_client.post(f"/catalogue/commodities/{rice_id}/units",
                            data={"name": "gelas", "factor": "0"})
    assert "lebih dari 0" in bad.text
    liter = units["liter"]
    admin_client.post(f"/catalogue/units/{liter}",
                      data={f"unit{liter}-name": "liter", f"unit{liter}-factor": "0,75"})
    admin_client.post(f"/catalogue/units/{liter}/active", data={"active": "0"})
    with app.app_context():
        rice = catalogue.commodity_by_code("rice")
        assert catalogue.resolve_unit(rice, "karung 25 kg")[1] == Decimal("25")
        assert catalogue.resolve_unit(rice, "liter") is None  # deactivated
        unit = db.session.get(CommodityUnit, liter)
        assert (unit.active, unit.factor) == (False, Decimal("0.7500"))
        changes = db.session.scalars(select(AuditRecord.changes).where(
            AuditRecord.entity_type == "commodity_unit").order_by(AuditRecord.id)).all()
        assert {"factor": ["0.8000", "0.7500"]} in changes


def test_admin_adds_a_commodity_and_deactivates_it(app, admin_client):
    response = admin_client.post("/catalogue/commodities", data={
        "code": "ikan", "name": "Ikan segar", "canonical_unit": "kg"})
    assert response.status_code == 302
    again = admin_client.post("/catalogue/commodities", data={
        "code": "ikan", "name": "Ikan lagi", "canonical_unit": "kg"})
    assert again.status_code == 200 and "sudah dipakai" in again.text
    bad = admin_client.post("/catalogue/commodities", data={
        "code": "Ikan Asin", "name": "Ikan asin", "canonical_unit": "kg"})
    assert "Kode 2–20 huruf kecil" in bad.text
    with app.app_context():
        fish = catalogue.commodity_by_code("ikan")
        fish_id = fish.id
        assert fish.sort_order > catalogue.commodity_by_code("cash").sort_order
    admin_client.post(f"/catalogue/commodities/{fish_id}/active", data={"active": "0"})
    with app.app_context():
        assert not db.session.get(Commodity, fish_id).active
        assert "ikan" not in [c.code for c in catalogue.commodities(active_only=True)]
        assert db.session.get(Commodity, fish_id) is not None  # kept, not deleted
    form = admin_client.get(f"/catalogue/commodities/{fish_id}")
    assert "Aktifkan kembali" in form.text


def test_catalogue_is_the_admins(app, login, client, users):
    for role in ("officer", "field", "sponsor", "auditor"):
        other = login(role, app.test_client())
        assert other.get("/catalogue").status_code == 403, role


def test_monthly_package_is_edited_on_the_catalogue_page(app, admin_client):
    page = admin_client.get("/catalogue")
    assert 'name="package-rice" value="10"' in page.text
    response = admin_client.post("/catalogue/package", data={
        "package-rice": "10", "package-eggs": "30", "package-milk": "1,5",
        "package-honey": ""})
    assert response.status_code == 302
    with app.app_context():
        assert settings.get("monthly_package") == {"rice": 10, "eggs": 30, "milk": "1.5"}
        assert catalogue.monthly_package() == {"rice": Decimal(10), "eggs": Decimal(30),
                                               "milk": Decimal("1.5")}
    bad = admin_client.post("/catalogue/package", data={"package-rice": "banyak"})
    assert bad.status_code == 200 and "Jumlah harus berupa angka" in bad.text
    assert 'value="banyak"' in bad.text


def test_package_refuses_cash_and_unknown_codes(app, users):
    with app.app_context():
        factories.catalogue()
        admin = db.session.get(User, users["admin"][0])
        with pytest.raises(ValidationFailed) as refused:
            catalogue.update_monthly_package({"cash": "100000", "caviar": "1"}, actor=admin)
        assert set(refused.value.errors) == {"package.cash", "package.caviar"}
