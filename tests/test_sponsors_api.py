"""/api/v1/sponsors: the published contract."""

from sqlalchemy import select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.extensions import db
from asuh.identifiers import mask_identifier
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.conftest import PASSWORD

SPONSOR_KEYS = {"id", "kind", "name", "nip", "nik", "is_pppk", "agency", "rank", "phone",
                "email", "address", "kelurahan_code", "kecamatan_code", "capacity",
                "approved", "approved_at", "registered_via", "withdrawn_at"}
NIP = "198503152010011002"


def body(**overrides) -> dict:
    data = {"kind": "asn", "name": "Irfan Kurniawan", "nip": NIP, "agency": "BPKAD",
            "phone": "0813-7100-2233", "email": "irfan@example.id",
            "kelurahan_code": factories.KELURAHAN, "capacity": 2}
    data.update(overrides)
    return data


def test_officer_creates_an_approved_sponsor(app, client, api_token, regions):
    response = client.post("/api/v1/sponsors", json=body(rank="Penata (III/c)"),
                           headers=api_token("officer"))
    assert response.status_code == 201, response.json
    sponsor = response.json
    assert set(sponsor) == SPONSOR_KEYS
    assert sponsor["nip"] == NIP and sponsor["nik"] is None
    assert sponsor["phone"] == "081371002233"
    assert sponsor["kecamatan_code"] == "19.71.01"
    assert sponsor["approved"] is True and sponsor["approved_at"].endswith("Z")
    assert sponsor["registered_via"] == "api"
    assert sponsor["capacity"] == 2 and sponsor["address"] == ""
    assert response.headers["Location"] == f"/api/v1/sponsors/{sponsor['id']}"
    with app.app_context():
        user = db.session.get(User, db.session.get(Sponsor, sponsor["id"]).user_id)
        assert user.role == "sponsor" and user.email == "irfan@example.id"
        actions = set(db.session.scalars(select(AuditRecord.action)))
        assert {"create"} <= actions


def test_citizen_by_api(client, api_token, regions):
    nik = factories.valid_nik(42)
    response = client.post("/api/v1/sponsors", headers=api_token("admin"),
                           json=body(kind="citizen", nik=nik, nip=None, agency=None))
    assert response.status_code == 201
    assert (response.json["nik"], response.json["nip"]) == (nik, None)


def test_validation_errors_name_the_field(client, api_token, regions):
    headers = api_token("officer")
    missing = client.post("/api/v1/sponsors", json={"kind": "asn"}, headers=headers)
    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"name", "phone", "email", "kelurahan_code"}

    bad = client.post("/api/v1/sponsors", headers=headers,
                      json=body(nip="198502302010011002", phone="abc",
                                kelurahan_code="19.71.01", capacity=0))
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert errors["nip"] == ["Tanggal lahir pada NIP (19850230) tidak ada."]
    assert "phone" in errors and "capacity" in errors
    assert errors["kelurahan_code"] == ["Kelurahan/desa tidak dikenal."]

    wrong_types = client.post("/api/v1/sponsors", headers=headers,
                              json=body(is_pppk="yes", capacity=[1], name={"a": 1}))
    assert wrong_types.status_code == 422
    assert set(wrong_types.json["errors"]) == {"is_pppk", "capacity", "name"}


def test_pppk_numbers_check_only_the_birth_date(client, api_token, regions):
    pppk = "198503152022031005"
    headers = api_token("officer")
    as_pns = client.post("/api/v1/sponsors", headers=headers,
                         json=body(nip="198503152022131005"))
    assert as_pns.status_code == 422
    as_pppk = client.post("/api/v1/sponsors", headers=headers,
                          json=body(nip=pppk.replace("0310", "1310"), is_pppk=True))
    assert as_pppk.status_code == 201
    assert as_pppk.json["is_pppk"] is True


def test_duplicates_are_409(client, api_token, regions):
    headers = api_token("officer")
    assert client.post("/api/v1/sponsors", json=body(), headers=headers).status_code == 201
    same_nip = client.post("/api/v1/sponsors", json=body(email="lain@example.id"),
                           headers=headers)
    assert same_nip.status_code == 409
    assert set(same_nip.json["errors"]) == {"nip"}
    same_email = client.post("/api/v1/sponsors", json=body(nip="198503152010011003"),
                             headers=headers)
    assert same_email.status_code == 409
    assert set(same_email.json["errors"]) == {"email"}


def test_list_filters_and_pagination(app, client, api_token, regions):
    with app.app_context():
        for n in range(5):
            factories.sponsor("citizen", name=f"Warga {n}")
        factories.sponsor("asn", name="Pegawai", agency="Sekretariat Daerah", approved=False)
        factories.sponsor("citizen", name="Warga Gabek", kelurahan_code="19.71.02.1001")
        db.session.commit()
    headers = api_token("auditor")

    def get(**params):
        response = client.get("/api/v1/sponsors", query_string=params, headers=headers)
        assert response.status_code == 200, response.json
        return response.json

    everything = get()
    assert everything["total"] == 7 and everything["page"] == 1
    assert everything["per_page"] == 25
    assert set(everything["items"][0]) == SPONSOR_KEYS
    assert [s["name"] for s in get(kind="asn")["items"]] == ["Pegawai"]
    assert [s["name"] for s in get(q="sekretariat")["items"]] == ["Pegawai"]
    assert [s["name"] for s in get(approved="false")["items"]] == ["Pegawai"]
    assert get(approved="true")["total"] == 6
    assert [s["name"] for s in get(kecamatan_code="19.71.02")["items"]] == ["Warga Gabek"]
    page = get(kind="citizen", per_page=2, page=3)
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (6, 3, 2, 2)
    # Issue 10: a too large page is refused naming the field, as on every other list
    # (it was silently cut to 100 here only).
    for params in ({"approved": "maybe"}, {"kind": "company"}, {"page": "x"},
                   {"per_page": "0"}, {"per_page": "500"}):
        response = client.get("/api/v1/sponsors", query_string=params, headers=headers)
        assert response.status_code == 422, params
        assert set(response.json["errors"]) == set(params)


def test_identifiers_masked_for_auditor(app, client, api_token, regions):
    with app.app_context():
        sponsor = factories.sponsor(nip=NIP)
        db.session.commit()
        sponsor_id = sponsor.id
    auditor = client.get(f"/api/v1/sponsors/{sponsor_id}", headers=api_token("auditor"))
    assert auditor.json["nip"] == mask_identifier(NIP)
    listed = client.get("/api/v1/sponsors", headers=api_token("auditor")).json["items"][0]
    assert listed["nip"] == mask_identifier(NIP)
    officer = client.get(f"/api/v1/sponsors/{sponsor_id}", headers=api_token("officer"))
    assert officer.json["nip"] == NIP


def test_sponsor_reads_only_their_own_record(app, client, regions):
    with app.app_context():
        own = factories.sponsor(approved=False, email="saya@example.id")
        other = factories.sponsor()
        db.session.commit()
        own_id, other_id = own.id, other.id
    token = client.post("/api/v1/tokens",
                        json={"email": "saya@example.id", "password": PASSWORD}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.get(f"/api/v1/sponsors/{own_id}", headers=headers)
    assert mine.status_code == 200 and mine.json["approved"] is False
    assert mine.json["nip"] == mask_identifier(mine.json["nip"])
    theirs = client.get(f"/api/v1/sponsors/{other_id}", headers=headers)
    assert theirs.status_code == 403 and theirs.json["error"] == "forbidden"
    assert client.get("/api/v1/sponsors", headers=headers).status_code == 403
    assert client.get("/api/v1/sponsors/999999", headers=headers).status_code == 404


def test_field_user_cannot_read_sponsors(app, client, api_token, regions):
    with app.app_context():
        sponsor_id = factories.sponsor().id
        db.session.commit()
    headers = api_token("field")
    assert client.get(f"/api/v1/sponsors/{sponsor_id}", headers=headers).status_code == 403
    assert client.get("/api/v1/sponsors", headers=headers).status_code == 403


def test_approval_is_idempotent_and_audited_once(app, client, api_token, users, regions):
    with app.app_context():
        sponsor_id = factories.sponsor(approved=False).id
        db.session.commit()
    headers = api_token("officer")
    first = client.post(f"/api/v1/sponsors/{sponsor_id}/approval", headers=headers)
    assert first.status_code == 200 and first.json["approved"] is True
    second = client.post(f"/api/v1/sponsors/{sponsor_id}/approval", headers=headers)
    assert second.status_code == 200 and second.json["approved_at"] == first.json["approved_at"]
    with app.app_context():
        approvals = db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "approve")).all()
        assert len(approvals) == 1 and approvals[0].user_id == users["officer"][0]
    assert client.post("/api/v1/sponsors/999999/approval", headers=headers).status_code == 404


def test_auditor_and_sponsor_cannot_write(app, client, api_token, regions):
    with app.app_context():
        sponsor_id = factories.sponsor(approved=False).id
        db.session.commit()
    for role in ("auditor", "sponsor", "field"):
        headers = api_token(role)
        assert client.post("/api/v1/sponsors", json=body(),
                           headers=headers).status_code == 403
        assert client.post(f"/api/v1/sponsors/{sponsor_id}/approval",
                           headers=headers).status_code == 403
    with app.app_context():
        assert db.session.get(Sponsor, sponsor_id).approved_at is None


def test_withdrawn_sponsor_cannot_be_approved(app, client, api_token, regions):
    from asuh.sponsors import services

    with app.app_context():
        sponsor = factories.sponsor(approved=False)
        services.withdraw_sponsor(sponsor, "Pindah", actor=None)
        db.session.commit()
        sponsor_id = sponsor.id
    response = client.post(f"/api/v1/sponsors/{sponsor_id}/approval",
                           headers=api_token("officer"))
    assert response.status_code == 409
    assert "approval" in response.json["errors"]
