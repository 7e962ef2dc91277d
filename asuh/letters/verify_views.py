"""Public verification: anyone holding a letter checks it without signing in.

``/verify/<token>`` (the QR code) shows what the letter states — number, date, sponsor,
period, totals, SHA-256, whether it was superseded — and takes an uploaded PDF to say
whether it is byte-identical to the issued one. ``/verify`` takes the printed short code.
Only the stored public summary is shown: no child's personal data. Both ways in are
rate-limited, being open to the internet.
"""

import hashlib
import hmac

from flask import abort, current_app, redirect, render_template, request, url_for

from asuh.extensions import limiter
from asuh.letters import queries
from asuh.letters.forms import VerifyUploadForm
from asuh.letters.views import bp
from asuh.permissions import public

DEFAULT_UPLOAD_LIMIT = "10 per minute"
DEFAULT_LOOKUP_LIMIT = "30 per minute"


def _upload_limit() -> str:
    return current_app.config.get("LETTER_VERIFY_UPLOAD_LIMIT", DEFAULT_UPLOAD_LIMIT)


def _lookup_limit() -> str:
    return current_app.config.get("LETTER_VERIFY_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT)


@bp.route("/verify")
@public
@limiter.limit(_lookup_limit, exempt_when=lambda: not request.args.get("code"))
def verify_lookup():
    code = (request.args.get("code") or "").strip()
    not_found = False
    if code:
        letter = queries.by_short_code(code)
        if letter is not None:
            return redirect(url_for("letters.verify", token=letter.verify_token))
        not_found = True
    return render_template("letters/verify_lookup.html", code=code[:20],
                           not_found=not_found), 404 if not_found else 200


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_upload_limit, methods=["POST"])
def verify(token: str):
    letter = queries.by_token(token)
    if letter is None:
        abort(404)
    form = VerifyUploadForm()
    outcome = None
    if form.validate_on_submit():
        uploaded = form.pdf.data.read()
        digest = hashlib.sha256(uploaded).hexdigest()
        outcome = {"identical": hmac.compare_digest(digest, letter.sha256),
                   "sha256": digest, "size": len(uploaded),
                   "filename": (form.pdf.data.filename or "")[:120]}
    return render_template("letters/verify.html", letter=letter, form=form,
                           summary=letter.public_summary, outcome=outcome)
