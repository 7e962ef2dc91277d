"""The unit of work: the outermost use case commits, any error rolls the whole act back."""

import pytest
from sqlalchemy import select

from asuh.extensions import db
from asuh.regions.models import Region
from asuh.transactions import in_unit_of_work, use_case


class Refused(Exception):
    pass


@use_case
def _add_kecamatan(code: str, *, fail: bool = False) -> Region:
    region = Region(code=code, name=f"Kecamatan {code}", level="kecamatan")
    db.session.add(region)
    if fail:
        raise Refused(code)
    return region


@use_case
def _add_two(first: str, second: str, *, fail_second: bool = False) -> None:
    _add_kecamatan(first)
    assert in_unit_of_work()
    _add_kecamatan(second, fail=fail_second)


def _codes() -> set[str]:
    db.session.expire_all()
    return set(db.session.scalars(select(Region.code).where(Region.code.like("99.%"))))


def test_outermost_use_case_commits(app_ctx):
    _add_two("99.01", "99.02")
    db.session.rollback()  # nothing left to roll back: it was committed
    assert _codes() == {"99.01", "99.02"}
    assert not in_unit_of_work()


def test_error_in_an_inner_use_case_rolls_back_the_whole_act(app_ctx):
    with pytest.raises(Refused):
        _add_two("99.03", "99.04", fail_second=True)
    assert _codes() == set()
    assert not in_unit_of_work()
