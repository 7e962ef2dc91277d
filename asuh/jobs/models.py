"""Background jobs: one row per piece of long work an officer (or the system) asked for.

The row is the truth about a job whatever runs it (an RQ worker or the embedded one):
its kind and parameters, who asked, where it stands, how far it got, and what came of it.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column

from asuh.checks import not_negative, one_of
from asuh.extensions import db
from asuh.timeutil import utcnow

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATUS_LABELS = {
    QUEUED: "Menunggu giliran",
    RUNNING: "Sedang berjalan",
    DONE: "Selesai",
    FAILED: "Gagal",
    CANCELLED: "Dibatalkan",
}
FINISHED = (DONE, FAILED, CANCELLED)


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (
        one_of("status", STATUS_LABELS),
        not_negative("progress_done"),
        not_negative("attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED, index=True)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    # What came of it: a report (counts, numbers, rejected rows) and/or a stored file.
    # The file lives in the database, as issued letters do, so every app server can hand
    # it out without a shared disk.
    result_report: Mapped[dict | None] = mapped_column(JSON)
    result_name: Mapped[str | None] = mapped_column(String(200))
    result_mimetype: Mapped[str | None] = mapped_column(String(100))
    result_file: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    error: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    # Written by the running worker after each unit of work: a running job whose
    # heartbeat is old belongs to a worker that died, and is taken up again.
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cancel_requested_at: Mapped[datetime | None]

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)
