"""Open data: the programme's figures for the public, per province, kabupaten/kota and
kecamatan (``areas.py``), as a page and as CSV, with no personal data and no small group
(``suppression.py``).

``register(app)`` adds the pages; importing the package loads nothing of the web layer.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.opendata.views import bp

    app.register_blueprint(bp)
