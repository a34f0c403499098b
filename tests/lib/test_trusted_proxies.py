"""The client's address and TLS behind a reverse proxy: believed only from TRUSTED_PROXIES."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from litestar import Request
from litestar.testing import RequestFactory

from backend.lib import web
from backend.settings import get_settings


def request(peer: str, scheme: str = "http", **headers: str) -> Request[Any, Any, Any]:
    built = RequestFactory(server="testserver.local").get("/", headers=headers)
    built.scope["client"] = (peer, 40000)
    built.scope["scheme"] = scheme
    return built


@pytest.fixture
def behind_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = dataclasses.replace(get_settings(), trusted_proxies=("10.0.0.0/8", "127.0.0.1"))
    monkeypatch.setattr(web, "get_settings", lambda: settings)


def test_without_trusted_proxies_the_socket_address_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = dataclasses.replace(get_settings(), trusted_proxies=())
    monkeypatch.setattr(web, "get_settings", lambda: settings)
    forged = request("203.0.113.5", **{"x-forwarded-for": "1.2.3.4", "x-forwarded-proto": "https"})
    assert web.client_ip(forged) == "203.0.113.5"
    assert not web.is_https(forged)


def test_a_trusted_proxy_names_the_client(behind_proxy: None) -> None:
    via = request("10.1.2.3", **{"x-forwarded-for": "1.2.3.4, 198.51.100.7, 10.9.9.9"})
    # The client may prepend anything; the last hop before our proxies is the real one.
    assert web.client_ip(via) == "198.51.100.7"
    assert web.is_https(request("127.0.0.1", **{"x-forwarded-proto": "https"}))
    assert not web.is_https(request("127.0.0.1", **{"x-forwarded-proto": "http"}))
    assert web.is_https(request("203.0.113.5", scheme="https"))


def test_an_untrusted_peer_cannot_claim_an_address_or_tls(behind_proxy: None) -> None:
    forged = request("203.0.113.5", **{"x-forwarded-for": "10.0.0.1", "x-forwarded-proto": "https"})
    assert web.client_ip(forged) == "203.0.113.5"
    assert not web.is_https(forged)
