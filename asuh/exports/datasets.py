"""What each export contains: a header and the rows of the list's own query.

Each dataset reads the filters with the SAME function its list page uses and selects with
the SAME query function, so an export holds exactly what the list shows (all pages of
it), scoped to the same user. Identifiers are masked exactly as on screen. Rows are read
in batches of 1,000 (``yield_per``), so memory stays flat however many there are.
"""

import json
from dataclasses import dataclass

from sqlalchemy import func, select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit import queries as audit_queries
from asuh.audit.models import AuditRecord
from asuh.children import services as children
from asuh.children.growth import age_label
from asuh.children.models import CHILD_STATUSES, HEIGHT_CATEGORIES
from asuh.contributions import access as contributions
from asuh.contributions.models import CONTRIBUTION_STATUSES
from asuh.extensions import db
from asuh.formatting import format_quantity
from asuh.identifiers import mask_identifier
from asuh.matching import queries as matching
from asuh.matching.models import END_REASONS
from asuh.sponsors import services as sponsors
from asuh.sponsors.models import SPONSOR_KINDS

BATCH = 1000


@dataclass
class Dataset:
    filename: str  # without the extension
    sheet: str
    header: list[str]
    rows: object  # an iterator of row lists, read lazily while the response is written
    filters: dict
    query: object = None  # the rows' SELECT, to count them before choosing how to export


def count_rows(dataset: Dataset) -> int:
    """How many rows the export holds (one COUNT over the list's own query)."""
    return db.session.scalar(select(func.count()).select_from(
        dataset.query.order_by(None).subquery()))


def _stream(stmt):
    return db.session.scalars(stmt.execution_options(yield_per=BATCH))


def _region(region) -> tuple[str, str]:
    if region is None:
        return "", ""
    return region.name, region.parent.name if region.parent else ""


def children_dataset(user, args) -> Dataset:
    filters = children.parse_filters(args, strict=False)
    full_nik = children.sees_full_nik(user)
    today = timeutil.today()

    stmt = children.children_query(user, filters, today)

    def rows():
        for child in _stream(stmt):
            kelurahan, kecamatan = _region(child.kelurahan)
            yield [child.id, child.nik if full_nik else mask_identifier(child.nik),
                   child.name, child.sex, child.birth_date,
                   age_label(child.birth_date, today) if child.birth_date <= today else "",
                   child.guardian_name, child.address, kelurahan, kecamatan, child.posyandu,
                   CHILD_STATUSES.get(child.status, child.status),
                   HEIGHT_CATEGORIES.get(child.latest_category or "", ""),
                   child.latest_haz, child.latest_measured_on, child.is_matched]

    return Dataset(
        "anak", "Anak",
        ["ID", "NIK", "Nama", "JK", "Tanggal lahir", "Umur", "Nama ibu/wali", "Alamat",
         "Kelurahan", "Kecamatan", "Posyandu", "Status", "TB/U terakhir", "Z-score TB/U",
         "Tanggal ukur terakhir", "Punya Bapak/Bunda Asuh"],
        rows(), {k: v for k, v in filters.__dict__.items() if v}, stmt)


def sponsors_dataset(user, args) -> Dataset:
    filters = sponsors.parse_list_filters(args)
    full_ids = sponsors.sees_identifiers(user)
    # Officers and admins coordinate with sponsors and get their contacts; auditors check
    # accountability and need no telephone numbers in a file that leaves the system.
    contacts = full_ids

    stmt = sponsors.search_filtered(filters, user)

    def rows():
        for sponsor in _stream(stmt):
            kelurahan, kecamatan = _region(sponsor.kelurahan)
            identifier = sponsor.identifier
            row = [sponsor.id, sponsor.name, SPONSOR_KINDS.get(sponsor.kind, sponsor.kind),
                   sponsor.is_pppk,
                   identifier if full_ids else mask_identifier(identifier),
                   sponsor.agency, sponsor.rank, kelurahan, kecamatan, sponsor.capacity,
                   sponsor.active_matches, sponsor.approved_at, sponsor.withdrawn_at,
                   sponsor.withdrawal_reason]
            if contacts:
                row += [sponsor.phone, sponsor.email, sponsor.address]
            yield row

    header = ["ID", "Nama", "Jenis", "PPPK", "NIP/NIK", "Instansi", "Pangkat/golongan",
              "Kelurahan", "Kecamatan", "Kapasitas", "Anak asuh aktif", "Disetujui",
              "Mengundurkan diri", "Alasan mundur"]
    if contacts:
        header += ["Telepon", "Email", "Alamat"]
    return Dataset("bapak-bunda-asuh", "Bapak-Bunda Asuh", header, rows(),
                   {k: v for k, v in filters.items() if v}, stmt)


def matches_dataset(user, args) -> Dataset:
    active = matching.parse_active_filter(args)
    full_nik = children.sees_full_nik(user)
    stmt = matching.matches_query(user, active=matching.ACTIVE_FILTERS.get(active))

    def rows():
        for match in _stream(stmt):
            kelurahan, kecamatan = _region(match.child.kelurahan)
            yield [match.id, match.sponsor.name,
                   SPONSOR_KINDS.get(match.sponsor.kind, match.sponsor.kind),
                   match.child.name,
                   match.child.nik if full_nik else mask_identifier(match.child.nik),
                   kelurahan, kecamatan, match.start_on, match.planned_end_on,
                   match.ended_on, END_REASONS.get(match.end_reason or "", ""), match.note]

    return Dataset(
        "pengasuhan", "Pengasuhan",
        ["ID", "Bapak/Bunda Asuh", "Jenis", "Anak", "NIK anak", "Kelurahan", "Kecamatan",
         "Mulai", "Rencana selesai", "Berakhir", "Alasan berakhir", "Catatan"],
        rows(), {"active": active}, stmt)


def _items_text(items) -> str:
    return "; ".join(f"{item.commodity.name} {format_quantity(item.quantity)} {item.unit}"
                     for item in items)


def contributions_dataset(user, args) -> Dataset:
    filters = contributions.parse_filters(args, strict=False)

    stmt = contributions.search(user, filters)

    def rows():
        for c in _stream(stmt):
            kelurahan, kecamatan = _region(c.match.child.kelurahan)
            yield [c.id, c.delivered_on, CONTRIBUTION_STATUSES.get(c.status, c.status),
                   c.match.sponsor.name, SPONSOR_KINDS.get(c.match.sponsor.kind, ""),
                   c.match.child.name, kelurahan, kecamatan, _items_text(c.items),
                   c.total_value_idr, c.verified_at, c.rejection_reason, c.voided_at,
                   c.void_reason, c.note]

    return Dataset(
        "penyaluran", "Penyaluran",
        ["ID", "Tanggal penyaluran", "Status", "Bapak/Bunda Asuh", "Jenis", "Anak",
         "Kelurahan", "Kecamatan", "Barang", "Nilai (Rp)", "Diverifikasi", "Alasan ditolak",
         "Dibatalkan", "Alasan batal", "Catatan"],
        rows(), filters.as_args(), stmt)


def audit_dataset(user, args) -> Dataset:
    filters = audit_queries.parse_filters(args, strict=False)
    stmt = (audit_queries.records_query(filters, user).add_columns(User.name, User.email)
            .outerjoin(User, User.id == AuditRecord.user_id))

    def rows():
        for record, name, email in db.session.execute(
                stmt.execution_options(yield_per=BATCH)):
            yield [record.id, record.at, record.user_id, name, email, record.ip_address,
                   record.action, record.entity_type, record.entity_id, record.summary,
                   json.dumps(record.changes, ensure_ascii=False, sort_keys=True),
                   record.prev_hash, record.hash]

    # The hashes let an auditor re-check the chain on the exported file itself.
    return Dataset(
        "jejak-audit", "Jejak audit",
        ["ID", "Waktu (UTC)", "ID pengguna", "Pengguna", "Email", "Alamat IP", "Tindakan",
         "Jenis data", "ID data", "Ringkasan", "Perubahan (JSON)", "Hash sebelumnya",
         "Hash"],
        rows(), filters.as_args(), stmt)
