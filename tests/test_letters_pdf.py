"""PDF foundation for letters: the locked-down URL fetcher, shipped fonts, caches, QR codes,
bulk rendering and the harfbuzz-subset check (asuh.letters.pdf)."""

import http.server
import logging
import threading
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from jinja2 import ChoiceLoader, DictLoader, Environment, FileSystemLoader
from pypdf import PdfReader

from asuh import PROJECT_ROOT
from asuh.config import load_config
from asuh.formatting import format_date_id, format_rupiah
from asuh.letters import pdf

PASSWD_MARKERS = (b"root:x:0:0", b"/bin/bash", b"/usr/sbin/nologin", b"daemon:")

SAMPLE_LETTER = """{% extends "letters/base_letter.html" %}
{% block body %}
<div class="letter-head-row">
  <div class="letter-meta"><table>
    <tr><td>Nomor</td><td>: {{ letter.number }}</td></tr>
    <tr><td>Lampiran</td><td>: -</td></tr>
    <tr><td>Perihal</td><td>: <strong>{{ letter.subject }}</strong></td></tr>
  </table></div>
  <div class="letter-place-date">{{ letterhead.place }}, {{ letter.issued_on | date_id }}</div>
</div>
<p class="letter-title">SURAT PERTANGGUNGJAWABAN</p>
<p class="letter-number">Nomor: {{ letter.number }}</p>
<div class="letter-body">
  <p>Yang bertanda tangan di bawah ini:</p>
  <table class="identity">
    <tr><td>Nama</td><td>:</td><td>{{ sponsor.name }}</td></tr>
    <tr><td>NIP</td><td>:</td><td>{{ sponsor.nip }}</td></tr>
    <tr><td>Jabatan</td><td>:</td><td>{{ sponsor.position }}</td></tr>
  </table>
  <p>sebagai Bapak/Bunda Asuh Anak Stunting, menyatakan telah menyerahkan bantuan berikut
  kepada anak asuh {{ child.name }} ({{ child.kelurahan }}) selama {{ letter.period }}:</p>
</div>
<table class="data">
  <thead><tr><th>No</th><th>Tanggal</th><th>Barang</th><th>Jumlah</th><th>Satuan</th>
    <th>Nilai</th></tr></thead>
  <tbody>
  {%- for row in rows %}
    <tr><td class="center">{{ loop.index }}</td><td>{{ row.on | date_id }}</td>
      <td>{{ row.item }}</td><td class="num">{{ row.quantity }}</td><td>{{ row.unit }}</td>
      <td class="num">{{ row.value_idr | rupiah }}</td></tr>
  {%- endfor %}
  </tbody>
  <tfoot><tr><td colspan="5">Jumlah</td>
    <td class="num">{{ rows | sum(attribute="value_idr") | rupiah }}</td></tr></tfoot>
</table>
<p class="statement">Demikian surat pertanggungjawaban ini dibuat dengan sebenarnya, dan data
di atas adalah benar.</p>
<div class="signatures">
  <div class="signature-qr"><img src="{{ qr }}" alt=""><p>Pindai untuk verifikasi</p></div>
  <div class="signature">
    <p class="signature-role">Mengetahui,</p>
    <p class="signature-role">Kepala {{ letterhead.office_short_name }}</p>
    <div class="signature-space"></div>
    <p class="signature-name">{{ head.name }}</p>
    <p class="signature-id">NIP {{ head.nip }}</p>
  </div>
  <div class="signature">
    <p class="signature-place">{{ letterhead.place }}, {{ letter.issued_on | date_id }}</p>
    <p class="signature-role">Bapak/Bunda Asuh</p>
    <div class="signature-space"></div>
    <p class="signature-name">{{ sponsor.name }}</p>
    <p class="signature-id">NIP {{ sponsor.nip }}</p>
  </div>
</div>
{% endblock %}
{% block footer %}{{ letter.number }} · Verifikasi: {{ verify_url }}{% endblock %}
"""


def letter_env(extra: dict | None = None) -> Environment:
    """A Jinja environment like the app's (autoescape, the same filters), without the app."""
    env = Environment(
        loader=ChoiceLoader([
            DictLoader({"sample_letter.html": SAMPLE_LETTER, **(extra or {})}),
            FileSystemLoader(PROJECT_ROOT / "templates"),
        ]),
        autoescape=True,
    )
    env.filters.update(date_id=format_date_id, rupiah=format_rupiah)
    return env


def sample_letter_context(serial: int = 7, sponsor_name: str = "Dra. Siti Aminah") -> dict:
    config = load_config(PROJECT_ROOT / "instance")
    issued_on = date(2026, 11, 23)
    verify_url = f"https://asuh.pangkalpinangkota.go.id/v/{serial:06d}-K7QX"
    items = [("Telur ayam", 30, "butir", 60_000), ("Beras", 5, "kg", 75_000),
             ("Susu UHT", 6, "liter", 108_000)]
    rows = [
        {"on": issued_on - timedelta(days=14 * (15 - i)), "item": items[i % 3][0],
         "quantity": items[i % 3][1], "unit": items[i % 3][2], "value_idr": items[i % 3][3]}
        for i in range(15)
    ]
    return {
        "letterhead": pdf.letterhead(config),
        "doc": {"title": f"Surat Pertanggungjawaban {serial:03d}/BAAS/DPPPAKB/XI/2026",
                "created": pdf.w3c_datetime(datetime(2026, 11, 23, 3, 0))},
        "letter": {"number": f"{serial:03d}/BAAS/DPPPAKB/XI/2026",
                   "subject": "Pertanggungjawaban Bantuan Anak Asuh", "issued_on": issued_on,
                   "period": "Juni s.d. November 2026"},
        "sponsor": {"name": sponsor_name, "nip": "197103152000032003",
                    "position": "Kepala Bidang Ketahanan Keluarga"},
        "child": {"name": "Anak Asuh 0042", "kelurahan": "Kelurahan Bukit Besar"},
        "head": {"name": "Dr. H. Ahmad Fauzi, M.Si.", "nip": "196805121994031005"},
        "rows": rows,
        "qr": pdf.qr_svg_data_uri(verify_url),
        "verify_url": verify_url,
    }


def sample_letter_html(serial: int = 7, **kwargs) -> str:
    """A realistic one-page letter: letterhead, 15-row table, two signatures, a QR code."""
    return letter_env().get_template("sample_letter.html").render(
        sample_letter_context(serial, **kwargs))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def embedded_files(data: bytes) -> dict:
    reader = PdfReader(BytesIO(data))
    return {name: b"".join(contents) for name, contents in reader.attachments.items()}


def font_names(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def assert_nothing_from_passwd(data: bytes) -> None:
    text = pdf_text(data).encode()
    for marker in PASSWD_MARKERS:
        assert marker not in data
        assert marker not in text
    for content in embedded_files(data).values():
        for marker in PASSWD_MARKERS:
            assert marker not in content


class _RecordingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        self.server.hits.append(self.path)
        body = b"body { color: red }" if self.path.endswith(".css") else b"GIF89a"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_trap():
    """A real HTTP server on 127.0.0.1 that records every request it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingHandler)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def attack_html(port: int) -> str:
    """Raw, unescaped HTML as if user text had slipped through: every way WeasyPrint loads
    something from a URL, aimed at a local HTTP server and at /etc/passwd."""
    trap = f"http://127.0.0.1:{port}"
    return f"""
<link rel="attachment" href="file:///etc/passwd" title="passwd">
<link rel="attachment" href="../../../../../../etc/passwd">
<link rel="stylesheet" href="{trap}/linked.css">
<link rel="stylesheet" href="file:///etc/passwd">
<style>
  @import url({trap}/imported.css);
  @import url(file:///etc/passwd);
  @font-face {{ font-family: Trap; src: url({trap}/font.ttf); }}
  @font-face {{ font-family: Trap2; src: url(file:///etc/passwd); }}
  .trap {{ font-family: Trap, Trap2; background: url(file:///etc/passwd); }}
  .trap::before {{ content: url({trap}/before.png); }}
  .trap::after {{ content: url(../../../../../../etc/passwd); }}
  .list {{ list-style-image: url({trap}/bullet.png); }}
</style>
<p class="trap">Nama: <img src="{trap}/x"> <img src="file:///etc/passwd">
  <img src="../../../../../../etc/passwd"> <img src="file://localhost/etc/passwd">
  <img src="{trap}/redirect?to=file:///etc/passwd"></p>
<ul class="list"><li>item</li></ul>
<object data="file:///etc/passwd"></object><embed src="file:///etc/passwd">
<iframe src="file:///etc/passwd"></iframe>
<svg width="10" height="10"><image href="{trap}/svg.png" width="10" height="10"/>
  <image href="file:///etc/passwd" width="10" height="10"/></svg>
<img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E%3Cimage
  href='{trap}/nested.png' width='5' height='5'/%3E%3C/svg%3E">
<a rel="attachment" href="file:///etc/passwd">lampiran</a>
"""


def test_raw_user_html_cannot_reach_the_network_or_local_files(http_trap):
    letter = sample_letter_html(7, sponsor_name="Dra. Siti Aminah")
    raw = attack_html(http_trap.server_address[1])
    # Both in the body and in the head, where <link> acts.
    letter = letter.replace("Dra. Siti Aminah", raw).replace("</head>", raw + "</head>")

    data = pdf.render_pdf(letter)

    assert http_trap.hits == []
    assert_nothing_from_passwd(data)
    assert embedded_files(data) == {}
    # The letter itself still came out whole, with its own font and text.
    assert "Asuh-Letter-Sans" in font_names_stripped(data)
    assert "SURAT PERTANGGUNGJAWABAN" in pdf_text(data)


def test_plain_weasyprint_would_have_leaked_the_same_html(http_trap):
    # The control for the test above: the attacks are real without our fetcher.
    import weasyprint

    data = weasyprint.HTML(
        string=attack_html(http_trap.server_address[1]), base_url=pdf.STATIC_BASE_URL
    ).write_pdf()
    assert http_trap.hits
    assert any(b"root:x:0:0" in content for content in embedded_files(data).values())


def test_user_text_is_escaped_into_the_letter(http_trap):
    port = http_trap.server_address[1]
    name = f'<img src="http://127.0.0.1:{port}/x"> & <b>Budi</b>'
    data = pdf.render_pdf(sample_letter_html(7, sponsor_name=name))
    assert http_trap.hits == []
    text = pdf_text(data)
    assert f'<img src="http://127.0.0.1:{port}/x"> & <b>Budi</b>' in text.replace("\n", " ")


def font_names_stripped(data: bytes) -> set[str]:
    # "/ABCDEF+Asuh-Letter-Sans" → "Asuh-Letter-Sans": the prefix marks a subset font.
    return {name.lstrip("/").split("+", 1)[-1] for name in font_names(data)}


def test_letter_embeds_the_shipped_fonts_logo_and_page_numbers():
    data = pdf.render_pdf(sample_letter_html(7))
    reader = PdfReader(BytesIO(data))
    assert len(reader.pages) == 1
    # Only the @font-face family made from static/fonts/dejavu: also in the @page margin
    # boxes (page number, footer), which would otherwise fall back to a system font.
    assert font_names_stripped(data) == {"Asuh-Letter-Sans", "Asuh-Letter-Sans-Bold"}
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object()  # the TrueType file is embedded
    text = pdf_text(data)
    assert "Halaman 1 dari 1" in text
    assert "Verifikasi: https://asuh.pangkalpinangkota.go.id/v/000007-K7QX" in text
    assert "PEMERINTAH KOTA PANGKALPINANG" in text
    assert "dpppakb@pangkalpinangkota.go.id" in text
    # static/img/logo-pemkot.svg is drawn as vectors: its dark green (#1f5f4a) fill.
    content = reader.pages[0].get_contents().get_data()
    assert b"0.121569 0.372549 0.290196 rg" in content


def test_pdf_metadata_comes_from_the_letter_not_the_clock():
    data = pdf.render_pdf(sample_letter_html(7))
    info = PdfReader(BytesIO(data)).metadata
    assert info["/Title"] == "Surat Pertanggungjawaban 007/BAAS/DPPPAKB/XI/2026"
    assert info["/Author"].startswith("Dinas Pemberdayaan Perempuan")
    assert info["/CreationDate"] == "D:20261123030000Z"
    assert "/ModDate" not in info
    # Same HTML, same bytes, even with other letters rendered in between.
    pdf.render_pdf(sample_letter_html(8))
    assert pdf.render_pdf(sample_letter_html(7)) == data


def test_a_letter_without_a_date_gets_none():
    html = sample_letter_html(7)
    html = html.replace('<meta name="dcterms.created" content="2026-11-23T03:00:00Z">', "")
    info = PdfReader(BytesIO(pdf.render_pdf(html))).metadata
    assert "/CreationDate" not in info and "/ModDate" not in info


def test_w3c_datetime_is_utc():
    from datetime import timezone

    wib = timezone(timedelta(hours=7))
    assert pdf.w3c_datetime(datetime(2026, 11, 23, 10, 0, tzinfo=wib)) == "2026-11-23T03:00:00Z"
    assert pdf.w3c_datetime(datetime(2026, 11, 23, 3, 0)) == "2026-11-23T03:00:00Z"


def test_shared_image_cache_keeps_static_assets_only():
    for serial in (1, 2, 3):
        pdf.render_pdf(sample_letter_html(serial))
    # Each letter's QR code is a new data: URI; keeping them would grow the process.
    cached = list(pdf._renderer().images)
    assert pdf.STATIC_BASE_URL + "img/logo-pemkot.svg" in cached
    assert all(key.startswith(pdf.STATIC_BASE_URL) for key in cached)


def test_a_base_element_cannot_point_relative_urls_elsewhere(http_trap):
    port = http_trap.server_address[1]
    for base in ("file:///etc/", f"http://127.0.0.1:{port}/"):
        html = f'<base href="{base}"><link rel="attachment" href="passwd"><img src="passwd">'
        data = pdf.render_pdf(html)
        assert_nothing_from_passwd(data)
        assert embedded_files(data) == {}
    assert http_trap.hits == []


@pytest.fixture
def fetcher():
    return pdf.StaticOnlyURLFetcher()


def static_url(path: str) -> str:
    return pdf.STATIC_BASE_URL + path


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.png",
    "https://example.org/logo.png",
    "ftp://127.0.0.1/x",
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file://otherhost" + str(pdf.STATIC_ROOT / "img" / "logo-pemkot.svg"),
    static_url("../../../../../../etc/passwd"),
    static_url("%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd"),
    static_url("img/../../../../../../etc/passwd"),
    static_url("img/./logo-pemkot.svg"),
    static_url("img//logo-pemkot.svg"),
    static_url("img/logo-pemkot.svg?v=2"),
    static_url("img/logo-pemkot.svg#x"),
    static_url("img/logo-pemkot.svg%00.png"),
    static_url("js/asuh.js"),
    static_url(""),
    static_url("img/missing.png"),
    "img/logo-pemkot.svg",
    "/etc/passwd",
    "javascript:alert(1)",
    "about:blank",
    "jar:file:///etc/passwd!/x",
])
def test_fetcher_refuses_everything_but_static_files(fetcher, url):
    with pytest.raises(pdf.URLRefused):
        fetcher.fetch(url)


def test_fetcher_serves_static_files_and_data_uris(fetcher):
    logo = pdf.STATIC_ROOT / "img" / "logo-pemkot.svg"
    response = fetcher.fetch(logo.as_uri())
    assert response.read() == logo.read_bytes()
    assert response.content_type == "image/svg+xml"
    font = fetcher.fetch(static_url("fonts/dejavu/DejaVuSans.ttf"))
    assert font.read() == (pdf.STATIC_ROOT / "fonts/dejavu/DejaVuSans.ttf").read_bytes()
    css = fetcher.fetch(static_url("css/letter.css"))
    assert (css.content_type, css.charset) == ("text/css", "utf-8")

    png = fetcher.fetch("data:image/png;base64,iVBORw0KGgo=")
    assert (png.content_type, png.read()) == ("image/png", b"\x89PNG\r\n\x1a\n")
    text = fetcher.fetch("data:text/css;charset=utf-8,p%20%7B%20color%3A%20red%20%7D")
    assert (text.content_type, text.charset, text.read()) == (
        "text/css", "utf-8", b"p { color: red }")
    assert fetcher.fetch("data:,x").content_type == "text/plain"


def test_symlinks_cannot_lead_out_of_the_static_folder(tmp_path, http_trap):
    import weasyprint

    root = tmp_path / "static"
    (root / "img").mkdir(parents=True)
    logo = root / "img" / "logo.svg"
    logo.write_bytes((pdf.STATIC_ROOT / "img" / "logo-pemkot.svg").read_bytes())
    (root / "img" / "passwd.png").symlink_to("/etc/passwd")
    (root / "etc").symlink_to("/etc", target_is_directory=True)
    (root / "img" / "alias.svg").symlink_to(logo)
    outside = tmp_path / "outside.png"  # an allowed file type, but not in the folder
    outside.write_bytes(b"\x89PNG secret")
    (root / "img" / "outside.png").symlink_to(outside)
    fetcher = pdf.StaticOnlyURLFetcher(root)
    base = root.as_uri() + "/"

    assert fetcher.fetch(base + "img/logo.svg").read() == logo.read_bytes()
    for url in (base + "img/passwd.png", base + "etc/passwd", base + "img/alias.svg",
                base + "img/outside.png", base + "../outside.png", outside.as_uri()):
        with pytest.raises(pdf.URLRefused):
            fetcher.fetch(url)

    html = """<link rel="attachment" href="img/passwd.png"><link rel="attachment"
        href="etc/passwd"><img src="img/passwd.png"><img src="etc/passwd">
        <img src="img/logo.svg">"""
    data = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf()
    assert_nothing_from_passwd(data)
    assert embedded_files(data) == {}
    content = PdfReader(BytesIO(data)).pages[0].get_contents().get_data()
    assert b"0.121569 0.372549 0.290196 rg" in content  # the real logo did load


def test_qr_code_is_an_svg_data_uri_the_fetcher_accepts(fetcher):
    import segno

    uri = pdf.qr_svg_data_uri("https://asuh.example/v/000007-K7QX")
    assert uri.startswith("data:image/svg+xml")
    response = fetcher.fetch(uri)
    assert response.content_type == "image/svg+xml"
    svg = response.read().decode()
    # Sized by CSS: a viewBox and no fixed width.
    assert "viewBox" in svg and "width=" not in svg
    expected = segno.make("https://asuh.example/v/000007-K7QX", error="m", micro=False)
    assert uri == expected.svg_data_uri(border=2, omitsize=True, svgclass=None, lineclass=None)


def test_render_many_keeps_order_across_recycled_workers():
    jobs = [sample_letter_html(serial) for serial in (11, 12, 13, 14, 15)]
    seen = []
    pdfs = pdf.render_many(jobs, processes=2, progress=lambda done, total: seen.append(
        (done, total)), renders_per_worker=1)
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    for serial, data in zip((11, 12, 13, 14, 15), pdfs, strict=True):
        assert f"Nomor: {serial:03d}/BAAS/DPPPAKB/XI/2026" in pdf_text(data)
    # A worker's PDF is the same as one rendered here.
    assert pdfs[0] == pdf.render_pdf(jobs[0])
    assert pdf.render_many([]) == []


def test_harfbuzz_subset_check_agrees_with_weasyprint():
    from weasyprint.text import ffi

    assert pdf.harfbuzz_subset_available() is (
        ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0)))


def test_a_missing_library_is_reported_missing():
    assert pdf._load_library(("libasuh-no-such-lib.so.0",), "asuh-no-such-lib") is None


def test_start_up_warns_when_pdfs_will_be_slow(monkeypatch, caplog):
    logger = logging.getLogger("asuh.test")
    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: False)
    with caplog.at_level(logging.WARNING, logger="asuh.test"):
        assert pdf.warn_if_slow_fonts(logger) is False
    assert "libharfbuzz-subset0" in caplog.text

    caplog.clear()
    monkeypatch.setattr(pdf, "harfbuzz_subset_available", lambda: True)
    with caplog.at_level(logging.WARNING, logger="asuh.test"):
        assert pdf.warn_if_slow_fonts(logger) is True
    assert caplog.text == ""


def test_shipped_fonts_carry_their_licence():
    folder = pdf.STATIC_ROOT / "fonts" / "dejavu"
    assert {p.name for p in folder.iterdir()} >= {
        "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE"}
    assert "Bitstream" in (folder / "LICENSE").read_text()
