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
from asuh.letters import numbering, offices, signing
from asuh.letters.models import (
    CURRENT,
    HANDOVER_RECEIPT,
    LETTER_KINDS,
    RECAP,
    SPONSOR_STATEMENT,
    SUPERSEDED,
    Letter,
)
from asuh.letters.periods import Period
from asuh.letters.recap import recap_content, recap_summary
from asuh.letters.receipt import load_confirmed, receipt_content, receipt_summary
from asuh.letters.rendering import Draft, fill_number, letter_html
from asuh.letters.statement import statement_contents, statement_summary
from asuh.letters.subjects import Subject, _covered, check_subject
from asuh.permissions import Permission, has_permission
from asuh.regions import scopes
from asuh.settings import services as settings
from asuh.sponsors.services import sponsor_for_user
from asuh.timeutil import utcnow
from asuh.transactions import short_write, use_case

# Sent inside the issuing transaction, once per stored letter (bulk runs too).
letter_issued = Namespace().signal("letter-issued")


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


def out_of_scope(user, letter: Letter) -> bool:
    """Another office's letter for staff limited to their kabupaten/kota or province: it
    does not exist for them (404, not 403)."""
    return (has_permission(user, Permission.VIEW_LETTERS)
            and not offices.office_in_scope(scopes.scope_of(user), letter.office_code))


def can_view(user, letter: Letter) -> bool:
    """Staff and auditors holding VIEW_LETTERS the letters of the offices in their scope;
    a sponsor the letters about them (their statements and their deliveries' receipts)."""
    if has_permission(user, Permission.VIEW_LETTERS):
        return offices.office_in_scope(scopes.scope_of(user), letter.office_code)
    return letter.sponsor_id is not None and letter.sponsor_id == own_sponsor_id(user)


# --- content --------------------------------------------------------------------------


def statement_drafts(pairs: list[tuple[int, str]], period: Period,
                     today: date | None = None, through: date | None = None) -> list[Draft]:
    """One draft per ``(sponsor id, city code)``: the sponsor's statement to that city's
    office, over the children and deliveries in that city."""
    contents = statement_contents(pairs, _covered(period, through), today)
    return [Draft(SPONSOR_STATEMENT, contents[pair], statement_summary(contents[pair]),
                  sponsor_id=pair[0], period=period, through=through, office_code=pair[1])
            for pair in pairs if pair in contents]


def draft_for(subject: Subject, today: date | None = None) -> Draft:
    if subject.kind == SPONSOR_STATEMENT:
        draft = statement_drafts([(subject.sponsor_id, subject.office_code)],
                                 subject.period, today, subject.through)[0]
        if not draft.content["children"]:
            raise ValidationFailed({"period": [
                "Bapak/Bunda Asuh ini tidak mengasuh anak dalam periode tersebut."]})
        return draft
    if subject.kind == HANDOVER_RECEIPT:
        contribution = load_confirmed(subject.contribution_id)
        content = receipt_content(contribution)
        return Draft(HANDOVER_RECEIPT, content, receipt_summary(content),
                     sponsor_id=contribution.sponsor_id, contribution_id=contribution.id,
                     office_code=scopes.city_code_of(contribution.kelurahan_code))
    region = offices.recap_region(subject.kecamatan_code,
                                  None if subject.kecamatan_code else subject.office_code)
    content = recap_content(_covered(subject.period, subject.through), region, today)
    return Draft(RECAP, content, recap_summary(content),
                 kecamatan_code=subject.kecamatan_code, period=subject.period,
                 through=subject.through, office_code=subject.office_code)


# --- numbering, rendering, storing ----------------------------------------------------


def _subject_label(draft: Draft) -> str:
    """The letter's *perihal* as a Dinas writes it: what the letter is, for whom, and when
    (not a bare name). Stored in the public summary when issued; earlier letters keep
    theirs."""
    summary = draft.summary
    period = f" Periode {draft.period.label}" if draft.period else ""
    if draft.kind == RECAP:
        scope = summary["scope"]
        where = (scope if scope.startswith("Kecamatan") else
                 f"Tingkat Provinsi ({scope})" if summary.get("level") == "provinsi"
                 else f"Tingkat Kota ({scope})")
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
        Letter.office_code == draft.office_code,
        same(Letter.sponsor_id, draft.sponsor_id),
        same(Letter.contribution_id, draft.contribution_id),
        same(Letter.kecamatan_code, draft.kecamatan_code),
        same(Letter.period_start, period.start if period else None),
        same(Letter.period_end, period.end if period else None))


def _store(draft: Draft, *, year: int, seq: int, number: str, issued_on: date,
           issued_at: datetime, body: bytes, actor, anchor: ChainHead) -> Letter:
    earlier = list(db.session.scalars(_same_subject(draft)))
    letter = Letter(
        kind=draft.kind, number=number, office_code=draft.office_code, year=year, seq=seq,
        sponsor_id=draft.sponsor_id,
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
    """Render the drafts' HTML before any number is taken (outside the sequence lock),
    each with its issuing office's letterhead, head and number pattern.

    The signer is loaded first: without a usable certificate nothing is prepared.
    """
    issued_at, issued_on = utcnow(), on or timeutil.today()
    block = signing.signature_block(signing.letter_signer().identity, issued_at)
    values = {office: settings.for_office(office)
              for office in {draft.office_code for draft in drafts}}
    return [Prepared(draft, letter_html(draft, issued_on=issued_on, issued_at=issued_at,
                                        settings=values[draft.office_code], signature=block),
                     issued_on, issued_at, values[draft.office_code]["letter_number_pattern"])
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
    # Each office's letters take that office's next numbers; offices locked in code order.
    wanted: dict[str, int] = {}
    for p in prepared:
        wanted[p.draft.office_code] = wanted.get(p.draft.office_code, 0) + 1
    taken = {office: iter(numbering.take_numbers(office, year, wanted[office]))
             for office in sorted(wanted)}
    seqs = [next(taken[p.draft.office_code]) for p in prepared]
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
                 interim: bool = False, city_code=None, region_code=None) -> Letter:
    """Issue one new letter (an earlier current one for the same subject is superseded).

    A statement or recap whose period reaches today is refused unless ``interim``: then
    it covers the days up to today and says so ("sementara, s.d. <today>"). The final
    letter for the same period later supersedes it.

    Raises ``ValidationFailed`` for a bad subject and ``NotPermitted`` when ``actor`` may
    not issue it; ``actor=None`` is the system (the CLI).
    """
    scope = scopes.scope_of(actor) if actor is not None else None
    if actor is not None and not has_permission(actor, Permission.ISSUE_LETTERS):
        scope = None  # a sponsor's own statement: any city their children live in
    subject = check_subject(kind, sponsor_id=sponsor_id, contribution_id=contribution_id,
                            kecamatan_code=kecamatan_code, period=period, today=today,
                            interim=interim, city_code=city_code, region_code=region_code,
                            scope=scope)
    if actor is not None and not can_issue(actor, subject):
        raise NotPermitted("Anda tidak dapat menerbitkan surat ini.")
    if subject.kind == HANDOVER_RECEIPT and actor is not None and scope is not None:
        # Out of scope, the delivery does not exist for this officer (404).
        contribution = load_confirmed(subject.contribution_id)
        scopes.ensure_in_scope(actor, contribution.kelurahan_code)
    recent = recent_own_statement(subject, actor)
    if recent is not None:
        return recent
    draft = draft_for(subject, today)
    return next(issue_drafts([draft], actor=actor, on=today))


def issue_own_statements(sponsor_id: int, period: Period, *, actor, interim: bool = False,
                         today: date | None = None) -> list[Letter]:
    """A sponsor's statements for a period: one from each kabupaten/kota office where
    they had a matched child (most sponsors: one). Each is its own unit of work."""
    cities = sorted({city for _, city in offices.statement_pairs(period, [sponsor_id])})
    if len(cities) <= 1:  # one city, or none: issue_letter says why not
        return [issue_letter(SPONSOR_STATEMENT, sponsor_id=sponsor_id, period=period,
                             actor=actor, today=today, interim=interim)]
    return [issue_letter(SPONSOR_STATEMENT, sponsor_id=sponsor_id, period=period,
                         actor=actor, today=today, interim=interim, city_code=city)
            for city in cities]


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
