"""Asuh: the Bapak/Bunda Asuh Anak Stunting programme's system of record."""

import importlib
from pathlib import Path

from flask import Flask

from asuh import static_files
from asuh.config import PROJECT_ROOT, load_config
from asuh.extensions import configure_sqlite, csrf, db, limiter, login_manager, migrate
from asuh.filemodes import private_sqlite_file


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_extensions(app)
    static_files.register(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_cli(app)

    from asuh.letters.pdf import warn_if_slow_fonts

    warn_if_slow_fonts(app.logger)
    return app


AREAS_WITH_MODELS = ("accounts", "audit", "children", "contributions", "dashboard", "jobs",
                     "letters", "matching", "notifications", "regions", "settings", "sponsors",
                     "storage")


def import_models() -> None:
    """Load every area's models so the metadata (and Alembic) sees all tables."""
    for area in AREAS_WITH_MODELS:
        importlib.import_module(f"asuh.{area}.models")


def register_extensions(app: Flask) -> None:
    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Silakan masuk untuk membuka halaman itu."
    login_manager.login_message_category = "info"

    from asuh import storage

    storage.register(app)
    private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            from asuh.transactions import begins_writing

            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"], begins_writing)

    from asuh.accounts import services as accounts

    @login_manager.user_loader
    def load_user_from_session(token):
        from flask import request

        # The API never trusts cookies: that would make every API write a CSRF target.
        if request.blueprint == "api":
            return None
        return accounts.user_for_token(token, "web")

    @login_manager.request_loader
    def load_user_from_bearer(request):
        if request.blueprint != "api":
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        return accounts.user_for_token(token.strip(), "api")


def register_blueprints(app: Flask) -> None:
    """Each area wires itself (blueprint, command group, signal receivers) in its
    ``register(app)``; the areas are listed bottom floor first."""
    from asuh import (
        accounts,
        api,
        audit,
        backup,
        children,
        contributions,
        dashboard,
        exports,
        health,
        home,
        jobs,
        letters,
        matching,
        notifications,
        opendata,
        regions,
        settings,
        sponsors,
        visits,
    )

    app.register_blueprint(home.bp)
    health.register(app)  # /healthz, for the load balancer
    # jobs before letters: letters adds its job kind to the runner jobs wired up.
    for area in (accounts, regions, settings, sponsors, children, matching, contributions,
                 dashboard, audit, exports, jobs, letters, notifications, backup, visits,
                 opendata):
        area.register(app)
    api.register(app)


def register_request_hooks(app: Flask) -> None:
    from asuh.errors import register_error_handlers
    from asuh.permissions import refuse_auditor_writes
    from asuh.security import add_security_headers

    app.before_request(refuse_auditor_writes)
    app.after_request(add_security_headers)
    register_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from asuh.formatting import format_date_id, format_datetime_id, format_rupiah
    from asuh.identifiers import mask_identifier
    from asuh.permissions import Permission, has_permission

    app.jinja_env.filters.update(
        date_id=format_date_id,
        datetime_id=format_datetime_id,
        rupiah=format_rupiah,
        masked=mask_identifier,
    )

    @app.context_processor
    def _permissions():
        from flask_login import current_user

        return {"can": lambda name: has_permission(current_user, Permission(name)),
                "Permission": Permission}


def register_cli(app: Flask) -> None:
    """The commands that belong to no one area (each area adds its own group)."""
    from asuh.demo import demo_cli
    from asuh.install import install_command

    app.cli.add_command(demo_cli)
    app.cli.add_command(install_command)
