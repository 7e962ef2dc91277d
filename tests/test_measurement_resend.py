"""A measurement resent from a phone's outbox (issue 13) is stored once: the form's
one-time token is its submission key."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from asuh.children import measuring
from asuh.children.models import Measurement
from asuh.errors import ValidationFailed
from asuh.extensions import db
from tests import factories
from tests.clock import SUITE_DAY

TODAY = SUITE_DAY
FORM = {"measured_on": TODAY.isoformat(), "height_cm": "72,0", "weight_kg": "8,5",
        "position": "lying"}


@pytest.fixture
def child_id(app, users, regions):
    with app.app_context():
        child = factories.child(birth_date=TODAY - timedelta(days=365))
        db.session.commit()
        return child.id


def _count(app, child_id):
    with app.app_context():
        return db.session.scalar(select(func.count(Measurement.id)).where(
            Measurement.child_id == child_id))


def test_the_same_form_sent_three_times_is_one_measurement(app, client, login, child_id):
    login("officer")
    form = dict(FORM, submission_token="t" * 32)
    answers = [client.post(f"/children/{child_id}/measurements", data=form,
                           headers={"X-Requested-With": "XMLHttpRequest"})
               for _ in range(3)]
    assert [a.get_json() for a in answers] == [{"location": f"/children/{child_id}"}] * 3
    assert _count(app, child_id) == 1


def test_without_a_token_a_second_one_the_same_day_is_refused_as_before(app, client, login,
                                                                         child_id):
    login("officer")
    assert client.post(f"/children/{child_id}/measurements", data=FORM).status_code == 302
    again = client.post(f"/children/{child_id}/measurements", data=FORM)
    assert again.status_code == 200 and "sudah" in again.text
    assert _count(app, child_id) == 1


def test_a_key_reused_for_another_child_or_day_is_refused(app_ctx, users, regions):
    from asuh.accounts.models import User

    officer = db.session.get(User, users["officer"][0])
    first = factories.child(birth_date=TODAY - timedelta(days=365))
    second = factories.child(birth_date=TODAY - timedelta(days=400))
    kept = measuring.record_measurement(first, measured_on=TODAY, height_cm="72.0",
                                        weight_kg="8.5", position="lying", actor=officer,
                                        submission_key="form:k1")
    assert measuring.record_measurement(first, measured_on=TODAY, height_cm="72.0",
                                        weight_kg="8.5", position="lying", actor=officer,
                                        submission_key="form:k1") is kept
    for child, day in ((second, TODAY), (first, TODAY - timedelta(days=1))):
        with pytest.raises(ValidationFailed) as refused:
            measuring.record_measurement(child, measured_on=day, height_cm="72.0",
                                         weight_kg="8.5", position="lying", actor=officer,
                                         submission_key="form:k1")
        assert "submission_key" in refused.value.errors


def test_a_confirmation_resent_counts_once_even_after_an_undo(app, client, login, users,
                                                               regions):
    from asuh.contributions.models import Contribution

    with app.app_context():
        contribution = factories.contribution()
        db.session.commit()
        contribution_id = contribution.id
    login("officer")
    form = {"submission_token": "c" * 32}
    url = f"/contributions/{contribution_id}/confirm"
    xhr = {"X-Requested-With": "XMLHttpRequest"}
    first = client.post(url, data=form, headers=xhr)
    assert first.get_json() == {"location": f"/contributions/{contribution_id}"}
    assert client.post(url, data=form, headers=xhr).status_code == 200  # the same one
    client.post(f"/contributions/{contribution_id}/undo-confirm")
    client.post(url, data=form, headers=xhr)  # arrives late: the undone one, not a new one
    with app.app_context():
        assert db.session.get(Contribution, contribution_id).status == "pending"
    # A new confirmation (another form) is refused with the reason once confirmed.
    assert client.post(url, data={"submission_token": "d" * 32}, headers=xhr).status_code == 200
    refused = client.post(url, data={"submission_token": "e" * 32}, headers=xhr)
    assert refused.status_code == 409 and "sudah" in refused.get_json()["message"]
