"""Regions: the packaged city, imports of another city's list, the API, field work areas."""

from sqlalchemy import func, select

from asuh.extensions import db
from asuh.regions.models import Region
from asuh.regions.services import assigned_kelurahan


def test_default_install_regions(runner, app):
    result = runner.invoke(args=["regions", "import"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        levels = dict(db.session.execute(
            select(Region.level, func.count()).group_by(Region.level)).all())
    assert levels == {"provinsi": 1, "kabupaten": 1, "kecamatan": 7, "kelurahan": 42}
    again = runner.invoke(args=["regions", "import"])
    assert "0 created, 0 updated" in again.output


def test_import_another_city_and_bad_file_writes_nothing(runner, app, tmp_path):
    good = tmp_path / "kota.csv"
    good.write_text("code,name,level,parent_code\n"
                    "16.71.01,Ilir Barat II,kecamatan,\n"
                    "16.71.01.1001,Tangga Takat,kelurahan,16.71.01\n")
    assert runner.invoke(args=["regions", "import", str(good)]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\n"
                   "16.72.01,Satu,kecamatan,\n"
                   "16.72.01.99,Rusak,kelurahan,16.72.01\n")
    result = runner.invoke(args=["regions", "import", str(bad)])
    assert result.exit_code != 0
    assert "baris 3" in result.output
    with app.app_context():
        assert db.session.get(Region, "16.72.01") is None
        assert db.session.get(Region, "16.71.01.1001").name == "Tangga Takat"


def test_regions_api(client, regions, api_token):
    headers = api_token("sponsor")
    kecamatan = client.get("/api/v1/regions?level=kecamatan", headers=headers).json
    assert len(kecamatan) == 7
    assert {"code", "name", "level", "parent_code"} == set(kecamatan[0])
    kelurahan = client.get("/api/v1/regions?level=kelurahan", headers=headers).json
    assert all(k["parent_code"] for k in kelurahan)
    # Issue 15 added the upper levels (an addition to the published list of levels).
    cities = client.get("/api/v1/regions?level=kabupaten", headers=headers).json
    assert [(c["code"], c["parent_code"]) for c in cities] == [("19.71", "19")]
    assert client.get("/api/v1/regions?level=negara", headers=headers).status_code == 422


def test_admin_assigns_field_user_kelurahan(client, regions, users, login, app):
    login("admin")
    field_id = users["field"][0]
    page = client.get(f"/admin/users/{field_id}/kelurahan")
    assert page.status_code == 200
    response = client.post(f"/admin/users/{field_id}/kelurahan",
                           data={"kelurahan": ["19.71.01.1004", "19.71.01.1006"]})
    assert response.status_code == 302
    with app.app_context():
        from asuh.accounts.models import User

        assert sorted(assigned_kelurahan(db.session.get(User, field_id))) == [
            "19.71.01.1004", "19.71.01.1006"]
    detail = client.get(f"/admin/users/{field_id}")
    assert "Bacang" in detail.text


def test_unknown_kelurahan_is_refused(client, regions, users, login, app):
    login("admin")
    field_id = users["field"][0]
    response = client.post(f"/admin/users/{field_id}/kelurahan",
                           data={"kelurahan": ["19.71.01"]})
    assert response.status_code == 200
    with app.app_context():
        from asuh.accounts.models import User

        assert assigned_kelurahan(db.session.get(User, field_id)) == []


def test_regions_page(client, regions, login):
    login("officer")
    page = client.get("/regions")
    assert "Bukit Intan" in page.text and "Semabung Lama" in page.text
