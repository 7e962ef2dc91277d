"""Handing out a stored PDF: the same bytes every time, and every download audited.

Shared by the pages and the API. A download is a read that writes (its audit record):
the letter is read and checked, then the record written in a short write transaction of
its own (``transactions.short_write``) that waits for the lock, so a download never
fails because others are writing (issue 12: 21 of 170 answered 500 under load).
"""

from collections.abc import Callable
from io import BytesIO

from flask import send_file

from asuh.errors import NotFoundError, NotPermitted
from asuh.letters import queries, services
from asuh.letters.models import Letter


def take_pdf(letter_id: int, user, allowed: Callable[[Letter], bool]) -> tuple[bytes, str]:
    """The stored PDF and its file name, once the download is on record."""
    letter = queries.load_with_pdf(letter_id)
    if letter is None:
        raise NotFoundError(letter_id)
    if not allowed(letter):
        if services.out_of_scope(user, letter):
            raise NotFoundError(letter_id)  # another city's letter does not exist for them
        raise NotPermitted("Anda tidak dapat mengunduh surat ini.")
    body, name = letter.pdf, letter.file_name
    services.record_download(letter, actor=user)
    return body, name


def pdf_response(letter_id: int, user, allowed: Callable[[Letter], bool]):
    body, name = take_pdf(letter_id, user, allowed)
    response = send_file(BytesIO(body), mimetype="application/pdf", as_attachment=True,
                         download_name=name, max_age=0)
    # Letters name sponsors and children: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
