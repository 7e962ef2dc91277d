"""From a letter's plain content to its final HTML (and, through ``pdf``, its PDF).

Templates come from the app's Jinja environment, which compiles each once and keeps it;
they are rendered without Flask's context processors, since a letter depends on nothing
but the data passed here (and the bulk command renders outside any request).
"""

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from markupsafe import escape

from asuh.letters import pdf
from asuh.letters.content import head_of_office, letterhead
from asuh.letters.models import HANDOVER_RECEIPT, LETTER_KINDS, RECAP, SPONSOR_STATEMENT
from asuh.letters.periods import Period, interim_text

TEMPLATES = {
    SPONSOR_STATEMENT: "letters/sponsor_statement.html",
    HANDOVER_RECEIPT: "letters/handover_receipt.html",
    RECAP: "letters/recap.html",
}
SUBJECTS = {
    SPONSOR_STATEMENT: "Pertanggungjawaban Bapak/Bunda Asuh",
    HANDOVER_RECEIPT: "Berita Acara Serah Terima Bantuan Anak Asuh",
    RECAP: "Rekapitulasi Program Bapak/Bunda Asuh Anak Stunting",
}
# No 0/O, 1/I/L: the code is read off paper and typed by hand.
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_verify_token() -> str:
    return secrets.token_urlsafe(24)


def new_short_code() -> str:
    raw = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_short_code(text) -> str:
    """What a person typed (``k7qx 9m2p``) → the stored form ``K7QX-9M2P`` (or "")."""
    raw = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else ""


def verify_url(token: str) -> str:
    # Built from the configured public address, not the request: the bulk command and
    # workers behind a proxy issue letters too, and the QR code must work from paper.
    return f"{current_app.config['PUBLIC_URL'].rstrip('/')}/verify/{token}"


@dataclass
class Draft:
    """A letter with everything but its number: content read, tokens drawn."""

    kind: str
    content: dict
    summary: dict
    sponsor_id: int | None = None
    contribution_id: int | None = None
    kecamatan_code: str | None = None
    period: Period | None = None
    through: date | None = None  # an interim letter's last day
    # The issuing office (a kabupaten/kota, or a province for its recap): its letterhead,
    # head of office and number sequence (``settings.for_office``, ``numbering``).
    office_code: str | None = None
    verify_token: str = field(default_factory=new_verify_token)
    short_code: str = field(default_factory=new_short_code)


# Stands for the letter number in the HTML until the number is taken: the template is
# rendered before the sequence row is locked, and the number filled in inside the lock
# just before WeasyPrint renders the PDF, once. Random, so no content can contain it.
NUMBER_SLOT = f"[nomor-{secrets.token_hex(8)}]"
# Stands for the audit chain's head (SEQ:HASH) the same way: it is read under the same
# lock, so the letter prints the trail up to its own issue (``audit verify --anchor``).
ANCHOR_SLOT = f"[jejak-{secrets.token_hex(8)}]"


def fill_number(html: str, number: str, anchor: str | None = None) -> str:
    """Fill in the number and, when the HTML has a place for it, the audit anchor."""
    if NUMBER_SLOT not in html:
        raise ValueError("the letter HTML has no place for its number")
    html = html.replace(NUMBER_SLOT, str(escape(number)))
    if ANCHOR_SLOT in html:
        if anchor is None:
            raise ValueError("the letter HTML has a place for its audit anchor: give one")
        html = html.replace(ANCHOR_SLOT, str(escape(anchor)))
    return html


def _anchor_text(anchor: str | None, number: str) -> str | None:
    if anchor is not None:
        return anchor
    # A letter being issued (its number still a slot) gets the anchor with its number.
    return ANCHOR_SLOT if number == NUMBER_SLOT else None


def letter_html(draft: Draft, *, issued_on: date, issued_at: datetime, settings: dict,
                number: str = NUMBER_SLOT, signature: dict | None = None,
                anchor: str | None = None) -> str:
    """The letter's final HTML; without ``number``, with a slot for :func:`fill_number`
    (and, then, one for the audit anchor unless ``anchor`` is given).

    ``signature`` is the visible signature block (``signing.signature_block``).
    """
    head = letterhead(settings)
    url = verify_url(draft.verify_token)
    context = {
        "letterhead": head,
        "head": head_of_office(settings),
        "doc": {"title": f"{LETTER_KINDS[draft.kind]} {number}",
                "created": pdf.w3c_datetime(issued_at), "subject": SUBJECTS[draft.kind]},
        "letter": {"number": number, "issued_on": issued_on, "place": head["place"],
                   "subject": SUBJECTS[draft.kind], "kind_label": LETTER_KINDS[draft.kind],
                   "short_code": draft.short_code, "verify_url": url,
                   "audit_anchor": _anchor_text(anchor, number),
                   "city": settings["city_name"]},
        "period": draft.period,
        # "(1 Oktober 2026 s.d. 31 Desember 2026)", or "(sementara, s.d. 1 Desember 2026)"
        # for an interim letter over a period still running.
        "period_dates": (interim_text(draft.through) if draft.through
                         else draft.period.dates_label if draft.period else ""),
        "qr": pdf.qr_svg_data_uri(url),
        "signature": signature,
        **draft.content,
    }
    return current_app.jinja_env.get_template(TEMPLATES[draft.kind]).render(context)
