"""Backups that restore: ``flask --app app backup create DIR`` / ``backup restore DIR``.

``register(app)`` is this area's wiring, called by the app factory. The area sits on top
of the others: it reads the audit trail, the dashboard's checks and the letters' hashes
to prove a restore, and nothing imports it.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.backup.cli import backup_cli

    app.cli.add_command(backup_cli)
