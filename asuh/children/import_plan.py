"""Working out what an import file would do, row by row, without writing anything.

Rows are checked with the same field rules as the registration form; kelurahan are found
by Kemendagri code, else by name (case- and space-insensitive) within the file's
kecamatan; children are matched by NIK and measurements by child and date, using a few
bulk queries so a 10,000-row file is planned in about a second.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from asuh import timeutil
from asuh.children import measuring, services
from asuh.children.growth import MAX_AGE_DAYS, MeasurementError, assess
from asuh.children.importfile import ChildRow
from asuh.children.models import Child, Measurement
from asuh.children.rules import live_measurement
from asuh.extensions import db
from asuh.formatting import format_date_id
from asuh.regions.services import kelurahan_list

ACTIONS = {"create": "Anak baru", "update": "Diperbarui", "unchanged": "Tidak berubah",
           "same": "Anak yang sama", "reject": "Ditolak"}
MEASUREMENT_ACTIONS = {"create": "Baru", "unchanged": "Sudah ada", "skip": "Tidak diimpor"}
# The e-PPGBM export's own z-scores are a cross-check: beyond this they disagree.
CROSS_CHECK_TOLERANCE = Decimal("0.1")
_CHUNK = 500  # bound on IN (...) lists: SQLite limits a statement's parameters
_COMPARED = ("name", "sex", "birth_date", "guardian_name", "kelurahan_code")
_KEPT_WHEN_BLANK = ("address", "posyandu")  # a file without them keeps the registry's
_PREFIX = re.compile(r"^(kelurahan|kel|desa|kecamatan|kec)[\s.]+", re.IGNORECASE)
_READER_FIELDS = ("nik", "name", "sex", "birth_date")  # the reader reports them missing


@dataclass
class RowOutcome:
    line: int
    nik: str
    name: str
    action: str = "create"
    measurement: str | None = None
    measured_on: date | None = None
    category: str | None = None
    haz: float | None = None
    first_line: int | None = None  # the earlier row holding the same child
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        if self.action == "same":
            return f"Anak yang sama dengan baris {self.first_line}"
        return ACTIONS[self.action]


@dataclass
class ImportPreview:
    filename: str
    rows: list[RowOutcome]
    children_created: int = 0
    children_updated: int = 0
    children_unchanged: int = 0
    measurements_created: int = 0
    measurements_unchanged: int = 0

    @property
    def rejected(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.action == "reject"]

    @property
    def with_warnings(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.warnings]

    @property
    def accepted(self) -> bool:
        return bool(self.rows) and not self.rejected

    def summary(self) -> str:
        text = (f"{len(self.rows)} baris: {self.children_created} anak baru, "
                f"{self.children_updated} diperbarui, {self.children_unchanged} tidak berubah; "
                f"{self.measurements_created} pengukuran baru, "
                f"{self.measurements_unchanged} sudah ada")
        if self.rejected:
            text += f"; {len(self.rejected)} baris ditolak"
        if self.with_warnings:
            text += f"; {len(self.with_warnings)} baris dengan peringatan"
        return text + "."


def _name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _PREFIX.sub("", name.strip().lower()))


class _Regions:
    """The city's kelurahan, looked up by Kemendagri code or by (kecamatan and) name."""

    def __init__(self):
        self.by_code = {r.code: r for r in kelurahan_list()}
        self.by_name = defaultdict(list)
        for region in self.by_code.values():
            self.by_name[_name_key(region.name)].append(region)

    def resolve(self, row: ChildRow) -> tuple[str | None, str | None]:
        if row.kelurahan_code:
            if row.kelurahan_code not in self.by_code:
                return None, f"Kode kelurahan {row.kelurahan_code} tidak ada di daftar wilayah."
            return row.kelurahan_code, None
        if not row.kelurahan_name:
            return None, "Kelurahan/desa kosong."
        found = self.by_name.get(_name_key(row.kelurahan_name), [])
        if not found:
            city = current_app.config.get("CITY_NAME", "")
            return None, f"Kelurahan '{row.kelurahan_name}' tidak ada di daftar wilayah {city}."
        if row.kecamatan_name:
            within = [r for r in found
                      if r.parent and _name_key(r.parent.name) == _name_key(row.kecamatan_name)]
            if not within:
                return None, (f"Kelurahan '{row.kelurahan_name}' tidak ada di Kecamatan "
                              f"'{row.kecamatan_name}'.")
            found = within
        if len(found) > 1:
            names = ", ".join(sorted(r.parent.name for r in found if r.parent))
            return None, (f"Kelurahan '{row.kelurahan_name}' ada di beberapa kecamatan "
                          f"({names}); isi kolom kecamatan.")
        return found[0].code, None


@dataclass
class ImportPlan:
    preview: ImportPreview
    creates: dict[str, dict] = field(default_factory=dict)
    updates: list[tuple[Child, dict]] = field(default_factory=list)
    reassess: list[Child] = field(default_factory=list)
    measurements: list[tuple[str, dict]] = field(default_factory=list)
    existing: dict[str, Child] = field(default_factory=dict)


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _existing_children(niks: list[str]) -> dict[str, Child]:
    found = {}
    for chunk in _chunks(niks):
        for child in db.session.scalars(select(Child).where(Child.nik.in_(chunk))):
            found[child.nik] = child
    return found


def _existing_measurements(child_ids: list[int]) -> dict[tuple[int, date], tuple]:
    found = {}
    for chunk in _chunks(child_ids):
        rows = db.session.execute(
            select(Measurement.child_id, Measurement.measured_on, Measurement.height_cm,
                   Measurement.weight_kg, Measurement.position)
            .where(Measurement.child_id.in_(chunk), live_measurement()))
        for child_id, measured_on, height, weight, position in rows:
            found[(child_id, measured_on)] = (height, weight, position)
    return found


def _check_row(row: ChildRow, regions: _Regions, today: date) -> tuple[RowOutcome, dict]:
    outcome = RowOutcome(line=row.line, nik=row.nik, name=row.name, errors=list(row.errors),
                         warnings=list(row.warnings), measured_on=row.measured_on)
    clean, errors, warnings = services.clean_child_fields(
        {"nik": row.nik, "name": row.name, "sex": row.sex, "birth_date": row.birth_date,
         "guardian_name": row.guardian_name, "address": row.address, "posyandu": row.posyandu,
         "kelurahan_code": None},
        today=today, check_age=False, require_address=False)
    for name, messages in errors.items():
        if name == "kelurahan_code":
            continue  # resolved from the file's code or names below
        # The file reader already said so when a required cell is empty or unreadable.
        if name in _READER_FIELDS and not getattr(row, name):
            continue
        outcome.errors.extend(messages)
    clean["kelurahan_code"], problem = regions.resolve(row)
    if problem:
        outcome.errors.append(problem)
    outcome.warnings.extend(f"Periksa NIK: {w}" for w in warnings)
    clean["nik_warnings"] = services.join_warnings(warnings)
    return outcome, clean


def _child_changes(child: Child, clean: dict) -> dict:
    changes = {}
    for name in (*_COMPARED, *_KEPT_WHEN_BLANK, "nik_warnings"):
        value = clean.get(name)
        if name in _KEPT_WHEN_BLANK and not value:
            continue
        if name == "nik_warnings" and not {"sex", "birth_date"} & set(changes):
            continue  # the warnings follow from the sex and birth date
        if getattr(child, name) != value:
            changes[name] = value
    return changes


def _reassess_problems(child: Child, sex: str, birth_date: date) -> list[str]:
    problems = []
    for m in measuring.live_measurements(child.id):
        try:
            assess(sex, birth_date, m.measured_on, m.height_cm, m.weight_kg, m.position,
                   today=max(timeutil.today(), m.measured_on))
        except MeasurementError as exc:
            problems.append(f"Pengukuran lama {format_date_id(m.measured_on)} tidak cocok "
                            f"dengan tanggal lahir/jenis kelamin baru: {exc.message}")
    return problems


def _plan_measurement(plan: ImportPlan, row: ChildRow, out: RowOutcome, child: dict,
                      child_id: int | None, seen: dict, existing: dict, today: date) -> None:
    if not row.has_measurement:
        return
    when = format_date_id(row.measured_on)
    if row.height_cm is None or row.weight_kg is None:
        out.measurement = "skip"
        out.warnings.append(f"Pengukuran {when} tidak diimpor: berat dan tinggi badan "
                            "keduanya diperlukan untuk menilai pertumbuhan.")
        return
    height = row.height_cm.quantize(Decimal("0.1"))
    weight = row.weight_kg.quantize(Decimal("0.01"))
    position = row.position or measuring.standard_position(child["birth_date"], row.measured_on)
    try:
        result = assess(child["sex"], child["birth_date"], row.measured_on, height, weight,
                        position, today=today)
    except MeasurementError as exc:
        out.errors.append(f"Pengukuran {when}: {exc.message}")
        return
    out.category, out.haz = result.category, result.haz
    for label, ours, theirs in (("ZS TB/U", result.haz, row.file_haz),
                                ("ZS BB/U", result.waz, row.file_waz),
                                ("ZS BB/TB", result.whz, row.file_whz)):
        if ours is not None and theirs is not None and \
                abs(Decimal(str(ours)) - theirs) > CROSS_CHECK_TOLERANCE:
            out.warnings.append(f"{label} di berkas {theirs} berbeda dengan hitungan WHO "
                                f"{ours} (selisih lebih dari {CROSS_CHECK_TOLERANCE}).")
    if result.flags:
        out.warnings.append(f"Z-score di luar batas wajar WHO ({', '.join(result.flags)}): "
                            "disimpan dengan tanda, perlu diukur ulang.")
    values = (height, weight, position)
    if row.measured_on in seen:
        line, earlier = seen[row.measured_on]
        if earlier == values:
            out.measurement = "skip"
            out.warnings.append(f"Pengukuran {when} sama dengan baris {line}; dilewati.")
        else:
            out.errors.append(f"Dua pengukuran berbeda pada {when} (baris {line} dan baris "
                              f"{row.line}); satu pengukuran per hari.")
        return
    seen[row.measured_on] = (row.line, values)
    stored = existing.get((child_id, row.measured_on))
    if stored is not None:
        if tuple(stored) == values:
            out.measurement = "unchanged"
            plan.preview.measurements_unchanged += 1
        else:
            out.errors.append(
                f"Sudah ada pengukuran lain pada {when} ({stored[0]} cm, {stored[1]} kg); "
                "batalkan pengukuran lama di halaman anak bila berkas ini yang benar.")
        return
    out.measurement = "create"
    plan.preview.measurements_created += 1
    plan.measurements.append((child["nik"], {
        "measured_on": row.measured_on, "height_cm": height, "weight_kg": weight,
        "position": position, **measuring.result_columns(result)}))


def _plan_group(plan: ImportPlan, group: list, existing_measurements: dict, today: date) -> None:
    # The child's data come from its newest measurement row; earlier rows may be older.
    _, chosen_out, chosen = max(group, key=lambda item: (item[0].measured_on or date.min,
                                                         item[0].line))
    first_row, first_out, _ = group[0]
    for _row, out, clean in group:
        if out is not first_out:
            out.action, out.first_line = "same", first_row.line
        if out is not chosen_out and not out.errors and any(
                clean.get(k) != chosen.get(k) for k in _COMPARED):
            out.warnings.append(f"Data anak berbeda dengan baris {chosen_out.line}; "
                                f"yang dipakai data baris {chosen_out.line}.")
    if chosen_out.errors:
        return
    child = plan.existing.get(chosen["nik"])
    if child is None:
        measured = [row.measured_on for row, _, _ in group if row.has_measurement]
        if not measured and (today - chosen["birth_date"]).days > MAX_AGE_DAYS:
            chosen_out.errors.append(services.TOO_OLD)
            return
        plan.creates[chosen["nik"]] = {k: v for k, v in chosen.items() if k != "guardian_phone"}
        first_out.action = "create"
        plan.preview.children_created += 1
    else:
        changes = _child_changes(child, chosen)
        if {"sex", "birth_date"} & set(changes):
            problems = _reassess_problems(child, chosen["sex"], chosen["birth_date"])
            chosen_out.errors.extend(problems)
            plan.reassess.append(child)
        if child.status == "deceased":
            for row, out, _ in group:
                if row.has_measurement:
                    out.errors.append("Anak tercatat meninggal; pengukuran tidak dapat dicatat.")
        first_out.action = "update" if changes else "unchanged"
        first_out.changes = [services.FIELD_LABELS.get(k, "Peringatan NIK") for k in changes]
        if changes:
            plan.updates.append((child, changes))
            plan.preview.children_updated += 1
        else:
            plan.preview.children_unchanged += 1
        chosen = {**chosen, "sex": changes.get("sex", child.sex),
                  "birth_date": changes.get("birth_date", child.birth_date)}
    seen: dict = {}
    for row, out, _ in group:
        _plan_measurement(plan, row, out, chosen, child.id if child else None, seen,
                          existing_measurements, today)


def plan_import(rows: list[ChildRow], filename: str, today: date) -> ImportPlan:
    plan = ImportPlan(preview=ImportPreview(filename=filename, rows=[]))
    regions = _Regions()
    groups: dict[str, list] = {}
    for row in rows:
        outcome, clean = _check_row(row, regions, today)
        plan.preview.rows.append(outcome)
        if "nik" in clean:
            groups.setdefault(clean["nik"], []).append((row, outcome, clean))
        elif not outcome.errors:  # defensive: a row without a usable NIK is never accepted
            outcome.errors.append("NIK tidak dapat dibaca.")
    plan.existing = _existing_children(list(groups))
    existing_measurements = _existing_measurements([c.id for c in plan.existing.values()])
    for group in groups.values():
        _plan_group(plan, group, existing_measurements, today)
    for outcome in plan.preview.rows:
        if outcome.errors:
            outcome.action = "reject"
    return plan
