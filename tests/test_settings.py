"""Settings read from the environment."""

from __future__ import annotations

import pytest

from backend.settings import Settings


def test_receipt_links_follow_the_port_when_no_base_url_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 12, item 18: `make run PORT=9000` printed QR codes for port 8000."""
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "9123")
    assert Settings.from_env().base_url == "http://127.0.0.1:9123"
    monkeypatch.delenv("PORT")
    assert Settings.from_env().base_url == "http://127.0.0.1:8000"
    monkeypatch.setenv("PORT", "9123")
    monkeypatch.setenv("BASE_URL", "https://motcua.ninhbinh.gov.vn/")
    assert Settings.from_env().base_url == "https://motcua.ninhbinh.gov.vn"
