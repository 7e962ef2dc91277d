"""Public verification: anyone holding a letter checks it without signing in.

``/verify/<token>`` (the QR code) shows what the letter states — number, date, sponsor,
period, totals, SHA-256, whether it was superseded — and takes an uploaded PDF to say
whether it is byte-identical to the issued one. ``/verify`` takes the printed short code,
or any uploaded PDF, whose signature is checked (``verification.py``) and looked up among
the issued letters; it also offers the trusted CA certificates for download.
Only the stored public summary is shown: no child's personal data. Both ways in are
rate-limited, being open to the internet.
"""

import hashlib
import hmac

from flask import Response, abort, current_app, redirect, render_template, request, url_for

from asuh.extensions import limiter
from asuh.letters import queries, verification
from asuh.letters.forms import VerifyUploadForm
from asuh.letters.views import bp
from asuh.permissions import public

DEFAULT_UPLOAD_LIMIT = "10 per minute"
DEFAULT_LOOKUP_LIMIT = "30 per minute"


def _upload_limit() -> str:
    return current_app.config.get("LETTER_VERIFY_UPLOAD_LIMIT", DEFAULT_UPLOAD_LIMIT)


def _lookup_limit() -> str:
    return current_app.config.get("LETTER_VERIFY_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT)


@bp.route("/verify", methods=["GET", "POST"])
@public
@limiter.limit(_lookup_limit, exempt_when=lambda: not request.args.get("code"))
@limiter.limit(_upload_limit, methods=["POST"])
def verify_lookup():
    code = (request.args.get("code") or "").strip()
    not_found = False
    if code:
        letter = queries.by_short_code(code)
        if letter is not None:
            return redirect(url_for("letters.verify", token=letter.verify_token))
        not_found = True
    form = VerifyUploadForm()
    report = None
    if request.method == "POST" and form.validate_on_submit():
        report = verification.verify_pdf(form.pdf.data.read())
    return render_template("letters/verify_lookup.html", code=code[:20], form=form,
                           report=report, not_found=not_found,
                           has_roots=bool(verification.trust_roots())), (
        404 if not_found else 200)


@bp.route("/verify/ca.pem")
@public
def verify_roots():
    """The trusted CA certificates, for an auditor's PDF reader (public by nature)."""
    body = verification.trust_roots_pem()
    if not body:
        abort(404)
    return Response(body, mimetype="application/x-pem-file", headers={
        "Content-Disposition": "attachment; filename=asuh-ca.pem"})


@bp.route("/verify/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_upload_limit, methods=["POST"])
def verify(token: str):
    letter = queries.by_token(token)
    if letter is None:
        abort(404)
    form = VerifyUploadForm()
    outcome = report = None
    if form.validate_on_submit():
        uploaded = form.pdf.data.read()
        digest = hashlib.sha256(uploaded).hexdigest()
        outcome = {"identical": hmac.compare_digest(digest, letter.sha256),
                   "sha256": digest, "size": len(uploaded),
                   "filename": (form.pdf.data.filename or "")[:120]}
        report = verification.verify_pdf(uploaded)
    return render_template("letters/verify.html", letter=letter, form=form,
                           summary=letter.public_summary, outcome=outcome, report=report)
