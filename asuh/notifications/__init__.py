"""Notifications: outgoing email (an outbox sent by the job workers), who is told what,
and the texts shared with the WhatsApp links.

``register(app)`` connects the receivers to the owning areas' signals, adds the
preferences page, the ``notifications`` commands and the mail delivery as a job-worker
tick. Other areas send mail with ``asuh.notifications.outbox.queue_mail`` (inside their
use case) or, for accounts' hooks, ``asuh.notifications.account_mail``.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.accounts.resets import reset_link_requested
    from asuh.contributions.verification import contribution_verified
    from asuh.jobs.registry import add_tick
    from asuh.letters.services import letter_issued
    from asuh.notifications import outbox, receivers, templating
    from asuh.notifications.cli import notifications_cli
    from asuh.notifications.views import bp
    from asuh.sponsors.services import sponsor_approved
    from asuh.sponsors.signup import registered_with_known_data

    app.register_blueprint(bp)
    app.cli.add_command(notifications_cli)
    sponsor_approved.connect(receivers.on_sponsor_approved)
    contribution_verified.connect(receivers.on_contribution_verified)
    letter_issued.connect(receivers.on_letter_issued)
    reset_link_requested.connect(receivers.on_reset_link_requested)
    registered_with_known_data.connect(receivers.on_registered_with_known_data)
    add_tick(app, "notifications.deliver_due", outbox.deliver_due)
    templating.register_template_helpers(app)
