"""The installable shell: manifest, icons, service worker, offline page."""
import struct
from pathlib import Path

from tests import factories
from tests.conftest import login

STATIC = Path(__file__).resolve().parent.parent / "static"


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_manifest_has_what_installing_needs(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["display"] == "standalone"
    assert manifest["short_name"] == "Kotipiha"
    assert manifest["start_url"].startswith("/")
    assert manifest["lang"] == "fi"
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert "192x192" in sizes and "512x512" in sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_icon_files_have_their_declared_sizes():
    assert png_size(STATIC / "icons" / "icon-192.png") == (192, 192)
    assert png_size(STATIC / "icons" / "icon-512.png") == (512, 512)
    assert png_size(STATIC / "icons" / "icon-maskable-512.png") == (512, 512)


def test_service_worker_is_versioned_and_caches_only_the_shell(client):
    response = client.get("/sw.js")
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert 'const CACHE = "kotipiha-' in body
    assert "/offline" in body and "/static/css/app.css?v=" in body
    assert "/properties" not in body and "/account" not in body


def test_the_offline_page_carries_nothing_of_a_session(client, app):
    user = factories.resident()
    login(client, user.username)
    page = client.get("/offline").get_data(as_text=True)
    assert "csrf_token" not in page and "X-CSRFToken" not in page
    assert user.username not in page and "/logout" not in page


def test_first_load_is_small(client):
    import gzip
    total = 0
    html = client.get("/").get_data()
    total += len(gzip.compress(html))
    for asset in ("css/app.css", "app.js", "vendor/htmx.min.js"):
        total += len(gzip.compress((STATIC / asset).read_bytes()))
    assert total < 30_000, total
    assert len(gzip.compress((STATIC / "css" / "app.css").read_bytes())) < 15_000
