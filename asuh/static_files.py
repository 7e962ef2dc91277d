"""Static files for slow phones: fingerprinted URLs, cached for a year, sent compressed.

At start-up every file under ``static/`` is copied once to a content-addressed name
(``css/asuh.css`` → ``css/asuh.3f2a1b9c0d4e.css``) in the build folder, with Brotli and gzip
siblings where they help (``pico.min.css``: 83 KB → 12 KB). ``url_for('static', …)``
hands out the fingerprinted name, and WhiteNoise serves those with
``Cache-Control: max-age=315360000, public, immutable``: a changed file gets a new URL, so
a returning phone makes no request at all for an unchanged asset (no revalidation round
trip, which on slow 3G costs 0.4 s or more each). The plain names still work through
Flask's own static view (revalidated every time), for anything that hard-codes them.

Why WhiteNoise over hand-written serving: it picks the ``.br``/``.gz`` sibling from
Accept-Encoding, sets ``Vary``, ETag and Last-Modified, answers HEAD and ranges, and is
the maintained, widely used choice for this in WSGI apps. Its Django storage
(``CompressedManifestStaticFilesStorage``) is not usable from Flask, so the manifest is
built here, the same way (hash of the content in the name, compressed siblings), at start-up
rather than by a separate ``make`` step: ``flask run``, gunicorn and the tests then always
serve what is in ``static/`` now, with nothing to forget to rebuild. Content-addressed
names make the build idempotent and safe for several workers starting at once (each file
is written under a temporary name and renamed).
"""

import hashlib
import os
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASH_LENGTH = 12
# Text formats worth compressing (images are compressed already; the fonts are only
# read from disk by the letters' PDF renderer).
COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".map"}


def fingerprinted_name(relative: str, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    path = Path(relative)
    return (path.parent / f"{path.stem}.{digest}{path.suffix}").as_posix()


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, target)


def _compressed_variants(data: bytes) -> dict[str, bytes]:
    """``{".br": …, ".gz": …}`` for the encodings that make the file at least 5% smaller
    (WhiteNoise's own threshold), as its ``whitenoise.compress`` command writes them."""
    variants = {}
    for suffix, compress in ((".br", Compressor.compress_brotli),
                             (".gz", Compressor.compress_gzip)):
        packed = compress(data)
        if data and len(packed) <= 0.95 * len(data):
            variants[suffix] = packed
    return variants


def build(static_root: Path, build_root: Path) -> dict[str, str]:
    """Copy each static file to its fingerprinted name (with compressed siblings) unless it
    is there already; return ``{plain name: fingerprinted name}``."""
    manifest = {}
    for path in sorted(p for p in static_root.rglob("*") if p.is_file()):
        relative = path.relative_to(static_root).as_posix()
        if relative.startswith(".") or "/." in relative:
            continue
        data = path.read_bytes()
        hashed = fingerprinted_name(relative, data)
        target = build_root / hashed
        if not target.exists():
            if path.suffix.lower() in COMPRESSIBLE:
                for suffix, packed in _compressed_variants(data).items():
                    _write_atomically(target.with_name(target.name + suffix), packed)
            _write_atomically(target, data)  # last: its presence means the set is complete
        manifest[relative] = hashed
    return manifest


def _nosniff(headers, path, url) -> None:
    # These responses bypass Flask's after_request (security.py); the one header of its
    # set that matters for a static file is kept.
    headers["X-Content-Type-Options"] = "nosniff"


def register(app: Flask) -> None:
    """Serve the fingerprinted files through WhiteNoise and make ``url_for('static')`` name
    them."""
    static_root = Path(app.static_folder)
    build_root = Path(app.config.setdefault(
        "STATIC_BUILD_FOLDER", os.environ.get("ASUH_STATIC_BUILD_FOLDER")
        or str(Path(app.instance_path) / "static-build")))
    manifest = build(static_root, build_root)
    prefix = (app.static_url_path or "/static").rstrip("/")
    served = WhiteNoise(app.wsgi_app, max_age=None, add_headers_function=_nosniff,
                        allow_all_origins=False,
                        immutable_file_test=lambda path, url: True)
    for hashed in manifest.values():
        served.add_file_to_dictionary(f"{prefix}/{hashed}", str(build_root / hashed))
    app.wsgi_app = served
    app.extensions["asuh_static_manifest"] = manifest

    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]
