"""Matching sponsors with children, and the sponsor's own pages.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.matching.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.matching import own
    from asuh.matching.views import bp

    # own declares the sponsor's pages on the matching blueprint; importing it adds them.
    assert own.bp is bp
    app.register_blueprint(bp)
    from asuh.audit.services import register_scope_resolver
    from asuh.matching.scoping import match_city
    register_scope_resolver("match", match_city)
