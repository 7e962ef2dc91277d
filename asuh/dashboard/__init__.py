"""The dashboard and the aggregates behind it.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.dashboard.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.children.measuring import measurements_changed
    from asuh.dashboard import growth, rebuild_job
    from asuh.dashboard.cli import dashboard_cli
    from asuh.dashboard.views import bp
    from asuh.jobs.registry import add_handler

    app.register_blueprint(bp)
    app.cli.add_command(dashboard_cli)
    add_handler(app, rebuild_job.KIND, rebuild_job.run, label=rebuild_job.LABEL)
    # Keeps growth summaries in step with measurements, in every process the factory
    # builds (web, CLI, tests). blinker keeps one connection per receiver, so building
    # several apps in one process does not run it twice.
    measurements_changed.connect(growth.on_measurements_changed)
