"""The installable app (issue 13): web app manifest, the service worker that keeps the app
shell and the signed-in user's field pages on the phone, and the little routes the offline
outbox needs (a fresh CSRF token when it resends).

``register(app)`` adds the pages and the response hooks; importing the package loads
nothing of the web layer.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.app_shell import views

    app.register_blueprint(views.bp)
    app.after_request(views.mark_offline_pages)
    app.context_processor(views.shell_context)
