"""Children, their measurements and the e-PPGBM import.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.children.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.children import import_job, import_preview_job, import_views
    from asuh.children.cli import children_cli
    from asuh.children.views import bp
    from asuh.jobs.registry import add_handler

    # import_views declares its routes on the children blueprint; importing it adds them.
    assert import_views.bp is bp
    app.register_blueprint(bp)
    # The audit trail files a child's and a measurement's records under its city.
    from asuh.audit.services import register_scope_resolver
    from asuh.children.visibility import child_city, measurement_city
    register_scope_resolver("child", child_city)
    register_scope_resolver("measurement", measurement_city)
    app.cli.add_command(children_cli)
    add_handler(app, import_job.KIND, import_job.run, label=import_job.LABEL)
    add_handler(app, import_preview_job.KIND, import_preview_job.run,
                label=import_preview_job.LABEL)
