"""The sponsor's own children: who they are, where to deliver, how they are growing.

A sponsor reaches only the children of their ACTIVE matches: the children area's pages
need VIEW_CHILDREN, which sponsors do not hold, so the growth chart is served here behind
``queries.sponsor_can_see_child``.
"""


from flask import Response, abort, render_template
from flask_login import current_user

from asuh import timeutil
from asuh.children import measuring
from asuh.children.growth_chart import growth_chart_svg
from asuh.children.models import Child
from asuh.contributions import access, progress
from asuh.extensions import db
from asuh.matching import queries
from asuh.matching.views import bp
from asuh.permissions import Permission, requires
from asuh.sponsors import services as sponsors


@bp.route("/me/children")
@requires(Permission.OWN_SPONSORSHIP)
def own_children():
    sponsor = sponsors.sponsor_for_user(current_user)
    matches = queries.matches_for_sponsor(sponsor, active=True) if sponsor else []
    # Every child's progress, province package and "log a delivery" button read for all
    # the matches at once (issue 16: per child, the page grew by ~13 statements a child).
    progress_of, province_lines_of = progress.progress_with_province_lines(matches)
    return render_template(
        "matching/own_children.html", sponsor=sponsor, matches=matches,
        today=timeutil.today(), progress_of=progress_of, province_lines_of=province_lines_of,
        offers_logging_of={m.id: access.offers_logging(current_user, m, sponsor_id=sponsor.id)
                           for m in matches})


@bp.route("/me/children/<int:child_id>/growth.svg")
@requires(Permission.OWN_SPONSORSHIP)
def own_child_growth_chart(child_id: int):
    child = db.get_or_404(Child, child_id)
    if not queries.sponsor_can_see_child(current_user, child):
        abort(403)
    points = measuring.growth_points(measuring.live_measurements(child.id))
    return Response(growth_chart_svg(child.sex, points), mimetype="image/svg+xml")
