"""Two kabupaten/kota of one province for the issue-15 tests (settings, letters, figures):
Kota Pangkalpinang (19.71) and Kabupaten Bangka (19.01) from the packaged province file,
each city's staff, and a scene of a matched, measured, delivered-to child in a city."""

from datetime import timedelta

from asuh.accounts import services as accounts
from asuh.extensions import db
from tests import factories

KOTA, KAB, PROVINCE = "19.71", "19.01", "19"
KOTA_KEL, KAB_KEL = "19.71.01.1004", "19.01.01.1001"
KOTA_KEL_2, KAB_KEL_2 = "19.71.02.1001", "19.01.02.1001"


def load_province() -> None:
    from asuh.regions.regionfile import parse_region_csv, province_region_file
    from asuh.regions.services import import_regions

    import_regions(parse_region_csv(province_region_file().read_bytes()))
    db.session.commit()


def staff(role: str, scope: str | None, email: str | None = None):
    """A user of ``role`` in ``scope`` (a city, the province, or None)."""
    n = next(factories._seq)
    return accounts.create_user(email or f"{role}{n}.{scope or 'all'}@example.id",
                                factories.PASSWORD, role, f"{role.title()} {n}", scope=scope)


def city_scene(kelurahan: str, *, the_sponsor=None, actor=None, rice: bool = True) -> dict:
    """A child in ``kelurahan`` matched (to ``the_sponsor`` or a new ASN) since before last
    month, measured, with one confirmed delivery last month."""
    factories.catalogue()
    start, end = factories.last_month()
    sponsor = the_sponsor or factories.sponsor(actor=actor, capacity=3)
    child = factories.child(actor=actor, kelurahan_code=kelurahan, confirm_nik_warnings=True)
    factories.measurement(child, actor=actor, measured_on=start - timedelta(days=20),
                          height_cm="66.0", weight_kg="7.6")
    match = factories.match(sponsor, child, actor=actor, start_on=start - timedelta(days=30))
    items = [dict(factories.RICE_2_KARUNG)] if rice else [dict(factories.EGGS_TRAY)]
    delivery = factories.contribution(match, actor=actor, delivered_on=start + timedelta(days=2),
                                      items=items, status="confirmed")
    from asuh.letters.periods import Period

    return {"sponsor": sponsor.id, "child": child.id, "match": match.id,
            "delivery": delivery.id, "period": Period(start, end)}
