"""Static files for slow phones: fingerprinted, cached for good, compressed (issue 18)."""

import re
from pathlib import Path

from asuh.static_files import build, fingerprinted_name

ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_pages_name_fingerprinted_assets_cached_for_good(client):
    page = client.get("/login").text
    urls = ASSETS.findall(page)
    assert any("pico.min." in url for url in urls) and any(url.endswith(".js") for url in urls)
    for url in urls:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", url), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_css_and_js_are_sent_compressed(client):
    page = client.get("/login").text
    pico = next(url for url in ASSETS.findall(page) if "pico.min." in url)
    plain = client.get(pico)
    brotli = client.get(pico, headers={"Accept-Encoding": "gzip, deflate, br"})
    gzip = client.get(pico, headers={"Accept-Encoding": "gzip"})
    assert brotli.headers["Content-Encoding"] == "br"
    assert gzip.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert len(brotli.data) < len(plain.data) / 5  # 83 KB of CSS → about 10 KB
    assert "Accept-Encoding" in plain.headers["Vary"]


def test_plain_names_still_work_but_are_revalidated(client):
    response = client.get("/static/vendor/pico/pico.min.css")
    assert response.status_code == 200
    assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_url_and_the_build_is_idempotent(tmp_path):
    static, out = tmp_path / "static", tmp_path / "build"
    (static / "css").mkdir(parents=True)
    css = static / "css" / "site.css"
    css.write_text("body { color: black; }\n" * 50)
    first = build(static, out)
    assert first["css/site.css"] == fingerprinted_name("css/site.css", css.read_bytes())
    built = out / first["css/site.css"]
    assert built.read_bytes() == css.read_bytes()
    assert Path(f"{built}.br").exists() and Path(f"{built}.gz").exists()
    assert build(static, out) == first
    css.write_text("body { color: navy; }\n" * 50)
    second = build(static, out)
    assert second["css/site.css"] != first["css/site.css"]
    assert built.exists()  # a page still open in a browser keeps its old stylesheet
