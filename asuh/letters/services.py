"""Issuing letters: check the subject, read its content, number, render, store, supersede.

A letter is issued in one transaction: its content is read and its HTML templated with
a slot for the number; then the year's sequence row is locked (see ``numbering.py``),
the number filled in, the PDF rendered once, the bytes stored with their SHA-256, an
earlier current letter for the same subject marked superseded, and the audit trail
written. The caller commits, which releases the sequence row. Nothing about an issued
letter ever changes afterwards except being superseded.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from blinker import Namespace
from sqlalchemy import select

from asuh import timeutil
from asuh.audit import services as audit
from asuh.audit.chain import ChainHead, chain_head
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id
from asuh.letters import numbering, signing
from asuh.letters.models import (
    CURRENT,
    HANDOVER_RECEIPT,
    LETTER_KINDS,
    RECAP,
    SPONSOR_STATEMENT,
    SUPERSEDED,
    Letter,
)
from asuh.letters.periods import Period, covered_through
from asuh.letters.recap import check_kecamatan, recap_content, recap_summary
from asuh.letters.receipt import load_confirmed, receipt_content, receipt_summary
from asuh.letters.rendering import Draft, fill_number, letter_html
from asuh.letters.statement import statement_contents, statement_summary
from asuh.permissions import Permission, has_permission
from asuh.settings import services as settings
from asuh.sponsors.models import Sponsor
from asuh.sponsors.services import sponsor_for_user
from asuh.timeutil import utcnow
from asuh.transactions import short_write, use_case

# Sent inside the issuing transaction, once per stored letter (bulk runs too).
letter_issued = Namespace().signal("letter-issued")


@dataclass(frozen=True)
class Subject:
    """What a letter is about; two letters with the same subject supersede each other."""

    kind: str
    sponsor_id: int | None = None
    contribution_id: int | None = None
    kecamatan_code: str | None = None
    period: Period | None = None
    # An interim letter's last day (today); None when the period has ended.
    through: date | None = None


def _int_or_none(value, field: str, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not str(value).isdigit():
        errors[field] = ["Harus bilangan bulat."]
        return None
    return int(value)


def check_subject(kind, *, sponsor_id=None, contribution_id=None, kecamatan_code=None,
                  period: Period | None = None, today: date | None = None,
                  interim: bool = False) -> Subject:
    """Which fields each kind needs (and refuses); unknown ids are 422s. A statement or
    recap covers an ended period, or one still running only when ``interim``."""
    today = today or timeutil.today()
    if kind not in LETTER_KINDS:
        raise ValidationFailed({"kind": [f"Harus salah satu dari: {', '.join(LETTER_KINDS)}."]})
    errors: dict[str, list[str]] = {}
    through = None
    sponsor_id = _int_or_none(sponsor_id, "sponsor_id", errors)
    contribution_id = _int_or_none(contribution_id, "contribution_id", errors)
    if kind == HANDOVER_RECEIPT:
        if contribution_id is None and "contribution_id" not in errors:
            errors["contribution_id"] = ["Pilih penyaluran yang diserahterimakan."]
        if period is not None:
            errors["period"] = ["Berita acara mencatat satu penyaluran; tanpa periode."]
    else:
        if period is None:
            errors["period"] = ["Periode wajib diisi."]
        else:
            try:
                through = covered_through(period, today, interim=interim)
            except ValidationFailed as failure:
                errors.update(failure.errors)
    if kind == SPONSOR_STATEMENT:
        if sponsor_id is None and "sponsor_id" not in errors:
            errors["sponsor_id"] = ["Pilih Bapak/Bunda Asuh."]
        elif sponsor_id is not None and db.session.get(Sponsor, sponsor_id) is None:
            errors["sponsor_id"] = ["Bapak/Bunda Asuh tidak ditemukan."]
    if errors:
        raise ValidationFailed(errors)
    if kind == SPONSOR_STATEMENT:
        return Subject(kind, sponsor_id=sponsor_id, period=period, through=through)
    if kind == RECAP:
        region = check_kecamatan(kecamatan_code)
        return Subject(kind, kecamatan_code=region.code if region else None, period=period,
                       through=through)
    return Subject(kind, contribution_id=contribution_id)


# --- who may --------------------------------------------------------------------------


def own_sponsor_id(user) -> int | None:
    if not has_permission(user, Permission.OWN_SPONSORSHIP):
        return None
    sponsor = sponsor_for_user(user)
    return sponsor.id if sponsor is not None else None


def can_issue(user, subject: Subject) -> bool:
    """Officers and admins any letter; a sponsor their own statement only."""
    if has_permission(user, Permission.ISSUE_LETTERS):
        return True
    return (subject.kind == SPONSOR_STATEMENT and subject.sponsor_id is not None
            and subject.sponsor_id == own_sponsor_id(user))


def can_view(user, letter: Letter) -> bool:
    """Staff and auditors holding VIEW_LETTERS any letter; a sponsor the letters about
    them (their statements and the receipts of their deliveries)."""
    if has_permission(user, Permission.VIEW_LETTERS):
        return True
    return letter.sponsor_id is not None and letter.sponsor_id == own_sponsor_id(user)


# --- content --------------------------------------------------------------------------


def _covered(period: Period, through: date | None) -> Period:
    """The days a letter's content is read over: the period, or up to an interim's day."""
    return period if through is None else Period(period.start, min(through, period.end))


def statement_drafts(sponsor_ids: list[int], period: Period, today: date | None = None,
                     through: date | None = None) -> list[Draft]:
    contents = statement_contents(sponsor_ids, _covered(period, through), today)
    return [Draft(SPONSOR_STATEMENT, contents[sid], statement_summary(contents[sid]),
                  sponsor_id=sid, period=period, through=through)
            for sid in sponsor_ids if sid in contents]


def draft_for(subject: Subject, today: date | None = None) -> Draft:
    if subject.kind == SPONSOR_STATEMENT:
        draft = statement_drafts([subject.sponsor_id], subject.period, today,
                                 subject.through)[0]
        if not draft.content["children"]:
            raise ValidationFailed({"period": [
                "Bapak/Bunda Asuh ini tidak mengasuh anak dalam periode tersebut."]})
        return draft
    if subject.kind == HANDOVER_RECEIPT:
        contribution = load_confirmed(subject.contribution_id)
        content = receipt_content(contribution)
        return Draft(HANDOVER_RECEIPT, content, receipt_summary(content),
                     sponsor_id=contribution.sponsor_id, contribution_id=contribution.id)
    kecamatan = check_kecamatan(subject.kecamatan_code)
    content = recap_content(_covered(subject.period, subject.through), kecamatan, today)
    return Draft(RECAP, content, recap_summary(content),
                 kecamatan_code=subject.kecamatan_code, period=subject.period,
                 through=subject.through)


# --- numbering, rendering, storing ----------------------------------------------------


def _subject_label(draft: Draft) -> str:
    """The letter's *perihal* as a Dinas writes it: what the letter is, for whom, and when
    (not a bare name). Stored in the public summary when issued; earlier letters keep
    theirs."""
    summary = draft.summary
    period = f" Periode {draft.period.label}" if draft.period else ""
    if draft.kind == RECAP:
        scope = summary["scope"]
        where = scope if scope.startswith("Kecamatan") else f"Tingkat Kota ({scope})"
        return f"Rekapitulasi Program Bapak/Bunda Asuh Anak Stunting {where}{period}"
    if draft.kind == HANDOVER_RECEIPT:
        return (f"Serah Terima Bantuan Bapak/Bunda Asuh a.n. {summary['sponsor_name']} "
                f"Tanggal {format_date_id(date.fromisoformat(summary['delivered_on']))}")
    return f"Pertanggungjawaban Bantuan Bapak/Bunda Asuh a.n. {summary['sponsor_name']}{period}"


def public_summary(draft: Draft, number: str, issued_on: date) -> dict:
    return {"number": number, "kind": draft.kind, "kind_label": LETTER_KINDS[draft.kind],
            "issued_on": issued_on.isoformat(), "subject": _subject_label(draft),
            "period_label": draft.period.label if draft.period else None,
            "period_start": draft.period.start.isoformat() if draft.period else None,
            "period_end": draft.period.end.isoformat() if draft.period else None,
            # An interim letter covers the period only up to this day (issue 11).
            "interim_through": draft.through.isoformat() if draft.through else None,
            **draft.summary}


def _same_subject(draft: "Draft | Subject"):
    def same(column, value):
        return column.is_(None) if value is None else column == value

    period = draft.period
    return select(Letter).where(
        Letter.kind == draft.kind, Letter.status == CURRENT,
        same(Letter.sponsor_id, draft.sponsor_id),
        same(Letter.contribution_id, draft.contribution_id),
        same(Letter.kecamatan_code, draft.kecamatan_code),
        same(Letter.period_start, period.start if period else None),
        same(Letter.period_end, period.end if period else None))


def _store(draft: Draft, *, year: int, seq: int, number: str, issued_on: date,
           issued_at: datetime, body: bytes, actor, anchor: ChainHead) -> Letter:
    earlier = list(db.session.scalars(_same_subject(draft)))
    letter = Letter(
        kind=draft.kind, number=number, year=year, seq=seq, sponsor_id=draft.sponsor_id,
        contribution_id=draft.contribution_id, kecamatan_code=draft.kecamatan_code,
        period_start=draft.period.start if draft.period else None,
        period_end=draft.period.end if draft.period else None,
        issued_by_id=actor.id if actor is not None else None, issued_at=issued_at,
        pdf=body, sha256=hashlib.sha256(body).hexdigest(),
        verify_token=draft.verify_token, short_code=draft.short_code, status=CURRENT,
        audit_seq=anchor.seq, audit_hash=anchor.hash,
        public_summary=public_summary(draft, number, issued_on))
    db.session.add(letter)
    db.session.flush()
    audit.record("issue", "letter", letter.id, user=actor,
                 summary=f"{LETTER_KINDS[draft.kind]} {number} diterbitkan: "
                         f"{_subject_label(draft)}",
                 changes={"number": [None, number], "sha256": [None, letter.sha256],
                          "supersedes": [None, [e.number for e in earlier] or None]})
    for old in earlier:
        old.status = SUPERSEDED
        old.superseded_by_id = letter.id
        old.superseded_at = issued_at
        audit.record("supersede", "letter", old.id, user=actor,
                     summary=f"Surat {old.number} digantikan oleh {number}",
                     changes={"status": [CURRENT, SUPERSEDED],
                              "superseded_by": [None, number]})
    db.session.flush()
    letter_issued.send(letter, actor=actor)
    return letter


@dataclass
class Prepared:
    """A draft with its HTML (number slot still open) and the moment it is issued at."""

    draft: Draft
    html: str
    issued_on: date
    issued_at: datetime
    pattern: str


def prepare(drafts: list[Draft], *, on: date | None = None) -> list[Prepared]:
    """Render the drafts' HTML before any number is taken (outside the sequence lock).

    The signer is loaded first: without a usable certificate nothing is prepared.
    """
    values = settings.get_all()
    issued_at, issued_on = utcnow(), on or timeutil.today()
    block = signing.signature_block(signing.letter_signer().identity, issued_at)
    return [Prepared(draft, letter_html(draft, issued_on=issued_on, issued_at=issued_at,
                                        settings=values, signature=block),
                     issued_on, issued_at, values["letter_number_pattern"])
            for draft in drafts]


def issue_prepared(prepared: list[Prepared], *, actor=None,
                   render: Callable[[list[str]], Iterable[bytes]] | None = None
                   ) -> Iterator[Letter]:
    """Number, render and store the letters in order, yielding each stored letter.

    The sequence row is locked from here to the caller's commit, so keep batches small.
    ``render`` turns the final HTMLs into signed PDFs in order (default: in this process);
    the bulk command passes a process pool, and prepares its next batch while it renders.
    The stored bytes are the signed bytes; a signing failure raises before anything is
    stored, and the caller's rollback gives the numbers back.
    """
    if not prepared:
        return
    signing.letter_signer()  # the signer render_signed uses, here and in forked workers
    year = prepared[0].issued_on.year
    seqs = numbering.take_numbers(year, len(prepared))
    # Read under the numbering lock, before these letters' own records: every letter of
    # the batch prints the trail as it stood when it was numbered.
    anchor = chain_head()
    numbers = [numbering.format_number(p.pattern, seq, p.issued_on)
               for p, seq in zip(prepared, seqs, strict=True)]
    htmls = [fill_number(p.html, number, str(anchor))
             for p, number in zip(prepared, numbers, strict=True)]
    rendered = render(htmls) if render is not None else map(signing.render_signed, htmls)
    for p, seq, number, body in zip(prepared, seqs, numbers, rendered, strict=True):
        yield _store(p.draft, year=year, seq=seq, number=number, issued_on=p.issued_on,
                     issued_at=p.issued_at, body=body, actor=actor, anchor=anchor)


def issue_drafts(drafts: list[Draft], *, actor=None, on: date | None = None,
                 render: Callable[[list[str]], Iterable[bytes]] | None = None
                 ) -> Iterator[Letter]:
    """:func:`prepare` then :func:`issue_prepared`."""
    yield from issue_prepared(prepare(drafts, on=on), actor=actor, render=render)


@use_case
def issue_letter(kind, *, sponsor_id=None, contribution_id=None, kecamatan_code=None,
                 period: Period | None = None, actor=None, today: date | None = None,
                 interim: bool = False) -> Letter:
    """Issue one new letter (an earlier current one for the same subject is superseded).

    A statement or recap whose period reaches today is refused unless ``interim``: then
    it covers the days up to today and says so ("sementara, s.d. <today>"). The final
    letter for the same period later supersedes it.

    Raises ``ValidationFailed`` for a bad subject and ``NotPermitted`` when ``actor`` may
    not issue it; ``actor=None`` is the system (the CLI).
    """
    subject = check_subject(kind, sponsor_id=sponsor_id, contribution_id=contribution_id,
                            kecamatan_code=kecamatan_code, period=period, today=today,
                            interim=interim)
    if actor is not None and not can_issue(actor, subject):
        raise NotPermitted("Anda tidak dapat menerbitkan surat ini.")
    recent = recent_own_statement(subject, actor)
    if recent is not None:
        return recent
    draft = draft_for(subject, today)
    return next(issue_drafts([draft], actor=actor, on=today))


# A sponsor asking again for the same statement gets the one just issued: each new one
# spends a letter number (issue 12: a sponsor could issue unlimited statements).
REISSUE_AFTER = timedelta(hours=1)


def recent_own_statement(subject: Subject, actor) -> Letter | None:
    """The sponsor's current statement for this period (and interim day) if issued within
    the last hour; staff issuing letters always get a new one (a correction)."""
    if (subject.kind != SPONSOR_STATEMENT or actor is None
            or has_permission(actor, Permission.ISSUE_LETTERS)):
        return None
    through = subject.through.isoformat() if subject.through else None
    for letter in db.session.scalars(
            _same_subject(subject).where(Letter.issued_at >= utcnow() - REISSUE_AFTER)
            .order_by(Letter.issued_at.desc())):
        if letter.public_summary.get("interim_through") == through:
            return letter
    return None


@short_write
def record_download(letter: Letter, *, actor) -> None:
    """The download's audit record, in its own short write (never fails under load)."""
    audit.record("download", "letter", letter.id, user=actor,
                 summary=f"Surat {letter.number} diunduh")
