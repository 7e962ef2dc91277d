"""Handing out a stored PDF: the same bytes every time, and every download audited.

Shared by the pages and the API. A download is a GET, and on SQLite a GET begins its
transaction DEFERRED (see ``configure_sqlite``), so writing the audit record can meet
``SQLITE_BUSY`` if another writer committed after our first read; the whole step is
simply tried again. PostgreSQL never needs the second try.
"""

from collections.abc import Callable
from io import BytesIO

from flask import abort, send_file
from sqlalchemy.exc import OperationalError

from asuh.extensions import db
from asuh.letters import queries, services
from asuh.letters.models import Letter

ATTEMPTS = 3


def pdf_response(letter_id: int, user, allowed: Callable[[Letter], bool]):
    for attempt in range(ATTEMPTS):
        letter = queries.load_with_pdf(letter_id)
        if letter is None:
            abort(404)
        if not allowed(letter):
            abort(403)
        body, name = letter.pdf, letter.file_name
        services.record_download(letter, actor=user)
        try:
            db.session.commit()
            break
        except OperationalError:
            db.session.rollback()
            if attempt == ATTEMPTS - 1:
                raise
    response = send_file(BytesIO(body), mimetype="application/pdf", as_attachment=True,
                         download_name=name, max_age=0)
    # Letters name sponsors and children: no shared cache may keep a copy.
    response.headers["Cache-Control"] = "private, no-store"
    return response
