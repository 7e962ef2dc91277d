"""Visit lists: the children a field team measures and the deliveries it confirms, for
one kelurahan (or one posyandu in it) and one month, on paper (PDF) and on the phone.

``register(app)`` adds the pages; importing the package loads nothing of the web layer.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.visits.views import bp

    app.register_blueprint(bp)
