"""The database itself refuses what no service would write (CHECK constraints, item 8).

Each case inserts a row through SQLAlchemy Core, past every service: first the row as it
is (a copy of one the services made, or a hand-made one), which must be accepted, so the
refusal that follows is caused by the one bad value and nothing else; then the same row
with the bad value, which must fail with an IntegrityError naming the constraint. Both
passes run it: SQLite and PostgreSQL.
"""

import itertools
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import CheckConstraint, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.accounts.models import User
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.sponsors.validation import MAX_CAPACITY
from tests import factories

# (table, bad values, constraint); the row they go into comes from _rows().
CASES = [
    ("users", {"role": "root"}, "ck_users_role"),
    ("login_sessions", {"kind": "cookie"}, "ck_login_sessions_kind"),
    ("regions", {"level": "negara"}, "ck_regions_level"),  # provinsi is a level since issue 15
    ("regions", {"village_type": "kota"}, "ck_regions_village_type"),
    ("sponsors", {"kind": "pns"}, "ck_sponsors_kind"),
    ("sponsors", {"registered_via": "fax"}, "ck_sponsors_registered_via"),
    ("sponsors", {"capacity": 0}, "ck_sponsors_capacity"),
    ("capacity_requests", {"status": "maybe"}, "ck_capacity_requests_status"),
    ("capacity_requests", {"requested": 21}, "ck_capacity_requests_requested"),
    ("capacity_requests", {"previous": 0}, "ck_capacity_requests_previous"),
    ("sponsors", {"capacity": MAX_CAPACITY + 1}, "ck_sponsors_capacity"),
    ("sponsors", {"active_matches": -1}, "ck_sponsors_active_matches"),
    ("children", {"sex": "X"}, "ck_children_sex"),
    ("children", {"status": "lost"}, "ck_children_status"),
    ("children", {"latest_category": "short"}, "ck_children_latest_category"),
    ("children", {"nik_status": "mother"}, "ck_children_nik_status"),
    ("children", {"nik": None}, "ck_children_nik_missing"),
    ("children", {"nik_status": "missing"}, "ck_children_nik_missing"),
    ("measurements", {"height_cm": 0}, "ck_measurements_height_cm"),
    ("measurements", {"weight_kg": 0}, "ck_measurements_weight_kg"),
    ("measurements", {"weight_kg": -8.5}, "ck_measurements_weight_kg"),
    ("measurements", {"height_adjusted_cm": 0}, "ck_measurements_height_adjusted_cm"),
    # A height without its position or adjusted value, or the reverse (issue 11: a
    # weight-only weighing has none of the three).
    ("measurements", {"height_cm": None}, "ck_measurements_height_given"),
    ("measurements", {"position": None}, "ck_measurements_height_given"),
    ("measurements", {"age_days": -1}, "ck_measurements_age_days"),
    ("measurements", {"position": "sitting"}, "ck_measurements_position"),
    ("measurements", {"category": "short"}, "ck_measurements_category"),
    ("measurements", {"weight_category": "heavy"}, "ck_measurements_weight_category"),
    ("measurements", {"wasting_category": "thin"}, "ck_measurements_wasting_category"),
    ("matches", {"end_reason": "bored"}, "ck_matches_end_reason"),
    ("matches", {"end_reason": None}, "ck_matches_ended"),
    ("matches", {"ended_on": None}, "ck_matches_ended"),
    ("commodity_units", {"factor": 0}, "ck_commodity_units_factor"),
    ("contributions", {"status": "lost"}, "ck_contributions_status"),
    ("contributions", {"total_value_idr": -1}, "ck_contributions_total_value_idr"),
    ("contribution_items", {"quantity": 0}, "ck_contribution_items_quantity"),
    ("contribution_items", {"canonical_quantity": 0},
     "ck_contribution_items_canonical_quantity"),
    ("contribution_items", {"value_idr": -1}, "ck_contribution_items_value_idr"),
    ("contribution_photos", {"content_type": "image/gif"},
     "ck_contribution_photos_content_type"),
    ("contribution_photos", {"width": 0}, "ck_contribution_photos_width"),
    ("contribution_photos", {"height": 0}, "ck_contribution_photos_height"),
    ("contribution_photos", {"size_bytes": 0}, "ck_contribution_photos_size_bytes"),
    ("monthly_delivery_counts", {"sponsor_kind": "pns"},
     "ck_monthly_delivery_counts_sponsor_kind"),
    ("letters", {"kind": "memo"}, "ck_letters_kind"),
    ("letters", {"status": "draft"}, "ck_letters_status"),
    ("letters", {"seq": 0}, "ck_letters_seq"),
    ("letters", {"audit_seq": -1}, "ck_letters_audit_seq"),
    ("letter_sequences", {"last_seq": -1}, "ck_letter_sequences_last_seq"),
    ("child_growth_summaries", {"latest_weight_kg": 0},
     "ck_child_growth_summaries_latest_weight_kg"),
    ("child_growth_summaries", {"compared_weight_kg": 0},
     "ck_child_growth_summaries_compared_weight_kg"),
    ("jobs", {"status": "paused"}, "ck_jobs_status"),
    ("jobs", {"progress_done": -1}, "ck_jobs_progress_done"),
    ("jobs", {"attempts": -1}, "ck_jobs_attempts"),
    ("outgoing_mail", {"status": "bounced"}, "ck_outgoing_mail_status"),
    ("outgoing_mail", {"attempts": -1}, "ck_outgoing_mail_attempts"),
    ("stored_files", {"size_bytes": -1}, "ck_stored_files_size_bytes"),
]

_serial = itertools.count(1)


def _check_constraints():
    return {constraint.name: table.name for table in db.metadata.sorted_tables
            for constraint in table.constraints if isinstance(constraint, CheckConstraint)}


def _copy(table: str, *where) -> dict:
    """A row the services wrote, without its generated id."""
    model = db.metadata.tables[table]
    row = db.session.execute(select(model).where(*where).limit(1)).mappings().one()
    return {name: value for name, value in row.items() if name != "id"}


def _rows(users) -> dict[str, dict]:
    """One otherwise valid new row per table, its unique values fresh (it is never kept:
    each insert is rolled back, so two cases may reuse the same values)."""
    admin = db.session.get(User, users["admin"][0])
    scene = factories.letter_scene(actor=admin)
    spare_child = factories.child(actor=admin)
    tables = db.metadata.tables
    n = next(_serial)
    now = datetime(2026, 1, 5, 8, 0)
    sponsor = _copy("sponsors")
    return {
        "users": {**_copy("users"), "email": f"check{n}@example.id"},
        "login_sessions": {"user_id": admin.id, "kind": "web", "token_hash": "f" * 64,
                           "expires_at": now + timedelta(days=1)},
        "regions": {**_copy("regions", tables["regions"].c.level == "kelurahan"),
                    "code": f"99.99.99.{n:04d}", "village_type": "desa"},
        # The largest capacity the services allow is accepted by the database too.
        "sponsors": {**sponsor, "email": f"check{n}@example.id", "nip": None, "nik": None,
                     "user_id": None, "capacity": MAX_CAPACITY},
        "children": {**_copy("children"), "nik": f"99{n:014d}"},
        # Voided, so the one-live-measurement-a-day index does not refuse the copy.
        "measurements": {**_copy("measurements"), "voided_at": now},
        "matches": {**_copy("matches"), "ended_on": timeutil.today(), "end_reason": "moved"},
        "commodity_units": {**_copy("commodity_units"), "name": f"kemasan {n}"},
        "contributions": {**_copy("contributions"), "submission_key": None},
        "contribution_items": _copy("contribution_items"),
        "contribution_photos": {"contribution_id": scene["pending"],
                                "stored_name": f"check{n}.jpg", "content_type": "image/jpeg",
                                "width": 64, "height": 48, "size_bytes": 1200,
                                "sha256": "0" * 64},
        "monthly_delivery_counts": {**_copy("monthly_delivery_counts"),
                                    "month": date(1990, 1, 1)},
        "letters": {"kind": "sponsor_statement", "number": f"CHECK/{n}", "year": 1990,
                    "office_code": "19.71",
                    "seq": 1, "sponsor_id": scene["sponsor"], "pdf": b"%PDF-1.7",
                    "sha256": "0" * 64, "verify_token": f"check-{n}", "short_code": f"C{n}",
                    "status": "current", "public_summary": {}},
        "letter_sequences": {"office_code": "19.71", "year": 1990, "last_seq": 0},
        "jobs": {"kind": "letters.monthly_statements", "params": {}, "status": "queued",
                 "progress_done": 0, "attempts": 0, "created_at": now},
        "outgoing_mail": {"user_id": admin.id, "kind": "sponsor_approved",
                          "to_address": "a@example.id", "subject": "S", "body": "B",
                          "status": "queued", "attempts": 0, "created_at": now,
                          "next_attempt_at": now},
        "stored_files": {"key": f"checks/file{n}.bin", "data": b"x", "size_bytes": 1,
                         "sha256": "0" * 64, "content_type": "application/octet-stream",
                         "created_at": now},
        "capacity_requests": {"sponsor_id": scene["sponsor"], "previous": 1, "requested": 2,
                              "status": "pending", "requested_at": now},
        "child_growth_summaries": {**_copy("child_growth_summaries"),
                                   "child_id": spare_child.id, "compared_on": date(2026, 1, 1),
                                   "compared_weight_kg": 7.5},
    }


def _insert(table: str, row: dict) -> None:
    """Insert and undo: only whether the database takes the row matters."""
    savepoint = db.session.begin_nested()
    try:
        db.session.execute(insert(db.metadata.tables[table]).values(**row))
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def test_every_check_constraint_has_a_refusal_case(app):
    assert set(_check_constraints()) == {name for _, _, name in CASES}


def test_the_database_refuses_each_bad_value(app_ctx, regions, users):
    rows = _rows(users)
    problems = []
    for table, bad, constraint in CASES:
        try:
            _insert(table, rows[table])
        except IntegrityError as exc:
            problems.append(f"{table}: the valid row was refused: {exc.orig}")
            continue
        try:
            _insert(table, {**rows[table], **bad})
        except IntegrityError as exc:
            if constraint not in str(exc.orig):
                problems.append(f"{table} {bad}: refused, but not by {constraint}: {exc.orig}")
        else:
            problems.append(f"{table} {bad}: accepted; {constraint} should refuse it")
    assert problems == []


def test_the_database_holds_the_models_check_constraints(app_ctx):
    """A status added in code needs a migration: the models' constraints and the
    database's must be the same (Alembic's autogenerate does not compare CHECKs)."""
    inspector = inspect(db.engine)
    sqlite = db.engine.dialect.name == "sqlite"
    for table in db.metadata.sorted_tables:
        want = {c.name: str(c.sqltext) for c in table.constraints
                if isinstance(c, CheckConstraint)}
        have = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table.name)}
        # PostgreSQL hands back its own rewriting of the expression; SQLite the text.
        assert (have if sqlite else set(have)) == (want if sqlite else set(want)), table.name


def test_a_quantity_too_small_to_convert_is_refused_before_the_database(app_ctx, regions):
    """0.001 of a 200 ml carton is 0.0002 litre, 0.000 at three decimals: the service says
    so instead of leaving the database's check to refuse a zero canonical quantity."""
    from asuh.contributions.services import clean_items

    factories.catalogue()
    with pytest.raises(ValidationFailed) as refused:
        clean_items([{"commodity": "milk", "quantity": "0,001", "unit": "kotak 200 ml",
                      "value_idr": "0"}])
    assert "items[0].quantity" in refused.value.errors


def test_a_weight_only_row_and_an_aged_out_child_are_accepted(app_ctx, regions, users):
    """Migration 0008: NULL height (all three height columns) passes, a height of 0 does not;
    ``aged_out`` is a status the database takes."""
    _rows(users)
    weight_only = {**_copy("measurements"), "voided_at": datetime(2026, 1, 5),
                   "height_cm": None, "height_adjusted_cm": None, "position": None,
                   "haz": None, "category": None}
    _insert("measurements", weight_only)
    with pytest.raises(IntegrityError, match="ck_measurements_height_cm"):
        _insert("measurements", {**weight_only, "height_cm": 0, "height_adjusted_cm": 70,
                                 "position": "lying"})
    _insert("children", {**_copy("children"), "nik": "9900000000000001", "status": "aged_out"})
