"""Gapless letter numbers, unique per issuing office and year, from the office's pattern.

Each kabupaten/kota office (and a province's, for its recap) has its own sequence: the
office's and year's ``LetterSequence`` row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; an
SQLite write transaction already holds the database's write lock from BEGIN IMMEDIATE)
and advanced in the same transaction that stores the letters. A render that fails rolls
the whole transaction back, sequence included, so no number is ever burned; two officers
issuing at once queue on the row and get consecutive numbers.
"""

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.letters.models import LetterSequence

ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def format_number(pattern: str, seq: int, on: date) -> str:
    """``{seq:03d}/BAAS/DPPPAKB/{month_roman}/{year}`` with 7 on 23-11-2026 →
    ``007/BAAS/DPPPAKB/XI/2026``."""
    try:
        return pattern.format(seq=seq, month_roman=ROMAN_MONTHS[on.month - 1],
                              month=on.month, year=on.year)
    except (KeyError, ValueError, IndexError) as exc:
        raise ValidationFailed({"letter_number_pattern": [
            "Pola nomor surat di Pengaturan tidak valid."]}) from exc


def _locked_sequence(office_code: str, year: int) -> LetterSequence:
    stmt = (select(LetterSequence)
            .where(LetterSequence.office_code == office_code, LetterSequence.year == year)
            .with_for_update().execution_options(populate_existing=True))
    row = db.session.scalar(stmt)
    if row is not None:
        return row
    # The year's first letter: two transactions may both find no row; the loser of the
    # insert race reads the winner's row (and waits on its lock).
    try:
        with db.session.begin_nested():
            db.session.add(LetterSequence(office_code=office_code, year=year, last_seq=0))
    except IntegrityError:
        pass
    return db.session.scalar(stmt)


def take_numbers(office_code: str, year: int, count: int = 1) -> list[int]:
    """The next ``count`` serial numbers of ``office_code`` in ``year``; the row stays
    locked until commit. A batch spanning offices takes them in office-code order, so
    two batches never wait on each other's rows in opposite orders (no deadlock)."""
    row = _locked_sequence(office_code, year)
    first = row.last_seq + 1
    row.last_seq += count
    db.session.flush()
    return list(range(first, first + count))
