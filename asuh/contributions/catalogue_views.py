"""The admin's catalogue pages: commodities, pack units with their conversion factors,
and the monthly package. Nothing is deleted; entries are deactivated.

Issue 15: a kabupaten/kota's admin sees the shared catalogue read-only and manages their
city's additions; another city's addition answers 404 (``catalogue_cities``)."""

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from asuh.contributions import catalogue, catalogue_cities
from asuh.contributions.forms import ActionForm, CommodityEditForm, CommodityForm, UnitForm
from asuh.contributions.models import Commodity, CommodityUnit
from asuh.contributions.views import bp
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_quantity
from asuh.forms import attach_errors, button_action
from asuh.permissions import Permission, requires
from asuh.regions import scopes


def _package_codes() -> list[str]:
    # The installation's package: the shared catalogue (a city's addition is its own).
    shown = [c.code for c in catalogue_cities.offered(None, active_only=False)
             if not c.is_cash]
    return shown + [code for code in catalogue.monthly_package() if code not in shown]


def _add_form(form=None) -> CommodityForm:
    form = form or CommodityForm(formdata=None)
    form.city_code.choices = catalogue_cities.city_choices(current_user)
    return form


def _render_index(form=None, package_values=None, package_errors=None, status=200):
    package = catalogue.monthly_package()
    values = package_values or {code: format_quantity(amount) for code, amount in package.items()}
    commodities = catalogue_cities.visible(current_user)
    scope = scopes.scope_of(current_user)
    return render_template(
        "contributions/catalogue.html", commodities=commodities,
        city_names=catalogue_cities.city_names(commodities),
        whole_installation=scope is None, scope_cities=scopes.cities_in(scope),
        form=_add_form(form), action_form=ActionForm(formdata=None),
        package_values=values, package_errors=package_errors or {},
        package_codes=_package_codes()), status


@bp.route("/catalogue")
@requires(Permission.MANAGE_CATALOGUE)
def catalogue_index():
    return _render_index()


@bp.route("/catalogue/commodities", methods=["POST"])
@requires(Permission.MANAGE_CATALOGUE)
def add_commodity():
    form = CommodityForm()
    if form.validate_on_submit():
        try:
            commodity = catalogue.add_commodity(
                code=form.code.data, name=form.name.data,
                canonical_unit=form.canonical_unit.data, is_cash=form.is_cash.data,
                city_code=form.city_code.data, actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"Komoditas {commodity.name} ditambahkan.", "success")
            return redirect(url_for("contributions.commodity", commodity_id=commodity.id))
    return _render_index(form=form)


@bp.route("/catalogue/package", methods=["POST"])
@requires(Permission.MANAGE_CATALOGUE)
def update_package():
    if not ActionForm().validate_on_submit():
        abort(400)
    values = {code: request.form.get(f"package-{code}", "") for code in _package_codes()}
    try:
        changed = catalogue.update_monthly_package(values, actor=current_user)
    except ValidationFailed as failure:
        errors = {key.removeprefix("package."): messages
                  for key, messages in failure.errors.items()}
        return _render_index(package_values=values, package_errors=errors)
    flash("Paket bulanan disimpan." if changed else "Tidak ada perubahan.", "success")
    return redirect(url_for("contributions.catalogue_index"))


def _render_commodity(commodity: Commodity, edit_form=None, unit_form=None):
    return render_template(
        "contributions/commodity.html", commodity=commodity,
        editable=catalogue_cities.may_edit(current_user, commodity),
        city_name=catalogue_cities.city_names([commodity]).get(commodity.city_code),
        edit_form=edit_form or CommodityEditForm(formdata=None, obj=commodity),
        unit_form=unit_form or UnitForm(formdata=None), action_form=ActionForm(formdata=None),
        unit_forms={u.id: UnitForm(formdata=None, prefix=f"unit{u.id}", name=u.name,
                                   factor=f"{Decimal(u.factor).normalize():f}")
                    for u in commodity.units},
        takes_units=not (commodity.is_cash or catalogue.is_as_entered(commodity)))


@bp.route("/catalogue/commodities/<int:commodity_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_CATALOGUE)
def commodity(commodity_id: int):
    item = catalogue_cities.load_visible(commodity_id, current_user)
    form = CommodityEditForm(obj=item) if request.method == "GET" else CommodityEditForm()
    if form.validate_on_submit():
        try:
            changed = catalogue.update_commodity(item, name=form.name.data,
                                                 sort_order=form.sort_order.data,
                                                 actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash("Perubahan disimpan." if changed else "Tidak ada perubahan.", "success")
            return redirect(url_for("contributions.commodity", commodity_id=item.id))
    return _render_commodity(item, edit_form=form)


@bp.route("/catalogue/commodities/<int:commodity_id>/units", methods=["POST"])
@requires(Permission.MANAGE_CATALOGUE)
def add_unit(commodity_id: int):
    item = catalogue_cities.load_visible(commodity_id, current_user)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = catalogue.add_unit(item, name=form.name.data, factor=form.factor.data,
                                      actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash(f"Satuan {unit.name} ditambahkan.", "success")
            return redirect(url_for("contributions.commodity", commodity_id=item.id))
    return _render_commodity(db.session.get(Commodity, commodity_id), unit_form=form)


def _unit_or_404(unit_id: int) -> CommodityUnit:
    """A pack unit of a commodity the admin sees (another city's addition: 404)."""
    unit = db.get_or_404(CommodityUnit, unit_id)
    catalogue_cities.load_visible(unit.commodity_id, current_user)
    return unit


@bp.route("/catalogue/units/<int:unit_id>", methods=["POST"])
@requires(Permission.MANAGE_CATALOGUE)
def update_unit(unit_id: int):
    unit = _unit_or_404(unit_id)
    form = UnitForm(prefix=f"unit{unit.id}")
    if form.validate_on_submit():
        try:
            changed = catalogue.update_unit(unit, name=form.name.data, factor=form.factor.data,
                                            actor=current_user)
        except ValidationFailed as failure:
            flash(str(failure), "error")
        else:
            flash("Satuan disimpan." if changed else "Tidak ada perubahan.", "success")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
    return redirect(url_for("contributions.commodity", commodity_id=unit.commodity_id))


def _wants_active() -> bool:
    return request.form.get("active") == "1"


@bp.route("/catalogue/commodities/<int:commodity_id>/active", methods=["POST"])
@requires(Permission.MANAGE_CATALOGUE)
def commodity_active(commodity_id: int):
    item = catalogue_cities.load_visible(commodity_id, current_user)

    def action(commodity):
        catalogue.set_commodity_active(commodity, _wants_active(), actor=current_user)
        return f"{commodity.name} {'aktif' if commodity.active else 'nonaktif'}."

    return button_action(ActionForm(), action, item,
                         url_for("contributions.commodity", commodity_id=item.id))


@bp.route("/catalogue/units/<int:unit_id>/active", methods=["POST"])
@requires(Permission.MANAGE_CATALOGUE)
def unit_active(unit_id: int):
    unit = _unit_or_404(unit_id)

    def action(target):
        catalogue.set_unit_active(target, _wants_active(), actor=current_user)
        return f"Satuan {target.name} {'aktif' if target.active else 'nonaktif'}."

    return button_action(ActionForm(), action, unit,
                         url_for("contributions.commodity", commodity_id=unit.commodity_id))
