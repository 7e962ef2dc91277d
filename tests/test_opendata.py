"""The public figures: no personal data, no figure for a group smaller than the minimum
(nor one computable from the sums shown), the dashboard's own numbers, cached by version
and rate-limited."""

import csv
import io
from datetime import timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asuh import create_app, timeutil
from asuh.accounts.models import User
from asuh.children.models import Child
from asuh.dashboard import services as dashboard
from asuh.errors import ValidationFailed
from asuh.extensions import db
from asuh.opendata import figures
from asuh.opendata.suppression import determined, protect
from asuh.settings import services as settings_service
from asuh.sponsors.models import Sponsor
from tests import factories
from tests.conftest import app_settings
from tests.factories import KEL_A, KEL_B, KEL_C

MINIMUM = 5
KEC_1, KEC_2 = "19.71.01", "19.71.02"

# --- the rule itself, for all tables ------------------------------------------------------


def _dense_determined(unknown: list, relations, cell) -> bool:
    """Independent of the module: ``cell`` is determined when adding its unit vector to
    the sums' rows (over the unknowns) does not raise their rank."""
    def rank(rows):
        rows = [list(r) for r in rows]
        rank_, cols = 0, len(unknown)
        for col in range(cols):
            pivot = next((i for i in range(rank_, len(rows)) if rows[i][col]), None)
            if pivot is None:
                continue
            rows[rank_], rows[pivot] = rows[pivot], rows[rank_]
            for i in range(len(rows)):
                if i != rank_ and rows[i][col]:
                    factor = Fraction(rows[i][col], rows[rank_][col])
                    rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank_], strict=True)]
            rank_ += 1
        return rank_

    position = {key: i for i, key in enumerate(unknown)}
    matrix = []
    for total, parts in relations:
        row = [Fraction(0)] * len(unknown)
        for key, coefficient in ((total, 1), *((p, -1) for p in parts)):
            if key in position:
                row[position[key]] += coefficient
        matrix.append(row)
    unit = [Fraction(int(key == cell)) for key in unknown]
    return rank(matrix + [unit]) == rank(matrix)


@st.composite
def tables(draw):
    """A table of counts with its row totals, column totals and grand total, grouped in
    two blocks of rows with their own subtotals (kelurahan in kecamatan, in the city)."""
    rows = draw(st.integers(2, 5))
    cols = draw(st.integers(2, 3))
    cell = st.integers(0, 12)
    values, relations = {}, []
    for r in range(rows):
        for c in range(cols):
            values[(r, c)] = draw(cell)
    blocks = {0: list(range(rows // 2 or 1)), 1: list(range(rows // 2 or 1, rows))}
    for r in range(rows):
        values[(r, "t")] = sum(values[(r, c)] for c in range(cols))
        relations.append(((r, "t"), tuple((r, c) for c in range(cols))))
    for c in (*range(cols), "t"):
        for b, members in blocks.items():
            if not members:
                continue
            values[(f"b{b}", c)] = sum(values[(r, c)] for r in members)
            relations.append(((f"b{b}", c), tuple((r, c) for r in members)))
        values[("all", c)] = sum(values[(f"b{b}", c)] for b in blocks if blocks[b])
        relations.append((("all", c), tuple((f"b{b}", c) for b in blocks if blocks[b])))
    for b in blocks:
        if blocks[b]:
            relations.append(((f"b{b}", "t"), tuple((f"b{b}", c) for c in range(cols))))
    relations.append((("all", "t"), tuple(("all", c) for c in range(cols))))
    hidden = draw(st.sets(st.sampled_from(sorted(values, key=repr)), max_size=2))
    return values, relations, set(values) - hidden


@settings(max_examples=60, deadline=None)
@given(tables(), st.integers(2, 6))
def test_no_small_count_is_published_or_computable(table, minimum):
    values, relations, shown = table
    suppressed = protect(values, relations, shown=shown, minimum=minimum)
    assert suppressed <= shown
    published = shown - suppressed
    assert [k for k in published if 0 < values[k] < minimum] == []
    unknown = sorted(set(values) - published, key=repr)
    at_risk = [k for k in unknown if 0 < values[k] < minimum]
    assert [k for k in at_risk if _dense_determined(unknown, relations, k)] == []
    # The module's own answer agrees with the independent one.
    assert determined(set(unknown), relations) & set(at_risk) == set()


def test_a_single_small_cell_is_protected_by_a_rectangle():
    """3 in a 2×2 table with margins: hiding it alone leaves it computable from its row
    (13 − 10) or column; the cheapest protection hides the rectangle of four cells."""
    values = {("a", 1): 3, ("a", 2): 10, ("a", "t"): 13, ("b", 1): 7, ("b", 2): 8,
              ("b", "t"): 15, ("t", 1): 10, ("t", 2): 18, ("t", "t"): 28}
    relations = [(("a", "t"), (("a", 1), ("a", 2))), (("b", "t"), (("b", 1), ("b", 2))),
                 (("t", "t"), (("t", 1), ("t", 2))), (("t", 1), (("a", 1), ("b", 1))),
                 (("t", 2), (("a", 2), ("b", 2))), (("t", "t"), (("a", "t"), ("b", "t")))]
    assert protect(values, relations, shown=set(values), minimum=5) == {
        ("a", 1), ("a", 2), ("b", 1), ("b", 2)}


# --- a city with small groups ---------------------------------------------------------


@pytest.fixture
def city(app, users, regions):
    """Stunted children (born ~900 days ago, measured today) in three kelurahan:
    KEL_A 7 (5 with an ASN sponsor of KEL_A), KEL_B 2 (1 with a citizen sponsor of KEL_B),
    KEL_C 8 (5 with citizen sponsors of KEL_C); each sponsored child one confirmed
    delivery this month. And 5 children in KEL_A who were stunted 3 months ago and are
    normal now (the improved cohort, without sponsors)."""
    with app.app_context():
        admin = db.session.get(User, users["admin"][0])
        factories.catalogue()
        today = timeutil.today()
        born = today - timedelta(days=900)
        earlier = factories.month_day(3, 5)
        heights = {(on, category): factories.height_for(born, on, category)
                   for on, category in ((today, "stunted"), (earlier, "stunted"),
                                        (today, "normal"))}
        serial = iter(range(100))

        def kid(kel, category="stunted"):
            n = next(serial)
            child = factories.child(actor=admin, kelurahan_code=kel, birth_date=born,
                                    name=f"Rahasia Anak{n:02d}", address=f"Jl. Rahasia {n}")
            if category == "improved":
                factories.measurement(child, actor=admin, measured_on=earlier,
                                      height_cm=heights[(earlier, "stunted")],
                                      weight_kg="9.0", position="standing")
                category = "normal"
            factories.measurement(child, actor=admin, measured_on=today,
                                  height_cm=heights[(today, category)], weight_kg="9.5",
                                  position="standing")
            return child

        def sponsored(kel, sponsor_kel, kind):
            n = next(serial)
            sponsor = factories.sponsor(kind, actor=admin, kelurahan_code=sponsor_kel,
                                        name=f"Rahasia Sponsor{n:02d}")
            match = factories.match(sponsor, kid(kel), actor=admin,
                                    start_on=today.replace(day=1))
            factories.contribution(match, actor=admin, delivered_on=today,
                                   status="confirmed")

        for _ in range(5):
            sponsored(KEL_A, KEL_A, "asn")
        for _ in range(2):
            kid(KEL_A)
        sponsored(KEL_B, KEL_B, "citizen")
        kid(KEL_B)
        for _ in range(5):
            sponsored(KEL_C, KEL_C, "citizen")
        for _ in range(3):
            kid(KEL_C)
        for _ in range(5):
            kid(KEL_A, "improved")
        db.session.commit()
        people = [*db.session.scalars(db.select(Child)), *db.session.scalars(db.select(Sponsor))]
        secrets = set()
        for person in people:
            secrets |= {person.name, person.address}
            secrets |= {person.nik} if person.nik else set()
            secrets |= {getattr(person, "guardian_name", None) or person.name}
        return secrets


def _csv(client, kecamatan=None) -> dict:
    response = client.get("/statistik.csv", query_string={"kecamatan": kecamatan} if kecamatan
                          else {})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    return {(r["tingkat_wilayah"], r["kode_wilayah"], r["indikator"], r["kelompok"],
             r["periode"]): (None if r["nilai"] == "" else int(r["nilai"])) for r in rows}


def _pages(app, client):
    with app.app_context():
        kecamatan = [None, *dashboard.region_names()["kecamatan"]]
    return {code: (client.get("/statistik", query_string={"kecamatan": code} if code else {}),
                   _csv(client, code)) for code in kecamatan}


def _sums_are_not_left_with_one_hole(cells: dict):
    """A row or column of the CSV with its total shown and exactly one member hidden
    would give the hidden one away."""
    ties = [("anak_stunting", "", ("anak_stunting_diasuh", "anak_stunting_belum_diasuh")),
            ("bapak_bunda_asuh_aktif", "semua", ("asn", "masyarakat"))]
    rows = {key[:2] for key in cells}
    holes = []
    for level, code in rows:
        def get(indicator, group="", period="", level=level, code=code):
            return cells.get((level, code, indicator, group, period), 0)

        for total, group, parts in ties:
            members = ([get(part) for part in parts] if total == "anak_stunting"
                       else [get(total, part) for part in parts])
            hidden = [m for m in members if m is None]
            if get(total, group) is not None and len(hidden) == 1:
                holes.append((level, code, total))
    return holes


def test_pages_and_csv_show_no_person_and_no_small_group(app, city, client):
    pages = _pages(app, client)
    for code, (page, cells) in pages.items():
        assert page.status_code == 200
        text = page.text + repr(cells)
        assert [secret for secret in city if secret in text] == [], code
        small = [key for key, value in cells.items() if value is not None
                 and 0 < value < MINIMUM and key[2] != "nilai_penyaluran"]
        assert small == [], code
        assert _sums_are_not_left_with_one_hole(cells) == [], code
    city_cells = pages[None][1]
    kec_1 = pages[KEC_1][1]
    # KEL_B's 2 stunted children (1 sponsored, 1 not) are hidden, and so is the figure
    # that would give them away from Kecamatan 1's total.
    assert kec_1[("kelurahan", KEL_B, "anak_stunting", "", "")] is None
    assert kec_1[("kelurahan", KEL_B, "anak_stunting_diasuh", "", "")] is None
    # A figure hidden on one page is hidden wherever it appears.
    assert city_cells[("kecamatan", KEC_1, "anak_stunting_belum_diasuh", "", "")] is None
    assert kec_1[("kecamatan", KEC_1, "anak_stunting_belum_diasuh", "", "")] is None
    # A value is hidden with its count.
    for key, value in kec_1.items():
        if key[2] == "penyaluran_terkonfirmasi" and value is None:
            assert kec_1[(*key[:2], "nilai_penyaluran", *key[3:])] is None


def test_city_figures_are_the_dashboards(app, city, client):
    cells = _csv(client)
    with app.app_context():
        data = dashboard.dashboard(figures.public_filters(timeutil.today()))
    h = data["headline"]
    period = next(key[4] for key in cells if key[2] == "penyaluran_terkonfirmasi"
                  and "/" in key[4])

    def city(indicator, group="", per=""):
        return cells[("kota", "", indicator, group, per)]

    expected = {
        ("anak_stunting", "", ""): h["stunted_children"],
        ("anak_stunting_diasuh", "", ""): h["matched_children"],
        ("anak_stunting_belum_diasuh", "", ""): h["unmatched_children"],
        ("bapak_bunda_asuh_aktif", "asn", ""): h["active_sponsors"]["asn"],
        ("bapak_bunda_asuh_aktif", "masyarakat", ""): h["active_sponsors"]["citizen"],
        ("bapak_bunda_asuh_aktif", "semua", ""): h["active_sponsors"]["total"],
        ("penyaluran_terkonfirmasi", "", period): h["deliveries_period"],
        ("nilai_penyaluran", "", period): h["value_idr_period"],
        ("anak_dipantau_pertumbuhan", "semua", period): h["outcome_children"],
        ("anak_membaik", "semua", period): h["improved_children"],
        ("anak_dipantau_pertumbuhan", "tidak_diasuh", period):
            data["outcomes"]["unsponsored"]["children"],
    }
    assert {key: city(*key) for key in expected} == expected
    assert (h["stunted_children"], h["matched_children"], h["improved_children"]) == (17, 11, 5)
    # Each kecamatan's published figures are the dashboard's rows too.
    areas = {a["code"]: a for a in data["areas"]}
    for key, value in cells.items():
        if key[0] == "kecamatan" and key[2] == "anak_stunting" and value is not None:
            assert value == areas[key[1]]["stunted_children"]


def test_figures_follow_a_change_in_every_process(app, city, client, tmp_dir, database_url):
    first = client.get("/statistik")
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"] and "no-cache" in first.headers[
        "Cache-Control"]
    assert client.get("/statistik", headers={"If-None-Match": etag}).status_code == 304
    # Another process (another app on the same database) has the same version.
    other = create_app(app_settings(tmp_dir, database_url))
    assert other.test_client().get("/statistik").headers["ETag"] == etag
    with app.app_context():
        admin = db.session.get(User, db.session.scalar(
            db.select(User.id).where(User.role == "admin")))
        child = factories.child(actor=admin, kelurahan_code=KEL_C,
                                birth_date=timeutil.today() - timedelta(days=900))
        factories.measurement(child, actor=admin, height_cm="75.0", weight_kg="9.0",
                              position="standing")
        db.session.commit()
    for the_client in (client, other.test_client()):
        again = the_client.get("/statistik", headers={"If-None-Match": etag})
        assert again.status_code == 200
        assert _csv(the_client)[("kota", "", "anak_stunting", "", "")] == 18


def test_the_pages_are_rate_limited(app, regions, client):
    before = app.config["PUBLIC_FIGURES_LIMIT"]
    app.config["PUBLIC_FIGURES_LIMIT"] = "2 per minute"
    try:
        statuses = [client.get("/statistik.csv").status_code for _ in range(3)]
    finally:
        app.config["PUBLIC_FIGURES_LIMIT"] = before
    assert statuses == [200, 200, 429]


def test_an_unknown_kecamatan_is_not_found(app, regions, client):
    assert client.get("/statistik", query_string={"kecamatan": KEL_A}).status_code == 404
    assert client.get("/statistik.csv", query_string={"kecamatan": "x"}).status_code == 404


def test_the_sign_in_page_links_to_the_public_figures(app, client):
    assert 'href="/statistik"' in client.get("/login").text


def test_the_minimum_is_a_setting_with_a_floor(app_ctx, users):
    admin = db.session.get(User, users["admin"][0])
    assert settings_service.get("public_min_group_size") == MINIMUM
    with pytest.raises(ValidationFailed):
        settings_service.update({"public_min_group_size": 1}, actor=admin)
    settings_service.update({"public_min_group_size": 10}, actor=admin)
    assert settings_service.get("public_min_group_size") == 10
