"""Regions: kecamatan and kelurahan.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.regions.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.regions.cli import regions_cli
    from asuh.regions.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(regions_cli)
