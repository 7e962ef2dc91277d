"""Signing up from the public registration page: a sponsor login plus a record waiting
for approval, answered alike whether or not the email or NIK/NIP is already known."""

from blinker import Namespace
from sqlalchemy import select

from asuh.accounts import services as accounts
from asuh.extensions import db
from asuh.sponsors.models import Sponsor, holds_identifiers
from asuh.sponsors.services import clean_new, register_self
from asuh.sponsors.validation import Collector
from asuh.transactions import use_case

# Sent with the owner's User when someone registers with their email or NIK/NIP; the
# notifications area tells them by email (at most once a day).
registered_with_known_data = Namespace().signal("registered-with-known-data")


def _owners_of_known(values: dict) -> list[str]:
    """Emails of the people a registration collides with: the owner of an account or
    sponsor record with this email, and of a live sponsor with this NIK/NIP."""
    found = set()
    if accounts.find_user_by_email(values["email"]) is not None:
        found.add(values["email"])
    for field in ("email", "nik", "nip"):
        if not values.get(field):
            continue
        stmt = select(Sponsor.email).where(getattr(Sponsor, field) == values[field])
        if field != "email":
            stmt = stmt.where(holds_identifiers())
        found.update(db.session.scalars(stmt))
    return sorted(found)


def tell_known_owner(emails: list[str]) -> None:
    """Someone tried to register with an email or NIK/NIP that already belongs to the
    owners of ``emails``: each owner with an active account is told (by email, through
    ``registered_with_known_data``), with a link to sign in or to "Lupa kata sandi". The
    registration page itself answers as for a new registration, so it cannot be used to
    learn who is registered; nothing of the typed data is recorded."""
    for email in emails:
        user = accounts.find_user_by_email(email)
        if user is not None and user.active:
            registered_with_known_data.send(user)


@use_case
def sign_up(password: str, **fields) -> Sponsor | None:
    """Self-registration from the public page. Mistakes in what was typed are reported
    (``ValidationFailed``), but a registration whose email or NIK/NIP is already known
    is not: the owner is told instead (``tell_known_owner``) and None is returned, after
    the same password hashing a new account costs. The page answers alike either way."""
    errors = Collector()
    values = clean_new(fields, errors)
    errors.check("password", accounts.check_password_strength, password,
                 user_inputs=(values.get("email") or "", values.get("name") or ""))
    errors.raise_if_any()
    owners = _owners_of_known(values)
    if owners:
        accounts.hash_password(password)
        tell_known_owner(owners)
        return None
    return register_self(password, **fields)
