"""What the audit trail's codes mean, in the words an auditor reads.

Records keep machine names (``height_cm``, ``add_photos``) so they stay comparable across
versions; pages show these labels instead. tests/test_audit_labels.py fails when a model
column, a setting or an audited action has no label here.
"""

import json
import re
from decimal import Decimal

from asuh.formatting import format_quantity

# A number the records keep in machine notation ("85.2", "-2.78"), as JSON has it.
_PLAIN_NUMBER = re.compile(r"^-?\d+\.\d+$")

ACTION_LABELS = {
    "create": "dibuat", "update": "diubah", "update_own": "diubah sendiri",
    "import": "diimpor", "approve": "disetujui", "withdraw": "ditarik",
    "link_account": "akun dihubungkan", "change_status": "status diubah",
    "void": "dibatalkan", "end": "diakhiri", "automatch": "dipasangkan otomatis",
    "confirm": "dikonfirmasi", "reject": "ditolak", "add_photos": "foto ditambahkan",
    "move": "dipindahkan ke kabupaten/kota lain",
    "issue": "diterbitkan", "download": "diunduh", "supersede": "diganti",
    "login": "masuk", "login_failed": "gagal masuk", "logout": "keluar",
    "change_password": "kata sandi diganti", "change_role": "peran diubah",
    "change_scope": "wilayah kerja dipindahkan",
    "activate": "diaktifkan", "deactivate": "dinonaktifkan",
    "assign_kelurahan": "kelurahan ditugaskan", "accept_invitation": "undangan diterima",
    "reissue_invitation": "undangan dikirim ulang", "install": "dipasang",
    "rebuild_totals": "rekap dihitung ulang", "export": "diekspor",
    "rekey": "kunci diganti", "reject_registration": "pendaftaran ditolak",
    "undo_confirm": "konfirmasi diurungkan",
    "issue_password_reset": "tautan atur ulang kata sandi dibuat",
    "reset_password": "kata sandi diatur ulang", "revoke_token": "token dicabut",
    "submit": "diajukan", "cancel": "dibatalkan", "rebuild": "dihitung ulang",
    "request_capacity": "perubahan kesediaan diminta",
    "cancel_capacity": "permintaan kesediaan dibatalkan",
    "approve_capacity": "perubahan kesediaan disetujui",
    "reject_capacity": "perubahan kesediaan ditolak",
}

FIELD_LABELS = {
    # people and accounts
    "name": "Nama", "email": "Email", "role": "Peran", "phone": "Nomor HP",
    "active": "Aktif", "password_hash": "Kata sandi (sidik)",
    "password_changed_at": "Kata sandi diganti pada", "deactivated_at": "Dinonaktifkan pada",
    "deactivation_reason": "Alasan penonaktifan", "user_id": "Pengguna",
    "user_agent": "Peramban", "ip_address": "Alamat IP", "token_hash": "Token (sidik)",
    "expires_at": "Berlaku sampai", "revoked_at": "Dicabut pada", "kelurahan": "Kelurahan",
    # sponsors
    "kind": "Jenis", "sponsor_kind": "Jenis Bapak/Bunda Asuh", "nip": "NIP", "nik": "NIK",
    "is_pppk": "PPPK", "agency": "Instansi/OPD", "rank": "Pangkat/golongan",
    "capacity": "Kapasitas anak", "approved": "Disetujui", "approved_at": "Disetujui pada",
    "approved_by_id": "Disetujui oleh", "registered_via": "Cara mendaftar",
    "withdrawn_at": "Ditarik pada", "withdrawal_reason": "Alasan penarikan",
    "rejected_at": "Ditolak pada", "rejected_by_id": "Ditolak oleh",
    "sponsor_id": "Bapak/Bunda Asuh", "active_matches": "Anak asuh aktif",
    "position": "Jabatan",
    # children and measurements
    "child_id": "Anak", "sex": "Jenis kelamin", "birth_date": "Tanggal lahir",
    "guardian_name": "Nama orang tua/wali", "guardian_phone": "Nomor HP orang tua/wali",
    "address": "Alamat", "posyandu": "Posyandu", "status": "Status",
    "status_reason": "Alasan perubahan status", "status_changed_at": "Status diubah pada",
    "nik_status": "Status NIK", "nik_warnings": "Peringatan NIK", "is_matched": "Sudah diasuh",
    "measured_on": "Tanggal ukur", "measured_by": "Diukur oleh", "height_cm": "Tinggi/panjang (cm)",
    "height": "Tinggi", "height_adjusted_cm": "Tinggi disesuaikan (cm)",
    "weight_kg": "Berat (kg)", "haz": "Z-skor TB/U", "waz": "Z-skor BB/U", "whz": "Z-skor BB/TB",
    "category": "Kategori", "weight_category": "Kategori berat", "wasting_category":
    "Kategori gizi", "age_days": "Umur (hari)", "needs_remeasure": "Perlu diukur ulang",
    "standing_under_9m": "Diukur berdiri (< 9 bulan)", "weight_stalled": "Berat tidak naik",
    "compared_on": "Dibandingkan dengan tanggal", "compared_weight_kg": "Berat pembanding (kg)",
    "latest_category": "Kategori terakhir", "latest_haz": "Z-skor TB/U terakhir",
    "latest_measured_on": "Terakhir diukur", "latest_on": "Terakhir",
    "latest_weight_kg": "Berat terakhir (kg)", "flags": "Tanda", "voided": "Dibatalkan",
    "measurement_id": "Pengukuran",
    # matching
    "match_id": "Pengasuhan", "start_on": "Mulai", "planned_end_on": "Rencana selesai",
    "ended_on": "Selesai", "end_reason": "Alasan selesai", "end_note": "Catatan selesai",
    "ended_by_id": "Diakhiri oleh", "pairs": "Pasangan",
    # contributions and catalogue
    "contribution_id": "Penyaluran", "delivered_on": "Tanggal penyaluran", "note": "Catatan",
    "items": "Barang", "item_count": "Jumlah barang", "photos": "Foto",
    "total_value_idr": "Nilai total (Rp)", "value_idr": "Nilai (Rp)", "quantity": "Jumlah",
    "canonical_quantity": "Jumlah (satuan dasar)", "canonical_unit": "Satuan dasar",
    "unit": "Satuan", "factor": "Isi per satuan", "commodity": "Komoditas",
    "commodity_id": "Komoditas", "code": "Kode", "is_cash": "Uang tunai",
    "sort_order": "Urutan", "rejection_reason": "Alasan penolakan", "void_reason":
    "Alasan pembatalan", "voided_at": "Dibatalkan pada", "voided_by_id": "Dibatalkan oleh",
    "verified_at": "Diverifikasi pada", "verified_by_id": "Diverifikasi oleh",
    "submitted_by_id": "Dicatat oleh", "submission_key": "Kunci kiriman",
    "confirmation_key": "Kunci konfirmasi",
    "recorded_by_id": "Dicatat oleh", "contributions": "Penyaluran",
    # letters, files, exports
    "number": "Nomor surat", "sha256": "Sidik berkas (SHA-256)", "pdf": "Berkas PDF",
    "period_start": "Awal periode", "period_end": "Akhir periode", "issued_at": "Diterbitkan pada",
    "issued_by_id": "Diterbitkan oleh", "superseded_at": "Diganti pada",
    "superseded_by_id": "Diganti dengan", "verify_token": "Token verifikasi",
    "public_summary": "Ringkasan publik", "content_type": "Jenis berkas",
    "size_bytes": "Ukuran (bita)", "stored_name": "Nama berkas tersimpan",
    "data": "Isi berkas",
    "uploaded_by_id": "Diunggah oleh", "width": "Lebar", "file": "Berkas", "rows": "Baris",
    "created": "Dibuat", "format": "Format", "filters": "Saringan", "skipped": "Dilewati",
    "left_out": "Tidak dicentang",
    "audit_seq": "Urutan jejak audit saat terbit", "audit_hash": "Sidik jejak audit saat terbit",
    "previous": "Sebelumnya", "requested": "Diminta", "requested_at": "Diminta pada",
    "decided_at": "Diputuskan pada", "decided_by_id": "Diputuskan oleh", "reason": "Alasan",
    # sign-in, tokens, jobs, mail, notifications, public figures
    "account_key": "Akun (sidik)", "client_key": "Klien (sidik)", "failed_at": "Gagal pada",
    "label": "Label", "last_used_at": "Terakhir dipakai",
    "params": "Parameter", "requested_by_id": "Diminta oleh", "progress_done": "Selesai",
    "progress_total": "Seluruhnya", "result_report": "Laporan hasil",
    "result_name": "Nama berkas hasil", "result_mimetype": "Jenis berkas hasil",
    "result_file": "Berkas hasil", "error": "Galat", "attempts": "Percobaan",
    "started_at": "Mulai pada", "heartbeat_at": "Tanda hidup terakhir",
    "finished_at": "Selesai pada", "cancel_requested_at": "Pembatalan diminta pada",
    "enabled": "Aktif", "changed_at": "Diubah pada", "to_address": "Alamat tujuan",
    "subject": "Perihal", "body": "Isi", "dedupe_key": "Kunci tunggal",
    "next_attempt_at": "Percobaan berikutnya", "claimed_until": "Dipegang pengirim sampai",
    "sent_at": "Terkirim pada", "last_error": "Galat terakhir",
    "public_min_group_size": "Ukuran kelompok terkecil yang ditampilkan publik",
    # regions
    "kecamatan_code": "Kode kecamatan", "kelurahan_code": "Kelurahan", "parent_code":
    "Kode induk", "level": "Tingkat", "village_type": "Jenis desa/kelurahan",
    "short_code": "Kode singkat", "city_code": "Kode kabupaten/kota",
    "province_code": "Kode provinsi", "scope_code": "Wilayah kerja",
    "legacy_scope": "Wilayah catatan lama", "scoped_from": "Catatan berwilayah mulai nomor",
    # records and totals
    "id": "Nomor data", "created_at": "Dibuat pada", "created_by_id": "Dibuat oleh",
    "updated_at": "Diubah pada", "updated_by_id": "Diubah oleh", "at": "Waktu",
    "action": "Tindakan", "entity_type": "Jenis data", "entity_id": "Nomor data",
    "summary": "Ringkasan", "changes": "Perubahan", "hash": "Sidik", "prev_hash":
    "Sidik sebelumnya", "seq": "Nomor urut", "last_hash": "Sidik terakhir",
    "last_seq": "Nomor urut terakhir", "key": "Kunci", "value": "Nilai", "month": "Bulan",
    "year": "Tahun", "first_month": "Bulan pertama", "grid": "Kisi",
    # settings
    "city_name": "Nama pemerintah daerah", "city_place": "Tempat penandatanganan surat",
    "office_name": "Nama dinas", "office_short_name": "Singkatan dinas",
    "office_address": "Alamat dinas", "office_phone": "Telepon dinas",
    "office_email": "Email dinas", "head_name": "Nama kepala dinas",
    "head_nip": "NIP kepala dinas", "head_title": "Jabatan penanda tangan",
    "commitment_months": "Masa komitmen (bulan)", "monthly_package": "Paket bulanan",
    "province_package": "Paket provinsi", "office_code": "Dinas penerbit",
    "region_code": "Wilayah", "region": "Wilayah",
    "letter_number_pattern": "Pola nomor surat", "sponsor_extra_categories":
    "Kategori tambahan yang diasuh", "logo_data_uri": "Logo",
    "letter_full_asn_nip": "NIP ASN ditulis lengkap di surat",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, (action or "").replace("_", " "))


def field_label(name: str) -> str:
    # An unlabelled name is shown with spaces, never as a raw code.
    return FIELD_LABELS.get(name, str(name).replace("_", " "))


def shown_value(value) -> str:
    """A before/after value as an auditor reads it; nested names labelled too."""
    if value is None or value == "":
        return "–"
    if value is True:
        return "ya"
    if value is False:
        return "tidak"
    if isinstance(value, int | float) or (isinstance(value, str)
                                            and _PLAIN_NUMBER.match(value)):
        # One number format on every page: 85,2 and −2,78 as id-ID writes them.
        return format_quantity(Decimal(str(value)))
    if isinstance(value, dict):
        return "; ".join(f"{field_label(k)}: {shown_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(v, dict) for v in value):
            return " | ".join(shown_value(v) for v in value)
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)
