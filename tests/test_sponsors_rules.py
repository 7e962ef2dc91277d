"""Sponsor rules below the pages: phone numbers, capacity, the audit trail, demo data."""

import json
import random

import pytest
from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.audit.services import verify_chain
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.identifiers import validate_nik, validate_nip
from asuh.sponsors import demo, invitations, services
from asuh.sponsors.models import ASN, CITIZEN, Sponsor
from asuh.sponsors.validation import FieldProblem, clean_capacity, normalize_phone
from tests import factories


@pytest.mark.parametrize("raw", ["081234567890", "0812-3456-7890", "+62 812 3456 7890",
                                 "62812 3456 7890", "(0812) 3456.7890", "812-3456-7890"])
def test_phone_numbers_take_the_national_form(raw):
    assert normalize_phone(raw) == "081234567890"


@pytest.mark.parametrize("raw, message", [
    ("", "wajib diisi"),
    ("0812-34x6-7890", "hanya boleh berisi angka"),
    ("+1 202 555 0100", "nomor Indonesia"),
    ("021-5551234", "nomor seluler"),
    ("0812345", "10–13 digit jika ditulis 08… (tertulis 7 digit)"),
    ("08123456789012", "(tertulis 14 digit)"),
])
def test_bad_phone_numbers_say_what_is_wrong(raw, message):
    with pytest.raises(FieldProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        normalize_phone(raw)


def test_capacity_defaults_to_one_and_has_a_ceiling():
    assert clean_capacity("") == 1 and clean_capacity(None) == 1 and clean_capacity("3") == 3
    for bad in ("0", "21", "dua", True, "1.5"):
        with pytest.raises(FieldProblem):
            clean_capacity(bad)


def _records(entity_type=None):
    stmt = select(AuditRecord).order_by(AuditRecord.id)
    if entity_type:
        stmt = stmt.where(AuditRecord.entity_type == entity_type)
    return list(db.session.scalars(stmt))


def test_every_write_leaves_an_audit_record(app_ctx, regions):
    officer = factories.user("officer")
    sponsor = factories.sponsor(actor=officer)
    created = _records("sponsor")[-1]
    assert (created.action, created.user_id) == ("create", officer.id)

    services.update_sponsor(sponsor, actor=officer, **{
        **factories.sponsor_fields(), "name": "Nama Baru", "nip": sponsor.nip})
    services.update_own_profile(sponsor, phone="081311112222", address="Jl. Koba",
                                capacity=2, actor=None)
    user = db.session.get(User, sponsor.user_id)
    token = services.reissue_invitation(sponsor, actor=officer)
    invitations.accept(token, "kata-sandi-baru")
    services.withdraw_sponsor(sponsor, "Pindah tugas", actor=officer)
    pending = factories.sponsor(approved=False)
    services.approve_sponsor(pending, actor=officer)

    sponsor_actions = [(r.action, r.entity_id) for r in _records("sponsor")]
    assert sponsor_actions == [
        ("create", str(sponsor.id)), ("update", str(sponsor.id)),
        ("update_own", str(sponsor.id)), ("request_capacity", str(sponsor.id)),
        ("withdraw", str(sponsor.id)),
        ("create", str(pending.id)), ("approve", str(pending.id)),
    ]
    user_actions = {r.action for r in _records("user") if r.entity_id == str(user.id)}
    assert {"create", "reissue_invitation", "accept_invitation"} <= user_actions
    assert verify_chain() == []


def test_unchanged_edit_writes_nothing(app_ctx, regions):
    sponsor = factories.sponsor()
    before = len(_records())
    services.update_own_profile(sponsor, phone=sponsor.phone, address=sponsor.address,
                                capacity=sponsor.capacity, actor=None)
    assert len(_records()) == before


def test_audit_trail_holds_identifiers_masked(app_ctx, regions):
    asn = factories.sponsor()
    citizen = factories.sponsor("citizen")
    text = json.dumps([r.changes for r in _records()]) + " ".join(r.summary for r in _records())
    assert asn.nip not in text and citizen.nik not in text
    assert asn.nip[:4] in text  # masked form, first and last four kept


def test_failed_registration_leaves_nothing(app_ctx, regions):
    before = (db.session.scalar(select(func.count(User.id))),
              db.session.scalar(select(func.count(Sponsor.id))))
    with pytest.raises(ValidationFailed) as failure:
        services.register_self("pendek", **factories.sponsor_fields(nip="123"))
    assert set(failure.value.errors) == {"nip", "password"}
    db.session.rollback()
    after = (db.session.scalar(select(func.count(User.id))),
             db.session.scalar(select(func.count(Sponsor.id))))
    assert before == after


def test_can_view_sponsor(app_ctx, regions):
    own = factories.sponsor()
    other = factories.sponsor()
    sponsor_user = db.session.get(User, own.user_id)
    assert services.can_view_sponsor(sponsor_user, own)
    assert not services.can_view_sponsor(sponsor_user, other)
    for role, expected in (("officer", True), ("auditor", True), ("admin", True),
                           ("field", False)):
        assert services.can_view_sponsor(factories.user(role), other) is expected


def test_demo_seed_makes_valid_realistic_sponsors(app_ctx, regions):
    codes = ["19.71.01.1004", "19.71.02.1001"]
    sponsors = demo.seed(random.Random(7), codes, count=20)
    db.session.flush()
    assert len(sponsors) == 20
    kinds = [s.kind for s in sponsors]
    assert kinds.count(ASN) >= 6 and kinds.count(CITIZEN) >= 3
    for sponsor in sponsors:
        if sponsor.kind == ASN:
            validate_nip(sponsor.nip)
            assert sponsor.agency
        else:
            info = validate_nik(sponsor.nik)
            assert info.regency_code == "19.71"
        assert sponsor.kelurahan_code in codes
        assert sponsor.user_id is not None
    approved = [s for s in sponsors if s.approved_at]
    assert 0 < len(sponsors) - len(approved) < len(sponsors) // 2
    assert sum(1 for s in sponsors if s.withdrawn_at) == 1


def test_demo_sponsor_login_gets_its_record(app_ctx, regions):
    user = factories.user("sponsor", email="sponsor@demo.asuh.id", name="Budi Santoso")
    sponsor = demo.seed_demo_sponsor_for(user)
    assert sponsor.user_id == user.id and sponsor.is_approved
    assert sponsor.name == "Budi Santoso"
    validate_nip(sponsor.nip)
    assert not invitations.is_pending(user)  # the demo password keeps working
