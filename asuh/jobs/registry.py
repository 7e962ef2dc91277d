"""What the job runner can do, as the owning areas told it in their ``register(app)``.

The runner knows no area: letters adds ``letters.monthly_statements``, notifications adds
its mail delivery as a tick. Kept per app (``app.extensions``), so building a second app
(the tests, ``letters samples``) neither doubles nor loses a registration.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask, current_app

EXTENSION = "asuh_jobs"


@dataclass(frozen=True)
class Handler:
    kind: str
    label: str  # what the job page calls it, in Indonesian
    run: Callable  # run(ctx, **params) -> JobResult | None


@dataclass
class Registry:
    handlers: dict[str, Handler] = field(default_factory=dict)
    # Small periodic work every worker does between jobs (delivering queued mail).
    ticks: dict[str, Callable[[], None]] = field(default_factory=dict)


def _registry(app: Flask | None = None) -> Registry:
    app = app or current_app
    return app.extensions.setdefault(EXTENSION, Registry())


def add_handler(app: Flask, kind: str, run: Callable, *, label: str) -> None:
    _registry(app).handlers[kind] = Handler(kind=kind, label=label, run=run)


def add_tick(app: Flask, name: str, tick: Callable[[], None]) -> None:
    _registry(app).ticks[name] = tick


def handler(kind: str) -> Handler | None:
    return _registry().handlers.get(kind)


def label(kind: str) -> str:
    found = handler(kind)
    return found.label if found else kind


def ticks() -> list[Callable[[], None]]:
    return list(_registry().ticks.values())
