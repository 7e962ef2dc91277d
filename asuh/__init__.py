"""Asuh: the Bapak/Bunda Asuh Anak Stunting programme's system of record."""

from pathlib import Path

from flask import Flask

from asuh.config import load_config
from asuh.extensions import configure_sqlite, csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_cli(app)

    from asuh.letters.pdf import warn_if_slow_fonts

    warn_if_slow_fonts(app.logger)
    return app


def import_models() -> None:
    """Load every area's models so the metadata (and Alembic) sees all tables."""
    import asuh.accounts.models
    import asuh.audit.models
    import asuh.children.models
    import asuh.contributions.models
    import asuh.dashboard.models
    import asuh.letters.models
    import asuh.matching.models
    import asuh.regions.models
    import asuh.settings.models
    import asuh.sponsors.models  # noqa: F401


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

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])

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
    from asuh import api, home
    from asuh.accounts.views import bp as accounts_bp
    from asuh.audit.views import bp as audit_bp
    from asuh.children.views import bp as children_bp
    from asuh.contributions.views import bp as contributions_bp
    from asuh.dashboard.views import bp as dashboard_bp
    from asuh.exports.views import bp as exports_bp
    from asuh.letters.views import bp as letters_bp
    from asuh.matching.views import bp as matching_bp
    from asuh.regions.views import bp as regions_bp
    from asuh.settings.views import bp as settings_bp
    from asuh.sponsors.views import bp as sponsors_bp

    app.register_blueprint(home.bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(regions_bp)
    app.register_blueprint(settings_bp)
    app.register_blueprint(sponsors_bp)
    app.register_blueprint(children_bp)
    app.register_blueprint(matching_bp)
    app.register_blueprint(contributions_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(letters_bp)
    api.register(app)


def register_request_hooks(app: Flask) -> None:
    from asuh.errors import register_error_handlers
    from asuh.permissions import refuse_auditor_writes
    from asuh.security import add_security_headers

    app.before_request(refuse_auditor_writes)
    app.after_request(add_security_headers)
    register_error_handlers(app)


def register_template_helpers(app: Flask) -> None:
    from asuh.identifiers import mask_identifier
    from asuh.permissions import Permission, has_permission
    from asuh.timeutil import format_date_id, format_datetime_id, format_rupiah

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
    from asuh.accounts.cli import users_cli
    from asuh.audit.cli import audit_cli
    from asuh.dashboard.cli import dashboard_cli
    from asuh.demo import demo_cli
    from asuh.install import install_command
    from asuh.letters.cli import letters_cli
    from asuh.regions.cli import regions_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(dashboard_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(install_command)
    app.cli.add_command(letters_cli)
    app.cli.add_command(regions_cli)
