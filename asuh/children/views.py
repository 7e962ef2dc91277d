"""Children pages: the registry list, a child's page with growth, and editing."""


from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.validators import Optional

from asuh import timeutil
from asuh.children import measuring, moving, services, visibility
from asuh.children.forms import (
    ChildForm,
    MeasurementForm,
    MoveForm,
    StatusForm,
    VoidForm,
    kelurahan_choices,
)
from asuh.children.growth import SEX_LABELS, age_label
from asuh.children.growth_chart import growth_chart_svg
from asuh.children.list_places import place_choices
from asuh.children.models import CHILD_STATUSES, HEIGHT_CATEGORIES, Child, Measurement
from asuh.children.rules import classification, is_live
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_fixed
from asuh.forms import attach_errors
from asuh.permissions import Permission, has_permission, requires
from asuh.regions.scopes import scope_of
from asuh.regions.services import kelurahan_list

bp = Blueprint("children", __name__)

CATEGORY_BADGES = {"severely_stunted": "badge-danger", "stunted": "badge-warning",
                   "normal": "badge-success", "tall": "badge-muted"}


@bp.context_processor
def _helpers():
    return {"id_number": format_fixed, "age_label": age_label, "category_badges": CATEGORY_BADGES,
            "height_categories": HEIGHT_CATEGORIES, "sex_labels": SEX_LABELS}


def _child_or_403(child_id: int) -> Child:
    child = db.get_or_404(Child, child_id)
    if not visibility.in_scope(current_user, child):
        abort(404)  # another kabupaten/kota's child does not exist for this user
    if not services.can_see(current_user, child):
        abort(403)
    return child


@bp.route("/children")
@requires(Permission.VIEW_CHILDREN)
def index():
    filters = services.parse_filters(request.args, strict=False)
    # Before the query: a place chosen outside the level above it is dropped.
    places = place_choices(current_user, filters)
    page = services.list_children(current_user, filters, request.args.get("page", 1, type=int),
                                  count_cap=services.COUNT_CAP)
    return render_template(
        "children/index.html", page=page, filters=filters, today=timeutil.today(),
        full_nik=services.sees_full_nik(current_user), places=places,
        categories=services.CATEGORY_FILTERS, statuses=CHILD_STATUSES,
        age_bands=services.AGE_BAND_LABELS,
        matched_filters=services.MATCHED_FILTERS,
        unassigned=places.unassigned,
    )


def _child_form(child: Child | None = None) -> ChildForm:
    form = ChildForm(obj=child)
    form.kelurahan_code.choices = kelurahan_choices(
        kelurahan_list(scope=scope_of(current_user)))
    if child is not None and child.nik_status == "missing":
        # Registered without a NIK ("NIK belum ada"): other data may be corrected before
        # one is given; the service keeps the marker until then.
        form.nik.validators = [Optional()]
    return form


def _save_child(form: ChildForm, save, child: Child | None):
    nik_warnings = []
    if form.validate_on_submit():
        try:
            saved = save(form.values(), confirm_nik_warnings=form.confirm_nik_warnings.data,
                         actor=current_user)
        except services.NikWarnings as failure:
            nik_warnings = failure.warnings
            form.confirm_nik_warnings.data = False
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"Data {saved.name} disimpan.", "success")
            return redirect(url_for("children.detail", child_id=saved.id))
    return render_template("children/form.html", form=form, child=child,
                           nik_warnings=nik_warnings)


@bp.route("/children/new", methods=["GET", "POST"])
@requires(Permission.EDIT_CHILDREN)
def create():
    return _save_child(_child_form(), services.create_child, None)


@bp.route("/children/<int:child_id>/edit", methods=["GET", "POST"])
@requires(Permission.EDIT_CHILDREN)
def edit(child_id: int):
    child = _child_or_403(child_id)

    def save(values, **kwargs):
        return services.update_child(child, values, **kwargs)

    return _save_child(_child_form(child), save, child)


def _render_detail(child: Child, measurement_form=None, status_form=None,
                   history_questions=False, move_form=None):
    history = measuring.measurement_history(child.id)
    latest = next((m for m in history if is_live(m)), None)  # history is newest first
    today = timeutil.today()
    if measurement_form is None:
        measurement_form = MeasurementForm(
            formdata=None, position=measuring.standard_position(child.birth_date, today))
    return render_template(
        "children/detail.html", child=child, history=history,
        latest=latest, today=today,
        classifying=classification(list(reversed(history)))[0],
        full_nik=services.sees_full_nik(current_user),
        can_measure=measuring.may_record(current_user, child),
        can_edit=has_permission(current_user, Permission.EDIT_CHILDREN),
        measurement_form=measurement_form,
        status_form=status_form or StatusForm(formdata=None),
        move_form=move_form or _move_form(child, formdata=None),
        can_move=moving.may_move(current_user, child), moves=moving.moves_of(child),
        void_form=VoidForm(formdata=None),
        voidable={m.id for m in history if measuring.may_void(current_user, child, m)},
        history_questions=history_questions,
        positions=measuring.POSITIONS, flag_labels=measuring.FLAG_LABELS,
    )


@bp.route("/children/<int:child_id>")
@requires(Permission.VIEW_CHILDREN)
def detail(child_id: int):
    return _render_detail(_child_or_403(child_id))


@bp.route("/children/<int:child_id>/growth.svg")
@requires(Permission.VIEW_CHILDREN)
def growth_chart(child_id: int):
    child = _child_or_403(child_id)
    points = measuring.growth_points(measuring.live_measurements(child.id))
    return Response(growth_chart_svg(child.sex, points, phone=request.args.get("size") == "phone"),
                    mimetype="image/svg+xml")


@bp.route("/children/<int:child_id>/measurements", methods=["POST"])
@requires(Permission.RECORD_MEASUREMENTS)
def record_measurement(child_id: int):
    child = _child_or_403(child_id)
    form = MeasurementForm()
    questioned = False
    if form.validate_on_submit():
        try:
            measurement = measuring.record_measurement(
                child, measured_on=form.measured_on.data, height_cm=form.height_cm.data,
                weight_kg=form.weight_kg.data, position=form.position.data,
                measured_by=form.measured_by.data, actor=current_user,
                confirm_history=form.confirm_history.data,
                submission_key=(f"form:{form.submission_token.data}"
                                if form.submission_token.data else None))
        except measuring.HistoryQuestions as failure:
            # "Ukur ulang?": the figures stay in the form; ticking the box keeps them.
            attach_errors(form, failure)
            questioned = True
            form.confirm_history.data = False
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            if measurement.height_cm is None:
                flash(f"Penimbangan disimpan (BB/U {format_fixed(measurement.waz, 2)}); status "
                      "TB/U anak tetap mengikuti pengukuran tinggi terakhir.", "success")
            else:
                flash(f"Pengukuran disimpan: {HEIGHT_CATEGORIES[measurement.category]} "
                      f"(TB/U {format_fixed(measurement.haz, 2)}).", "success")
            if measurement.flags:
                flash(f"Perlu diukur ulang ({measuring.flag_text(measurement.flags)}): periksa "
                      "angka dan ukur ulang anak.", "warning")
            target = url_for("children.detail", child_id=child.id)
            # The phone's outbox (issue 13) sends by fetch: it gets where to go, not a
            # redirect it would follow itself.
            if request.headers.get("X-Requested-With") == "XMLHttpRequest":
                return {"location": target}
            return redirect(target)
    return _render_detail(child, measurement_form=form, history_questions=questioned)


@bp.route("/children/<int:child_id>/measurements/<int:measurement_id>/void", methods=["POST"])
@requires(Permission.EDIT_CHILDREN, Permission.RECORD_MEASUREMENTS)
def void_measurement(child_id: int, measurement_id: int):
    child = _child_or_403(child_id)
    measurement = db.get_or_404(Measurement, measurement_id)
    if measurement.child_id != child.id:
        abort(404)
    form = VoidForm()
    if form.validate_on_submit():
        try:
            measuring.void_measurement(measurement, child, form.reason.data, actor=current_user)
        except ValidationFailed as failure:
            flash(str(failure), "error")
        else:
            flash("Pengukuran dibatalkan.", "success")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("children.detail", child_id=child.id))


def _move_form(child: Child, **kwargs) -> MoveForm:
    """Kelurahan of the province outside the child's kabupaten/kota."""
    form = MoveForm(**kwargs)
    province = child.kelurahan_code[:2]
    targets = [r for r in kelurahan_list(scope=province)
               if r.code[:5] != child.kelurahan_code[:5]]
    form.kelurahan_code.choices = kelurahan_choices(targets)
    return form


@bp.route("/children/<int:child_id>/move", methods=["POST"])
@requires(Permission.EDIT_CHILDREN)
def move(child_id: int):
    child = _child_or_403(child_id)
    form = _move_form(child)
    if form.validate_on_submit():
        try:
            moving.move_child(child, form.kelurahan_code.data, form.reason.data,
                              actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"{child.name} dipindahkan ke {child.kelurahan.name}.", "success")
            if visibility.in_scope(current_user, child):
                return redirect(url_for("children.detail", child_id=child.id))
            return redirect(url_for("children.index"))  # handed over: no longer ours
    return _render_detail(child, move_form=form)


@bp.route("/children/<int:child_id>/status", methods=["POST"])
@requires(Permission.EDIT_CHILDREN)
def change_status(child_id: int):
    child = _child_or_403(child_id)
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(child, form.status.data, form.reason.data,
                                   actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"Status {child.name}: {child.status_label}.", "success")
            return redirect(url_for("children.detail", child_id=child.id))
    return _render_detail(child, status_form=form)

