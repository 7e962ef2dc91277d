"""The officer's to-do counts on the home page: what waits for a Dinas officer today.

Each count is read with the rule its own area exports (a waiting registration, a pending
delivery, a child to re-measure, a match behind its monthly package), so the home page
and the list it links to always agree.
"""

from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from asuh import timeutil
from asuh.children.models import Child
from asuh.children.services import REMEASURE
from asuh.children.visibility import visible_kelurahan
from asuh.contributions import access
from asuh.contributions.models import PENDING, Contribution
from asuh.contributions.progress import behind_matches_query
from asuh.contributions.totals import month_of
from asuh.extensions import db
from asuh.permissions import Permission, has_permission
from asuh.sponsors.models import Sponsor
from asuh.sponsors.registrations import awaiting_decision


@dataclass(frozen=True)
class Todo:
    label: str
    count: int
    endpoint: str
    args: dict
    hint: str


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def officer_todos(user) -> list[Todo]:
    """The counts ``user`` may act on, each with the filtered list it links to. Only for
    the Dinas (officers and admins): field staff get their own partial on the home."""
    if not has_permission(user, Permission.MANAGE_MATCHES):
        return []
    todos = []
    if has_permission(user, Permission.APPROVE_SPONSORS):
        todos.append(Todo(
            "Pendaftaran menunggu persetujuan",
            _count(select(Sponsor.id).where(awaiting_decision())),
            "sponsors.index", {"approved": "no"}, "Setujui atau tolak dengan alasan."))
    if has_permission(user, Permission.VERIFY_CONTRIBUTIONS):
        waiting = access.scoped(select(Contribution.id), user).where(
            Contribution.status == PENDING)
        todos.append(Todo("Penyaluran menunggu konfirmasi", _count(waiting),
                          "contributions.index", {"status": PENDING},
                          "Dikonfirmasi kader setelah barang diterima keluarga."))
    if has_permission(user, Permission.EDIT_CHILDREN):
        flagged = select(Child.id).where(Child.needs_remeasure.is_(True),
                                         Child.status == "active")
        if (codes := visible_kelurahan(user)) is not None:
            flagged = flagged.where(Child.kelurahan_code.in_(codes))
        todos.append(Todo("Pengukuran perlu diperiksa", _count(flagged),
                          "children.index", {"category": REMEASURE},
                          "Hasil ukur di luar batas wajar WHO: perlu diukur ulang."))
    if has_permission(user, Permission.MANAGE_MATCHES):
        month = month_of(timeutil.today())
        behind = behind_matches_query(month).subquery()
        sponsors = db.session.scalar(select(func.count(distinct(behind.c.sponsor_id)))) or 0
        todos.append(Todo("Bapak/Bunda Asuh tertinggal bulan ini", sponsors,
                          "contributions.behind", {},
                          "Paket bulan ini belum terpenuhi."))
    return todos
