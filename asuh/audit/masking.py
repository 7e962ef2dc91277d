"""What the permanent trail, and the logs, may keep of text people typed.

A failed sign-in's email is attacker-controlled: stored in full it would let anyone write
arbitrary text (or a victim's personal data, mistyped into the email box) into a trail
that can never be edited. The masked form keeps enough to recognise a pattern of attempts.
Identifiers (NIK, NIP) typed into searches reach the trail (an export's filters) and the
access logs (query strings): both keep them masked, as every page shows them to auditors.
"""

import logging
import re

_MASK = "•••"
_TLD = re.compile(r"[a-z]{2,10}")


def _initial(text: str) -> str:
    return text[0] if text[:1].isascii() and text[:1].isalnum() else "•"


def mask_email(typed: str) -> str:
    """``budi@contoh.go.id`` → ``b•••@c•••.id``; anything else → ``•••``."""
    local, at, domain = (typed or "").strip().lower().rpartition("@")
    if not at or not local or not domain:
        return _MASK
    labels = domain.split(".")
    tld = labels[-1] if len(labels) > 1 and _TLD.fullmatch(labels[-1]) else "•"
    return f"{_initial(local)}{_MASK}@{_initial(labels[0])}{_MASK}.{tld}"


# A NIK (16 digits), a NIP (18), most of one, or a telephone number: 10 or more digits in
# a row, or 16 or more in groups (a NIP as printed, "19850315 201001 1 002"; any grouping,
# since a search ignores the spaces), the separators as typed or URL-encoded. A number
# next to letters is part of a hash or a code and is left alone, as is a date or an
# access line's "302 1234567" (status and size: two groups, 10 digits).
_SEP = r"(?: |\+|%20|%2[Bb])"
_DIGIT_RUN = re.compile(
    rf"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{{2}}))\d+(?:{_SEP}\d+)*(?![0-9A-Za-z])")


def _mask_run(match: re.Match) -> str:
    text = match.group(0)
    digits = re.sub(r"\D", "", re.sub(_SEP, "", text))
    if len(digits) < (10 if digits == text else 16):
        return text
    if len(digits) >= 16:
        # As identifiers are shown masked everywhere: first and last 4 kept.
        return digits[:4] + "•" * (len(digits) - 8) + digits[-4:]
    return "•" * len(digits)


def mask_identifiers(value):
    """``value`` with every NIK/NIP-like number masked, in text and, recursively, in the
    strings of lists and dicts (e.g. an export's filters on their way into the trail)."""
    if isinstance(value, str):
        return _DIGIT_RUN.sub(_mask_run, value)
    if isinstance(value, dict):
        return {key: mask_identifiers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(mask_identifiers(item) for item in value)
    return value


class IdentifierMaskingFilter(logging.Filter):
    """Masks NIK/NIP-like numbers in log lines: the access log carries query strings
    (``/sponsors?q=1971…``) and would keep every identifier anyone searched for."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_identifiers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


# Werkzeug's development server and gunicorn write their access lines to these loggers;
# the app's own logger may name a URL in an error.
MASKED_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def install_log_filter(app_logger: logging.Logger | None = None) -> None:
    """Put the filter on the access loggers (once each), whichever server runs the app:
    no deployment file has to remember it."""
    loggers = [logging.getLogger(name) for name in MASKED_LOGGERS]
    if app_logger is not None:
        loggers.append(app_logger)
    for logger in loggers:
        if not any(isinstance(f, IdentifierMaskingFilter) for f in logger.filters):
            logger.addFilter(IdentifierMaskingFilter())
