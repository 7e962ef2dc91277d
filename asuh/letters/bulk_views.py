"""The officers' page for issuing every sponsor's statement of a month, as a job."""

from flask import redirect, render_template, url_for
from flask_login import current_user

from asuh import timeutil
from asuh.errors import ValidationFailed
from asuh.forms import attach_errors
from asuh.letters.bulk_job import submit_monthly_statements
from asuh.letters.forms import BulkStatementsForm
from asuh.letters.views import bp
from asuh.permissions import Permission, requires


@bp.route("/letters/statements/all", methods=["GET", "POST"])
@requires(Permission.ISSUE_LETTERS)
def bulk_statements():
    form = BulkStatementsForm()
    if not form.is_submitted():
        last = timeutil.today().replace(day=1)
        previous = (last.replace(year=last.year - 1, month=12) if last.month == 1
                    else last.replace(month=last.month - 1))
        form.month.data = previous.strftime("%Y-%m")
    if form.validate_on_submit():
        try:
            job = submit_monthly_statements(form.month.data, interim=form.interim.data,
                                            actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            return redirect(url_for("jobs.detail", job_id=job.id))
    return render_template("letters/bulk_statements.html", form=form)
