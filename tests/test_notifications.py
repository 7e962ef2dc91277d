"""Outgoing mail: each notification reaches a real SMTP server (aiosmtpd on 127.0.0.1)
with its text, none reaches a user who switched it off, and a mail server that is down
delays mail and loses none. Mail is sent by the job worker's tick, never in the request."""

import logging
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from asuh import timeutil
from asuh.accounts.models import User
from asuh.extensions import db
from asuh.jobs.runner import run_ticks
from asuh.notifications import outbox
from asuh.notifications import preferences as prefs
from asuh.notifications.models import OutgoingMail
from asuh.sponsors import services as sponsors
from tests import factories
from tests.clock import wib
from tests.mailserver import MailServer, free_port


@pytest.fixture
def smtp(app, monkeypatch):
    server = MailServer().start()
    monkeypatch.setitem(app.config, "SMTP_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def mail_log(caplog):
    # Alembic's fileConfig (run by the app fixture's upgrade) disables loggers that
    # existed before it; a deployment migrates in another process.
    logging.getLogger("asuh.notifications").disabled = False
    with caplog.at_level(logging.INFO, logger="asuh.notifications"):
        yield caplog


def _admin(users):
    return db.session.get(User, users["admin"][0])


def _send_all(app) -> None:
    """What a job worker does between jobs (asuh.jobs.runner.run_ticks)."""
    with app.app_context():
        run_ticks()


def _pending_sponsor(app, **fields):
    with app.app_context():
        sponsor = factories.sponsor(approved=False, **fields)
        db.session.commit()
        return sponsor.id, sponsor.user_id, sponsor.email


def _switch_off(app, user_id: int, *kinds: str) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        keep = {k.code for k in prefs.kinds_for(user)} - set(kinds)
        prefs.set_preferences(user, keep, actor=user)


def test_approval_mail_arrives_with_the_sign_in_link_and_not_in_the_request(
        app, users, regions, smtp, client, login):
    sponsor_id, _, address = _pending_sponsor(app)
    login("officer")
    response = client.post(f"/sponsors/{sponsor_id}/approve")
    assert response.status_code == 302
    assert smtp.mailbox.messages == []  # queued with the approval, not sent by the request
    _send_all(app)
    message, = smtp.mailbox.to(address)
    assert message["Subject"] == "Pendaftaran Bapak/Bunda Asuh Anda disetujui"
    text = smtp.mailbox.text(message)
    assert "telah disetujui" in text and "http://127.0.0.1:5000/login" in text
    with app.app_context():
        mail = db.session.scalar(select(OutgoingMail))
        assert (mail.status, mail.kind, mail.attempts) == ("sent", "sponsor_approved", 1)
        assert mail.sent_at is not None
    _send_all(app)
    assert len(smtp.mailbox.messages) == 1  # sent once


def test_no_mail_for_a_user_who_switched_it_off(app, users, regions, smtp):
    on_id, _, on_address = _pending_sponsor(app)
    off_id, off_user, off_address = _pending_sponsor(app)
    _switch_off(app, off_user, prefs.SPONSOR_APPROVED)
    with app.app_context():
        from asuh.sponsors.models import Sponsor

        for sponsor_id in (on_id, off_id):
            sponsors.approve_sponsor(db.session.get(Sponsor, sponsor_id), actor=_admin(users))
    _send_all(app)
    assert len(smtp.mailbox.to(on_address)) == 1
    assert smtp.mailbox.to(off_address) == []


def test_the_preferences_page_switches_notifications(app, users, client, login):
    login("sponsor")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "Penyaluran saya dikonfirmasi atau ditolak" in page
    assert "Ringkasan pagi" not in page  # an officer's notification
    client.post("/account/notifications", data={"enabled": ["sponsor_approved"]})
    with app.app_context():
        assert prefs.switched_off(users["sponsor"][0]) == {
            prefs.DELIVERY_VERIFIED, prefs.BEHIND_REMINDER, prefs.STATEMENT_READY}
    client.post("/account/notifications", data={"enabled": [
        prefs.DELIVERY_VERIFIED, prefs.BEHIND_REMINDER, prefs.STATEMENT_READY]})
    with app.app_context():
        assert prefs.switched_off(users["sponsor"][0]) == {prefs.SPONSOR_APPROVED}


def test_rejected_and_confirmed_deliveries(app, users, regions, smtp):
    with app.app_context():
        scene = factories.contribution_scene(users)
        from asuh.matching.models import Match

        match = db.session.get(Match, scene["match"])
        field = db.session.get(User, users["field"][0])
        factories.contribution(match, actor=_admin(users), status="rejected", verifier=field,
                               reason="Foto tidak menunjukkan beras")
        factories.contribution(match, actor=_admin(users), status="confirmed", verifier=field)
        db.session.commit()
    _send_all(app)
    mails = smtp.mailbox.to(users["sponsor"][1])
    subjects = sorted(m["Subject"] for m in mails)
    assert subjects == ["Penyaluran Anda ditolak", "Penyaluran Anda sudah diterima keluarga"]
    rejected = next(m for m in mails if m["Subject"] == "Penyaluran Anda ditolak")
    assert "Alasannya: Foto tidak menunjukkan beras." in smtp.mailbox.text(rejected)


def test_a_confirmation_undone_is_not_mailed_and_the_later_rejection_is(app, users, regions,
                                                                         smtp):
    """Undo within minutes (issue 18) withdraws the waiting 'confirmed' mail; the decision
    that follows is told, though the same delivery already had a mail queued."""
    from asuh.contributions import verification
    from asuh.contributions.models import Contribution
    from asuh.matching.models import Match

    with app.app_context():
        scene = factories.contribution_scene(users)
        made = factories.contribution(db.session.get(Match, scene["match"]),
                                      actor=_admin(users))
        db.session.commit()
        contribution_id = made.id
    with app.app_context():
        contribution = db.session.get(Contribution, contribution_id)
        field = db.session.get(User, users["field"][0])
        verification.confirm_contribution(contribution, actor=field)
        verification.undo_confirmation(contribution, actor=field)
        verification.reject_contribution(contribution, "Foto tidak jelas", actor=field)
    _send_all(app)
    subjects = [m["Subject"] for m in smtp.mailbox.to(users["sponsor"][1])]
    assert subjects == ["Penyaluran Anda ditolak"]


def test_statement_ready_when_an_officer_issues_it(app, users, regions, smtp):
    from asuh.letters import services as letters

    with app.app_context():
        scene = factories.letter_scene(users["sponsor"][1], actor=_admin(users))
        letter = letters.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                                      period=scene["period"], actor=_admin(users))
        number = letter.number
        db.session.commit()
    _send_all(app)
    mail, = [m for m in smtp.mailbox.to(users["sponsor"][1])
             if m["Subject"] == "Surat pertanggungjawaban Anda sudah terbit"]
    assert number in smtp.mailbox.text(mail)
    assert "/my/letters" in smtp.mailbox.text(mail)


@pytest.mark.clock(wib(2026, 11, 25, 6, 0))
def test_behind_reminder_on_the_25th_once_per_month(app, users, regions, smtp, runner):
    with app.app_context():
        factories.contribution_scene(users)  # no delivery this month: behind
    result = runner.invoke(args=["notifications", "daily"])
    assert result.exit_code == 0, result.output
    assert "2 pengingat paket" in result.output  # mine and the other sponsor's
    again = runner.invoke(args=["notifications", "daily"])
    assert "0 pengingat paket" in again.output
    _send_all(app)
    mail, = [m for m in smtp.mailbox.to(users["sponsor"][1])
             if m["Subject"].startswith("Pengingat")]
    assert mail["Subject"] == "Pengingat: paket bulan November 2026 belum lengkap"
    assert "Beras untuk ananda" in smtp.mailbox.text(mail)


@pytest.mark.clock(wib(2026, 11, 24, 6, 0))
def test_no_behind_reminder_before_the_25th(app, users, regions, runner):
    with app.app_context():
        factories.contribution_scene(users)
    assert "0 pengingat paket" in runner.invoke(args=["notifications", "daily"]).output


def test_officer_digest_and_field_measurement_list(app, users, regions, smtp, runner):
    _pending_sponsor(app)
    with app.app_context():
        factories.contribution_scene(users)  # a child in the field user's kelurahan
    result = runner.invoke(args=["notifications", "daily"])
    assert "2 ringkasan petugas, 1 daftar ukur kader" in result.output, result.output
    _send_all(app)
    digest, = smtp.mailbox.to(users["officer"][1])
    assert digest["Subject"].startswith("Ringkasan pagi")
    assert "1 pendaftaran Bapak/Bunda Asuh menunggu persetujuan" in smtp.mailbox.text(digest)
    measure, = smtp.mailbox.to(users["field"][1])
    assert measure["Subject"] == "1 anak perlu diukur minggu ini"
    assert "belum pernah diukur" in smtp.mailbox.text(measure)
    assert runner.invoke(args=["notifications", "daily"]).output.startswith(
        "0 pengingat paket, 0 ringkasan petugas, 0 daftar ukur kader")


def test_a_mail_server_that_is_down_delays_mail_and_loses_none(app, users, regions,
                                                               monkeypatch, mail_log):
    port = free_port()  # nothing listens here yet
    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
    sponsor_id, _, address = _pending_sponsor(app)
    with app.app_context():
        from asuh.sponsors.models import Sponsor

        sponsors.approve_sponsor(db.session.get(Sponsor, sponsor_id), actor=_admin(users))
    _send_all(app)
    assert "mail server unreachable" in mail_log.text
    assert address not in mail_log.text  # no personal data in the log
    with app.app_context():
        mail = db.session.scalar(select(OutgoingMail))
        assert (mail.status, mail.attempts) == ("queued", 1)
        assert mail.next_attempt_at > timeutil.utcnow()
    server = MailServer(port).start()
    try:
        _send_all(app)  # not yet due: waits for its retry time
        assert server.mailbox.messages == []
        with time_machine.travel(timeutil.now() + outbox.retry_delay(1)
                                 + timedelta(seconds=1)):
            _send_all(app)
        assert len(server.mailbox.to(address)) == 1
        assert address not in mail_log.text
    finally:
        server.stop()


def test_retries_back_off_and_give_up_after_two_days():
    delays = [outbox.retry_delay(n) for n in range(1, outbox.MAX_ATTEMPTS)]
    assert delays[0] == timedelta(minutes=1) and delays[1] == timedelta(minutes=2)
    assert max(delays) == timedelta(hours=6)
    assert timedelta(days=1) < sum(delays, timedelta()) < timedelta(days=3)


def test_without_smtp_url_nothing_is_sent_and_the_log_says_so(app, users, regions,
                                                               mail_log):
    assert app.config.get("SMTP_URL") is None
    sponsor_id, _, _ = _pending_sponsor(app)
    with app.app_context():
        from asuh.sponsors.models import Sponsor

        sponsors.approve_sponsor(db.session.get(Sponsor, sponsor_id), actor=_admin(users))
    _send_all(app)
    assert "ASUH_SMTP_URL is not set" in mail_log.text
    with app.app_context():
        assert db.session.scalar(select(OutgoingMail.status)) == "skipped"


def test_account_mail_hooks_queue_unswitchable_mail(app, users, smtp):
    from asuh.notifications.account_mail import known_owner_mail, password_reset_mail

    with app.app_context():
        user = db.session.get(User, users["sponsor"][0])
        assert password_reset_mail(user, "http://127.0.0.1:5000/reset/abc")
        assert known_owner_mail(user, login_url="L", reset_url="R")
        assert not known_owner_mail(user, login_url="L", reset_url="R")  # once a day
        db.session.commit()
    _send_all(app)
    subjects = sorted(m["Subject"] for m in smtp.mailbox.to(users["sponsor"][1]))
    assert subjects == ["Ada pendaftaran dengan email Anda", "Atur ulang kata sandi Asuh"]


@pytest.mark.clock(wib(2026, 11, 25, 6, 0))
def test_nothing_reaches_users_who_switched_everything_off(app, users, regions, smtp,
                                                           runner):
    from asuh.letters import services as letters
    from asuh.letters.periods import parse_period
    from asuh.matching.models import Match

    for role in ("sponsor", "officer", "field"):
        with app.app_context():
            user = db.session.get(User, users[role][0])
            prefs.set_preferences(user, set(), actor=user)
    with app.app_context():
        scene = factories.contribution_scene(users)
        factories.sponsor(approved=False)  # waits for approval: the digest has news
        admin = _admin(users)
        match = db.session.get(Match, scene["match"])
        field = db.session.get(User, users["field"][0])
        factories.contribution(match, actor=admin, status="rejected", verifier=field)
        factories.contribution(match, actor=admin, status="confirmed", verifier=field)
        letters.issue_letter("sponsor_statement", sponsor_id=scene["sponsor"],
                             period=parse_period("2026-10"), actor=admin)
        db.session.commit()
    assert runner.invoke(args=["notifications", "daily"]).exit_code == 0
    _send_all(app)
    for role in ("sponsor", "officer", "field"):
        assert smtp.mailbox.to(users[role][1]) == [], role
    # The same events did reach those who left them on: the admin's digest.
    assert [m["Subject"] for m in smtp.mailbox.to(users["admin"][1])] == [
        "Ringkasan pagi 25 November 2026"]


def test_forgot_password_mails_a_working_reset_link_to_an_active_account_only(
        app, users, smtp, client):
    """'Lupa kata sandi' answers alike for every email; only a real account's owner gets
    mail, and its link opens the reset page."""
    answers = set()
    for email in (users["sponsor"][1], "tidak-ada@contoh.id"):
        answer = client.post("/forgot-password", data={"email": email})
        assert answer.status_code == 200
        answers.add(answer.get_data(as_text=True))
    assert len(answers) == 1
    _send_all(app)
    (to, mail), = smtp.mailbox.messages
    assert to == [users["sponsor"][1]]
    assert mail["Subject"] == "Atur ulang kata sandi Asuh"
    link = next(word for word in smtp.mailbox.text(mail).split() if "/reset/" in word)
    assert client.get(link[link.index("/reset/"):]).status_code == 200


def test_registering_with_a_known_email_tells_its_owner_once_a_day(app, users, smtp):
    from asuh.sponsors.signup import tell_known_owner

    with app.app_context():
        tell_known_owner([users["sponsor"][1], "tidak-ada@contoh.id"])
        tell_known_owner([users["sponsor"][1]])
        db.session.commit()
    _send_all(app)
    (to, mail), = smtp.mailbox.messages
    assert to == [users["sponsor"][1]]
    assert mail["Subject"] == "Ada pendaftaran dengan email Anda"
    assert "/forgot-password" in smtp.mailbox.text(mail)
