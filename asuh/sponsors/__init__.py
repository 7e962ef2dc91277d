"""Sponsors (Bapak/Bunda Asuh): registry, approval and self-service.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.sponsors.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.accounts.services import user_created
    from asuh.sponsors import selfservice, services
    from asuh.sponsors.views import bp

    # selfservice declares its routes on the sponsors blueprint; importing it adds them.
    assert selfservice.bp is bp
    app.register_blueprint(bp)
    from asuh.audit.services import register_scope_resolver
    from asuh.sponsors.scoping import sponsor_city
    register_scope_resolver("sponsor", sponsor_city)
    # A sponsor login created apart from its record (``users create``) is linked to it.
    user_created.connect(services.on_user_created)
