"""Contributions (deliveries), their verification and the commodity catalogue.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.contributions.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.contributions import catalogue_views, logging_views
    from asuh.contributions.cli import contributions_cli
    from asuh.contributions.views import bp

    # Both declare their routes on the contributions blueprint; importing them adds them.
    assert catalogue_views.bp is bp and logging_views.bp is bp
    app.register_blueprint(bp)
    from asuh.audit.services import register_scope_resolver
    from asuh.contributions.access import contribution_city
    register_scope_resolver("contribution", contribution_city)
    from asuh.children.moving import child_moved
    from asuh.contributions.access import on_child_moved
    child_moved.connect(on_child_moved)
    app.cli.add_command(contributions_cli)
