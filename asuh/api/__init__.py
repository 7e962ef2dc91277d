"""The JSON API under /api/v1: a published contract for integrators."""


def register(app) -> None:
    """Register the API's routes, document and error shapes on ``app`` (the factory)."""
    from asuh.api.blueprint import register as register_api

    register_api(app)
