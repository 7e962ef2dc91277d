"""Helpers for the browser tests: devices, axe-core from the npm registry, sign-in,
screenshots, and what every page is watched for (CSP violations, script errors)."""

import base64
import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

PROJECT_ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("ASUH_CHROMIUM", "/usr/bin/chromium")
# This machine's network reaches only the package registries: without these flags Chromium
# keeps trying Google's services and logs refused connections at every start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-quic", "--no-first-run", "--disable-component-update",
                 "--disable-sync"]

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
# The narrowest phones still common in Indonesia (many budget Android models) are 360 px.
SMALL_PHONE = dict(PHONE, viewport={"width": 360, "height": 740})
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
DEVICES = {"phone": PHONE, "small-phone": SMALL_PHONE, "desktop": DESKTOP}

AXE_VERSION = "4.14.1"
# npm's own integrity string for that tarball: a registry or cache serving anything else
# fails the run instead of running unknown code in the test browser.
AXE_INTEGRITY = ("sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNt"
                 "uFooJpZe37OgudVGtQ==")
SEVERE_IMPACTS = ("serious", "critical")


def output_dir() -> Path:
    return Path(os.environ.get("ASUH_TEST_OUTPUT", PROJECT_ROOT / "test-output"))


def screenshot_dir() -> Path:
    return Path(os.environ.get("ASUH_SCREENSHOT_DIR", output_dir() / "screenshots"))


def cache_dir() -> Path:
    return Path(os.environ.get("ASUH_CACHE_DIR", PROJECT_ROOT / ".cache"))


# --- axe-core ---------------------------------------------------------------------------


def axe_source() -> str:
    """axe.min.js of the pinned axe-core, fetched once with `npm pack` into the cache."""
    target = cache_dir() / "axe-core" / AXE_VERSION / "axe.min.js"
    if not target.exists():
        _fetch_axe(target)
    return target.read_text(encoding="utf-8")


def _fetch_axe(target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed: the accessibility checks fetch axe-core "
                           "from the npm registry (Node.js and npm, e.g. Debian's nodejs+npm).")
    with tempfile.TemporaryDirectory(prefix="asuh-axe-") as tmp:
        done = subprocess.run(
            [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
            capture_output=True, text=True, timeout=180, check=False)
        tarballs = list(Path(tmp).glob("axe-core-*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise RuntimeError(f"npm pack axe-core@{AXE_VERSION} failed: {done.stderr.strip()}")
        data = tarballs[0].read_bytes()
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != AXE_INTEGRITY:
        raise RuntimeError(f"axe-core@{AXE_VERSION} tarball does not match its pinned "
                           f"integrity ({digest})")
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        source = member.read()
    target.parent.mkdir(parents=True, exist_ok=True)
    # Two xdist workers may fetch at once: each writes its own file, the rename is atomic.
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    partial.write_bytes(source)
    os.replace(partial, target)


_RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), summary: n.failureSummary}))
  }));
}"""


def axe_violations(page: Page, source: str, impacts=SEVERE_IMPACTS) -> list[dict]:
    # evaluate() runs through the DevTools protocol, which the page's CSP
    # (script-src 'self') does not govern, unlike an injected <script> tag.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    return [v for v in page.evaluate(_RUN_AXE) if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for node in v["nodes"][:5]:
            summary = (node["summary"] or "").replace("\n", " ")
            lines.append(f"    {node['target']} — {summary}")
    return "\n".join(lines)


def assert_accessible(page: Page, source: str, what: str) -> None:
    violations = axe_violations(page, source)
    assert not violations, (f"axe-core found serious/critical problems on {what} "
                            f"({page.url}):\n{describe_violations(violations)}")


# --- pages ------------------------------------------------------------------------------


def watch(page: Page, problems: list[str]) -> None:
    """Collect what a person would never see but must not happen: blocked scripts or
    styles (CSP) and uncaught script errors. Every confirm() is accepted, as a person
    who meant to press the button would."""

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(f"CSP violation on {page.url}: {message.text}")

    def on_dialog(dialog):
        page.asuh_dialogs.append(dialog.message)
        dialog.accept()

    page.asuh_dialogs = []
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    page.on("dialog", on_dialog)


def field(page: Page, label: str):
    """The input whose label reads ``label`` exactly (a required field's " *" allowed)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}(\s*\*)?$"))


def nav(page: Page, name: str):
    """A link of the main menu (on a phone, after opening it with "Menu")."""
    # The button shows once asuh.js has run (deferred, before "load").
    page.wait_for_load_state()
    menu = page.get_by_role("navigation", name="Navigasi utama")
    toggle = menu.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    return menu.get_by_role("link", name=name, exact=True)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    field(page, "Email").fill(email)
    field(page, "Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(signed_in_menu(page)).to_be_visible()


def signed_in_menu(page: Page):
    """The sign-out button, there only when signed in (each role lands somewhere else)."""
    return page.get_by_role("navigation", name="Navigasi utama").get_by_role(
        "button", name="Keluar")


def delivery_photo() -> bytes:
    """A phone-camera-sized JPEG: a sack, a tray of eggs, milk and honey on a doorstep."""
    image = Image.new("RGB", (1200, 900), (196, 170, 132))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 300, 420, 820), fill=(235, 229, 210))  # karung beras
    for row in range(5):
        for col in range(6):
            x, y = 500 + col * 60, 560 + row * 50
            draw.ellipse((x, y, x + 48, y + 40), fill=(226, 188, 140))  # telur
    draw.rectangle((900, 420, 1000, 820), fill=(250, 250, 250))  # susu
    draw.rectangle((1040, 600, 1120, 820), fill=(201, 131, 18))  # madu
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def shoot(page: Page, journey: str, step: str) -> Path:
    path = screenshot_dir() / journey / f"{step}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
