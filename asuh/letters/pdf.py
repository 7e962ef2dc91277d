"""PDF rendering for printed letters: WeasyPrint locked to the app's static files.

Every letter is a Jinja template rendered to HTML first (with plain dicts, not ORM
objects), then handed to :func:`render_pdf`. WeasyPrint resolves the letter's relative
URLs (``css/letter.css``, ``img/logo-pemkot.svg``) against the static folder as a
``file://`` base URL. That keeps the HTML renderable unchanged by plain WeasyPrint (the
``weasyprint`` command, the benchmark) and needs no change to urllib's list of schemes that
``urljoin`` resolves relative URLs in. The catch is that ``file:`` itself must then be
policed: :class:`StaticOnlyURLFetcher` serves a ``file:`` URL only when it is, character
for character, the canonical URL of a regular file inside the real static folder, and
``data:`` URIs. Everything else (http, ftp, ``file:///etc/passwd``, ``../``, ``%2e%2e``,
symlinks that leave the folder, query strings) raises, so WeasyPrint logs and skips it.
"""

import base64
import ctypes
import ctypes.util
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote_to_bytes, urlsplit
from urllib.request import url2pathname

from asuh.config import PROJECT_ROOT

# Resolved once: comparisons below are between real paths, so a symlinked deployment
# folder works and a symlink inside it pointing elsewhere does not.
STATIC_ROOT = Path(os.path.realpath(PROJECT_ROOT / "static"))
STATIC_BASE_URL = STATIC_ROOT.as_uri() + "/"

# Only file types a letter needs; the mapping is ours rather than the `mimetypes` module's
# so the answer does not depend on the machine's /etc/mime.types.
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}

# PDF/A-2b, not 3b: archives take PDF/A-2 as the long-term form, and what 3 adds (any
# file attached inside) is what they cannot promise to keep readable; a letter attaches
# nothing. 2b (visual appearance) is what WeasyPrint guarantees; 2u/2a need tagged text.
PDF_VARIANT = "pdf/a-2b"

# The letters' stylesheet link, as templates/letters/base_letter.html writes it.
LETTER_CSS_LINK = '<link rel="stylesheet" href="css/letter.css">'

# Measured with WeasyPrint 70: a process calling plain WeasyPrint grows ~0.25 MiB per
# letter (a new FontConfiguration each time); render_pdf, reusing one, ~4 KiB. Bulk-run
# workers are still replaced after this many letters, in case a template brings new leaks.
RENDERS_PER_WORKER = 200


class URLRefused(ValueError):
    """The letter asked for something outside the static folder; WeasyPrint skips it."""


def _make_fetcher_class():
    # Imported here, not at the top: WeasyPrint loads Pango, HarfBuzz and Fontconfig
    # (~0.35 s), which the app only needs for its first PDF, not at every start-up where
    # create_app calls warn_if_slow_fonts.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyURLFetcher(URLFetcher):
        """WeasyPrint 70 fetcher: the static folder and ``data:`` URIs, nothing else.

        WeasyPrint 70 calls ``fetcher(url)`` → ``fetch(url, headers)`` and needs a
        ``URLFetcherResponse`` back; any exception it raises is logged and the resource
        skipped (``fail_on_errors=False``). ``open()`` also routes to ``fetch``, so the
        urllib handlers the base class registers are never used.
        """

        def __init__(self, static_root: Path = STATIC_ROOT):
            super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
            self.static_root = Path(os.path.realpath(static_root))

        def fetch(self, url, headers=None):
            scheme = url.partition(":")[0].lower()
            if scheme == "data":
                mime_type, body = parse_data_uri(url)
                return URLFetcherResponse(url, body, {"Content-Type": mime_type})
            if scheme == "file":
                path, content_type = self.static_file(url)
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
            raise URLRefused(f"only static files and data: URIs are loaded, not {scheme}:")

        def static_file(self, url: str) -> tuple[Path, str]:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
                raise URLRefused("file: URL with a host, query or fragment")
            raw = url2pathname(parts.path)
            if "\x00" in raw or not os.path.isabs(raw):
                raise URLRefused("file: URL is not an absolute path")
            real = Path(os.path.realpath(raw))
            if not real.is_relative_to(self.static_root) or not real.is_file():
                raise URLRefused("file outside the static folder")
            # The canonical-URL rule rejects `..`, `%2e`, `//` and symlinked aliases, so a
            # static file has exactly one URL and the shared image cache stays bounded.
            if real.as_uri() != url:
                raise URLRefused("file: URL is not the canonical URL of a static file")
            content_type = STATIC_TYPES.get(real.suffix.lower())
            if content_type is None:
                raise URLRefused(f"static file type {real.suffix!r} is not used in letters")
            return real, content_type

    return StaticOnlyURLFetcher


def parse_data_uri(url: str) -> tuple[str, bytes]:
    """``data:[<type>][;charset=…][;base64],<payload>`` → (content type, bytes)."""
    header, comma, payload = url[len("data:"):].partition(",")
    if not comma:
        raise URLRefused("malformed data: URI")
    params = [param.strip() for param in header.split(";")]
    is_base64 = params[-1].lower() == "base64"
    if is_base64:
        params.pop()
    body = unquote_to_bytes(payload)
    if is_base64:
        body = base64.b64decode(body)
    mime_type = params[0] or "text/plain"
    charset = next((p for p in params[1:] if p.lower().startswith("charset=")), None)
    return (f"{mime_type}; {charset}" if charset else mime_type), body


_fetcher_class = None


def _static_only_fetcher_class():
    global _fetcher_class
    if _fetcher_class is None:
        _fetcher_class = _make_fetcher_class()
    return _fetcher_class


def __getattr__(name):
    # `from asuh.letters.pdf import StaticOnlyURLFetcher` builds the class on first use.
    if name == "StaticOnlyURLFetcher":
        return _static_only_fetcher_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _RenderImageCache(dict):
    """WeasyPrint's image cache for one render, backed by a cache shared between renders.

    Only images of static files (the logo) go to the shared cache: their canonical URLs
    are a small fixed set. Everything else — each letter's own QR code ``data:`` URI,
    failed URLs — lives in this per-render dict and goes away with the render, otherwise
    a long-running process would keep every QR code it ever drew.
    WeasyPrint accepts only a ``dict`` (anything else is taken as a disk-cache folder).
    """

    def __init__(self, shared: dict):
        super().__init__()
        self._shared = shared

    def __contains__(self, key):
        return key in self._shared or dict.__contains__(self, key)

    def __getitem__(self, key):
        if key in self._shared:
            return self._shared[key]
        return dict.__getitem__(self, key)

    def __setitem__(self, key, value):
        if value is not None and isinstance(key, str) and key.startswith(STATIC_BASE_URL):
            self._shared[key] = value
        else:
            dict.__setitem__(self, key, value)


class _RendererState:
    """One FontConfiguration, fetcher and image cache per process, used under a lock.

    Reusing the FontConfiguration means the @font-face files are read and registered with
    Fontconfig once, not per letter. WeasyPrint is not documented as thread-safe and its
    layout is Python holding the GIL anyway, so threads take turns instead of each
    building their own copy.
    """

    def __init__(self):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        self.font_config = FontConfiguration()
        self.fetcher = _static_only_fetcher_class()()
        self.images: dict = {}
        # Parsed once: tokenising, validating and matching-indexing letter.css was ~12% of
        # each render. Its @font-face rules register with this process's font_config.
        self.letter_css = CSS(url=STATIC_BASE_URL + "css/letter.css", url_fetcher=self.fetcher,
                              font_config=self.font_config)


_state: _RendererState | None = None
_lock = threading.Lock()


def _reset_lock_after_fork() -> None:
    # A worker forked while another thread held the lock would otherwise wait forever.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_lock_after_fork)


def _renderer() -> _RendererState:
    global _state
    if _state is None:
        _state = _RendererState()
    return _state


def render_pdf(html: str) -> bytes:
    """The final HTML of a letter → PDF bytes.

    A PDF/A-2b file (:data:`PDF_VARIANT`). Metadata comes from the HTML head
    (``<title>``, ``<meta name="author">``, ``<meta name="description">`` as the subject,
    ``<html lang>``, ``<meta name="dcterms.created">``) into the Info dictionary and the
    XMP packet; without ``dcterms.created`` the PDF has no date.
    """
    from weasyprint import HTML

    with _lock:
        state = _renderer()
        stylesheets = []
        if LETTER_CSS_LINK in html:
            # The letter keeps its <link> (plain WeasyPrint renders it the same); here the
            # stylesheet parsed once stands in for it, in the same (author) origin.
            html = html.replace(LETTER_CSS_LINK, "", 1)
            stylesheets.append(state.letter_css)
        document = HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=state.fetcher)
        return document.write_pdf(
            stylesheets=stylesheets, font_config=state.font_config,
            cache=_RenderImageCache(state.images), pdf_variant=PDF_VARIANT,
        )


def iter_render_many(
    jobs: Iterable[str],
    processes: int | None = None,
    *,
    renders_per_worker: int = RENDERS_PER_WORKER,
    chunksize: int = 4,
    job: Callable[[str], bytes] | None = None,
) -> Iterator[bytes]:
    """Render many letters' HTML in worker processes; yields each PDF in job order.

    ``job`` (a module-level function, default :func:`render_pdf`) turns one HTML into
    the bytes to yield; issuing passes ``signing.render_signed``.

    Workers are forked (they inherit Fontconfig, already loaded here, and this module)
    and replaced after ``renders_per_worker`` letters, so memory a render leaves behind
    is given back. The generator lets a bulk command store each PDF as it comes.
    """
    jobs = list(jobs)
    if not jobs:
        return
    with _lock:
        # Warm up before forking so every worker starts with Fontconfig already loaded.
        _renderer()
    processes = processes or _usable_cpus()
    processes = max(1, min(processes, len(jobs)))
    # Pool counts a chunk as one task.
    tasks_per_worker = max(1, renders_per_worker // chunksize)
    context = multiprocessing.get_context("fork")
    with context.Pool(processes, maxtasksperchild=tasks_per_worker) as pool:
        yield from pool.imap(job or render_pdf, jobs, chunksize)


def _usable_cpus() -> int:
    # The CPUs this process may run on (a container or taskset may allow fewer than exist).
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def render_many(
    jobs: Iterable[str],
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    renders_per_worker: int = RENDERS_PER_WORKER,
) -> list[bytes]:
    """PDF bytes for each HTML in ``jobs``, in order; ``progress(done, total)`` per letter."""
    jobs = list(jobs)
    results = []
    for pdf in iter_render_many(jobs, processes, renders_per_worker=renders_per_worker):
        results.append(pdf)
        if progress is not None:
            progress(len(results), len(jobs))
    return results


def qr_svg_data_uri(text: str) -> str:
    """A QR code for ``text`` as an SVG ``data:`` URI; size it with CSS (it has a viewBox)."""
    import segno

    # Error level M (segno raises it if that fits in the same size): a printed, stamped
    # and photocopied letter still scans. No width/height, so CSS decides the printed size.
    qr = segno.make(text, error="m", micro=False)
    return qr.svg_data_uri(border=2, omitsize=True, svgclass=None, lineclass=None)


_HARFBUZZ_SUBSET_NAMES = (
    "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll",
)
_HARFBUZZ_NAMES = ("libharfbuzz.so.0", "libharfbuzz.0.dylib", "libharfbuzz-0.dll")


def _load_library(names: Iterable[str], short_name: str):
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    # Last resort, as it runs `ldconfig -p`: a library installed under another file name.
    found = ctypes.util.find_library(short_name)
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError:
            pass
    return None


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint can subset fonts with HarfBuzz (fast) instead of fontTools.

    Same test as WeasyPrint 70 (``pdf/fonts.py``): the subset library loads and HarfBuzz
    is 4.1.0 or newer. Checked with ctypes so start-up does not import WeasyPrint.
    """
    if _load_library(_HARFBUZZ_SUBSET_NAMES, "harfbuzz-subset") is None:
        return False
    harfbuzz = _load_library(_HARFBUZZ_NAMES, "harfbuzz")
    if harfbuzz is None:
        return False
    harfbuzz.hb_version_atleast.restype = ctypes.c_int
    harfbuzz.hb_version_atleast.argtypes = (ctypes.c_uint, ctypes.c_uint, ctypes.c_uint)
    return bool(harfbuzz.hb_version_atleast(4, 1, 0))


def warn_if_slow_fonts(logger: logging.Logger) -> bool:
    """Log a warning when PDFs will be slow; returns whether HarfBuzz subsetting is there."""
    available = harfbuzz_subset_available()
    if not available:
        logger.warning(
            "libharfbuzz-subset0 is not installed: WeasyPrint falls back to fontTools and "
            "each letter PDF takes several times longer. Install it with `make system-deps` "
            "(Debian: apt-get install libharfbuzz-subset0)."
        )
    return available


def w3c_datetime(moment: datetime) -> str:
    """``2026-11-23T03:00:00Z`` for ``<meta name="dcterms.created">``; naive means UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def letterhead(config: Mapping) -> dict:
    """The letterhead's plain data from the admin's settings or the app config.

    Letters pass ``asuh.settings.services.get_all()`` (``city_name``, ``office_*``, and the
    uploaded ``logo_data_uri``); the app config's ``CITY_NAME``, ``OFFICE_*`` (the
    settings' defaults) still work, with the shipped emblem.
    """
    logo = "img/logo-pemkot.svg"
    if "city_name" in config:
        # The settings' keys are the config's in lower case.
        logo = config.get("logo_data_uri") or logo
        config = {key.upper(): value for key, value in config.items()}
    return {
        "government": f"Pemerintah {config['CITY_NAME']}".upper(),
        "office_name": config["OFFICE_NAME"],
        "office_short_name": config["OFFICE_SHORT_NAME"],
        "address": config["OFFICE_ADDRESS"],
        "phone": config["OFFICE_PHONE"],
        "email": config["OFFICE_EMAIL"],
        "place": config["CITY_PLACE"],
        "logo": logo,
    }
