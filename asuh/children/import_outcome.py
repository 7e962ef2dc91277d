"""What an import would do, as the officer reads it: one outcome per row and the totals."""

from dataclasses import asdict, dataclass, field
from datetime import date

from asuh.children.models import NIK_STATUSES

ACTIONS = {"create": "Anak baru", "update": "Diperbarui", "unchanged": "Tidak berubah",
           "same": "Anak yang sama", "reject": "Ditolak",
           "conflict": "NIK dipakai anak lain: perlu keputusan"}
MEASUREMENT_ACTIONS = {"create": "Baru", "unchanged": "Sudah ada", "skip": "Tidak diimpor"}


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
    nik_status: str | None = None  # set when the row's child's NIK is not plainly its own
    conflict: dict | None = None  # the registered child whose NIK the row carries
    file_identity: dict | None = None  # the row's own child, shown beside ``conflict``
    decision: str | None = None  # the officer's answer to the conflict, if any
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        if self.action == "same":
            return f"Anak yang sama dengan baris {self.first_line}"
        return ACTIONS[self.action]

    @property
    def nik_note(self) -> str | None:
        return NIK_STATUSES[self.nik_status] if self.nik_status else None


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
        return [r for r in self.rows if r.action in ("reject", "conflict")]

    @property
    def conflicts(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.conflict is not None]

    @property
    def with_warnings(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.warnings]

    @property
    def accepted(self) -> bool:
        return bool(self.rows) and not self.rejected

    @property
    def partly_accepted(self) -> bool:
        """Some rows could be saved: what a partial import would write."""
        return len(self.rejected) < len(self.rows)

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


def is_notable(row: RowOutcome) -> bool:
    """A row the preview lists apart: something to read or decide about."""
    return bool(row.errors or row.warnings or row.action == "update" or row.conflict
                or row.nik_status)


_DATES = ("measured_on",)
_NESTED_DATES = ("conflict", "file_identity")


def row_to_json(row: RowOutcome) -> dict:
    """A row as JSON values (dates as ISO text), for a preview kept in a job's report."""
    values = asdict(row)
    for name in _DATES:
        if values[name] is not None:
            values[name] = values[name].isoformat()
    for name in _NESTED_DATES:
        if values[name] and isinstance(values[name].get("birth_date"), date):
            values[name] = {**values[name], "birth_date": values[name]["birth_date"].isoformat()}
    return values


def row_from_json(values: dict) -> RowOutcome:
    values = dict(values)
    for name in _DATES:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    for name in _NESTED_DATES:
        if values.get(name) and values[name].get("birth_date"):
            values[name] = {**values[name],
                            "birth_date": date.fromisoformat(values[name]["birth_date"])}
    return RowOutcome(**values)


@dataclass
class ShownPreview:
    """What the preview page shows of a large file, as its preview job kept it: the
    totals and the rows worth reading (up to ``limit`` of them), not every row."""

    filename: str
    row_count: int
    rejected_count: int
    summary_text: str
    accepted: bool
    partly_accepted: bool
    children_created: int
    children_updated: int
    measurements_created: int
    conflicts: list[RowOutcome]
    conflicts_hidden: int
    notable: list[RowOutcome]
    notable_hidden: int
    plain: list[RowOutcome]
    plain_hidden: int

    def summary(self) -> str:
        return self.summary_text

    @classmethod
    def of(cls, preview: ImportPreview, *, limit: int, plain_limit: int) -> "ShownPreview":
        notable = [r for r in preview.rows if is_notable(r)]
        plain = [r for r in preview.rows if not is_notable(r)]
        conflicts = preview.conflicts
        return cls(filename=preview.filename, row_count=len(preview.rows),
                   rejected_count=len(preview.rejected), summary_text=preview.summary(),
                   accepted=preview.accepted, partly_accepted=preview.partly_accepted,
                   children_created=preview.children_created,
                   children_updated=preview.children_updated,
                   measurements_created=preview.measurements_created,
                   conflicts=conflicts[:limit], conflicts_hidden=max(0, len(conflicts) - limit),
                   notable=notable[:limit], notable_hidden=max(0, len(notable) - limit),
                   plain=plain[:plain_limit], plain_hidden=max(0, len(plain) - plain_limit))

    def to_json(self) -> dict:
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for name in ("conflicts", "notable", "plain"):
            values[name] = [row_to_json(r) for r in values[name]]
        return values

    @classmethod
    def from_json(cls, values: dict) -> "ShownPreview":
        values = dict(values)
        for name in ("conflicts", "notable", "plain"):
            values[name] = [row_from_json(r) for r in values[name]]
        return cls(**values)
