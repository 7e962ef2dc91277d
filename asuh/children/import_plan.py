"""Working out what an import file would do, row by row, without writing anything.

Rows are checked with the same field rules as the registration form; the kelurahan and the
row's province and city are checked by ``import_place``; a row is recognised as a
registered child (or as the same child as an earlier row) by its whole identity, not its
NIK alone (``import_identity``); measurements are matched by child and date. A few bulk
queries serve the whole file, so a 10,000-row file is planned in about a second.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from asuh import timeutil
from asuh.children import measuring, services
from asuh.children.growth import MAX_AGE_DAYS, MeasurementError, assess
from asuh.children.import_identity import (
    Decision,
    children_by_nik,
    children_without_nik,
    identity_of,
    same_child,
)
from asuh.children.import_outcome import ImportPreview, RowOutcome
from asuh.children.import_place import Place
from asuh.children.importfile import ChildRow
from asuh.children.models import Child, Measurement
from asuh.children.rules import live_measurement
from asuh.extensions import db
from asuh.formatting import format_date_id
from asuh.regions.scopes import within

# The e-PPGBM export's own z-scores are a cross-check: beyond this they disagree.
CROSS_CHECK_TOLERANCE = Decimal("0.1")
_CHUNK = 500  # bound on IN (...) lists: SQLite limits a statement's parameters
_COMPARED = ("name", "sex", "birth_date", "guardian_name", "kelurahan_code")
_KEPT_WHEN_BLANK = ("address", "posyandu")  # a file without them keeps the registry's
_READER_FIELDS = ("name", "sex", "birth_date")  # the reader reports them missing


@dataclass
class ImportPlan:
    preview: ImportPreview
    creates: dict[int, dict] = field(default_factory=dict)  # file child's key → values
    updates: list[tuple[Child, dict]] = field(default_factory=list)
    # Conflicts the officer resolved as the same child: (child, changes, reason).
    corrections: list[tuple[Child, dict, str]] = field(default_factory=list)
    reassess: list[Child] = field(default_factory=list)
    measurements: list[tuple[int, dict]] = field(default_factory=list)  # (key, values)
    targets: dict[int, Child] = field(default_factory=dict)  # key → registered child
    # The file's children in file order: the lines of each (its key is the index), so a
    # large import can be written in batches of whole children (``import_batches``).
    group_lines: list[list[int]] = field(default_factory=list)


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


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


def _check_row(row: ChildRow, place: Place, today: date) -> tuple[RowOutcome, dict]:
    outcome = RowOutcome(line=row.line, nik=row.nik, name=row.name, errors=list(row.errors),
                         warnings=list(row.warnings), measured_on=row.measured_on)
    if problem := place.outside(row):
        outcome.errors.append(problem)
    clean, errors, warnings = services.clean_child_fields(
        {"nik": row.nik, "name": row.name, "sex": row.sex, "birth_date": row.birth_date,
         "guardian_name": row.guardian_name, "address": row.address, "posyandu": row.posyandu,
         "kelurahan_code": None},
        today=today, check_age=False, require_address=False)
    if not row.nik_given:
        # No NIK yet (blank or zeros): the child is registered without one.
        errors.pop("nik", None)
        clean["nik"], warnings = None, []
    for name, messages in errors.items():
        if name == "kelurahan_code":
            continue  # resolved from the file's code or names below
        # The file reader already said so when a required cell is empty or unreadable.
        if name in _READER_FIELDS and not getattr(row, name):
            continue
        outcome.errors.extend(messages)
    clean["kelurahan_code"], problem = place.resolve(row)
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
    plan.measurements.append((child["key"], {
        "measured_on": row.measured_on, "height_cm": height, "weight_kg": weight,
        "position": position, **measuring.result_columns(result)}))


def _file_children(checked: list[tuple[ChildRow, RowOutcome, dict]]) -> list[list]:
    """The file's rows grouped by child: same NIK (or none), birth date, sex, similar name."""
    groups: list[list] = []
    buckets: dict[tuple, list[list]] = {}
    for item in checked:
        row, outcome, clean = item
        if "nik" not in clean or not isinstance(clean.get("birth_date"), date) \
                or not clean.get("sex") or not clean.get("name"):
            groups.append([item])  # no identity to compare: a group of its own
            continue
        key = (clean["nik"], clean["birth_date"], clean["sex"])
        bucket = buckets.setdefault(key, [])
        group = next((g for g in bucket if same_child(g[0][2], clean)), None)
        if group is None:
            group = [item]
            bucket.append(group)
            groups.append(group)
        else:
            group.append(item)
    return groups


def _registered(child_niks: dict, without_nik: dict, clean: dict) -> Child | None:
    """The registered child this file child is, if any (one without a NIK may get one)."""
    for child in child_niks.get(clean["nik"], []) if clean["nik"] else []:
        if same_child(child, clean):
            return child
    for child in without_nik.get((clean["birth_date"], clean["sex"]), []):
        if child.kelurahan_code == clean["kelurahan_code"] and same_child(
                child, {**clean, "nik": None}):
            return child
    return None


def _plan_group(plan: ImportPlan, key: int, group: list, found: dict, today: date) -> None:
    # The child's data come from its newest readable row; earlier rows may be older.
    readable = [item for item in group if not item[1].errors] or group
    _, chosen_out, chosen = max(readable, key=lambda item: (item[0].measured_on or date.min,
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
        for _row, out, _ in group:
            if out is not chosen_out and not out.errors:
                out.errors.append(f"Data anak di baris {chosen_out.line} ditolak.")
        return
    chosen = {**chosen, "key": key}
    nik = chosen["nik"]
    holders = found["by_nik"].get(nik, []) if nik else []
    child = _registered(found["by_nik"], found["without_nik"], chosen)
    decision = found["decisions"].get(first_row.line)
    owner = next((h for h in holders if h.nik_status == "own"), None)
    scope = found["place"].scope
    if scope and any(not within(scope, h.kelurahan_code) for h in [child, owner] if h):
        # Issue 15: the child is registered in another kabupaten/kota; its data are that
        # city's to change, and a move is its own act.
        first_out.errors.append("Anak dengan NIK ini terdaftar di kabupaten/kota lain; "
                                "hubungi petugas daerah tersebut (pindah kabupaten/kota).")
        return
    if child is None and owner is not None:
        # The NIK is another registered child's: nothing of that child changes unless the
        # officer says this row is that child with corrected data.
        first_out.conflict = identity_of(owner)
        region = found["place"].by_code.get(chosen["kelurahan_code"])
        first_out.file_identity = {
            "name": chosen["name"], "sex": chosen["sex"], "birth_date": chosen["birth_date"],
            "kelurahan": region.name if region else chosen["kelurahan_code"],
            "guardian_name": chosen["guardian_name"]}
        first_out.decision = decision.kind if decision else None
        if decision is None:
            first_out.action = "conflict"
            first_out.errors.append(
                f"NIK ini milik anak lain yang sudah terdaftar ({owner.registry_number}, "
                f"{owner.name}, lahir {format_date_id(owner.birth_date)}); pilih: anak yang "
                "sama dengan data diperbaiki, atau anak lain.")
            return
        if decision.kind == "same":
            if not decision.reason.strip():
                first_out.errors.append("Alasan perbaikan data anak wajib diisi.")
                return
            child = owner
    if child is None:
        if nik is None:
            status = "missing"
        elif holders or found["file_niks"][nik] > 1:
            # Shared in the file or already held: a parent's NIK, or (the officer said so)
            # another child's.
            status = "not_own" if owner is not None else "parent"
        else:
            status = "own"
        measured = [row.measured_on for row, _, _ in group if row.has_measurement]
        if not measured and (today - chosen["birth_date"]).days > MAX_AGE_DAYS:
            chosen_out.errors.append(services.TOO_OLD)
            return
        plan.creates[key] = {k: v for k, v in chosen.items()
                             if k not in ("guardian_phone", "key")} | {"nik_status": status}
        first_out.action = "create"
        first_out.nik_status = status if status != "own" else None
        plan.preview.children_created += 1
    else:
        changes = _child_changes(child, chosen)
        if nik and child.nik_status == "missing":
            # A NIK added later attaches to the child registered without one.
            shared = found["file_niks"][nik] > 1 or bool(holders)
            changes.update(nik=nik, nik_status="parent" if shared else "own")
        if {"sex", "birth_date"} & set(changes):
            problems = _reassess_problems(child, chosen["sex"], chosen["birth_date"])
            if problems:
                # Nothing of the child changes, even in a partial import.
                chosen_out.errors.extend(problems)
                for _row, out, _ in group:
                    if out is not chosen_out and not out.errors:
                        out.errors.append(f"Data anak di baris {chosen_out.line} ditolak.")
                return
            plan.reassess.append(child)
        if child.status == "deceased":
            for row, out, _ in group:
                if row.has_measurement:
                    out.errors.append("Anak tercatat meninggal; pengukuran tidak dapat dicatat.")
        first_out.action = "update" if changes else "unchanged"
        first_out.changes = [services.FIELD_LABELS.get(k, "Status NIK" if k == "nik_status"
                                                       else "Peringatan NIK") for k in changes]
        if changes and decision is not None and child is owner:
            plan.corrections.append((child, changes, decision.reason.strip()))
        elif changes:
            plan.updates.append((child, changes))
        if changes:
            plan.preview.children_updated += 1
        else:
            plan.preview.children_unchanged += 1
        plan.targets[key] = child
        chosen = {**chosen, "sex": changes.get("sex", child.sex),
                  "birth_date": changes.get("birth_date", child.birth_date)}
    seen: dict = {}
    for row, out, _ in group:
        if not out.errors:
            _plan_measurement(plan, row, out, chosen, child.id if child else None, seen,
                              found["measurements"], today)


def plan_import(rows: list[ChildRow], filename: str, today: date,
                decisions: dict[int, Decision] | None = None,
                scope: str | None = None,
                progress: Callable[[int], None] | None = None) -> ImportPlan:
    """``decisions`` answer NIK conflicts, keyed by the line of the conflicting row;
    ``scope`` is the importer's (only kelurahan in it are offered, issue 15);
    ``progress(n)`` is told after each row checked (a preview job's progress bar)."""
    plan = ImportPlan(preview=ImportPreview(filename=filename, rows=[]))
    place = Place(scope)
    checked = []
    for done, row in enumerate(rows, start=1):
        outcome, clean = _check_row(row, place, today)
        plan.preview.rows.append(outcome)
        checked.append((row, outcome, clean))
        if progress is not None:
            progress(done)
    groups = _file_children(checked)
    file_niks: dict[str, int] = {}
    for group in groups:
        nik = group[0][2].get("nik")
        if nik:
            file_niks[nik] = file_niks.get(nik, 0) + 1
    by_nik = children_by_nik(list(file_niks))
    birth_dates = sorted({g[0][2]["birth_date"] for g in groups
                          if isinstance(g[0][2].get("birth_date"), date)})
    without_nik = children_without_nik(birth_dates)
    registered = {c.id for held in by_nik.values() for c in held}
    registered.update(c.id for held in without_nik.values() for c in held)
    found = {"place": place, "by_nik": by_nik, "without_nik": without_nik, "file_niks": file_niks,
             "decisions": decisions or {},
             "measurements": _existing_measurements(sorted(registered))}
    for key, group in enumerate(groups):
        plan.group_lines.append([row.line for row, _, _ in group])
        _plan_group(plan, key, group, found, today)
    for outcome in plan.preview.rows:
        if outcome.errors and outcome.action != "conflict":
            outcome.action = "reject"
    return plan
