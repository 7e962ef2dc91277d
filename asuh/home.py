"""Where people land: each role's starting page, and an overview of what they can do."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from asuh.home_officer import officer_todos
from asuh.permissions import Permission, Role, public, requires

bp = Blueprint("home", __name__)

# Where each role starts its day after signing in; others start at the overview.
LANDING = {
    Role.SPONSOR: "matching.own_children",
    # The kader's home: their kelurahan's "perlu dikunjungi" list and the queue's count.
    Role.FIELD: "home.overview",
    # An officer's day starts with what waits for them (the to-do counts on the home).
    Role.OFFICER: "home.overview",
    Role.AUDITOR: "dashboard.index",
}


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login"))
    return redirect(url_for(LANDING.get(Role(current_user.role), "home.overview")))


@bp.route("/home")
@requires(Permission.SIGNED_IN)
def overview():
    return render_template("home.html", todos=officer_todos(current_user))
