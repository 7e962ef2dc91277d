"""Background jobs: long work off the request path, with progress, cancel and a result.

``register(app)`` wires the job pages, the ``jobs`` command group and the after-commit
hand-over to Redis. Areas add their job kinds in their own ``register(app)`` through
``asuh.jobs.registry.add_handler``: ``letters.monthly_statements``, ``children.import``,
``exports.file``, ``dashboard.rebuild``.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.jobs import backend
    from asuh.jobs.cli import jobs_cli
    from asuh.jobs.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(jobs_cli)
    backend.install(app)
