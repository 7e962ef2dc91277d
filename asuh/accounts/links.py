"""One-time links that let a person set a password without knowing the old one.

There is no mail server, so an officer passes such a link on (WhatsApp). A link is signed
(itsdangerous) over the user id and a fingerprint of the current password hash: setting a
password changes the hash, so a used link no longer works, and its age is bounded. The
sponsor invitation (``asuh.sponsors.invitations``) and the password reset
(``asuh.accounts.resets``) are two kinds of the same link, apart by their salt.
"""

import hashlib
import secrets
from collections.abc import Callable

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from asuh.accounts.models import User
from asuh.errors import ValidationFailed
from asuh.extensions import db


class OneTimeLink:
    def __init__(self, salt: str, hours_setting: str, dead_message: str,
                 accepts: Callable[[User], bool] = lambda user: True):
        self.salt = salt
        self.hours_setting = hours_setting
        self.dead_message = dead_message
        self.accepts = accepts

    def lifetime_hours(self) -> int:
        return int(current_app.config[self.hours_setting])

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=self.salt)

    @staticmethod
    def _fingerprint(user: User) -> str:
        return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]

    def make(self, user: User) -> str:
        return self._serializer().dumps([user.id, self._fingerprint(user)])

    def user_for(self, token: str) -> User:
        """The account this live link is for; refuses dead, used or forged links
        (``ValidationFailed``: 404 forged, 410 expired or used)."""
        dead = {"token": [self.dead_message]}
        try:
            user_id, fingerprint = self._serializer().loads(
                token, max_age=self.lifetime_hours() * 3600)
        except SignatureExpired as exc:
            raise ValidationFailed(dead, status=410) from exc
        except (BadSignature, ValueError, TypeError) as exc:
            raise ValidationFailed(dead, status=404) from exc
        user = db.session.get(User, user_id) if isinstance(user_id, int) else None
        if (user is None or not user.active or not self.accepts(user)
                or not secrets.compare_digest(str(fingerprint), self._fingerprint(user))):
            raise ValidationFailed(dead, status=410)
        return user
