"""Every dashboard figure equals an independent computation over the raw rows.

The independent side reads children, measurements, matches, sponsors, contributions and
their items directly (no aggregate, no denormalised column such as ``latest_category``,
``is_matched`` or ``active_matches``) and applies the definitions written on the page.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.children.models import Child, Measurement
from asuh.contributions.models import Commodity, Contribution, ContributionItem
from asuh.dashboard import followup, services
from asuh.dashboard.periods import DashboardFilters, add_months, next_month
from asuh.extensions import db
from asuh.matching.models import Match
from asuh.regions.models import Region
from asuh.sponsors.models import Sponsor
from tests import factories

STUNTING = ("severely_stunted", "stunted")
RANK = {"severely_stunted": 1, "stunted": 2, "normal": 3, "tall": 4}


@pytest.fixture
def scene(app, users, regions):
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        ids = factories.dashboard_scene(admin)
        db.session.commit()
        return ids


def _raw():
    session = db.session
    return {
        "children": {cid: (kel, status) for cid, kel, status in session.execute(
            select(Child.id, Child.kelurahan_code, Child.status))},
        "measurements": sorted(session.execute(
            select(Measurement.child_id, Measurement.measured_on, Measurement.id,
                   Measurement.category, Measurement.weight_kg)
            .where(Measurement.voided_at.is_(None))).all()),
        "matches": session.execute(select(Match.sponsor_id, Match.child_id, Match.start_on,
                                          Match.ended_on)).all(),
        "sponsors": session.execute(select(Sponsor.id, Sponsor.kind, Sponsor.kelurahan_code,
                                           Sponsor.approved_at, Sponsor.withdrawn_at)).all(),
        "contributions": session.execute(
            select(Contribution.id, Contribution.delivered_on, Contribution.kelurahan_code,
                   Contribution.status, Contribution.total_value_idr, Contribution.child_id)
        ).all(),
        "items": session.execute(
            select(Contribution.delivered_on, Contribution.kelurahan_code,
                   Contribution.status, Commodity.code, Commodity.is_cash,
                   ContributionItem.canonical_quantity, ContributionItem.value_idr)
            .join(ContributionItem, ContributionItem.contribution_id == Contribution.id)
            .join(Commodity, Commodity.id == ContributionItem.commodity_id)).all(),
        "kecamatan_of": dict(session.execute(
            select(Region.code, Region.parent_code).where(Region.level == "kelurahan")).all()),
    }


def _expected(raw, start: date, end: date, kelurahan=None) -> dict:
    """The headline figures by the page's definitions; ``end`` is the period's last day."""
    def inside(kel):
        return kelurahan is None or kel in kelurahan

    by_child = defaultdict(list)
    for child_id, measured_on, _id, category, weight in raw["measurements"]:
        by_child[child_id].append((measured_on, category, weight))
    active_match = {child for _s, child, _b, ended in raw["matches"] if ended is None}
    stunted = [cid for cid, (kel, status) in raw["children"].items()
               if status == "active" and inside(kel) and by_child[cid]
               and by_child[cid][-1][1] in STUNTING]
    severely = [cid for cid in stunted if by_child[cid][-1][1] == "severely_stunted"]
    matched = [cid for cid in stunted if cid in active_match]
    load = defaultdict(int)
    for sponsor_id, _child, _b, ended in raw["matches"]:
        if ended is None:
            load[sponsor_id] += 1
    active = {"asn": 0, "citizen": 0}
    for sid, kind, kel, approved, withdrawn in raw["sponsors"]:
        if approved and not withdrawn and load[sid] and inside(kel):
            active[kind] += 1
    last_month = end.replace(day=1)
    confirmed = [c for c in raw["contributions"] if c.status == "confirmed" and inside(c[2])]
    period = [c for c in confirmed if start <= c.delivered_on <= end]
    last = [c for c in period if c.delivered_on >= last_month]
    # Goods and the cash equivalent apart (issue 11), from the items themselves.
    items = [i for i in raw["items"] if i.status == "confirmed" and inside(i[1])
             and start <= i.delivered_on <= end]
    split = {f"{kind}_value_idr_{span}": sum(
        i.value_idr for i in items if i.is_cash == (kind == "cash")
        and (span == "period" or i.delivered_on >= last_month))
        for kind in ("goods", "cash") for span in ("period", "last_month")}
    cohort = _outcomes(raw, start, end, kelurahan)
    both = [o for group in cohort.values() for o in group]
    improved = sum(1 for first, lst in both if RANK[lst] > RANK[first])
    return {
        "stunted_children": len(stunted), "severely_stunted_children": len(severely),
        "matched_children": len(matched), "unmatched_children": len(stunted) - len(matched),
        "matched_percent": round(100 * len(matched) / len(stunted), 1) if stunted else None,
        "active_sponsors": {**active, "total": sum(active.values())},
        "deliveries_period": len(period), "value_idr_period": sum(c[4] for c in period),
        "deliveries_last_month": len(last), "value_idr_last_month": sum(c[4] for c in last),
        "outcome_children": len(both), "improved_children": improved,
        "improved_percent": round(100 * improved / len(both), 1) if both else None,
        **split,
    }


def _outcomes(raw, start, end, kelurahan=None) -> dict:
    """``{"sponsored": [(first, last)], "unsponsored": [...]}`` by the written definition."""
    in_period = defaultdict(list)
    for child_id, measured_on, _id, category, _w in raw["measurements"]:
        if start <= measured_on <= end:
            in_period[child_id].append(category)
    groups = {"sponsored": [], "unsponsored": []}
    for child_id, categories in in_period.items():
        kel = raw["children"][child_id][0]
        if len(categories) < 2 or categories[0] not in STUNTING:
            continue
        if kelurahan is not None and kel not in kelurahan:
            continue
        sponsored = any(s <= end and (e is None or e >= start)
                        for _sp, cid, s, e in raw["matches"] if cid == child_id)
        groups["sponsored" if sponsored else "unsponsored"].append(
            (categories[0], categories[-1]))
    return groups


def _filters(start_back: int, end_back: int, kecamatan=None) -> DashboardFilters:
    this_month = timeutil.today().replace(day=1)
    return DashboardFilters(add_months(this_month, -start_back),
                            add_months(this_month, -end_back), kecamatan)


PERIODS = [(5, 0, None), (3, 1, None), (9, 0, None), (5, 0, "19.71.01"), (5, 0, "19.71.02"),
           (0, 0, None), (24, 12, None)]


@pytest.mark.parametrize(("start_back", "end_back", "kecamatan"), PERIODS)
def test_headline_figures_match_the_raw_rows(app, scene, start_back, end_back, kecamatan):
    filters = _filters(start_back, end_back, kecamatan)
    with app.app_context():
        raw = _raw()
        kelurahan = (None if kecamatan is None else
                     {k for k, parent in raw["kecamatan_of"].items() if parent == kecamatan})
        data = services.dashboard(filters)
        assert data["headline"] == _expected(raw, filters.start, filters.last_day, kelurahan)


@pytest.mark.parametrize(("start_back", "end_back", "kecamatan"), PERIODS[:5])
def test_each_area_row_matches_the_raw_rows(app, scene, start_back, end_back, kecamatan):
    filters = _filters(start_back, end_back, kecamatan)
    with app.app_context():
        raw = _raw()
        data = services.dashboard(filters)
        for area in data["areas"]:
            if data["area_level"] == "kecamatan":
                members = {k for k, parent in raw["kecamatan_of"].items() if parent == area["code"]}
            else:
                members = {area["code"]}
            figures = {k: v for k, v in area.items() if k not in ("code", "name")}
            assert figures == _expected(raw, filters.start, filters.last_day, members), area
        levels = {"kecamatan": None, "kelurahan": kecamatan}
        assert data["area_level"] == ("kelurahan" if kecamatan else "kecamatan")
        assert levels  # every kecamatan / every kelurahan of the chosen one has a row
        expected_codes = ({k for k, p in raw["kecamatan_of"].items() if p == kecamatan}
                          if kecamatan else set(raw["kecamatan_of"].values()))
        assert {a["code"] for a in data["areas"]} == expected_codes


@pytest.mark.parametrize(("start_back", "end_back", "kecamatan"), PERIODS[:5])
def test_commodity_totals_match_the_raw_items(app, scene, start_back, end_back, kecamatan):
    filters = _filters(start_back, end_back, kecamatan)
    with app.app_context():
        raw = _raw()
        data = services.dashboard(filters)
        expected = defaultdict(lambda: [Decimal(0), 0, Decimal(0), 0])
        for delivered_on, kel, status, code, _cash, quantity, value in raw["items"]:
            if status != "confirmed" or not filters.start <= delivered_on <= filters.last_day:
                continue
            if kecamatan and raw["kecamatan_of"][kel] != kecamatan:
                continue
            totals = expected[code]
            totals[2] += Decimal(quantity)
            totals[3] += value
            if delivered_on >= filters.end:
                totals[0] += Decimal(quantity)
                totals[1] += value
        shown = {c["code"]: [c["quantity_last_month"], c["value_idr_last_month"],
                             c["quantity_period"], c["value_idr_period"]]
                 for c in data["commodities"] + data["cash"]}
        for code, totals in shown.items():
            assert totals == expected.get(code, [0, 0, 0, 0]), code
        assert set(expected) <= set(shown)
        assert [c["code"] for c in data["cash"]] == ["cash"]
        assert all(not c["is_cash"] for c in data["commodities"])


def test_monthly_series_add_up_to_the_period(app, scene):
    filters = _filters(5, 0)
    with app.app_context():
        data = services.dashboard(filters)
        assert len(data["period"]["months"]) == 6
        for c in data["commodities"] + data["cash"]:
            assert sum(c["monthly_quantity"], Decimal(0)) == c["quantity_period"]
            assert sum(c["monthly_value_idr"]) == c["value_idr_period"]
            assert c["monthly_quantity"][-1] == c["quantity_last_month"]


@pytest.mark.parametrize(("start_back", "end_back", "kecamatan"), PERIODS)
def test_outcomes_match_the_raw_measurements(app, scene, start_back, end_back, kecamatan):
    filters = _filters(start_back, end_back, kecamatan)
    with app.app_context():
        raw = _raw()
        kelurahan = (None if kecamatan is None else
                     {k for k, parent in raw["kecamatan_of"].items() if parent == kecamatan})
        expected = _outcomes(raw, filters.start, filters.last_day, kelurahan)
        shown = services.dashboard(filters)["outcomes"]
        for key, pairs in expected.items():
            group = shown[key]
            assert group["children"] == len(pairs)
            assert group["improved"] == sum(1 for f, la in pairs if RANK[la] > RANK[f])
            assert group["worsened"] == sum(1 for f, la in pairs if RANK[la] < RANK[f])
            assert group["unchanged"] == sum(1 for f, la in pairs if la == f)
            transitions = defaultdict(int)
            for f, la in pairs:
                transitions[f"{f}→{la}"] += 1
            assert group["transitions"] == dict(transitions)


def test_outcome_cases_land_where_the_definition_says(app, scene):
    """The scene's named children, over the last six months."""
    filters = _filters(5, 0)
    with app.app_context():
        shown = services.dashboard(filters)["outcomes"]
    # improves (sponsored, severely → normal), worsens (sponsored by an ended match,
    # stunted → severely), withdrawn_sponsor (sponsored, stunted → stunted); graduated,
    # stalls and no_delivery are unsponsored or not, see below.
    assert shown["sponsored"]["transitions"] == {
        "severely_stunted→normal": 1, "stunted→severely_stunted": 1, "stunted→stunted": 2}
    # graduated (status does not matter) and stalls; "once" and "voided" have one
    # measurement in the period; "normal" started normal; "unmeasured" has none.
    assert shown["unsponsored"]["transitions"] == {"stunted→normal": 1, "stunted→stunted": 1}
    assert shown["sponsored"]["improved_percent"] == 25.0


def test_followup_list_matches_the_raw_rows(app, scene):
    today = timeutil.today()
    with app.app_context():
        raw = _raw()
        by_child = defaultdict(list)
        for child_id, measured_on, _id, _category, weight in raw["measurements"]:
            by_child[child_id].append((measured_on, weight))
        stalled = set()
        for child_id, points in by_child.items():
            latest_on, latest_weight = points[-1]
            earlier = [(d, w) for d, w in points[:-1] if 49 <= (latest_on - d).days <= 91]
            if earlier and latest_weight <= earlier[-1][1]:
                stalled.add(child_id)
        cutoff = followup.month_ago(today)
        delivered = {c.child_id for c in raw["contributions"]
                     if c.status == "confirmed" and c.delivered_on > cutoff}
        undelivered = {child for _s, child, start, ended in raw["matches"]
                       if ended is None and start <= cutoff and child not in delivered}
        expected = {cid for cid, (_kel, status) in raw["children"].items()
                    if status == "active" and (cid in stalled or cid in undelivered)}
        page = followup.followup_page(None, per_page=100)
        assert {f.child.id for f in page.items} == expected
        assert page.total == len(expected)
        for entry in page.items:
            assert ("weight_stalled" in entry.reasons) == (entry.child.id in stalled)
            assert ("no_delivery" in entry.reasons) == (entry.child.id in undelivered)
    ids = scene["children"]
    assert ids["stalls"] in expected and ids["no_delivery"] in expected
    assert ids["improves"] not in expected and ids["graduated"] not in expected


def test_followup_pages_and_kecamatan(app, scene):
    with app.app_context():
        everyone = followup.followup_page(None, per_page=100)
        first = followup.followup_page(None, per_page=1)
        assert first.total == everyone.total and first.pages == everyone.total
        assert [f.child.id for f in first.items] == [everyone.items[0].child.id]
        last = followup.followup_page(None, page=999, per_page=1)
        assert last.page == last.pages
        k1 = {"19.71.01.1004", "19.71.01.1006"}
        some = followup.followup_page(k1, per_page=100)
        assert {f.child.id for f in some.items} == {
            f.child.id for f in everyone.items if f.child.kelurahan_code in k1}


def test_figures_follow_a_new_change_at_once(app, scene):
    """The cached outcomes and follow-up list are recomputed after a change."""
    filters = _filters(5, 0)
    with app.app_context():
        before = services.dashboard(filters)["outcomes"]["unsponsored"]["children"]
        stalled_before = followup.followup_page(None, per_page=100).total
        child = db.session.get(Child, scene["children"]["once"])
        factories.measure(child, 0, 1, "stunted", "9.0")
        db.session.commit()
        after = services.dashboard(filters)["outcomes"]["unsponsored"]["children"]
        assert after == before + 1  # "once" now has two measurements in the period
        newcomer = factories.child(birth_date=timeutil.today() - timedelta(days=900))
        factories.measure(newcomer, 2, 9, "normal", "10.0")
        factories.measure(newcomer, 0, 1, "normal", "10.0")  # 7–9 weeks later, same weight
        db.session.commit()
        assert followup.followup_page(None, per_page=100).total == stalled_before + 1


def test_an_empty_city_shows_zeros(app, regions):
    with app.app_context():
        data = services.dashboard(_filters(2, 0))
        assert data["headline"]["stunted_children"] == 0
        assert data["headline"]["matched_percent"] is None
        assert data["outcomes"]["sponsored"]["children"] == 0
        assert followup.followup_page(None).total == 0


def test_period_is_whole_months():
    filters = DashboardFilters(date(2026, 2, 1), date(2026, 4, 1))
    assert filters.last_day == date(2026, 4, 30)
    assert filters.months == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    assert next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert followup.month_ago(date(2026, 3, 31)) == date(2026, 2, 28)
    assert followup.month_ago(date(2026, 1, 15)) == date(2025, 12, 15)
    assert date(2026, 4, 30) - timedelta(days=0) == filters.last_day
