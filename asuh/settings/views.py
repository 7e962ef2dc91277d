"""The settings pages: the installation's defaults, and each province's and
kabupaten/kota's own values (admins change them; auditors may read them)."""

import base64

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from asuh.contributions import catalogue_cities
from asuh.errors import ValidationFailed
from asuh.formatting import NumberRefused, format_quantity, parse_number
from asuh.forms import attach_errors
from asuh.images import clean_image
from asuh.permissions import Permission, requires
from asuh.regions import scopes
from asuh.regions.models import PROVINSI
from asuh.settings import services
from asuh.settings.forms import RegionSettingsForm, SettingsForm

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")

FORM_KEYS = ("head_title", "head_name", "head_nip", "commitment_months",
             "letter_number_pattern", "public_min_group_size") + services.LETTERHEAD_KEYS
REGION_FORM_KEYS = tuple(k for k in services.CITY_KEYS
                         if k not in ("logo_data_uri", "monthly_package"))
PACKAGES = ("monthly_package", "province_package")


def _regions_for(user) -> list:
    """The provinces and kabupaten/kota whose settings ``user`` may open."""
    scope = scopes.scope_of(user)
    cities = scopes.cities_in(scope)
    provinces = sorted({c.parent for c in cities if c.parent is not None},
                       key=lambda r: r.code)
    if scope is not None and len(scope) > 2:
        provinces = []  # a city's admin sees their province's values only as inherited
    return provinces + cities


def _logo(form) -> str | None:
    if not form.logo.data:
        return None
    logo = clean_image(form.logo.data.read(), field="logo", max_bytes=1_048_576, max_side=600)
    return f"data:{logo.content_type};base64," + base64.b64encode(logo.data).decode()


@bp.route("")
@requires(Permission.VIEW_SETTINGS)
def show():
    values = services.get_all()
    form = SettingsForm(data={k: values[k] for k in FORM_KEYS})
    return render_template("settings/edit.html", form=form, values=values,
                           regions=_regions_for(current_user),
                           installation=scopes.scope_of(current_user) is None)


@bp.route("", methods=["POST"])
@requires(Permission.MANAGE_SETTINGS)
def update():
    form = SettingsForm()
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in FORM_KEYS}
        changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()
                   if v is not None}
        try:
            logo = _logo(form)
            if logo:
                changes["logo_data_uri"] = logo
            changed = services.update(changes, actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash("Pengaturan disimpan." if changed else "Tidak ada perubahan.", "success")
            return redirect(url_for("settings.show"))
    return render_template("settings/edit.html", form=form, values=services.get_all(),
                           regions=_regions_for(current_user),
                           installation=scopes.scope_of(current_user) is None)


def _package_goods(region):
    """The goods a region's package may name: the shared catalogue, and for a
    kabupaten/kota its own additions too (issue 15), never another city's."""
    city = None if region.level == PROVINSI else region.code
    return [c for c in catalogue_cities.offered(city, active_only=False) if not c.is_cash]


def _package_inputs(region, form_data: MultiDict) -> tuple[dict, dict]:
    """The package fields typed on the page (``monthly_package-eggs`` …) → packages."""
    keys = services.region_keys(region)
    packages, errors = {}, {}
    for key in (k for k in PACKAGES if k in keys):
        package = {}
        for commodity in _package_goods(region):
            name = f"{key}-{commodity.code}"
            try:
                amount = parse_number(form_data.get(name, ""))
            except NumberRefused as refused:
                errors[f"{key}.{commodity.code}"] = [str(refused)]
                continue
            if amount is not None and amount > 0:
                package[commodity.code] = str(amount)
        packages[key] = package or None
    return packages, errors


def _render_region(region, form, typed: MultiDict | None = None, status: int = 200):
    own = services.own_values(region.code)
    parent = (services.get_all() if region.level == PROVINSI
              else services.for_province(region.code))
    inherited = {k: parent.get(k) for k in services.PROVINCE_KEYS}
    goods = _package_goods(region)
    shown = {}
    for key in PACKAGES:
        for c in goods:
            name = f"{key}-{c.code}"
            if typed is not None:
                shown[name] = typed.get(name, "")
            else:
                amount = (own.get(key) or {}).get(c.code)
                shown[name] = format_quantity(amount) if amount is not None else ""
    return render_template("settings/region.html", region=region, form=form, own=own,
                           inherited=inherited, goods=goods, packages=shown,
                           is_province=region.level == PROVINSI), status


@bp.route("/region/<code>")
@requires(Permission.VIEW_SETTINGS)
def region(code):
    region = services.settable_region(code, current_user)
    own = services.own_values(region.code)
    form = RegionSettingsForm(data={k: own.get(k) for k in REGION_FORM_KEYS})
    return _render_region(region, form)


@bp.route("/region/<code>", methods=["POST"])
@requires(Permission.MANAGE_SETTINGS)
def update_region(code):
    region = services.settable_region(code, current_user)
    form = RegionSettingsForm()
    if form.validate_on_submit():
        changes = {k: getattr(form, k).data for k in REGION_FORM_KEYS}
        changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
        packages, errors = _package_inputs(region, request.form)
        changes.update(packages)
        try:
            if errors:
                raise ValidationFailed(errors)
            logo = _logo(form)
            if logo:
                changes["logo_data_uri"] = logo
            changed = services.update_region(region.code, changes, actor=current_user)
        except ValidationFailed as failure:
            attach_errors(form, failure)
        else:
            flash("Pengaturan disimpan." if changed else "Tidak ada perubahan.", "success")
            return redirect(url_for("settings.region", code=region.code))
    return _render_region(region, form, typed=request.form)
