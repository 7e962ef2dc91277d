"""Issuing every sponsor's statement for a period at once (``flask letters issue``).

Sponsors go in batches. This process reads a batch's content (a fixed set of queries for
the whole batch) and renders its HTML templates; then, in one transaction, it takes the
batch's numbers, fills them in, has a pool of worker processes render the PDFs
(``pdf.iter_render_many``: all usable CPU cores by default), stores them in order and
commits. While the workers render, it already reads and templates the next batch. The
sequence row is locked for one batch only, and an interrupted run leaves whole batches
behind; a second run skips the sponsors whose statement for exactly that period is
already current.
"""

import gc
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from asuh import timeutil
from asuh.extensions import db
from asuh.letters import pdf, signing
from asuh.letters.models import CURRENT, SPONSOR_STATEMENT, Letter
from asuh.letters.offices import statement_pairs
from asuh.letters.periods import Period, covered_through
from asuh.letters.services import issue_prepared, prepare, statement_drafts
from asuh.transactions import use_case

# A batch is rendered by one pool and stored in one transaction: big enough that the
# pool's start-up and the workers' idle tail are small next to its rendering time
# (~5 s on two cores), small enough that other officers wait little for the sequence row.
BATCH_SIZE = 60


@dataclass
class BulkResult:
    issued: list[str] = field(default_factory=list)  # numbers, in issuing order
    skipped: int = 0


def already_issued(period: Period) -> set[tuple[int, str]]:
    """``(sponsor id, office)`` holding a current statement for exactly this period."""
    return set(db.session.execute(select(Letter.sponsor_id, Letter.office_code).where(
        Letter.kind == SPONSOR_STATEMENT, Letter.status == CURRENT,
        Letter.period_start == period.start, Letter.period_end == period.end)))


def issue_statements(period: Period, *, processes: int | None = None, reissue: bool = False,
                     out_dir: Path | None = None, batch_size: int = BATCH_SIZE,
                     actor=None, on: date | None = None, interim: bool = False,
                     started: Callable[[int], None] | None = None,
                     advance: Callable[[int], None] | None = None,
                     pairs: list[tuple[int, str]] | None = None) -> BulkResult:
    """Statements for every sponsor with a match during ``period``, one per kabupaten/kota
    where they had a matched child (each from that city's office); commits per batch.

    ``started(total)`` is called once with the number of sponsors to go through and
    ``advance(n)`` after each batch (the CLI's progress bar). A period still running is
    refused (``ValidationFailed``) unless ``interim``. ``pairs`` issues exactly these
    ``(sponsor id, city)`` statements instead of every one (the scale benchmark's sample).
    """
    through = covered_through(period, on or timeutil.today(), interim=interim)
    result = BulkResult()
    if pairs is None:
        sponsor_ids, result.skipped = _to_issue(period, reissue)  # (sponsor, city) pairs
    else:
        sponsor_ids = list(pairs)
    if started is not None:
        started(len(sponsor_ids))
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)

    def render(htmls: list[str]):
        # One letter per task: with bigger chunks one worker idles at a batch's end
        # while the other finishes its last chunk.
        # Each worker renders and signs (the signer is inherited when the pool forks).
        pdfs = pdf.iter_render_many(htmls, processes, chunksize=1,
                                    job=signing.render_signed)
        # The pool forks its workers on the first next(). Frozen, this process's objects
        # are skipped by the workers' garbage collector: otherwise each worker's full
        # collections walk (and copy, page by page) everything a long-running parent holds.
        gc.freeze()
        try:
            first = next(pdfs, None)
        finally:
            gc.unfreeze()
        return pdfs if first is None else itertools.chain([first], pdfs)

    batches = [sponsor_ids[first:first + batch_size]
               for first in range(0, len(sponsor_ids), batch_size)]
    ready = prepare(statement_drafts(batches[0], period, on, through), on=on) if batches else []
    for index, batch in enumerate(batches):
        upcoming = batches[index + 1] if index + 1 < len(batches) else None
        files, upcoming = _issue_batch(ready, upcoming, period, on=on, actor=actor,
                                       render=render, through=through)
        # Written once stored: a file on disk always is an issued letter.
        for number, name, body in files:
            result.issued.append(number)
            if out_dir is not None:
                (out_dir / name).write_bytes(body)
        if advance is not None:
            advance(len(batch))
        if upcoming is None and index + 1 < len(batches):
            upcoming = prepare(statement_drafts(batches[index + 1], period, on, through), on=on)
        ready = upcoming or []
    return result


@use_case
def _to_issue(period: Period, reissue: bool) -> tuple[list[tuple[int, str]], int]:
    """``((sponsor id, city) pairs to issue for, how many skipped)``: a unit of work of
    its own, so these reads do not keep SQLite's write lock until the first batch ends."""
    pairs = statement_pairs(period)
    if reissue:
        return pairs, 0
    done = already_issued(period)
    return [pair for pair in pairs if pair not in done], sum(
        1 for pair in pairs if pair in done)


@use_case
def _issue_batch(ready, next_ids: list[tuple[int, str]] | None, period: Period, *, on, actor,
                 render, through=None) -> tuple[list[tuple[str, str, bytes]], list | None]:
    """Issue one prepared batch in one transaction: ``(files, the next batch prepared)``."""
    files, upcoming = [], None
    for letter in issue_prepared(ready, actor=actor, render=render):
        files.append((letter.number, letter.file_name, letter.pdf))
        if upcoming is None and next_ids is not None:
            # The workers are rendering this batch now: read and template the next one
            # meanwhile, so they do not wait for it afterwards.
            upcoming = prepare(statement_drafts(next_ids, period, on, through), on=on)
    return files, upcoming
