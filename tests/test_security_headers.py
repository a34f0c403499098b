"""Security headers on every kind of response (issue 11, item 3): pages, fragments, JSON,
static files, errors, redirects, the service worker and the kiosk. No template carries inline
script, which the Content-Security-Policy forbids."""

from __future__ import annotations

import re

import pytest

from tests.helpers import ROOT, Client, register

PAGES = [
    ("GET", "/", 200),
    ("GET", "/procedures?q=khai+sinh", 200),
    ("GET", "/login", 200),
    ("GET", "/track", 200),
    ("GET", "/api/v1/procedures", 200),
    ("GET", "/schema/openapi.json", 200),
    ("GET", "/static/css/app.css", 200),
    ("GET", "/sw.js", 200),
    ("GET", "/manifest.webmanifest", 200),
    ("GET", "/kiosk", 200),
    ("GET", "/no-such-page", 404),
    ("GET", "/api/v1/no-such-thing", 404),
    ("GET", "/my/dossiers", 303),
    ("POST", "/login", 403),  # no CSRF token
]


@pytest.mark.parametrize(("method", "path", "status"), PAGES, ids=[p[1] for p in PAGES])
async def test_every_response_carries_the_headers(
    client: Client, method: str, path: str, status: int
) -> None:
    r = await client.request(method, path, follow_redirects=False)
    assert r.status_code == status, r.text[:200]
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in r.headers["permissions-policy"]


async def test_the_camera_is_allowed_only_where_photos_are_taken(client: Client) -> None:
    await register(client)
    procedures = (await client.get("/api/v1/procedures")).json()
    r = await client.post(
        f"/procedures/{procedures[0]['id']}/start",
        data={"_csrf_token": client.cookies["csrftoken"]},
        follow_redirects=True,
    )
    assert r.url.path.endswith("/edit"), r.url
    assert "camera=(self)" in r.headers["permissions-policy"]
    mine = await client.get("/my/dossiers")
    assert "camera=()" in mine.headers["permissions-policy"]


def test_no_template_or_script_relies_on_inline_code() -> None:
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=\"|hx-on[:-]|<style|javascript:")
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)}"
        for path in (ROOT / "frontend" / "templates").rglob("*.html")
        for m in inline.finditer(path.read_text())
    ]
    assert found == []
