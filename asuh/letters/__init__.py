"""Accountability letters: issuing, PDFs, numbering and public verification.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.letters.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.jobs.registry import add_handler
    from asuh.letters import bulk_job, bulk_views, verify_views
    from asuh.letters.cli import letters_cli
    from asuh.letters.views import bp

    # Both declare routes on the letters blueprint; importing them adds them.
    assert verify_views.bp is bp and bulk_views.bp is bp
    app.register_blueprint(bp)
    app.cli.add_command(letters_cli)
    add_handler(app, bulk_job.KIND, bulk_job.run, label=bulk_job.LABEL)
    # The audit trail files a letter's records (issue, supersede, download) under the
    # office that issued it: its city's auditors see them, another city's do not.
    from asuh.audit.services import register_scope_resolver
    from asuh.letters.offices import letter_office
    register_scope_resolver("letter", letter_office)
