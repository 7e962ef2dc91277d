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
