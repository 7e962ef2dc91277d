"""Test data made through the services, so every rule applies to it too."""

import itertools

from asuh.accounts import services as accounts

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "officer", "field", "sponsor", "auditor")
_seq = itertools.count(1)


def user(role: str = "officer", email: str | None = None, name: str | None = None):
    n = next(_seq)
    return accounts.create_user(email or f"{role}{n}@example.id", PASSWORD, role,
                                name or f"{role.title()} {n}")
