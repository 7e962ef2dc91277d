"""Every page, as every role, in Indonesian: issue 18's "Done means".

Each role signs in, opens every page the URL map has (with the real objects of
``tests/access_objects.py`` for URL parameters) and submits every form on it empty. No
page, nor any page an empty submission leads to, may show English UI text (WTForms'
"This field is required.", email-validator's explanations, "5 per 15 minute"), a raw
field name (``height_cm``) or, to anyone but an admin, a shell command (``flask …``).
"""

import re
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from flask import url_for

from tests.access_objects import VARIANTS
from tests.conftest import sign_in
from tests.factories import ROLES
from tests.test_access_matrix import ROUTE_OBJECTS, built_world

# Words of English UI text an Indonesian page must not show (whole words, any case).
ENGLISH = re.compile(
    r"\b(this field|field must|required|invalid|must|should|submit|minutes?|hours?|"
    r"not a valid|please|number must|characters?|choices?|per \d+|the part after|"
    r"@-sign|period|save|cancel|delete|search|sign in|log ?in|logout|error)\b",
    re.IGNORECASE)
# A raw field or code name: lower-case words joined by underscores (height_cm).
# Codes a person must type exactly (a commodity code, a {month_roman} placeholder, inside
# <code>) are data, not names the page forgot to translate.
SNAKE_CASE = re.compile(r"(?<![\w@.{-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@}-])")
SHELL_COMMAND = re.compile(r"\bflask\s+(--app|\w+)")
# Read as text, these attributes are shown to the user too.
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")


def visible_text(html: str, *, codes: bool = True) -> str:
    document = lxml.html.fromstring(html)
    for hidden in document.xpath("//script|//style|//template|//head"):
        hidden.drop_tree()
    if not codes:
        for code in document.xpath("//code|//kbd"):
            code.drop_tree()
    parts = [document.text_content()]
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        parts += [element.get(name) for name in SHOWN_ATTRIBUTES if element.get(name)]
        if element.tag == "input" and element.get("type") in ("submit", "button"):
            parts.append(element.get("value") or "")
    return "\n".join(parts)


def problems_in(role: str, url: str, html: str) -> list[str]:
    text = visible_text(html)
    found = [f"{url}: English '{m.group(0)}' in …{text[max(0, m.start() - 40):m.end() + 40]!r}"
             for m in ENGLISH.finditer(text)]
    found += [f"{url}: raw name '{m.group(0)}'"
              for m in SNAKE_CASE.finditer(visible_text(html, codes=False))]
    if role != "admin":
        found += [f"{url}: shell command '{m.group(0)}'" for m in SHELL_COMMAND.finditer(text)]
    return found


def empty_submissions(page_url: str, html: str):
    """``(action, data)`` for every POST form on the page: only its hidden inputs."""
    document = lxml.html.fromstring(html)
    for form in document.forms:
        if (form.get("method") or "get").lower() != "post":
            continue
        action = urljoin(page_url, form.get("action") or page_url)
        if urlsplit(action).netloc not in ("", "localhost") or action.endswith("/logout"):
            continue  # signing out is no form to fill in
        data = {i.name: i.value or "" for i in form.inputs
                if i.name and i.tag == "input" and i.get("type") == "hidden"}
        yield action, data


@pytest.fixture(autouse=True)
def _clean_state():
    """The world is built once for the module (as in the access matrix)."""
    yield




# Pages the URL map names once but that show other forms by query argument.
EXTRA_PAGES = ["/letters/new?kind=sponsor_statement", "/letters/new?kind=handover_receipt",
               "/letters/new?kind=recap"]


@pytest.fixture(scope="module")
def world(app):
    yield from built_world(app)  # the access matrix's world, built as that module builds it


def _page_urls(app, world, role: str) -> list[str]:
    urls = list(EXTRA_PAGES)
    with app.app_context():
        rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
        for rule in rules:
            if (rule.endpoint == "static" or rule.rule.startswith("/api/")
                    or "GET" not in rule.methods or rule.endpoint == "accounts.logout"):
                continue
            kind = ROUTE_OBJECTS.get(rule.endpoint)
            params = {}
            if kind:
                if not VARIANTS[kind]:
                    params = world.params[kind]["mine"]
                else:
                    may, _ = world.objects(kind, role, fresh=False)
                    params = may if may is not None else world.reference(kind)
            with app.test_request_context():
                urls.append(url_for(rule.endpoint, **params))
    return urls


def _is_page(response) -> bool:
    return response.mimetype == "text/html" and response.status_code != 302


@pytest.mark.parametrize("role", ROLES)
def test_every_page_and_empty_form_is_indonesian(app, world, role):
    client, _ = world.clients[role]
    email = world.users[role][1]
    problems: list[str] = []
    visited = submitted = 0
    for url in _page_urls(app, world, role):
        response = client.get(url, follow_redirects=True)
        if not _is_page(response):
            continue
        visited += 1
        problems += problems_in(role, url, response.text)
        for action, data in empty_submissions(url, response.text):
            submitted += 1
            answer = client.post(action, data=data, follow_redirects=True)
            if _is_page(answer):
                problems += problems_in(role, f"POST {action} (from {url})", answer.text)
            if urlsplit(answer.request.url).path == "/login":
                sign_in(client, email)  # an empty form that ends the session: carry on
    assert visited > 5
    assert not problems, "\n".join(problems)


def test_the_check_sees_english_and_raw_names():
    """The checks above would fail on the issue's examples (a check that cannot fail
    proves nothing)."""
    page = ("<html><body><p>This field is required.</p><dd>height_cm</dd>"
            "<input type=submit value=Submit><code>flask --app app install</code>"
            "<p>5 per 15 minute</p><input placeholder='Please choose'></body></html>")
    found = " ".join(problems_in("field", "/x", page))
    for expected in ("This field", "required", "height_cm", "Submit", "flask --app",
                     "per 15", "minute", "Please"):
        assert expected in found
    assert problems_in("field", "/x", "<p>Wajib diisi. <b>Tinggi badan</b> 85,0 cm</p>") == []
