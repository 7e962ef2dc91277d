"""Pagination and list filters: one page size limit and one way to refuse, everywhere.

A bad or too large ``page`` / ``per_page`` is 422 naming the field, on every list.
"""

from marshmallow import fields, validate

from asuh.api.fields import QueryInteger, Schema

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
# Far beyond any real list, and small enough that page × per_page stays a valid OFFSET.
MAX_PAGE = 1_000_000


class PageArgs(Schema):
    page = QueryInteger(load_default=1, validate=validate.Range(
        min=1, max=MAX_PAGE, error=f"Harus antara 1 dan {MAX_PAGE}."))
    per_page = QueryInteger(load_default=DEFAULT_PER_PAGE, validate=validate.Range(
        min=1, max=MAX_PER_PAGE, error=f"Harus antara 1 dan {MAX_PER_PAGE}."))


def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """The answer of a paged list: ``{items, page, per_page, total}``."""
    return type(f"{item_schema.__name__.removesuffix('Schema')}PageSchema", (Schema,), {
        "items": fields.List(fields.Nested(item_schema), required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "total": fields.Integer(required=True),
    })


def page_body(items, args: dict, total: int) -> dict:
    return {"items": items, "page": args["page"], "per_page": args["per_page"],
            "total": total}


def service_filters(args: dict, names) -> dict:
    """The validated filters in the text form the areas' ``parse_filters`` read."""
    texts = {}
    for name in names:
        value = args.get(name)
        if value is None:
            continue
        texts[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return texts
