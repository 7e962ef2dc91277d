"""WhatsApp without an API: a ``wa.me`` link with the number and a prefilled message.

The officer's own phone sends it (wa.me opens WhatsApp with the text typed in); Asuh
sends nothing and needs no WhatsApp Business account.
"""

from urllib.parse import quote

from asuh.sponsors.validation import FieldProblem, normalize_phone, whatsapp_number


def international_number(raw: str | None) -> str | None:
    """``0812-3456-7890`` / ``+62 812…`` / ``62812…`` / ``812…`` → ``6281234567890``;
    None when it is no Indonesian mobile number (a landline cannot receive WhatsApp)."""
    try:
        return whatsapp_number(normalize_phone(raw))
    except FieldProblem:
        return None


def tel_number(raw: str | None) -> str | None:
    """The ``tel:`` form of a mobile number (``+6281…``); None when it is no number."""
    number = international_number(raw)
    return f"+{number}" if number else None


def wa_me_url(raw_phone: str | None, text: str | None = None) -> str | None:
    number = international_number(raw_phone)
    if number is None:
        return None
    return f"https://wa.me/{number}" + (f"?text={quote(text, safe='')}" if text else "")
