"""Entry point: ``flask --app app …`` and ``gunicorn app:app``."""

from asuh import create_app

app = create_app()
