"""Accounts: users, passwords, sessions and API tokens.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.accounts.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.accounts.cli import users_cli
    from asuh.accounts.views import bp

    app.register_blueprint(bp)
    from asuh.accounts.scoping import user_scope
    from asuh.audit.services import register_scope_resolver
    register_scope_resolver("user", user_scope)
    app.cli.add_command(users_cli)
