"""Admin settings: letterhead, signer, commitment, letter number pattern, logo."""

import io

from PIL import Image

from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.settings import services

FORM = {
    "city_name": "Pemerintah Kota Pangkalpinang",
    "city_place": "Pangkalpinang",
    "office_name": "Dinas PPPAKB",
    "office_short_name": "DPPPAKB",
    "office_address": "Jl. Merdeka 1",
    "office_phone": "(0717) 123",
    "office_email": "dinas@example.id",
    "head_title": "Kepala Dinas",
    "head_name": "Dr. Siti Aminah",
    "head_nip": "197103151998032004",
    "commitment_months": "6",
    "letter_number_pattern": "{seq:03d}/BAAS/DPPPAKB/{month_roman}/{year}",
}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "green").save(out, "PNG")
    return out.getvalue()


def test_admin_changes_settings_and_it_is_audited(client, login, app):
    login("admin")
    data = {**FORM, "commitment_months": "3", "logo": (io.BytesIO(_png()), "logo.png")}
    response = client.post("/admin/settings", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert services.get("commitment_months") == 3
        assert services.get("head_name") == "Dr. Siti Aminah"
        assert services.get("logo_data_uri").startswith("data:image/png;base64,")
        record = db.session.scalars(
            db.select(AuditRecord).where(AuditRecord.entity_type == "settings")).one()
        assert record.changes["commitment_months"] == [6, 3]


def test_bad_pattern_is_refused_and_input_kept(client, login, app):
    login("admin")
    response = client.post("/admin/settings", data={**FORM,
                                                    "letter_number_pattern": "BAAS/{tahun}"})
    assert response.status_code == 200
    assert "Pola harus memuat {seq}" in response.text
    assert "Dr. Siti Aminah" in response.text


def test_logo_must_be_a_real_image(client, login, app):
    login("admin")
    data = {**FORM, "logo": (io.BytesIO(b"not an image at all"), "logo.png")}
    response = client.post("/admin/settings", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert "bukan gambar yang valid" in response.text


def test_auditor_reads_settings_but_cannot_change(client, login):
    login("auditor")
    page = client.get("/admin/settings")
    assert page.status_code == 200
    assert "disabled" in page.text
    assert client.post("/admin/settings", data=FORM).status_code == 403
