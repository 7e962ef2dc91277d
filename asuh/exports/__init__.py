"""CSV and XLSX exports of every list.

``register(app)`` is this area's wiring, called by the app factory: it imports the modules
that declare routes and commands (inside the function, so importing ``asuh.exports.models``
or ``.services`` never loads the web layer) and adds them to the app.
"""

from flask import Flask


def register(app: Flask) -> None:
    from asuh.exports import export_job
    from asuh.exports.views import bp
    from asuh.jobs.registry import add_handler

    app.register_blueprint(bp)
    add_handler(app, export_job.KIND, export_job.run, label=export_job.LABEL)
