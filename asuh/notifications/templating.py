"""The WhatsApp links' texts for the pages: the email's words (``texts``), short.

Registered as the Jinja globals ``wa_me_url`` and ``wa_text``, used through the
``whatsapp_link`` macro in templates/macros.html.
"""

from flask import current_app

from asuh import timeutil
from asuh.contributions.totals import month_of
from asuh.notifications import texts
from asuh.notifications.preferences import link
from asuh.notifications.whatsapp import tel_number, wa_me_url


class WhatsAppTexts:
    @staticmethod
    def _short(name: str, message: texts.Message) -> str:
        return texts.whatsapp(name, message, current_app.config["OFFICE_SHORT_NAME"])

    def reminder(self, sponsor, child_name: str | None = None, progress=None,
                 month=None) -> str:
        """This month's package is not complete (the missing lines when known)."""
        month = month or month_of(timeutil.today())
        lines = ([texts.package_line(line, child_name) for line in progress.lines
                  if line.behind] if progress is not None and child_name else [])
        return self._short(sponsor.name, texts.behind_reminder(
            month, lines, link("contributions.own")))

    def rejection(self, sponsor, contribution, child_name: str) -> str:
        return self._short(sponsor.name, texts.delivery_rejected(
            contribution.delivered_on, child_name, contribution.rejection_reason,
            link("contributions.detail", contribution_id=contribution.id)))

    def visit(self, child) -> str:
        return self._short(child.guardian_name, texts.visit(child.name, child.posyandu))


def register_template_helpers(app) -> None:
    app.jinja_env.globals.update(wa_me_url=wa_me_url, tel_number=tel_number,
                                  wa_text=WhatsAppTexts())
