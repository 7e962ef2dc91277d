"""What an import would do, as the officer reads it: one outcome per row and the totals."""

from dataclasses import dataclass, field
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
