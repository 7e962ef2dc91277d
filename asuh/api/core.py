"""The /api/v1 blueprint: flask-smorest reads each endpoint's declaration (arguments,
answer, refusals) into parsing, validation, serialisation and the OpenAPI document.

Endpoint modules add their routes to ``bp``; ``asuh.api.blueprint.register`` puts them
on the app. Errors keep the app's own handlers (``asuh.errors``): the API answers
``{"error", "message"}`` and ``{"errors": {field: [...]}}`` exactly as before.
"""

from functools import wraps
from http import HTTPStatus

from flask import abort
from flask_login import current_user
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from webargs.flaskparser import FlaskParser

from asuh.api.errors import FIELD_ERROR_STATUSES, ErrorSchema, ValidationErrorsSchema
from asuh.api.fields import MAX_ID
from asuh.errors import NotPermitted, ValidationFailed
from asuh.extensions import db

BODY = "_body"
NOT_AN_OBJECT = "Badan permintaan harus berupa objek JSON."
_LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "view_args"}


def flat_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as the API names fields: ``items[0].unit``."""
    if isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            return {prefix or BODY: list(messages)}
        messages = dict(enumerate(messages))
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        if key == "_schema":
            name = prefix or BODY
        elif isinstance(key, int):
            name = f"{prefix}[{key}]"
        else:
            name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(flat_errors(value, name))
        else:
            flat.setdefault(name, []).extend(value if isinstance(value, list) else [value])
    return flat


class _Parser(FlaskParser):
    """Refusals as the domain's ValidationFailed, so they take the one 422 shape."""

    DEFAULT_UNKNOWN_BY_LOCATION = dict.fromkeys(
        ("json", "query", "form", "files", "headers", "cookies", "view_args"), "exclude")

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        if isinstance(messages, dict) and len(messages) == 1 and set(messages) <= _LOCATIONS:
            messages = next(iter(messages.values()))
        errors = flat_errors(messages)
        if errors.get(BODY) == ["Invalid input type."]:
            errors[BODY] = [NOT_AN_OBJECT]
        raise ValidationFailed(errors)

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        raise ValidationFailed({BODY: [NOT_AN_OBJECT]})


class ApiBlueprint(Blueprint):
    ARGUMENTS_PARSER = _Parser()


class AsuhApi(Api):
    """flask-smorest without its own error handler: the app's handles pages and API."""

    ERROR_SCHEMA = ErrorSchema
    # No catch-all "default" answer: every status an operation gives is declared, so
    # an undeclared one is a failure (schemathesis checks it).
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _register_error_handlers(self):
        pass  # asuh.errors.register_error_handlers answers in the API's shapes

    def _register_responses(self):
        # One component per status, in the API's two error shapes: field refusals (422,
        # and 409 when the state refuses) carry {"errors": …}, the others {"error", …}.
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = (ValidationErrorsSchema if status in FIELD_ERROR_STATUSES
                                      else ErrorSchema)
            prepare_response(response, self.spec, self.DEFAULT_RESPONSE_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


bp = ApiBlueprint("api", __name__, url_prefix="/api/v1",
                  description="Bapak/Bunda Asuh Anak Stunting: registry, matching, "
                              "contributions and accountability letters.")


@bp.url_value_preprocessor
def _ids_beyond_the_database_are_not_found(endpoint, values):
    # An id larger than a 64-bit integer names no record; asking the database would
    # overflow (SQLite) instead of finding nothing.
    for value in (values or {}).values():
        if isinstance(value, int) and value > MAX_ID:
            abort(404)


def existing(model, name: str, *, may=None, found=None):
    """404 for a path id naming no ``model`` row, before the body is read: a request
    about nothing is "not found", whatever it carries.

    ``may(actor, obj)`` is the owning area's rule for who may act on this object; when
    given, a refusal is 403 before the body is read too, so a stranger's request is
    refused as such rather than answered with a list of what its body got wrong. The
    use-case service checks the same rule again inside its transaction.

    ``found(actor, obj)`` False is 404 too: an object outside the actor's kabupaten/kota
    or province does not exist for them (issue 15).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            obj = db.get_or_404(model, kwargs[name])
            if found is not None and not found(current_user, obj):
                abort(404)
            if may is not None and not may(current_user, obj):
                raise NotPermitted()
            return view(*args, **kwargs)

        return wrapped

    return decorator


def refusals(*statuses: int):
    """Declare the error answers an operation can give, in the API's error shapes."""
    def decorator(view):
        for status in sorted(statuses, reverse=True):
            view = bp.alt_response(status, response=HTTPStatus(status).name)(view)
        return view

    return decorator
