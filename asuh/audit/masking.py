"""What the permanent trail may keep of text an anonymous client typed.

A failed sign-in's email is attacker-controlled: stored in full it would let anyone write
arbitrary text (or a victim's personal data, mistyped into the email box) into a trail
that can never be edited. The masked form keeps enough to recognise a pattern of attempts.
"""

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
