"""The dashboard's growth summaries follow every measurement change; rebuild and check."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from asuh import timeutil
from asuh.children import importing, measuring
from asuh.children import services as children
from asuh.children.importfile import read_child_rows
from asuh.dashboard import growth
from asuh.dashboard.models import ChildGrowthSummary
from asuh.extensions import db
from tests import factories
from tests.clock import SUITE_DAY

BORN = SUITE_DAY - timedelta(days=900)


def _summary(child_id: int) -> ChildGrowthSummary | None:
    db.session.expire_all()
    return db.session.get(ChildGrowthSummary, child_id)


def _points(*points) -> list[tuple]:
    return [(date.fromisoformat(day), category, Decimal(weight))
            for day, category, weight in points]


def test_grid_packs_first_last_and_count_per_month():
    summary = growth.summarize(1, _points(
        ("2026-01-05", "severely_stunted", "8.0"), ("2026-01-20", "stunted", "8.2"),
        ("2026-03-02", "normal", "8.9"), ("2026-03-09", None, "9.0")))
    assert summary["first_month"] == 2026 * 12
    # Issue 11: a point without a category (weight-only, or flagged) does not classify:
    # March's last category stays "normal" and only the classified point is counted.
    assert summary["grid"] == "122" + "000" + "331"
    # Its weight still counts: it is the latest weight.
    assert summary["latest_weight_kg"] == Decimal("9.0")


def test_weight_compared_with_about_two_months_before():
    stalled = growth.summarize(1, _points(
        ("2026-01-01", "stunted", "9.0"), ("2026-02-01", "stunted", "9.5"),
        ("2026-03-01", "stunted", "9.0")))
    # 59 days back is the newest one at least 49 days before the latest.
    assert stalled["compared_on"] == date(2026, 1, 1)
    assert stalled["weight_stalled"] is True
    rising = growth.summarize(1, _points(("2026-01-01", "stunted", "9.0"),
                                         ("2026-03-01", "stunted", "9.01")))
    assert rising["weight_stalled"] is False
    too_close = growth.summarize(1, _points(("2026-01-12", "stunted", "9.0"),
                                            ("2026-03-01", "stunted", "8.0")))  # 48 days
    assert too_close["compared_on"] is None and too_close["weight_stalled"] is False
    edge = growth.summarize(1, _points(("2026-01-11", "stunted", "9.0"),
                                       ("2026-03-01", "stunted", "8.0")))  # 49 days
    assert edge["weight_stalled"] is True
    too_old = growth.summarize(1, _points(("2025-11-29", "stunted", "9.0"),
                                          ("2026-03-01", "stunted", "8.0")))  # 92 days
    assert too_old["compared_on"] is None
    oldest_allowed = growth.summarize(1, _points(("2025-11-30", "stunted", "9.0"),
                                                 ("2026-03-01", "stunted", "8.0")))  # 91
    assert oldest_allowed["weight_stalled"] is True


def test_recording_and_voiding_rewrite_the_summary(app_ctx, regions):
    child = factories.child(birth_date=BORN)
    assert _summary(child.id) is None
    first = factories.measure(child, 3, 5, "stunted", "9.0")
    latest = factories.measure(child, 1, 5, "stunted", "8.9")
    summary = _summary(child.id)
    assert summary.latest_on == latest.measured_on
    assert summary.compared_on == first.measured_on and summary.weight_stalled
    measuring.void_measurement(latest, child, "Salah timbang")
    summary = _summary(child.id)
    assert summary.latest_on == first.measured_on and not summary.weight_stalled
    measuring.void_measurement(first, child, "Anak lain")
    assert _summary(child.id) is None
    assert growth.check() == []


def test_correcting_the_birth_date_reassesses_the_grid(app_ctx, regions):
    child = factories.child(birth_date=BORN)
    factories.measure(child, 2, 5, "stunted", "9.0")
    before = _summary(child.id).grid
    values = {field: getattr(child, field) for field in children.CHILD_FIELDS}
    values["birth_date"] = BORN + timedelta(days=200)  # younger: the same height is taller
    children.update_child(child, values, confirm_nik_warnings=True)
    assert _summary(child.id).grid != before
    assert growth.check() == []


def test_imported_measurements_get_summaries(app_ctx, regions):
    seen = timeutil.today() - timedelta(days=10)
    nik = factories.child_nik(BORN, "P", 4242)
    content = ("NIK;Nama;JK (L/P);Tgl Lahir;Nama Ortu;Kec;Desa/Kel;Alamat;"
               "Tanggal Pengukuran;Berat;Tinggi;Cara Ukur\n"
               f"{nik};Anak Impor;P;{BORN:%d/%m/%Y};Ibu;BUKIT INTAN;BACANG;Jl. Mawar;"
               f"{seen:%d/%m/%Y};10,1;80,5;Berdiri\n").encode()
    rows = read_child_rows("posyandu.csv", content)
    importing.import_children(rows, filename="posyandu.csv")
    child = children.find_by_nik(nik)
    assert _summary(child.id).latest_on == seen
    assert growth.check() == []


def test_check_names_differences_and_rebuild_repairs_them(app_ctx, regions, runner):
    child = factories.child(birth_date=BORN)
    factories.measure(child, 3, 5, "stunted", "9.0")
    factories.measure(child, 1, 5, "normal", "9.5")
    db.session.commit()
    result = runner.invoke(args=["dashboard", "check"])
    assert result.exit_code == 0, result.output
    db.session.execute(text("UPDATE child_growth_summaries SET grid = '000', "
                            "weight_stalled = :yes WHERE child_id = :id"),
                       {"id": child.id, "yes": True})
    db.session.commit()
    result = runner.invoke(args=["dashboard", "check"])
    assert result.exit_code == 1
    assert f"child_growth_summaries child {child.id}: grid stored 000" in result.output
    assert "weight_stalled" in result.output
    result = runner.invoke(args=["dashboard", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "child_growth_summaries 1 row(s)" in result.output
    assert runner.invoke(args=["dashboard", "check"]).exit_code == 0


def test_check_also_proves_the_delivery_totals(app, users, regions, runner):
    from asuh.accounts.models import User

    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        factories.contribution(actor=admin, status="confirmed")
        db.session.commit()
        assert runner.invoke(args=["dashboard", "check"]).exit_code == 0
        db.session.execute(text("UPDATE monthly_delivery_counts SET contributions = 7"))
        db.session.commit()
    result = runner.invoke(args=["dashboard", "check"])
    assert result.exit_code == 1
    assert "monthly_delivery_counts" in result.output and "contributions stored 7" in result.output
    assert runner.invoke(args=["dashboard", "rebuild"]).exit_code == 0
    assert runner.invoke(args=["dashboard", "check"]).exit_code == 0


def test_missing_and_orphan_summaries_are_named(app_ctx, regions):
    kept = factories.child(birth_date=BORN)
    factories.measure(kept, 1, 5, "stunted", "9.0")
    other = factories.child(birth_date=BORN)
    db.session.execute(text("DELETE FROM child_growth_summaries WHERE child_id = :id"),
                       {"id": kept.id})
    db.session.execute(ChildGrowthSummary.__table__.insert().values(
        child_id=other.id, first_month=1, grid="111", latest_on=timeutil.today(),
        latest_weight_kg=Decimal("9"), weight_stalled=False))
    problems = growth.check()
    assert f"child_growth_summaries child {kept.id}: missing" in problems
    assert any(p.startswith(f"child_growth_summaries child {other.id}: has no live")
               for p in problems)


@pytest.mark.parametrize("voided", [False, True])
def test_rebuild_matches_the_live_measurements(app_ctx, regions, voided):
    child = factories.child(birth_date=BORN)
    kept = factories.measure(child, 2, 1, "severely_stunted", "8.0")
    wrong = factories.measure(child, 0, 1, "normal", "8.0")
    if voided:
        measuring.void_measurement(wrong, child, "Salah")
    growth.rebuild()
    rows = db.session.scalars(select(ChildGrowthSummary)).all()
    assert [r.child_id for r in rows] == [child.id]
    assert rows[0].latest_on == (kept.measured_on if voided else wrong.measured_on)
