"""Command-line tools: users create and demo seed."""

from sqlalchemy import func, select

from asuh.accounts.models import User
from asuh.extensions import db


def test_users_create(runner, app):
    result = runner.invoke(args=["users", "create", "--email", "kader@kota.id",
                                 "--password", "kader-secret-1", "--role", "field",
                                 "--name", "Kader Satu"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "kader@kota.id"))
        assert (user.role, user.name) == ("field", "Kader Satu")


def test_users_create_refuses_a_short_password(runner):
    result = runner.invoke(args=["users", "create", "--email", "k@kota.id",
                                 "--password", "short", "--role", "field"])
    assert result.exit_code != 0
    assert "minimal 10" in result.output


def test_demo_seed_then_every_demo_login_lands_home(runner, app):
    from asuh.demo import DEMO_PASSWORD, DEMO_USERS

    result = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.asuh.id" in result.output
    again = runner.invoke(args=["demo", "seed", "--if-empty"])
    assert again.exit_code == 0
    with app.app_context():
        staff = select(func.count(User.id)).where(User.email.like("%@demo.asuh.id"))
        assert db.session.scalar(staff) == len(DEMO_USERS)
    for email, _role, _name in DEMO_USERS:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        assert client.get(response.headers["Location"], follow_redirects=True).status_code == 200


def test_users_create_links_an_existing_sponsor_record(runner, app, regions, users):
    from asuh.sponsors.models import Sponsor
    from tests import factories

    with app.app_context():
        record = factories.sponsor("citizen", email="warga@example.id")
        db.session.commit()
        # A record without a login (as registry data brought in before accounts existed).
        db.session.get(User, record.user_id).email = "retired-login@example.id"
        record.user_id = None
        db.session.commit()
        record_id = record.id
    result = runner.invoke(args=["users", "create", "--email", "warga@example.id",
                                 "--password", "warga-secret-1", "--role", "sponsor"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "warga@example.id"))
        assert db.session.get(Sponsor, record_id).user_id == user.id


def test_install_loads_defaults_once(runner):
    first = runner.invoke(args=["install"])
    assert first.exit_code == 0 and "regions" in first.output
    second = runner.invoke(args=["install"])
    assert "already installed" in second.output
