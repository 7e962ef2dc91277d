"""A match's commitment is its child's kabupaten/kota's (issue 15): a city sets its own
``commitment_months``, so two children matched the same day in two cities run different
lengths, whether paired by hand or by the auto-match."""

from datetime import date

import pytest

from asuh import timeutil
from asuh.children.models import Child
from asuh.extensions import db
from asuh.matching import automatch
from asuh.matching import services as matching
from asuh.settings import services as settings
from tests import factories
from tests.provcity import KAB, KAB_KEL, KOTA, KOTA_KEL, load_province, staff


@pytest.fixture
def two_cities(app_ctx):
    load_province()
    settings.update_region(KOTA, {"commitment_months": 3}, actor=None)
    settings.update_region(KAB, {"commitment_months": 9}, actor=None)
    db.session.commit()


def test_default_end_reads_the_city_commitment(two_cities):
    start = date(2026, 1, 31)
    assert matching.default_end(start, KOTA) == date(2026, 4, 30)
    assert matching.default_end(start, KAB) == date(2026, 10, 31)
    assert matching.commitment_months(KAB_KEL) == 9  # a place reads as its city
    assert matching.commitment_months() == 6  # no city: the installation's


def test_a_match_runs_its_child_city_commitment(two_cities):
    today = timeutil.today()
    kota_child = factories.child(kelurahan_code=KOTA_KEL, confirm_nik_warnings=True)
    kab_child = factories.child(kelurahan_code=KAB_KEL, confirm_nik_warnings=True)
    kota = factories.match(factories.sponsor(kelurahan_code=KOTA_KEL), kota_child)
    kab = factories.match(factories.sponsor(kelurahan_code=KAB_KEL), kab_child)
    db.session.commit()
    assert kota.planned_end_on == matching.add_months(today, 3)
    assert kab.planned_end_on == matching.add_months(today, 9)


def test_auto_match_gives_each_child_its_city_commitment(two_cities):
    today = timeutil.today()
    for kelurahan in (KOTA_KEL, KAB_KEL):
        child = factories.child(kelurahan_code=kelurahan, confirm_nik_warnings=True)
        child.latest_category = "stunted"  # a child waiting for a sponsor
        factories.sponsor(kelurahan_code=kelurahan)
    officer = staff("officer", "19")
    db.session.commit()
    outcome = automatch.confirm_assignments(automatch.build_proposal(actor=officer).pairs,
                                            actor=officer)
    db.session.commit()
    ends = {db.session.get(Child, m.child_id).kelurahan_code:
            m.planned_end_on for m in outcome.created}
    assert ends == {KOTA_KEL: matching.add_months(today, 3),
                    KAB_KEL: matching.add_months(today, 9)}
