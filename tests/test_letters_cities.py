"""Letters in a province (issue 15): each kabupaten/kota office issues its own letters,
with its own letterhead and gapless number sequence; a sponsor with children in two
cities gets a statement from each; letters are seen only within the viewer's scope."""

import threading
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from asuh import timeutil
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.letters import services
from asuh.letters.models import Letter, LetterSequence
from asuh.settings import services as settings
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.conftest import sign_in
from tests.provcity import KAB, KAB_KEL, KOTA, KOTA_KEL, PROVINCE, city_scene, load_province, staff

KOTA_HEAD = {"city_name": "Pemerintah Kota Pangkalpinang", "office_short_name": "DPPPAKB",
             "head_name": "dr. Fitriyani", "head_nip": "197505172003122004",
             "letter_number_pattern": "{seq:03d}/KOTA/{year}"}
KAB_HEAD = {"city_name": "Pemerintah Kabupaten Bangka", "office_short_name": "DPPKB Bangka",
            "city_place": "Sungailiat", "head_name": "Hj. Sri Wahyuni",
            "head_nip": "197808222005012003", "letter_number_pattern": "{seq:03d}/KAB/{year}"}


def pdf_text(body: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(body)).pages)
                    .split())


@pytest.fixture
def province(app):
    # Its own app context: tests with several signed-in clients hold none across requests
    # (a request in a held context would share its session and current user).
    with app.app_context():
        load_province()
        settings.update_region(KOTA, KOTA_HEAD, actor=None)
        settings.update_region(KAB, KAB_HEAD, actor=None)
        settings.update_region(PROVINCE, {"province_package": {"eggs": 30},
                                          "city_name": "Pemerintah Provinsi Kep. Babel",
                                          "letter_number_pattern": "{seq:03d}/PROV/{year}"},
                               actor=None)
        db.session.commit()


def statement(scene, **kwargs) -> Letter:
    letter = services.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                   period=scene["period"], **kwargs)
    db.session.commit()
    return letter


def test_each_city_letter_carries_its_own_letterhead_and_numbering(app_ctx, province):
    kota, kab = city_scene(KOTA_KEL), city_scene(KAB_KEL)
    db.session.commit()
    year = timeutil.today().year
    first_kota, second_kota = statement(kota), statement(kota)
    first_kab = statement(kab)
    assert (first_kota.office_code, first_kab.office_code) == (KOTA, KAB)
    assert [first_kota.number, second_kota.number] == [f"001/KOTA/{year}", f"002/KOTA/{year}"]
    assert first_kab.number == f"001/KAB/{year}"  # its own sequence, from one
    kota_text, kab_text = pdf_text(first_kota.pdf), pdf_text(first_kab.pdf)
    assert "Pemerintah Kota Pangkalpinang" in kota_text and "dr. Fitriyani" in kota_text
    assert "Pemerintah Kabupaten Bangka" in kab_text and "Hj. Sri Wahyuni" in kab_text
    assert "Sungailiat" in kab_text and "Bangka" not in kota_text
    # The province's own package is printed apart from the city's.
    assert "Paket provinsi per anak per bulan" in kab_text and "Telur 30 butir" in kab_text
    sequences = {(s.office_code, s.year): s.last_seq
                 for s in db.session.scalars(select(LetterSequence))}
    assert sequences == {(KOTA, year): 2, (KAB, year): 1}


def test_a_receipt_is_issued_by_the_delivery_city(app_ctx, province):
    kab = city_scene(KAB_KEL)
    db.session.commit()
    letter = services.issue_letter("handover_receipt", contribution_id=kab["delivery"])
    db.session.commit()
    assert letter.office_code == KAB and "/KAB/" in letter.number
    assert "Pemerintah Kabupaten Bangka" in pdf_text(letter.pdf)


def test_a_cross_city_sponsor_gets_one_statement_from_each_city(app_ctx, province):
    kota = city_scene(KOTA_KEL)
    sponsor = db.session.get(Sponsor, kota["sponsor"])
    kab = city_scene(KAB_KEL, the_sponsor=sponsor, rice=False)
    db.session.commit()
    with pytest.raises(ValidationFailed) as refused:
        statement(kota)  # which city's? both hold one of their children
    assert "city_code" in refused.value.errors
    letters = services.issue_own_statements(kota["sponsor"], kota["period"], actor=None)
    db.session.commit()
    assert sorted(letter.office_code for letter in letters) == [KAB, KOTA]
    by_office = {letter.office_code: letter for letter in letters}
    # Each lists only its own city's child and deliveries.
    assert by_office[KOTA].public_summary["children_count"] == 1
    assert by_office[KAB].public_summary["children_count"] == 1
    assert "karung 5 kg" in pdf_text(by_office[KOTA].pdf)  # the rice delivery
    assert "karung 5 kg" not in pdf_text(by_office[KAB].pdf)
    assert kab["sponsor"] == kota["sponsor"]
    # An officer of one city issues their city's statement without naming it.
    officer = staff("officer", KAB)
    db.session.commit()
    again = statement(kota, actor=officer)
    assert again.office_code == KAB and by_office[KAB].status == "superseded"


def _race(app, jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def officer(n):
        with app.app_context():
            barrier.wait()
            try:
                letter = services.issue_letter(**jobs[n])
                number, office = letter.number, letter.office_code
                db.session.commit()
                results[n] = (office, number)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                results[n] = exc

    threads = [threading.Thread(target=officer, args=(n,)) for n in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_cities_issuing_at_the_same_moment_keep_gapless_sequences(app, province):
    with app.app_context():
        scenes = [city_scene(KOTA_KEL if n % 2 else KAB_KEL) for n in range(6)]
        db.session.commit()
    jobs = [{"kind": "sponsor_statement", "sponsor_id": s["sponsor"], "period": s["period"]}
            for s in scenes]
    results = _race(app, jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    with app.app_context():
        for office in (KOTA, KAB):
            seqs = sorted(db.session.scalars(select(Letter.seq).where(
                Letter.office_code == office)))
            assert seqs == [1, 2, 3]  # no gap, no clash, per city
        numbers = [number for _, number in results]
        assert len(set(numbers)) == 6


@pytest.fixture
def two_city_letters(app, province):
    with app.app_context():
        kota, kab = city_scene(KOTA_KEL), city_scene(KAB_KEL)
        db.session.commit()
        letters = {KOTA: statement(kota).id, KAB: statement(kab).id}
        people = {"kota": staff("officer", KOTA), "kab": staff("officer", KAB),
                  "prov": staff("officer", PROVINCE), "kab_auditor": staff("auditor", KAB)}
        emails = {k: u.email for k, u in people.items()}
        db.session.commit()
        tokens = {office: db.session.get(Letter, i).verify_token
                  for office, i in letters.items()}
    return letters, emails, tokens


def test_letters_are_seen_only_within_the_viewer_scope(app, two_city_letters):
    letters, emails, tokens = two_city_letters
    for who, visible in (("kota", {KOTA}), ("kab", {KAB}), ("kab_auditor", {KAB}),
                         ("prov", {KOTA, KAB})):
        client = app.test_client()
        assert sign_in(client, emails[who]).status_code == 302
        listing = client.get("/letters").text
        for office, letter_id in letters.items():
            page = client.get(f"/letters/{letter_id}")
            pdf = client.get(f"/letters/{letter_id}/pdf")
            expected = 200 if office in visible else 404
            assert (who, office, page.status_code) == (who, office, expected)
            if expected == 200:  # the issuing office is named
                assert {KOTA: "Kota Pangkalpinang", KAB: "Kabupaten Bangka"}[office] in page.text
            assert (who, office, pdf.status_code) == (who, office, expected)
            assert (f"/letters/{letter_id}\"" in listing) == (office in visible), (who, office)
    # Public verification by token stays public.
    anonymous = app.test_client()
    for token in tokens.values():
        assert anonymous.get(f"/verify/{token}").status_code == 200


def test_out_of_scope_letter_is_not_found_for_the_service(app_ctx, two_city_letters):
    letters, emails, _ = two_city_letters
    from asuh.accounts.models import User

    kab_officer = db.session.scalar(select(User).where(User.email == emails["kab"]))
    kota_letter = db.session.get(Letter, letters[KOTA])
    assert services.out_of_scope(kab_officer, kota_letter)
    assert not services.can_view(kab_officer, kota_letter)
    kota = city_scene(KOTA_KEL)
    db.session.commit()
    with pytest.raises(NotFoundError):
        services.issue_letter("handover_receipt", contribution_id=kota["delivery"],
                              actor=kab_officer)
    with pytest.raises(NotFoundError):
        services.issue_letter("recap", region_code=KOTA, period=kota["period"],
                              actor=kab_officer)


def test_provincial_recap_lists_each_city_and_adds_up(app_ctx, province):
    scenes = [city_scene(KOTA_KEL), city_scene(KOTA_KEL), city_scene(KAB_KEL)]
    db.session.commit()
    period = scenes[0]["period"]
    recap = services.issue_letter("recap", region_code=PROVINCE, period=period)
    kota = services.issue_letter("recap", region_code=KOTA, period=period)
    kab = services.issue_letter("recap", region_code=KAB, period=period)
    db.session.commit()
    assert recap.office_code == PROVINCE and "/PROV/" in recap.number
    text = pdf_text(recap.pdf)
    assert "Pemerintah Provinsi Kep. Babel" in text
    assert "Kota Pangkalpinang" in text and "Kabupaten Bangka" in text
    assert "Kabupaten Belitung" in text  # every city of the province, with its zeros
    for key in ("matched_count", "delivered_children_count", "delivery_count",
                "stunted_count"):
        assert recap.public_summary[key] == (kota.public_summary[key]
                                             + kab.public_summary[key]), key
    assert recap.public_summary["matched_count"] == 3
    assert (kota.office_code, kab.office_code) == (KOTA, KAB)


def test_default_recap_is_the_viewer_city(app_ctx, province):
    scene = city_scene(KAB_KEL)
    officer = staff("officer", KAB)
    db.session.commit()
    letter = services.issue_letter("recap", period=scene["period"], actor=officer)
    db.session.commit()
    assert letter.office_code == KAB
    assert letter.public_summary["scope"] == "seluruh kabupaten"
    with pytest.raises(ValidationFailed):  # an installation of several cities: say which
        services.issue_letter("recap", period=scene["period"])


def test_a_sponsor_sees_both_cities_statements(app, province):
    with app.app_context():
        email = factories.user("sponsor").email
        db.session.commit()
        sponsor = factories.sponsor(email=email, capacity=2)
        kota = city_scene(KOTA_KEL, the_sponsor=sponsor)
        city_scene(KAB_KEL, the_sponsor=sponsor)
        db.session.commit()
        month = kota["period"].code
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    response = client.post("/my/letters", data={"month": month})
    assert response.status_code == 302, response.text
    with app.app_context():
        offices = sorted(db.session.scalars(select(Letter.office_code)))
        assert offices == [KAB, KOTA]
    listing = client.get("/my/letters").text
    assert listing.count("/my/letters/") >= 2


def test_a_provincial_officer_issues_the_provincial_recap_from_the_form(app, province):
    with app.app_context():
        scene = city_scene(KAB_KEL)
        email = staff("officer", PROVINCE).email
        kab_email = staff("officer", KAB).email
        db.session.commit()
        month = scene["period"].code
    client, city = app.test_client(), app.test_client()
    assert sign_in(client, email).status_code == 302
    assert sign_in(city, kab_email).status_code == 302
    form = client.get("/letters/new?kind=recap").text
    assert "Provinsi Kepulauan Bangka Belitung (per kabupaten/kota)" in form
    assert 'value="19.71"' in form and 'value="19.01"' in form
    # A city's officer is offered their city and its kecamatan only.
    city_form = city.get("/letters/new?kind=recap").text
    assert 'value="19"' not in city_form and 'value="19.71"' not in city_form
    assert 'value="19.71.01"' not in city_form  # another city's kecamatan
    assert 'value="19.01.01"' in city_form and "Kecamatan Sungailiat" in city_form
    response = client.post("/letters/new", data={"kind": "recap", "kecamatan_code": PROVINCE,
                                                  "month": month})
    assert response.status_code == 302, response.text
    with app.app_context():
        letter = db.session.scalar(select(Letter))
        assert letter.office_code == PROVINCE and "/PROV/" in letter.number
