"""Issuing letters: what each PDF says (read back with pypdf, checked against the
database), gapless numbers, immutability, superseding, and who may issue what."""

import hashlib
import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.audit.models import AuditRecord
from asuh.children.growth import age_label
from asuh.children.models import HEIGHT_CATEGORIES, Child, Measurement
from asuh.contributions.models import CONFIRMED, Contribution, ContributionItem
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db
from asuh.formatting import format_date_id, format_quantity, format_rupiah
from asuh.letters import pdf, services
from asuh.letters.content import mask_last4
from asuh.letters.models import CURRENT, SUPERSEDED, Letter, LetterSequence
from asuh.letters.numbering import ROMAN_MONTHS
from asuh.letters.periods import Period
from asuh.letters.words import date_in_words
from asuh.matching.models import Match
from asuh.settings import services as settings
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.clock import SUITE_DAY


def pdf_text(body: bytes) -> str:
    """All pages' text with whitespace collapsed, so wrapped cells read as one line."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(body)).pages)
    return " ".join(text.split())


def statement(scene, **kwargs) -> Letter:
    return services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                 period=scene["period"], **kwargs)


def expected_number(seq: int, on: date | None = None) -> str:
    on = on or timeutil.today()
    return f"{seq:03d}/BAAS/DPPPAKB/{ROMAN_MONTHS[on.month - 1]}/{on.year}"


def test_statement_states_the_sponsor_children_every_delivery_and_totals(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    letter = statement(scene)
    db.session.commit()
    text = pdf_text(letter.pdf)
    period: Period = scene["period"]
    sponsor = db.session.get(Sponsor, scene["sponsor"])
    child = db.session.get(Child, scene["child"])

    assert letter.number == expected_number(1)
    assert f"Nomor: {letter.number}" in text
    assert sponsor.name in text
    # Issue 11: masked where the letter describes them, in full under their own signature
    # (an ASN signs in their office; the letter_full_asn_nip setting, on by default).
    assert mask_last4(sponsor.nip) in text
    assert f"NIP {sponsor.nip}" in text and text.count(sponsor.nip) == 1
    assert f"{period.label} ({period.dates_label})" in text
    # The child: first name only, age, kelurahan, and the category at both ends.
    measured = list(db.session.scalars(select(Measurement).where(
        Measurement.child_id == child.id).order_by(Measurement.measured_on)))
    first, last = HEIGHT_CATEGORIES[measured[0].category], HEIGHT_CATEGORIES[measured[-1].category]
    assert first != last
    age = age_label(child.birth_date, min(period.end, timeutil.today()))
    assert (f"1 {child.first_name} {age} {child.kelurahan.name} {first} diukur "
            f"{format_date_id(measured[0].measured_on)} {last} diukur "
            f"{format_date_id(measured[-1].measured_on)}") in text
    assert child.name not in text and child.nik not in text
    assert child.guardian_name not in text
    # Every confirmed item is a row; pending and voided deliveries are not.
    rows = db.session.execute(
        select(Contribution, ContributionItem)
        .join(ContributionItem, ContributionItem.contribution_id == Contribution.id)
        .where(Contribution.sponsor_id == sponsor.id)
        .order_by(Contribution.delivered_on, Contribution.id, ContributionItem.id)).all()
    confirmed = [(c, i) for c, i in rows if c.status == CONFIRMED]
    assert len(confirmed) == 4 and len(rows) > len(confirmed)
    for number, (c, item) in enumerate(confirmed, start=1):
        assert (f"{number} {format_date_id(c.delivered_on)} {child.first_name} "
                f"{item.commodity.name} {format_quantity(item.quantity)} {item.unit} "
                f"{format_rupiah(item.value_idr)}") in text
    assert f"{len(confirmed) + 1} " + format_date_id(
        db.session.get(Contribution, scene["pending"]).delivered_on) not in text
    # Totals per commodity in canonical units, cash apart from goods.
    goods, cash = defaultdict(lambda: [Decimal(0), 0]), 0
    for _, item in confirmed:
        if item.commodity.is_cash:
            cash += item.value_idr
        else:
            goods[item.commodity][0] += item.canonical_quantity
            goods[item.commodity][1] += item.value_idr
    for commodity, (quantity, value) in goods.items():
        assert (f"{commodity.name} {format_quantity(quantity)} {commodity.canonical_unit} "
                f"{format_rupiah(value)}") in text
    goods_value = sum(v for _, v in goods.values())
    assert f"Jumlah nilai barang {format_rupiah(goods_value)}" in text
    assert f"Uang senilai barang (dilaporkan terpisah) {format_rupiah(cash)}" in text
    assert f"Jumlah seluruhnya {format_rupiah(goods_value + cash)}" in text
    assert "Beras 10 kg Rp 150.000" in text and "Telur 60 butir Rp 120.000" in text
    # Signature blocks, QR target and verification code.
    assert "Mengetahui, Kepala DPPPAKB" in text
    assert letter.short_code in text
    assert len(PdfReader(BytesIO(letter.pdf)).pages) == 1


def test_letterhead_head_of_office_and_number_pattern_come_from_the_settings(app_ctx,
                                                                             regions):
    scene = factories.letter_scene()
    settings.update({"office_name": "Dinas Pengendalian Penduduk dan KB",
                     "office_address": "Jl. Merdeka No. 9, Pangkalpinang",
                     "head_name": "Drs. Budi Hartono", "head_nip": "196805121994031005",
                     "head_title": "Kepala DPPKB",
                     "letter_number_pattern": "400.{seq:04d}/DPPKB/{month_roman}/{year}"},
                    actor=None)
    db.session.commit()
    text = pdf_text(statement(scene).pdf)
    today = timeutil.today()
    assert f"400.0001/DPPKB/{ROMAN_MONTHS[today.month - 1]}/{today.year}" in text
    assert "DINAS PENGENDALIAN PENDUDUK DAN KB" in text
    assert "Jl. Merdeka No. 9, Pangkalpinang" in text
    assert "Kepala DPPKB Drs. Budi Hartono NIP 196805121994031005" in text.replace(
        "Bapak/Bunda Asuh ", "")


def test_the_stored_pdf_is_hashed_and_never_rendered_again(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    letter = statement(scene)
    db.session.commit()
    letter_id, body = letter.id, letter.pdf
    db.session.expire_all()
    stored = db.session.get(Letter, letter_id)
    assert stored.pdf == body
    assert stored.sha256 == hashlib.sha256(body).hexdigest()
    assert len(stored.verify_token) >= 32 and re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}",
                                                           stored.short_code)
    # Data changing later does not touch the issued letter.
    factories.contribution(db.session.get(Match, scene["match"]),
                           delivered_on=scene["period"].start + timedelta(days=9),
                           status="confirmed")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Letter, letter_id).pdf == body


def test_numbers_are_consecutive_per_year_across_kinds(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    first = statement(scene)
    second = services.issue_letter("handover_receipt", contribution_id=scene["confirmed"][0])
    third = services.issue_letter("recap", period=scene["period"])
    db.session.commit()
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert [first.number, second.number, third.number] == [expected_number(n)
                                                           for n in (1, 2, 3)]
    assert db.session.get(LetterSequence, ("19.71", timeutil.today().year)).last_seq == 3
    next_year = services.issue_letter("recap", period=scene["period"],
                                      today=date(timeutil.today().year + 1, 1, 2))
    assert (next_year.seq, next_year.year) == (1, timeutil.today().year + 1)


def test_a_failed_render_burns_no_number(app_ctx, regions, monkeypatch):
    scene = factories.letter_scene()
    db.session.commit()

    def broken(html):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(pdf, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        statement(scene)
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.scalar(select(Letter.id)) is None
    assert statement(scene).seq == 1


def test_issuing_again_supersedes_the_current_letter_for_the_same_subject(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    old = statement(scene)
    db.session.commit()
    other_period = services.issue_letter(
        "sponsor_statement", sponsor_id=scene["sponsor"],
        period=Period(scene["period"].start, scene["period"].end - timedelta(days=1)))
    new = statement(scene)
    db.session.commit()
    assert (old.status, old.superseded_by_id) == (SUPERSEDED, new.id)
    assert old.superseded_at is not None
    assert new.status == CURRENT and other_period.status == CURRENT
    actions = [(r.action, r.entity_id) for r in db.session.scalars(
        select(AuditRecord).where(AuditRecord.entity_type == "letter").order_by(
            AuditRecord.id))]
    assert actions == [("issue", str(old.id)), ("issue", str(other_period.id)),
                       ("issue", str(new.id)), ("supersede", str(old.id))]
    # The old letter's bytes stay as issued.
    assert old.sha256 == hashlib.sha256(old.pdf).hexdigest()


def test_handover_receipt_records_one_confirmed_delivery(app_ctx, regions):
    verifier = factories.user("field", name="Sari Kader Posyandu")
    scene = factories.letter_scene()
    contribution = db.session.get(Contribution, scene["confirmed"][0])
    contribution.verified_by_id = verifier.id
    db.session.commit()
    letter = services.issue_letter("handover_receipt", contribution_id=contribution.id)
    db.session.commit()
    text = pdf_text(letter.pdf)
    sponsor = db.session.get(Sponsor, scene["sponsor"])
    child = db.session.get(Child, scene["child"])
    assert f"Nomor: {letter.number}" in text
    assert f"Pada {date_in_words(contribution.delivered_on)}" in text
    assert "PIHAK KESATU" in text and "PIHAK KEDUA" in text
    assert f"Nama : {sponsor.name} NIP : {mask_last4(sponsor.nip)}" in text
    assert f"Nama : {child.guardian_name}" in text
    assert f"Orang tua/wali anak asuh {child.first_name}" in text
    assert "1 Beras 2 karung 5 kg 10 kg Rp 150.000" in text
    assert "2 Telur 1 tray 30 butir Rp 60.000" in text
    assert "Jumlah nilai Rp 210.000" in text
    assert "Saksi, Petugas Lapangan (Kader/TPK)" in text
    assert "Sari Kader Posyandu" in text
    assert "Mengetahui," in text
    assert (letter.sponsor_id, letter.contribution_id, letter.period_start) == (
        sponsor.id, contribution.id, None)


@pytest.mark.parametrize("which", ["pending", "voided"])
def test_no_receipt_for_a_delivery_that_is_not_confirmed(app_ctx, regions, which):
    scene = factories.letter_scene()
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        services.issue_letter("handover_receipt", contribution_id=scene[which])
    assert caught.value.status == 409


def test_recap_counts_children_and_deliveries_per_kelurahan(app_ctx, regions):
    scene = factories.letter_scene()
    period: Period = scene["period"]
    # A second child elsewhere: still stunted at the period's end, sponsored, no delivery.
    other = factories.child(kelurahan_code=factories.OTHER_KELURAHAN)
    factories.measurement(other, measured_on=period.end - timedelta(days=3),
                          height_cm="66.0", weight_kg="7.6")
    factories.match(None, other, start_on=period.start)
    db.session.commit()
    letter = services.issue_letter("recap", period=period)
    db.session.commit()
    text = pdf_text(letter.pdf)
    assert f"periode {period.label}" in text
    # Semabung Lama: not stunted any more, 1 sponsored, 1 with deliveries, 2 deliveries.
    assert "Semabung Lama 0 1 1 2 Rp 320.000" in text
    assert "Opas Indah 1 1 0 0 Rp 0" in text
    assert "Jumlah seluruh kota 1 2 1 2 Rp 320.000" in text
    assert "Beras 10 kg Rp 150.000" in text and "Telur 60 butir Rp 120.000" in text
    assert "Uang senilai barang (dilaporkan terpisah) Rp 50.000" in text
    # The first sponsor delivered last month's package (10 kg rice, 30 eggs); the other
    # delivered nothing and is listed with the whole package missing.
    behind = db.session.scalar(select(Sponsor).where(Sponsor.id != scene["sponsor"]))
    month = f"{format_date_id(period.start).split()[1][:3]} {period.start.year}"
    assert f"1 {behind.name} Opas Indah {month} Beras 10 kg; Telur 30 butir" in text
    assert db.session.get(Sponsor, scene["sponsor"]).name not in text
    assert letter.public_summary["stunted_count"] == 1
    assert letter.public_summary["matched_count"] == 2
    assert letter.public_summary["behind_count"] == 1

    one = services.issue_letter("recap", period=period, kecamatan_code="19.71.02")
    assert "Semabung Lama" not in pdf_text(one.pdf)
    assert one.kecamatan_code == "19.71.02"
    with pytest.raises(ValidationFailed) as caught:
        services.issue_letter("recap", period=period, kecamatan_code="19.71.02.1001")
    assert list(caught.value.errors) == ["kecamatan_code"]


def test_public_summary_names_no_child(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    letter = statement(scene)
    receipt = services.issue_letter("handover_receipt", contribution_id=scene["confirmed"][0])
    child = db.session.get(Child, scene["child"])
    for issued in (letter, receipt):
        summary = str(issued.public_summary)
        assert child.name not in summary and child.nik not in summary
        assert child.guardian_name not in summary and child.first_name not in summary
    assert letter.public_summary["total_value_idr"] == 320000
    assert letter.public_summary["cash_value_idr"] == 50000


@pytest.mark.parametrize(("fields", "errors"), [
    ({"kind": "letter"}, ["kind"]),
    ({"kind": "sponsor_statement"}, ["sponsor_id", "period"]),
    ({"kind": "sponsor_statement", "sponsor_id": 999999,
      "period": Period(date(2026, 1, 1), date(2026, 1, 31))}, ["sponsor_id"]),
    ({"kind": "handover_receipt"}, ["contribution_id"]),
    ({"kind": "handover_receipt", "contribution_id": 999999}, ["contribution_id"]),
    ({"kind": "handover_receipt", "contribution_id": 1,
      "period": Period(date(2026, 1, 1), date(2026, 1, 31))}, ["period"]),
    ({"kind": "recap", "period": Period(SUITE_DAY + timedelta(days=1),
                                        SUITE_DAY + timedelta(days=30))}, ["period"]),
])
def test_each_kind_asks_for_its_own_fields(app_ctx, regions, fields, errors):
    kind = fields.pop("kind")
    with pytest.raises(ValidationFailed) as caught:
        services.issue_letter(kind, **fields)
    assert sorted(caught.value.errors) == sorted(errors)


def test_no_statement_for_a_period_without_a_sponsored_child(app_ctx, regions):
    scene = factories.letter_scene()
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                              period=Period(date(2020, 1, 1), date(2020, 1, 31)))
    assert "period" in caught.value.errors


def test_who_may_issue_which_letter(app_ctx, regions, users):
    scene = factories.letter_scene(sponsor_email=users["sponsor"][1])
    other = factories.letter_scene()
    db.session.commit()
    user = {role: db.session.get(User, users[role][0]) for role in users}
    mine = statement(scene, actor=user["sponsor"])
    assert mine.issued_by_id == user["sponsor"].id
    for role, subject in (("sponsor", other), ("field", scene), ("auditor", scene)):
        with pytest.raises(NotPermitted):
            statement(subject, actor=user[role])
    with pytest.raises(NotPermitted):
        services.issue_letter("recap", period=scene["period"], actor=user["sponsor"])
    for role in ("officer", "admin"):
        assert services.issue_letter("handover_receipt", contribution_id=other["confirmed"][0],
                                     actor=user[role]).issued_by_id == user[role].id


def test_an_uploaded_logo_replaces_the_shipped_one(app, app_ctx):
    from asuh.letters.content import letterhead

    values = settings.get_all()
    assert letterhead(values)["logo"] == "img/logo-pemkot.svg"
    logo = "data:image/png;base64,iVBORw0KGgo="
    settings.update({"logo_data_uri": logo, "city_name": "Kota Contoh"}, actor=None)
    head = letterhead(settings.get_all())
    assert (head["logo"], head["government"]) == (logo, "PEMERINTAH KOTA CONTOH")
    # The app config's defaults still make a letterhead (the PDF tests use them).
    assert pdf.letterhead(app.config)["government"] == "PEMERINTAH KOTA PANGKALPINANG"


def test_the_qr_code_encodes_the_absolute_public_verify_url(app, app_ctx, regions):
    from html import unescape

    from asuh.letters.rendering import letter_html
    from asuh.timeutil import utcnow

    scene = factories.letter_scene()
    subject = services.check_subject("sponsor_statement", sponsor_id=scene["sponsor"],
                                     period=scene["period"])
    draft = services.draft_for(subject)
    html = unescape(letter_html(draft, number="001/X", issued_on=timeutil.today(),
                                issued_at=utcnow(), settings=settings.get_all()))
    url = f"{app.config['PUBLIC_URL']}/verify/{draft.verify_token}"
    assert url.startswith("http://") and len(draft.verify_token) >= 32
    assert pdf.qr_svg_data_uri(url) in html


def test_the_number_is_filled_in_escaped(app_ctx, regions):
    scene = factories.letter_scene()
    settings.update({"letter_number_pattern": "{seq:03d}/A&B<C>/{year}"}, actor=None)
    db.session.commit()
    letter = statement(scene)
    assert letter.number == f"001/A&B<C>/{timeutil.today().year}"
    assert f"Nomor: {letter.number}" in pdf_text(letter.pdf)
