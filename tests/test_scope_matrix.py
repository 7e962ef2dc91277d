"""Issue 15's object-level matrix across two kabupaten/kota of one province.

Kota Pangkalpinang (19.71) and Kabupaten Bangka Tengah (19.04) each get their own staff
(admin, officer, auditor, field user) and their own objects (a sponsor living there, a
child, its measurement, their match, a delivery with a photo, a letter). Then, for every
route naming an object of a scoped kind (``ROUTE_OBJECTS`` of the access matrix):

- a city's staff get 404 for the other city's object (reads and writes alike): for them
  it does not exist;
- for their own city's object they never get 404 (what else they get is the access
  matrix's business: 200, a form, 403 for a role the route does not open);
- a provincial officer and auditor never get 404 for either city's object.

Data-driven: ``SCOPED_KINDS`` lists the kinds checked (letters and the settings pages of a
kabupaten/kota included).
Lists and exports are checked for names: a city's lists and export files never name the
other city's child, sponsor or delivery.
"""

from datetime import timedelta

import pytest
import time_machine
from flask import url_for
from sqlalchemy import select

from asuh import timeutil
from asuh.audit import queries as audit_queries
from asuh.audit.models import AuditRecord
from asuh.children.models import Child
from asuh.contributions import catalogue, photos
from asuh.errors import NotFoundError, ValidationFailed
from asuh.exports import datasets
from asuh.extensions import db, limiter
from asuh.letters import services as letters
from asuh.matching import services as matching
from asuh.regions.regionfile import RegionRow, parse_region_csv, province_region_file
from asuh.regions.services import assign_kelurahan, import_regions
from tests import factories
from tests.clock import last_0430_wib
from tests.conftest import PASSWORD, _wipe, sign_in
from tests.test_access_matrix import _ROUTES, ROUTE_OBJECTS

CITY, OTHER_CITY, PROVINCE = "19.71", "19.04", "19"
KELURAHAN = {CITY: "19.71.01.1004", OTHER_CITY: "19.04.01.1001"}
CITY_ROLES = ("admin", "officer", "auditor", "field")
PROVINCIAL = ("province_officer", "province_auditor")
# The kinds whose routes must answer 404 across cities: letters are their office's, a
# region's settings page its staff's (branch provcity), a city's catalogue additions and
# their pack units its admin's (branch citycat).
SCOPED_KINDS = ("child", "measurement", "match", "contribution", "photo", "sponsor",
                "letter", "region", "commodity", "unit")
NAMES = {city: {"child": f"Anak Kota {city}", "sponsor": f"Bapak Asuh Kota {city}",
                "contribution": f"Catatan penyaluran {city}"} for city in KELURAHAN}


def _build(app) -> dict:
    _wipe(app)
    with app.app_context():
        limiter.reset()
        import_regions(parse_region_csv(province_region_file().read_bytes()))
        factories.catalogue()
        root = factories.user("admin")  # the installation's admin: no scope
        users, objects = {}, {}
        for city in KELURAHAN:
            for role in CITY_ROLES:
                users[(city, role)] = factories.user(role, scope=city)
            assign_kelurahan(users[(city, "field")], [KELURAHAN[city]], actor=root)
        users[(PROVINCE, "province_officer")] = factories.user("officer", scope=PROVINCE)
        users[(PROVINCE, "province_auditor")] = factories.user("auditor", scope=PROVINCE)
        start = timeutil.today() - timedelta(days=60)
        for city, kelurahan in KELURAHAN.items():
            officer = users[(city, "officer")]
            admin = users[(city, "admin")]
            sponsor = factories.sponsor(actor=officer, kelurahan_code=kelurahan,
                                        name=NAMES[city]["sponsor"], capacity=5)
            child = factories.child(actor=officer, kelurahan_code=kelurahan,
                                    name=NAMES[city]["child"], confirm_nik_warnings=True)
            measurement = factories.measurement(child, actor=officer)
            match = factories.match(sponsor, child, start_on=start, actor=officer)
            pending = factories.contribution(match, actor=admin,
                                             note=NAMES[city]["contribution"])
            photo, = photos.add_photos(pending, [factories.image_bytes()], actor=admin)
            confirmed = factories.contribution(match, actor=admin, status="confirmed",
                                               verifier=officer)
            letter = letters.issue_letter("handover_receipt", contribution_id=confirmed.id,
                                          actor=officer)
            local = catalogue.add_commodity(code=f"lokal_{city[-2:]}", name=f"Lokal {city}",
                                            canonical_unit="gram", actor=admin)
            pack = catalogue.add_unit(local, name="bungkus 250 g", factor="250", actor=admin)
            objects[city] = {
                "child": {"child_id": child.id},
                "measurement": {"child_id": child.id, "measurement_id": measurement.id},
                "match": {"match_id": match.id},
                "contribution": {"contribution_id": pending.id},
                "photo": {"contribution_id": pending.id, "photo_id": photo.id},
                "sponsor": {"sponsor_id": sponsor.id},
                "letter": {"letter_id": letter.id},
                "region": {"code": city},
                "commodity": {"commodity_id": local.id},
                "unit": {"unit_id": pack.id},
            }
        db.session.commit()
        accounts = {key: (u.id, u.email) for key, u in users.items()}
    return {"users": accounts, "objects": objects}


@pytest.fixture(autouse=True)
def _clean_state():
    """Replaces conftest's per-test wipe: the world is built once for the module."""
    yield


@pytest.fixture(scope="module")
def world(app):
    # Built an hour before the suite's 04:30 WIB on a ticking clock, as the access
    # matrix's world is: the sign-in cookies must be signed in the past of every test.
    with time_machine.travel(last_0430_wib() - timedelta(hours=1), tick=True):
        built, clients = _built_and_signed_in(app)
    built["clients"] = clients
    yield built
    _wipe(app)


def _built_and_signed_in(app):
    built = _build(app)
    clients = {}
    for key, (_id, email) in built["users"].items():
        client = app.test_client()
        assert sign_in(client, email, PASSWORD).status_code == 302, key
        token = app.test_client().post("/api/v1/tokens", json={
            "email": email, "password": PASSWORD}).json["token"]
        clients[key] = (client, {"Authorization": f"Bearer {token}"})
    return built, clients


def _url(app, endpoint, params):
    with app.test_request_context():
        return url_for(endpoint, **params)


def _request(world, key, method, url):
    client, bearer = world["clients"][key]
    if url.startswith("/api/"):
        return client.open(url, method=method, headers=bearer,
                           **({"json": {}} if method != "GET" else {}))
    return client.open(url, method=method, **({"data": {}} if method != "GET" else {}))


def _scoped_routes():
    return sorted((endpoint, method) for (endpoint, method) in _ROUTES
                  if ROUTE_OBJECTS.get(endpoint) in SCOPED_KINDS)


def test_the_matrix_covers_every_scoped_route():
    routes = _scoped_routes()
    assert {"children.detail", "api.get_child", "sponsors.detail", "api.get_sponsor",
            "contributions.photo", "api.get_contribution", "matching.match_detail",
            "children.move", "contributions.commodity", "contributions.unit_active"} <= {
                endpoint for endpoint, _ in routes}


def test_another_citys_objects_are_not_found(app, world):
    problems = []
    for endpoint, method in _scoped_routes():
        kind = ROUTE_OBJECTS[endpoint]
        for city, other in ((CITY, OTHER_CITY), (OTHER_CITY, CITY)):
            url = _url(app, endpoint, world["objects"][other][kind])
            for role in CITY_ROLES:
                status = _request(world, (city, role), method, url).status_code
                # 403 before the object is looked at: the role may not use the route at
                # all (the access matrix covers that); anything else must be 404.
                if status not in (404, 403) or (status == 403 and _opens(endpoint, method,
                                                                          role)):
                    problems.append(f"{role} of {city}: {method} {url} -> {status}")
    assert problems == []


def _opens(endpoint: str, method: str, role: str) -> bool:
    from asuh.permissions import ROLE_PERMISSIONS, SELF_SERVICE_ENDPOINTS, Role

    _rule, declared = _ROUTES[(endpoint, method)]
    if not declared or not declared & ROLE_PERMISSIONS[Role(role)]:
        return False
    return not (role == "auditor" and method != "GET"
                and endpoint not in SELF_SERVICE_ENDPOINTS)


def test_own_city_and_province_reach_their_objects(app, world):
    problems = []
    for endpoint, method in _scoped_routes():
        if method != "GET":
            continue  # reads only: a write would change the shared world
        kind = ROUTE_OBJECTS[endpoint]
        for city in KELURAHAN:
            url = _url(app, endpoint, world["objects"][city][kind])
            viewers = [(city, role) for role in CITY_ROLES] + [
                (PROVINCE, role) for role in PROVINCIAL]
            for key in viewers:
                status = _request(world, key, method, url).status_code
                if status == 404:
                    problems.append(f"{key}: GET {url} -> 404")
    assert problems == []


LISTS = ("/children", "/sponsors", "/matches", "/contributions", "/audit", "/letters",
         "/api/v1/children", "/api/v1/sponsors", "/api/v1/matches", "/api/v1/contributions",
         "/api/v1/audit", "/api/v1/letters")


def test_lists_never_name_the_other_city(app, world):
    problems = []
    for city, other in ((CITY, OTHER_CITY), (OTHER_CITY, CITY)):
        for role in CITY_ROLES:
            for url in LISTS:
                response = _request(world, (city, role), "GET", url)
                if response.status_code != 200:
                    continue  # not this role's list
                for name in NAMES[other].values():
                    if name in response.text:
                        problems.append(f"{role} of {city}: {url} names {name!r}")
    for url in ("/children", "/sponsors"):
        text = _request(world, (PROVINCE, "province_officer"), "GET", url).text
        assert all(NAMES[c]["child" if url == "/children" else "sponsor"] in text
                   for c in KELURAHAN), url
    assert problems == []


def test_exports_hold_only_rows_in_scope(app, world):
    from asuh.accounts.models import User

    with app.app_context():
        for city, other in ((CITY, OTHER_CITY), (OTHER_CITY, CITY)):
            for role in ("officer", "auditor", "admin"):
                user = db.session.get(User, world["users"][(city, role)][0])
                for make in (datasets.children_dataset, datasets.sponsors_dataset,
                             datasets.matches_dataset, datasets.contributions_dataset,
                             datasets.audit_dataset):
                    text = repr(list(make(user, {}).rows))
                    assert not any(name in text for name in NAMES[other].values()), (
                        city, role, make.__name__)
                    assert make is datasets.audit_dataset or any(
                        name in text for name in NAMES[city].values()), (city, make.__name__)
        provincial = db.session.get(User, world["users"][(PROVINCE, "province_officer")][0])
        text = repr(list(datasets.children_dataset(provincial, {}).rows))
        assert all(NAMES[c]["child"] in text for c in KELURAHAN)


def test_audit_records_belong_to_their_city(app, world):
    from asuh.accounts.models import User

    with app.app_context():
        child_ids = {city: world["objects"][city]["child"]["child_id"] for city in KELURAHAN}
        for city in KELURAHAN:
            auditor = db.session.get(User, world["users"][(city, "auditor")][0])
            seen = list(db.session.scalars(audit_queries.records_query(
                audit_queries.AuditFilters(entity_type="child"), auditor)))
            assert {r.entity_id for r in seen} == {str(child_ids[city])}
            assert {r.scope_code for r in seen} == {city}
        provincial = db.session.get(User, world["users"][(PROVINCE, "province_auditor")][0])
        seen = {r.entity_id for r in db.session.scalars(audit_queries.records_query(
            audit_queries.AuditFilters(entity_type="child"), provincial))}
        assert seen == {str(child_ids[c]) for c in KELURAHAN}


# --- rules on their own world (each test wipes and builds what it needs) ----------------


@pytest.fixture
def province_world(app):
    """Two cities' officers, a provincial officer, and a sponsor of each city."""
    _wipe(app)
    with app.app_context():
        import_regions(parse_region_csv(province_region_file().read_bytes()))
        # One kelurahan of another province, for a sponsor living there.
        import_regions([RegionRow(1, "16.71.01", "Ilir Barat II", "kecamatan", "16.71", None),
                        RegionRow(2, "16.71.01.1001", "Tangga Takat", "kelurahan",
                                  "16.71.01", "kelurahan")])
        factories.catalogue()
        db.session.commit()
    yield
    _wipe(app)


def test_a_sponsor_may_take_a_child_of_another_city_of_the_province_only(app, province_world):
    with app.app_context():
        officer = factories.user("officer", scope=CITY)
        other_officer = factories.user("officer", scope=OTHER_CITY)
        child = factories.child(actor=officer, kelurahan_code=KELURAHAN[CITY])
        neighbour = factories.sponsor(actor=other_officer, kelurahan_code=KELURAHAN[OTHER_CITY])
        match = matching.create_match(neighbour, child, start_on=timeutil.today(),
                                      actor=officer)
        assert match.id
        # Each city's officers see it: the child's city the match, the sponsor's city the
        # sponsor; the sponsor's city may not correct the child's match...
        from asuh.contributions import access
        from asuh.matching import queries
        from asuh.sponsors import scoping
        assert scoping.in_scope(officer, neighbour) and not scoping.lives_in_scope(
            officer, neighbour)
        assert match.id in {m.id for m in db.session.scalars(queries.matches_query(officer))}
        assert match.id not in {m.id for m in db.session.scalars(
            queries.matches_query(other_officer))}
        assert access.match_in_scope(officer, match)
        # ...and the child's city may see the sponsor but not approve or change them.
        from asuh.errors import NotPermitted
        from asuh.sponsors import services as sponsors
        with pytest.raises(NotPermitted):
            sponsors.withdraw_sponsor(neighbour, "pindah", actor=officer)
        # Another province: never.
        root = factories.user("admin")
        stranger = factories.sponsor(actor=root, kelurahan_code="16.71.01.1001")
        other_child = factories.child(actor=officer, kelurahan_code=KELURAHAN[CITY])
        with pytest.raises(ValidationFailed) as refused:
            matching.create_match(stranger, other_child, start_on=timeutil.today(),
                                  actor=officer)
        assert "provinsi lain" in str(refused.value.errors["sponsor_id"])
        # An officer of another city cannot even name the child.
        with pytest.raises(NotFoundError):
            matching.create_match(neighbour, other_child, start_on=timeutil.today(),
                                  actor=other_officer)
        db.session.rollback()


def test_automatch_stays_in_the_province_and_the_officers_scope(app, province_world):
    from asuh.matching import automatch

    with app.app_context():
        officer = factories.user("officer", scope=CITY)
        other_officer = factories.user("officer", scope=OTHER_CITY)
        root = factories.user("admin")
        children = [factories.child(actor=officer, kelurahan_code=KELURAHAN[CITY]),
                    factories.child(actor=other_officer, kelurahan_code=KELURAHAN[OTHER_CITY])]
        for kid in children:
            factories.measurement(kid, actor=root, height_cm="66.0")  # stunted: waiting
        factories.sponsor(actor=root, kelurahan_code="16.71.01.1001", capacity=5)
        neighbour = factories.sponsor(actor=other_officer,
                                      kelurahan_code=KELURAHAN[OTHER_CITY], capacity=5)
        db.session.commit()
        proposal = automatch.build_proposal(actor=officer)
        assert [(c, s) for c, s, _ in proposal.pairs] == [(children[0].id, neighbour.id)]
        assert proposal.cross_city == 1
        everything = automatch.build_proposal()
        assert {c for c, _, _ in everything.pairs} == {kid.id for kid in children}
        assert {s for _, s, _ in everything.pairs} == {neighbour.id}


def test_moving_a_child_hands_it_over_with_its_history(app, province_world):
    from asuh.accounts.models import User
    from asuh.children import moving
    from asuh.children.visibility import can_see
    from asuh.contributions import access
    from asuh.contributions.models import Contribution
    from asuh.errors import NotPermitted

    with app.app_context():
        officer = factories.user("officer", scope=CITY)
        receiving = factories.user("officer", scope=OTHER_CITY)
        field = factories.user("field", scope=CITY)
        root = factories.user("admin")
        assign_kelurahan(field, [KELURAHAN[CITY]], actor=root)
        sponsor = factories.sponsor(actor=officer, kelurahan_code=KELURAHAN[CITY])
        child = factories.child(actor=officer, kelurahan_code=KELURAHAN[CITY])
        measurement = factories.measurement(child, actor=officer)
        match = factories.match(sponsor, child, start_on=timeutil.today() - timedelta(days=30),
                                actor=officer)
        delivery = factories.contribution(match, actor=root)
        db.session.commit()
        ids = {"officer": officer.id, "receiving": receiving.id, "field": field.id}

        with pytest.raises(NotPermitted):
            moving.move_child(child, KELURAHAN[OTHER_CITY], "Pindah kerja", actor=field)
        with pytest.raises(NotFoundError):  # the receiving city cannot take it
            moving.move_child(child, KELURAHAN[OTHER_CITY], "Pindah", actor=receiving)
        with pytest.raises(ValidationFailed) as refused:
            moving.move_child(child, "19.71.02.1001", "Pindah", actor=officer)
        assert "kabupaten/kota yang sama" in str(refused.value.errors)
        with pytest.raises(ValidationFailed):
            moving.move_child(child, "16.71.01.1001", "Pindah", actor=officer)
        with pytest.raises(ValidationFailed):
            moving.move_child(child, KELURAHAN[OTHER_CITY], "  ", actor=officer)

        moving.move_child(child, KELURAHAN[OTHER_CITY], "Orang tua pindah kerja",
                          actor=officer)
        db.session.expire_all()
        child = db.session.get(Child, child.id)
        officer, receiving = (db.session.get(User, ids["officer"]),
                              db.session.get(User, ids["receiving"]))
        assert child.kelurahan_code == KELURAHAN[OTHER_CITY]
        assert can_see(receiving, child) and not can_see(officer, child)
        # History travels with the child: the measurement, the running match, the delivery.
        assert measurement.child_id == child.id
        assert matching.end_match  # the match runs on, now seen by the receiving city
        from asuh.matching.models import Match
        running = db.session.get(Match, match.id)
        assert running.ended_on is None and access.match_in_scope(receiving, running)
        moved = db.session.get(Contribution, delivery.id)
        assert moved.kelurahan_code == KELURAHAN[OTHER_CITY]
        assert access.load(moved.id, receiving) is not None
        assert access.load(moved.id, officer) is None
        # Both cities' trails tell of the move; the page lists it once.
        records = list(db.session.scalars(select(AuditRecord).where(
            AuditRecord.action == "move")))
        assert {r.scope_code for r in records} == {CITY, OTHER_CITY}
        [move] = moving.moves_of(child)
        assert "Kota Pangkalpinang" in move["from"] and "Bangka Tengah" in move["to"]
        assert move["reason"] == "Orang tua pindah kerja"

    client = app.test_client()
    with app.app_context():
        email = db.session.get(User, ids["receiving"]).email
    assert sign_in(client, email, PASSWORD).status_code == 302
    page = client.get(f"/children/{child.id}")
    assert page.status_code == 200 and "Riwayat pindah kabupaten/kota" in page.text


def test_a_child_is_registered_only_in_the_officers_scope(app, province_world):
    with app.app_context():
        officer = factories.user("officer", scope=CITY)
        with pytest.raises(ValidationFailed) as refused:
            factories.child(actor=officer, kelurahan_code=KELURAHAN[OTHER_CITY])
        assert "di luar wilayah kerja" in str(refused.value.errors["kelurahan_code"])
        with pytest.raises(ValidationFailed):
            factories.sponsor(actor=officer, kelurahan_code=KELURAHAN[OTHER_CITY])
        db.session.rollback()


def test_an_import_row_of_another_city_is_refused(app, province_world):
    from asuh.children import importing
    from asuh.children.importfile import read_child_rows

    with app.app_context():
        officer = factories.user("officer", scope=CITY)
        birth = timeutil.today() - timedelta(days=500)
        seen = timeutil.today() - timedelta(days=10)
        header = "NIK;Nama;JK (L/P);Tgl Lahir;Nama Ortu;Kode Kel;Tanggal Pengukuran;" \
                 "Berat;Tinggi;Cara Ukur"
        rows = [f"{factories.child_nik(birth, 'P', n)};Anak {n};P;{birth:%d/%m/%Y};Ibu;"
                f"{code};{seen:%d/%m/%Y};8,9;74,5;Terlentang"
                for n, code in ((1, KELURAHAN[CITY]), (2, KELURAHAN[OTHER_CITY]))]
        data = (header + "\n" + "\n".join(rows) + "\n").encode()
        preview = importing.preview_import(read_child_rows("posyandu.csv", data),
                                           filename="posyandu.csv", actor=officer)
        outcome = {r.line: r for r in preview.rows}
        assert not outcome[2].errors
        assert any("kabupaten/kota lain" in e for e in outcome[3].errors), outcome[3].errors
        db.session.rollback()
