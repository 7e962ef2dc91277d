"""Letters for ended and running periods, and what they say in words (issue 11), at
04:30 WIB on 1 December 2026: the morning a Q4 letter used to vouch for all of December."""

from datetime import date
from decimal import Decimal

import pytest

from asuh.contributions import progress
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.letters import services
from asuh.letters.periods import Period, parse_period
from asuh.letters.words import rupiah_in_words
from asuh.settings import services as settings
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.clock import wib
from tests.test_letters_issue import pdf_text

pytestmark = pytest.mark.clock(wib(2026, 12, 1))
Q4 = parse_period("2026-Q4")
NOVEMBER = parse_period("2026-11")
RICE_10_KG = {"commodity": "rice", "quantity": "2", "unit": "karung 5 kg", "value_idr": 150000}
EGGS_30 = {"commodity": "eggs", "quantity": "30", "unit": "butir", "value_idr": 60000}


def _sponsored(start_on: date, deliveries=(), kind: str = "asn"):
    factories.catalogue()
    the_match = factories.match(factories.sponsor(kind), start_on=start_on)
    for on in deliveries:
        factories.contribution(the_match, delivered_on=on, status="confirmed",
                               items=[dict(RICE_10_KG), dict(EGGS_30)])
    return the_match


def test_a_running_period_is_refused_unless_interim(app_ctx, regions):
    the_match = _sponsored(date(2026, 10, 1), [date(2026, 10, 5), date(2026, 11, 5)])
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        services.issue_letter("sponsor_statement", sponsor_id=the_match.sponsor_id,
                              period=Q4)
    assert "belum berakhir" in refused.value.errors["period"][0]
    with pytest.raises(ValidationFailed):
        services.issue_letter("recap", period=Q4)

    interim = services.issue_letter("sponsor_statement", sponsor_id=the_match.sponsor_id,
                                    period=Q4, interim=True)
    db.session.commit()
    text = pdf_text(interim.pdf)
    assert "Triwulan IV 2026 (sementara, s.d. 1 Desember 2026)" in text
    assert "31 Desember 2026" not in text
    assert interim.public_summary["interim_through"] == "2026-12-01"

    ended = services.issue_letter("sponsor_statement", sponsor_id=the_match.sponsor_id,
                                  period=NOVEMBER)
    db.session.commit()
    text = pdf_text(ended.pdf)
    assert "(1 November 2026 s.d. 30 November 2026)" in text and "sementara" not in text
    assert ended.public_summary["interim_through"] is None


def test_the_recap_judges_ended_months_only(app_ctx, regions):
    full = _sponsored(date(2026, 10, 1), [date(2026, 10, 5), date(2026, 11, 5)])
    short = _sponsored(date(2026, 10, 1), [date(2026, 10, 5)])
    db.session.commit()
    letter = services.issue_letter("recap", period=Q4, interim=True)
    db.session.commit()
    text = pdf_text(letter.pdf)
    assert "(sementara, s.d. 1 Desember 2026)" in text
    # One day into December no one is short for it; the one who skipped November is.
    assert "Des 2026" not in text
    names = {m.id: db.session.get(Sponsor, m.sponsor_id).name for m in (full, short)}
    assert names[short.id] in text and names[full.id] not in text
    assert letter.public_summary["behind_count"] == 1


def test_behind_the_package_prorates_a_part_month(app_ctx, regions):
    late = _sponsored(date(2026, 11, 20))
    db.session.commit()
    assert progress.covered_share(late, date(2026, 11, 1)) == Decimal(11) / Decimal(30)
    lines = {line.code: line.package
             for line in progress.progress_for_matches([late], date(2026, 11, 1))[late.id].lines}
    assert lines == {"rice": Decimal("3.667"), "eggs": Decimal("11.000")}
    # 4 kg of rice and 11 eggs cover the 11 days it ran in November.
    factories.contribution(late, delivered_on=date(2026, 11, 25), status="confirmed",
                           items=[{"commodity": "rice", "quantity": "4", "unit": "kg",
                                   "value_idr": 60000},
                                  {"commodity": "eggs", "quantity": "11", "unit": "butir",
                                   "value_idr": 22000}])
    db.session.commit()
    assert not progress.match_progress(late, [date(2026, 11, 1)])[0].behind
    letter = services.issue_letter("recap", period=NOVEMBER)
    db.session.commit()
    assert letter.public_summary["behind_count"] == 0


def test_cash_receipt_speaks_of_money_in_words(app_ctx, regions):
    the_match = _sponsored(date(2026, 10, 1))
    cash = factories.contribution(the_match, delivered_on=date(2026, 11, 3),
                                  status="confirmed", items=[dict(factories.CASH)])
    db.session.commit()
    text = pdf_text(services.issue_letter("handover_receipt", contribution_id=cash.id).pdf)
    assert "uang tunai sebesar Rp 50.000 (lima puluh ribu rupiah)" in text
    assert "bantuan makanan bergizi bagi" not in text and "Barang tersebut" not in text
    assert "Terbilang: lima puluh ribu rupiah" in text


def test_statement_total_in_words_and_whose_number_shows(app_ctx, regions):
    asn = _sponsored(date(2026, 10, 1), [date(2026, 11, 5)])
    citizen = _sponsored(date(2026, 10, 1), [date(2026, 11, 6)], kind="citizen")
    db.session.commit()
    text = pdf_text(services.issue_letter("sponsor_statement", sponsor_id=asn.sponsor_id,
                                          period=NOVEMBER).pdf)
    assert f"Rp 210.000 (terbilang: {rupiah_in_words(210000)})" in text
    assert "dua ratus sepuluh ribu rupiah" in text
    nip = db.session.get(Sponsor, asn.sponsor_id).nip
    assert f"NIP {nip}" in text
    nik = db.session.get(Sponsor, citizen.sponsor_id).nik
    text = pdf_text(services.issue_letter("sponsor_statement",
                                          sponsor_id=citizen.sponsor_id, period=NOVEMBER).pdf)
    assert nik not in text and nik[-4:] in text

    settings.update({"letter_full_asn_nip": False}, actor=factories.user("admin"))
    db.session.commit()
    text = pdf_text(services.issue_letter("sponsor_statement", sponsor_id=asn.sponsor_id,
                                          period=NOVEMBER).pdf)
    assert nip not in text


def test_period_helpers(app_ctx):
    assert Period(date(2026, 12, 1), date(2026, 12, 31)).label == "Desember 2026"
