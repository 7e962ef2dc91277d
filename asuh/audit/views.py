"""The audit trail for auditors and admins: browse, filter, read each change."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from asuh.audit import queries
from asuh.audit.labels import action_label, field_label, shown_value
from asuh.permissions import Permission, has_permission, requires

bp = Blueprint("audit", __name__)

# Where an audited record can be opened: endpoint, its id argument, the permission it needs.
ENTITY_PAGES = {
    "child": ("children.detail", "child_id", Permission.VIEW_CHILDREN),
    "sponsor": ("sponsors.detail", "sponsor_id", Permission.VIEW_SPONSORS),
    "user": ("accounts.user_detail", "user_id", Permission.VIEW_USERS),
    "match": ("matching.match_detail", "match_id", Permission.VIEW_MATCHES),
    "contribution": ("contributions.detail", "contribution_id", Permission.VIEW_CONTRIBUTIONS),
}


def entity_url(entity_type: str, entity_id: str | None) -> str | None:
    page = ENTITY_PAGES.get(entity_type)
    if page is None or not (entity_id or "").isdigit():
        return None
    endpoint, argument, permission = page
    if endpoint not in current_app.view_functions or not has_permission(current_user,
                                                                        permission):
        return None
    return url_for(endpoint, **{argument: int(entity_id)})


def change_rows(changes) -> list[tuple[str, str, str]]:
    """``(label, before, after)`` from ``{field: [old, new]}``; other shapes shown whole."""
    rows = []
    for field, pair in (changes or {}).items():
        if isinstance(pair, list) and len(pair) == 2:
            rows.append((field_label(field), shown_value(pair[0]), shown_value(pair[1])))
        else:
            rows.append((field_label(field), "", shown_value(pair)))
    return rows


@bp.route("/audit")
@requires(Permission.VIEW_AUDIT)
def index():
    filters = queries.parse_filters(request.args, strict=False)
    page = queries.list_records(filters, page=request.args.get("page", 1, type=int),
                                user=current_user)
    users = queries.users_by_id([r.user_id for r in page.items])
    staff = queries.staff_users()
    if filters.user_id is not None and filters.user_id not in {u.id for u in staff}:
        staff += list(queries.users_by_id([filters.user_id]).values())
    return render_template(
        "audit/index.html", page=page, filters=filters, users=users, staff=staff,
        entity_types=queries.ENTITY_TYPES, actions=queries.ACTIONS,
        entity_url=entity_url, change_rows=change_rows, action_label=action_label,
    )
