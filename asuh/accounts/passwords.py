"""Passwords: the policy every new password meets, hashing, and verifying in constant work.

The policy takes its list of common passwords and its guessability estimate from zxcvbn
(Dropbox's estimator, PyPI ``zxcvbn`` 4.5.0, maintained as the Python port): its 30,000
most-used passwords from real leaks, plus its model of keyboard walks, repeats, dates
and sequences, catch "qwertyuiop" and "passwordpassword" that a length rule lets through.
A hand-kept list would age; this one is updated with the package.
"""

import secrets

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

from asuh.errors import ValidationFailed

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
# zxcvbn's score 2 means at least 10^6 guesses: beyond an online attack that the sign-in
# throttle already bounds to a few guesses per quarter hour.
MIN_SCORE = 2
# zxcvbn's time grows with the length; what it would find beyond this many characters
# cannot make a password of this length weak.
_ESTIMATED_PREFIX = 64

TOO_SHORT = f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter."
TOO_LONG = f"Kata sandi maksimal {MAX_PASSWORD_LENGTH} karakter."
BLANK = "Kata sandi tidak boleh hanya berisi spasi."
COMMON = ("Kata sandi ini termasuk yang paling sering dipakai orang, sehingga mudah ditebak. "
          "Pilih kata sandi lain.")
GUESSABLE = ("Kata sandi ini terlalu mudah ditebak (misalnya pola papan ketik, angka berurutan, "
             "huruf berulang, atau memuat nama/email Anda). Gunakan gabungan beberapa kata "
             "yang tidak biasa.")


def password_problem(password: str | None, *, user_inputs: tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be set (a message for its owner), or None if it may.

    ``user_inputs``: the account's email and name, which a password must not lean on.
    """
    password = password or ""
    if not password.strip():
        return BLANK if password else TOO_SHORT
    if len(password) < MIN_PASSWORD_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_PASSWORD_LENGTH:
        return TOO_LONG
    if password.strip().lower() in RANKED_DICTIONARIES["passwords"]:
        return COMMON
    inputs = [part for value in user_inputs if value
              for part in (value, *value.replace("@", " ").replace(".", " ").split())]
    if zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=inputs)["score"] < MIN_SCORE:
        return GUESSABLE
    return None


def check_password_policy(password: str | None, field: str = "password", *,
                          user_inputs: tuple[str, ...] = ()) -> None:
    """Raise ``ValidationFailed`` on ``field`` unless ``password`` meets the policy."""
    problem = password_problem(password, user_inputs=user_inputs)
    if problem:
        raise ValidationFailed({field: [problem]})


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def is_usable(password_hash: str | None) -> bool:
    """Werkzeug hashes are ``method$salt$hash``; anything else (an invitation's "!" marker,
    an empty value) can never match and costs no hashing to refuse."""
    return bool(password_hash) and password_hash.count("$") == 2


def _dummy_hash() -> str:
    # Per app (the hash method is a setting), made once: the cost of a real verification.
    extensions = current_app.extensions
    if "asuh_dummy_password_hash" not in extensions:
        extensions["asuh_dummy_password_hash"] = hash_password(secrets.token_hex(16))
    return extensions["asuh_dummy_password_hash"]


def verify_once(password_hash: str | None, password: str | None) -> bool:
    """Check ``password`` against ``password_hash``, always paying for exactly one real
    hash: for no account, or one still waiting for its first password, a dummy hash is
    verified instead, so the answer takes as long whatever the account's state."""
    if is_usable(password_hash):
        return check_password_hash(password_hash, password or "")
    check_password_hash(_dummy_hash(), password or "")
    return False
