"""Fixtures of the OpenID Connect tests, shared with the browser journey (tests/browser)."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator

import pytest

from backend.accounts.oidc import client, flow
from backend.settings import Settings, get_settings
from tests.accounts.oidc.provider import RunningProvider, start_provider


@pytest.fixture(scope="session")
def oidc_app_port() -> int:
    """The port the browser journey serves the app on: the provider must know its callback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def oidc_provider(
    oidc_app_port: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProvider]:
    bases = [get_settings().base_url, f"http://127.0.0.1:{oidc_app_port}"]
    with start_provider(
        tmp_path_factory.mktemp("oidc-provider"),
        [base + flow.CALLBACK_PATH for base in bases],
        [base + "/" for base in bases],
    ) as provider:
        yield provider


def oidc_settings_for(provider: RunningProvider, **changes: object) -> Settings:
    return dataclasses.replace(
        get_settings(),
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        oidc_id_claim="personal_id",
        **changes,  # type: ignore[arg-type]
    )


@pytest.fixture
def oidc_settings(
    oidc_provider: RunningProvider, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """The app, in this process, configured for the test provider."""
    settings = oidc_settings_for(oidc_provider)
    monkeypatch.setattr(flow, "get_settings", lambda: settings)
    yield settings
    client.forget()
