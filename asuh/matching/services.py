"""Match rules: pairing an approved sponsor with an active child, and ending the pairing.

Two denormalised counters follow every change made here, in the same transaction:
``Child.is_matched`` (the child has an active match) and ``Sponsor.active_matches`` (how
many). Lists in the lower areas filter on them without knowing matches exist.

Concurrency: two officers may match at the same moment. The sponsor row, then the child
row, are locked before anything is checked (``SELECT … FOR UPDATE`` on PostgreSQL; on
SQLite every write transaction already begins IMMEDIATE, so writers run one at a time),
so the capacity check cannot be raced; the partial unique index ``uq_matches_active_child``
is the last word on "one active match per child". Always lock sponsor before child, in id
order, so that two transactions never wait on each other in a circle.

Reading (lists, suggestions, the sponsor's own children) is in ``queries.py``; the
auto-match preview and its confirmation in ``automatch.py``.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from asuh import timeutil
from asuh.audit import services as audit
from asuh.children import services as children
from asuh.children.growth import balita_until
from asuh.children.models import Child
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id
from asuh.matching import scoping
from asuh.matching.models import END_REASONS, Match
from asuh.permissions import Permission, ensure_permitted
from asuh.regions import scopes
from asuh.settings import services as settings
from asuh.sponsors.models import Sponsor
from asuh.transactions import use_case

CHILD_TAKEN = "Anak ini sudah memiliki Bapak/Bunda Asuh."
CHILD_NOT_ACTIVE = "Anak ini tidak berstatus aktif; hanya anak aktif yang dapat diasuh."
CHILD_AGED_OUT = "Anak ini sudah berumur 60 bulan; program ini untuk balita (0–59 bulan)."
SPONSOR_NOT_APPROVED = "Bapak/Bunda Asuh ini belum disetujui petugas."
SPONSOR_WITHDRAWN = "Bapak/Bunda Asuh ini sudah mengundurkan diri."
SPONSOR_FULL = "Kuota Bapak/Bunda Asuh ini sudah penuh."
ALREADY_ENDED = "Pengasuhan ini sudah berakhir."
MAX_COMMITMENT_MONTHS = 36
NOTE_MAX = 500
AUDITED_FIELDS = ("sponsor_id", "child_id", "start_on", "planned_end_on", "note",
                  "ended_on", "end_reason", "end_note")


# --- dates ---------------------------------------------------------------------------


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (31 Aug + 6 = 28/29 Feb)."""
    year, month = divmod(start.month - 1 + months, 12)
    year += start.year
    for day in range(start.day, 27, -1):
        try:
            return date(year, month + 1, day)
        except ValueError:
            continue
    return date(year, month + 1, min(start.day, 28))


def commitment_months(city_code: str | None = None) -> int:
    """The commitment a kabupaten/kota asks of a sponsor (issue 15: its own setting, else
    its province's, else the installation's); None reads the installation's."""
    return int(settings.for_city(city_code)["commitment_months"])


def default_end(start_on: date, city_code: str | None = None) -> date:
    """Start plus the commitment of the child's kabupaten/kota (6 months unless changed)."""
    return add_months(start_on, commitment_months(city_code))


def child_city(child: Child | None) -> str | None:
    """The kabupaten/kota whose settings govern a match of ``child``."""
    return scopes.city_code_of(child.kelurahan_code) if child is not None else None


# --- locking and state checks --------------------------------------------------------


def lock(model, ids) -> dict:
    """Rows of ``model`` by id, locked for this transaction and freshly read.

    ``populate_existing`` matters: a row already in the session (loaded before the lock)
    would otherwise keep the values read before another transaction committed.
    """
    rows = {}
    ids = sorted(set(ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        stmt = (select(model).where(model.id.in_(chunk)).order_by(model.id)
                .with_for_update(of=model).execution_options(populate_existing=True))
        rows.update((row.id, row) for row in db.session.scalars(stmt))
    return rows


def may_pair(actor, child: Child) -> bool:
    """Whether ``actor`` may pair ``child``: only a child they may see (field staff: their
    kelurahan). The pairing page and POST /api/v1/matches both ask here."""
    return children.can_see(actor, child)


def sponsor_problem(sponsor: Sponsor | None) -> str | None:
    """Why this sponsor cannot take one more child now; None if they can."""
    if sponsor is None or sponsor.approved_at is None:
        return SPONSOR_NOT_APPROVED
    if sponsor.withdrawn_at is not None:
        return SPONSOR_WITHDRAWN
    if sponsor.active_matches >= sponsor.capacity:
        return SPONSOR_FULL
    return None


def past_balita(birth_date: date | None, planned_end_on: date) -> bool:
    """Whether a commitment until ``planned_end_on`` runs past the child's 60 months, when
    the child leaves the balita programme and is no longer measured."""
    return birth_date is not None and planned_end_on > balita_until(birth_date)


def commitment_warning(child: Child, planned_end_on: date) -> str | None:
    """The officer's warning for a commitment past 60 months; None when it fits."""
    if not past_balita(child.birth_date, planned_end_on):
        return None
    return (f"Perhatian: {child.name} berumur 60 bulan pada "
            f"{format_date_id(balita_until(child.birth_date))}, sebelum pengasuhan berakhir "
            f"({format_date_id(planned_end_on)}); setelah itu anak keluar dari program balita "
            "dan tidak diukur lagi.")


def child_problem(child: Child | None, today: date | None = None) -> str | None:
    """Why this child cannot be matched now; None if it can."""
    if child is None or child.status != "active":
        return CHILD_NOT_ACTIVE
    if balita_until(child.birth_date) <= (today or timeutil.today()):
        return CHILD_AGED_OUT
    if child.is_matched:
        return CHILD_TAKEN
    return None


def _clean_note(value, field: str = "note") -> str | None:
    text = " ".join(str(value or "").split())
    if len(text) > NOTE_MAX:
        raise ValidationFailed({field: [f"Catatan paling panjang {NOTE_MAX} karakter."]})
    return text or None


def check_period(start_on, end_on, child: Child, today: date) -> tuple[date, date]:
    """``(start, planned end)``; the end defaults to start + the commitment months.

    A match starts today or earlier (officers record pairings made on paper before the
    system, never ones that have not begun: a future start could not be ended today).
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(start_on, date):
        errors["start_date"] = ["Tanggal mulai wajib diisi."]
    elif start_on > today:
        errors["start_date"] = ["Tanggal mulai tidak boleh di masa depan."]
    elif start_on < child.birth_date:
        errors["start_date"] = ["Tanggal mulai tidak boleh sebelum tanggal lahir anak."]
    if errors:
        raise ValidationFailed(errors)
    if end_on is None:
        end_on = default_end(start_on, child_city(child))
    elif not isinstance(end_on, date) or end_on <= start_on:
        errors["end_date"] = ["Tanggal selesai harus sesudah tanggal mulai."]
    elif end_on > add_months(start_on, MAX_COMMITMENT_MONTHS):
        errors["end_date"] = [f"Masa pengasuhan paling lama {MAX_COMMITMENT_MONTHS} bulan."]
    if errors:
        raise ValidationFailed(errors)
    return start_on, end_on


# --- changes -------------------------------------------------------------------------


def new_match(sponsor: Sponsor, child: Child, *, start_on: date, planned_end_on: date,
              note: str | None, actor) -> Match:
    """Add a match (not yet flushed) on rows the caller has locked and checked, and move
    both counters; :func:`audit_created` must follow once the match has its id."""
    match = Match(sponsor_id=sponsor.id, child_id=child.id, start_on=start_on,
                  planned_end_on=planned_end_on, note=note,
                  created_by_id=actor.id if actor is not None else None)
    db.session.add(match)
    child.is_matched = True
    sponsor.active_matches = sponsor.active_matches + 1
    return match


def flush_new_matches() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        # Only reachable if someone wrote a match without locking the child first.
        raise ValidationFailed({"child_id": [CHILD_TAKEN]}, status=409) from exc


def audit_created(match: Match, sponsor: Sponsor, child: Child, *, actor,
                  summary_suffix: str = "") -> None:
    audit.record("create", "match", match.id, user=actor,
                 summary=f"{sponsor.name} menjadi Bapak/Bunda Asuh {child.name}"
                         f"{summary_suffix}",
                 changes=audit.diff({}, audit.snapshot(match, AUDITED_FIELDS)))


@use_case
def create_match(sponsor: Sponsor, child: Child, *, start_on, end_on=None, note=None,
                 actor=None, today: date | None = None) -> Match:
    """Pair ``sponsor`` with ``child`` from ``start_on`` until ``end_on`` (planned).

    422 for bad dates or note; 409 when the child is not active or already matched, or
    the sponsor is not approved, has withdrawn, or is at capacity (a state that another
    officer's action may change, unlike a malformed request).
    """
    ensure_permitted(actor, Permission.MANAGE_MATCHES)
    scoping.ensure_child_in_scope(actor, child)
    if actor is not None and not may_pair(actor, child):
        raise NotPermitted()
    if problem := scoping.province_problem(sponsor, child):
        raise ValidationFailed({"sponsor_id": [problem]})
    today = today or timeutil.today()
    start_on, end_on = check_period(start_on, end_on, child, today)
    note = _clean_note(note)
    sponsor = lock(Sponsor, [sponsor.id])[sponsor.id]
    child = lock(Child, [child.id])[child.id]
    errors = {}
    if problem := child_problem(child, today):
        errors["child_id"] = [problem]
    if problem := sponsor_problem(sponsor):
        errors["sponsor_id"] = [problem]
    if errors:
        raise ValidationFailed(errors, status=409)
    match = new_match(sponsor, child, start_on=start_on, planned_end_on=end_on, note=note,
                      actor=actor)
    flush_new_matches()
    audit_created(match, sponsor, child, actor=actor)
    return match


@use_case
def end_match(match: Match, *, reason, ended_on, note=None, actor=None,
              today: date | None = None) -> Match:
    """End an active match; the row stays as history (child page, sponsor page, letters).

    ``reason`` is one of ``END_REASONS``; ``other`` needs a ``note`` saying what.
    ``ended_on`` lies between the start and today.
    """
    ensure_permitted(actor, Permission.MANAGE_MATCHES)
    scoping.ensure_match_in_scope(actor, match)
    today = today or timeutil.today()
    errors: dict[str, list[str]] = {}
    if reason not in END_REASONS:
        errors["reason"] = ["Pilih alasan berakhirnya pengasuhan."]
    try:
        note = _clean_note(note)
    except ValidationFailed as failure:
        errors.update(failure.errors)
    if reason == "other" and not note and "note" not in errors:
        errors["note"] = ["Jelaskan alasannya bila memilih 'Lainnya'."]
    if not isinstance(ended_on, date):
        errors["ended_on"] = ["Tanggal berakhir wajib diisi."]
    elif ended_on > today:
        errors["ended_on"] = ["Tanggal berakhir tidak boleh di masa depan."]
    elif ended_on < match.start_on:
        errors["ended_on"] = ["Tanggal berakhir tidak boleh sebelum tanggal mulai."]
    if errors:
        raise ValidationFailed(errors)
    sponsor = lock(Sponsor, [match.sponsor_id])[match.sponsor_id]
    child = lock(Child, [match.child_id])[match.child_id]
    match = lock(Match, [match.id])[match.id]
    if match.ended_on is not None:
        raise ValidationFailed({"match": [ALREADY_ENDED]}, status=409)
    before = audit.snapshot(match, AUDITED_FIELDS)
    match.ended_on = ended_on
    match.end_reason = reason
    match.end_note = note
    match.ended_by_id = actor.id if actor is not None else None
    child.is_matched = False
    sponsor.active_matches = max(0, sponsor.active_matches - 1)
    db.session.flush()
    audit.record("end", "match", match.id, user=actor,
                 summary=f"Pengasuhan {child.name} oleh {sponsor.name} berakhir: "
                         f"{END_REASONS[reason]}",
                 changes=audit.diff(before, audit.snapshot(match, AUDITED_FIELDS)))
    return match
