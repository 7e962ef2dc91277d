"""Handing out a stored PDF: the same bytes every time, and every download audited.

Shared by the pages and the API. A download is a GET, and on SQLite a GET begins its
transaction DEFERRED (see ``configure_sqlite``), so writing the audit record can meet
``SQLITE_BUSY`` if another writer committed after our first read; the whole step is
simply tried again. PostgreSQL never needs the second try.
"""

from collections.abc import Callable
from io import BytesIO

from flask import send_file
from sqlalchemy.exc import OperationalError

from asuh.errors import NotFoundError, NotPermitted
from asuh.letters import queries, services
from asuh.letters.models import Letter
from asuh.transactions import use_case

ATTEMPTS = 3


@use_case
def take_pdf(letter_id: int, user, allowed: Callable[[Letter], bool]) -> tuple[bytes, str]:
    """The stored PDF and its file name, once the download is on record."""
    letter = queries.load_with_pdf(letter_id)
    if letter is None:
        raise NotFoundError(letter_id)
    if not allowed(letter):
        raise NotPermitted("Anda tidak dapat mengunduh surat ini.")
    services.record_download(letter, actor=user)
    return letter.pdf, letter.file_name


def pdf_response(letter_id: int, user, allowed: Callable[[Letter], bool]):
    for attempt in range(ATTEMPTS):
        try:
            body, name = take_pdf(letter_id, user, allowed)
            break
        except OperationalError:
            # The unit of work rolled back; the whole step is simply tried again.
            if attempt == ATTEMPTS - 1:
                raise
    response = send_file(BytesIO(body), mimetype="application/pdf", as_attachment=True,
                         download_name=name, max_age=0)
    # Letters name sponsors and children: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
