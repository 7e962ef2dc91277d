"""Security headers on every response; no caching of personal pages."""


def test_headers_on_public_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_personal_pages_are_not_cached(client, login):
    login("sponsor")
    response = client.get("/home")
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers


def test_api_answers_are_not_cached(client, api_token):
    response = client.get("/api/v1/me", headers=api_token("auditor"))
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_are_friendly(client, login):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.text
    login("sponsor")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Akses ditolak" in response.text


def test_static_assets_are_served_locally(client):
    page = client.get("/login").text
    assert "http://" not in page.replace("http://www.w3.org", "")
    assert "https://" not in page
    assert client.get("/static/vendor/pico/pico.min.css").status_code == 200
