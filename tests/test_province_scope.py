"""Issue 15's foundation: scopes of accounts and the one rule that answers "in scope?"."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from asuh.accounts import services
from asuh.accounts.models import User
from asuh.errors import NotFoundError, ValidationFailed
from asuh.extensions import db
from asuh.regions import scopes
from asuh.regions.models import KELURAHAN, Region
from tests import factories

PASSWORD = factories.PASSWORD


def _create(runner, role, scope=None, email=None):
    args = ["users", "create", "--email", email or f"{role}-{scope}@example.id",
            "--password", PASSWORD, "--role", role]
    return runner.invoke(args=args + (["--scope", scope] if scope is not None else []))


def test_users_create_takes_a_city_or_province_scope(runner, app, province):
    assert _create(runner, "officer", "19.71").exit_code == 0
    result = _create(runner, "auditor", "19")
    assert result.exit_code == 0 and "scope 19" in result.output
    assert _create(runner, "admin", "19.04").exit_code == 0
    for role, scope, why in (("officer", "19.71.01", "bukan kode"),
                             ("officer", "18", "bukan kode"),
                             ("field", "19", "bukan kode kabupaten/kota"),
                             ("admin", "19", "bukan kode kabupaten/kota"),
                             ("sponsor", "19.71", "tidak memakai wilayah")):
        result = _create(runner, role, scope)
        assert result.exit_code != 0 and why in result.output, (role, scope, result.output)
    # Two or more kabupaten/kota: a staff account must say which.
    result = _create(runner, "officer", None, "nowhere@example.id")
    assert result.exit_code != 0 and "Pilih wilayah" in result.output
    with app.app_context():
        scoped = dict(db.session.execute(select(User.email, User.scope_code)).all())
    assert scoped == {"officer-19.71@example.id": "19.71", "auditor-19@example.id": "19",
                      "admin-19.04@example.id": "19.04"}


def test_a_single_city_installation_needs_no_scope(app, regions):
    with app.app_context():
        officer = factories.user("officer")
        admin = factories.user("admin")
        sponsor = factories.user("sponsor")
        assert (officer.scope_code, admin.scope_code, sponsor.scope_code) == (
            "19.71", None, None)
        db.session.rollback()


def test_a_city_admin_hands_out_only_their_city(app, province):
    with app.app_context():
        admin = factories.user("admin", scope="19.04")
        made = services.create_user("k@example.id", PASSWORD, "field", actor=admin)
        assert made.scope_code == "19.04"
        with pytest.raises(ValidationFailed) as refused:
            services.create_user("o@example.id", PASSWORD, "officer", actor=admin, scope="19.71")
        assert "di luar wilayah Anda" in str(refused.value.errors)
        with pytest.raises(ValidationFailed):
            services.create_user("p@example.id", PASSWORD, "officer", actor=admin, scope="19")
        db.session.rollback()


def test_scope_helpers(app, province):
    with app.app_context():
        assert scopes.city_code_of("19.71.01.1004") == "19.71"
        assert scopes.province_code_of("19.71.01.1004") == "19"
        assert [c.code for c in scopes.cities_in("19")] == [
            "19.01", "19.02", "19.03", "19.04", "19.05", "19.06", "19.71"]
        assert [c.code for c in scopes.cities_in("19.04")] == ["19.04"]
        assert len(scopes.cities_in(None)) == 7
        officer = factories.user("officer", scope="19.04")
        scopes.ensure_in_scope(officer, "19.04.01.2003")
        with pytest.raises(NotFoundError):
            scopes.ensure_in_scope(officer, "19.71.01.1004")
        scopes.ensure_in_scope(None, "19.71.01.1004")
        db.session.rollback()


_CODES = st.one_of(
    st.sampled_from(["19", "18", "21", "19.71", "19.04", "19.72", "18.71", "19.7", "1"]),
    st.from_regex(r"\A\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?\Z"))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scope=st.one_of(st.none(), st.sampled_from(["19", "19.71", "19.04", "18", "19.72"]),
                       st.from_regex(r"\A\d{2}(\.\d{2})?\Z")),
       extra=_CODES)
def test_within_and_kelurahan_codes_in_agree(app, province, scope, extra):
    """For any scope (province, kabupaten/kota, none) the Python test on a code and the
    database's list agree on every kelurahan, including a random one."""
    with app.app_context():
        kelurahan = set(db.session.scalars(
            select(Region.code).where(Region.level == KELURAHAN)))
        listed = set(db.session.scalars(scopes.kelurahan_codes_in(scope)))
        assert listed == {code for code in kelurahan if scopes.within(scope, code)}
        if extra in kelurahan:
            assert scopes.within(scope, extra) == (extra in listed)
        elif len(extra) == 13 and scope is not None:
            # An unknown village code is within its own prefixes only.
            assert scopes.within(scope, extra) == extra.startswith(scope + (
                "." if len(scope) < 13 else ""))
