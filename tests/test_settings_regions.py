"""Settings per province and kabupaten/kota (issue 15): a city's value, else its
province's, else the installation's; the province's own package apart; admins change the
regions in their scope only."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from asuh.audit.models import AuditRecord
from asuh.errors import NotFoundError, NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.settings import services
from asuh.settings.models import RegionSetting, Setting
from tests import factories
from tests.conftest import sign_in
from tests.provcity import KAB, KOTA, PROVINCE, load_province, staff


@pytest.fixture
def province(app_ctx):
    load_province()


def test_a_city_value_falls_back_to_its_province_then_the_installation(province):
    installation = services.get_all()
    assert services.for_city(KAB)["office_name"] == installation["office_name"]
    services.update_region(PROVINCE, {"office_name": "Dinas Provinsi",
                                      "commitment_months": 9}, actor=None)
    services.update_region(KAB, {"office_name": "DPPKB Kabupaten Bangka"}, actor=None)
    db.session.commit()
    kab, kota = services.for_city(KAB), services.for_city(KOTA)
    assert kab["office_name"] == "DPPKB Kabupaten Bangka"  # its own
    assert kota["office_name"] == "Dinas Provinsi"  # its province's
    assert kab["commitment_months"] == kota["commitment_months"] == 9
    assert kab["city_place"] == installation["city_place"]  # nobody set it: installation
    # A place in a city reads as its city.
    assert services.for_city("19.01.01.1001")["office_name"] == "DPPKB Kabupaten Bangka"
    # Blank puts a city back to what it inherits (no row deleted: the value is unset).
    services.update_region(KAB, {"office_name": ""}, actor=None)
    db.session.commit()
    assert services.for_city(KAB)["office_name"] == "Dinas Provinsi"
    assert db.session.get(RegionSetting, (KAB, "office_name")).value is None


def test_the_province_package_is_the_province_own_and_not_a_city_package(province):
    services.update_region(PROVINCE, {"province_package": {"eggs": 30}}, actor=None)
    services.update_region(KAB, {"monthly_package": {"rice": 10}}, actor=None)
    db.session.commit()
    kab = services.for_city(KAB)
    assert kab["monthly_package"] == {"rice": 10}
    assert kab["province_package"] == {"eggs": 30}
    assert services.for_city(KOTA)["monthly_package"] == services.get("monthly_package")
    with pytest.raises(ValidationFailed) as refused:
        services.update_region(KAB, {"province_package": {"eggs": 5}}, actor=None)
    assert "province_package" in refused.value.errors
    with pytest.raises(ValidationFailed):
        services.update_region(KAB, {"monthly_package": {"eggs": -1}}, actor=None)


@hsettings(max_examples=16, deadline=None,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(city=st.sampled_from([None, "x"]), province_value=st.sampled_from([None, "p"]),
       installation=st.sampled_from([None, "i"]))
def test_the_nearest_value_wins_for_any_combination(province, city, province_value,
                                                    installation):
    rows = [Setting(key="office_phone", value=installation)] if installation else []
    rows += [RegionSetting(region_code=code, key="office_phone", value=value)
             for code, value in ((PROVINCE, province_value), (KAB, city)) if value]
    db.session.add_all(rows)
    db.session.flush()
    expected = city or province_value or installation or services.defaults()["office_phone"]
    assert services.for_city(KAB)["office_phone"] == expected
    db.session.rollback()


def test_admins_change_only_the_regions_in_their_scope(province):
    city_admin = staff("admin", KAB)
    db.session.commit()
    services.update_region(KAB, {"head_name": "Hj. Sri Wahyuni"}, actor=city_admin)
    db.session.commit()
    record = db.session.query(AuditRecord).filter_by(entity_type="region_settings").one()
    assert record.changes["region"] == [None, KAB]
    for other in (KOTA, PROVINCE):
        with pytest.raises(NotFoundError):
            services.update_region(other, {"head_name": "X"}, actor=city_admin)
    # The installation's values are every city's defaults: only an unscoped admin.
    with pytest.raises(NotPermitted):
        services.update({"head_name": "X"}, actor=city_admin)
    with pytest.raises(NotFoundError):
        services.update_region("19.01.01", {"head_name": "X"}, actor=None)  # a kecamatan


def test_settings_pages_per_region(app):
    # No app context held across requests: each request has its own (and its own user).
    with app.app_context():
        load_province()
        factories.catalogue()  # the package fields are the catalogue's commodities
        city_admin, installation_admin = staff("admin", KAB), staff("admin", None)
        auditor = staff("auditor", KAB)
        emails = (city_admin.email, installation_admin.email, auditor.email)
        db.session.commit()
    city, whole, reader = (app.test_client() for _ in range(3))
    for client, email in zip((city, whole, reader), emails, strict=True):
        assert sign_in(client, email).status_code == 302
    listing = whole.get("/admin/settings").text
    assert "/admin/settings/region/19.01" in listing and "/admin/settings/region/19" in listing
    assert "/admin/settings/region/19.71" not in city.get("/admin/settings").text
    assert city.get("/admin/settings/region/19.71").status_code == 404
    assert city.get("/admin/settings/region/19").status_code == 404
    page = city.get("/admin/settings/region/19.01")
    assert page.status_code == 200 and "Kabupaten Bangka" in page.text
    response = city.post("/admin/settings/region/19.01", data={
        "office_name": "DPPKB Kabupaten Bangka", "monthly_package-eggs": "30",
        "monthly_package-rice": "10"})
    assert response.status_code == 302, response.text
    bad = city.post("/admin/settings/region/19.01", data={"letter_number_pattern": "X/{tahun}"})
    assert bad.status_code == 200 and "X/{tahun}" in bad.text
    assert city.post("/admin/settings/region/19.71", data={}).status_code == 404
    assert whole.post("/admin/settings/region/19",
                      data={"province_package-eggs": "30"}).status_code == 302
    assert reader.get("/admin/settings/region/19.01").status_code == 200
    assert reader.post("/admin/settings/region/19.01", data={}).status_code == 403
    with app.app_context():
        kab = services.for_city(KAB)
        assert kab["monthly_package"] == {"eggs": 30, "rice": 10}
        assert kab["office_name"] == "DPPKB Kabupaten Bangka"
        assert services.for_city(KOTA)["province_package"] == {"eggs": 30}
