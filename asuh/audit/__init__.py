"""The audit trail: an append-only, hash-chained table.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.audit.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.audit import key, masking
    from asuh.audit.cli import audit_cli
    from asuh.audit.views import bp

    key.init_app(app)
    masking.install_log_filter(app.logger)
    app.register_blueprint(bp)
    app.cli.add_command(audit_cli)
