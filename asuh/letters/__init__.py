"""Accountability letters: issuing, PDFs, numbering and public verification.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.letters.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.letters import verify_views
    from asuh.letters.cli import letters_cli
    from asuh.letters.views import bp

    # verify_views declares the public check on the letters blueprint; importing it adds it.
    assert verify_views.bp is bp
    app.register_blueprint(bp)
    app.cli.add_command(letters_cli)
