"""Demo children: realistic, mostly stunted, made through the services."""

import random
from collections import Counter
from datetime import date

from sqlalchemy import func, select

from asuh.children import demo
from asuh.children.models import Measurement
from asuh.extensions import db
from asuh.identifiers import nik_consistency_warnings, validate_nik
from asuh.regions.services import kelurahan_list


def test_seed_makes_stunted_toddlers_with_growth_histories(app_ctx, regions):
    today = date(2026, 11, 23)
    codes = [r.code for r in kelurahan_list()]
    children = demo.seed(random.Random(7), codes, today, count=30)
    assert len(children) == 30
    assert len({c.nik for c in children}) == 30
    categories = Counter(c.latest_category for c in children)
    assert categories["stunted"] + categories["severely_stunted"] >= 20
    assert categories["normal"] >= 1
    for child in children:
        months = (today - child.birth_date).days / 30.4375
        assert 3 <= months < 59
        assert child.kelurahan_code in codes
        assert child.nik.startswith("1971" + child.kelurahan_code.split(".")[2])
        info = validate_nik(child.nik, today=today)
        assert nik_consistency_warnings(info, child.birth_date, child.sex) == []
        assert child.posyandu.startswith("Posyandu ")
        visits = db.session.scalar(select(func.count(Measurement.id)).where(
            Measurement.child_id == child.id))
        assert 2 <= visits <= 4
        assert child.latest_measured_on <= today
