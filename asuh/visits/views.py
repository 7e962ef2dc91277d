"""The visit list as a phone page (cards) and as a PDF to print and write on."""

from io import BytesIO

from flask import Blueprint, current_app, render_template, request, send_file
from flask_login import current_user

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.letters import pdf
from asuh.permissions import Permission, requires
from asuh.settings import services as settings
from asuh.transactions import end_read
from asuh.visits import services

bp = Blueprint("visits", __name__)


def _choices(query) -> dict:
    kelurahan = services.kelurahan_choices(current_user)
    code = query.kelurahan_code if query else ""
    return {"kelurahan": kelurahan, "posyandu": services.posyandu_names(code) if code else [],
            "unassigned": not kelurahan}


@bp.route("/visits")
@requires(Permission.VIEW_CHILDREN)
def index():
    errors, query, data = {}, None, None
    try:
        query = services.parse_query(request.args, current_user)
    except ValidationFailed as failure:
        errors = failure.errors
    if query is not None:
        data = services.visit_list(current_user, query)
    return render_template("visits/index.html", query=query, data=data, errors=errors,
                           month=request.args.get("month") or f"{timeutil.today():%Y-%m}",
                           **_choices(query)), (422 if errors else 200)


@bp.route("/visits.pdf")
@requires(Permission.VIEW_CHILDREN)
def download():
    query = services.parse_query(request.args, current_user)
    if query is None:
        raise ValidationFailed({"kelurahan_code": ["Pilih kelurahan."]})
    data = services.visit_list(current_user, query)
    # The office of the visited kelurahan's kabupaten/kota heads its list (issue 15).
    head = pdf.letterhead(settings.for_city(query.kelurahan_code))
    created = timeutil.utcnow()
    # Everything is plain data now: end the read before the slow part, so WeasyPrint
    # holds no snapshot (nor, on SQLite, a read lock) while it lays out the pages.
    end_read()
    html = current_app.jinja_env.get_template("visits/list_pdf.html").render(
        data=data, letterhead=head,
        doc={"title": f"Daftar kunjungan {data['kelurahan']['name']} {data['month_label']}",
             "created": pdf.w3c_datetime(created),
             "subject": "Daftar anak yang perlu diukur dan penyaluran yang perlu dikonfirmasi"})
    body = pdf.render_pdf(html)
    name = f"kunjungan-{query.kelurahan_code}-{query.month:%Y-%m}.pdf"
    response = send_file(BytesIO(body), mimetype="application/pdf", as_attachment=False,
                         download_name=name)
    # Names and addresses of children: never kept by a shared cache.
    response.headers["Cache-Control"] = "private, no-store"
    return response
