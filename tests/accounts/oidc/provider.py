"""The npm `oidc-provider` (pinned in package.json) run by Node for the tests, and a person who
signs in through it over plain HTTP.

`start_provider` launches tests/accounts/oidc/provider.mjs on a free loopback port with one
client (this app) and an accounts file the tests add people to (`provider.add(...)`). Without
Node or node_modules/oidc-provider the tests are skipped with the reason, except under CI=true,
where that is a failure (as for Chromium in tests/browser).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from bs4 import BeautifulSoup

from tests.helpers import ROOT

LAUNCHER = Path(__file__).with_name("provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
CLIENT_ID = "motcua-test"
CLIENT_SECRET = "motcua-test-secret-0123456789abcdef"


@dataclass
class RunningProvider:
    issuer: str
    accounts_file: Path
    log: list[str] = field(default_factory=list)
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET

    def add(self, login: str, **claims: Any) -> str:
        """A person the provider knows: `login` (also their `sub`) and their claims."""
        accounts = json.loads(self.accounts_file.read_text())
        accounts[login] = claims
        self.accounts_file.write_text(json.dumps(accounts))
        return login


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the OpenID Connect tests are required under CI=true", False)
    pytest.skip(f"{reason}: OpenID Connect tests skipped")


@contextmanager
def start_provider(
    workdir: Path, redirect_uris: list[str], post_logout_uris: list[str]
) -> Iterator[RunningProvider]:
    node = shutil.which("node")
    if node is None:
        _missing("Node.js not found (apt-get install nodejs)")
    if not PACKAGE.exists():
        _missing("node_modules/oidc-provider is missing (run `make setup`: npm ci)")
    accounts_file = workdir / "accounts.json"
    accounts_file.write_text("{}")
    config = workdir / "provider.json"
    config.write_text(
        json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": redirect_uris,
                "post_logout_redirect_uris": post_logout_uris,
                "accounts_file": str(accounts_file),
            }
        )
    )
    proc = subprocess.Popen(
        [str(node), str(LAUNCHER), str(config)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    log: list[str] = []
    first_line: list[str] = []
    ready = threading.Event()

    def read() -> None:  # the provider's output, kept for a failure's message
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip())
            if line.startswith("{") and not first_line:
                first_line.append(line)
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(20) or not first_line:
        proc.kill()
        proc.wait()
        pytest.fail("oidc-provider did not start:\n" + "\n".join(log[-30:]), False)
    provider = RunningProvider(json.loads(first_line[0])["issuer"], accounts_file, log)
    try:
        yield provider
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _form(html: str, base: str) -> tuple[str, dict[str, str]]:
    """The first form of a provider page: its absolute action and its fields' values."""
    form = BeautifulSoup(html, "html.parser").select_one("form")
    assert form is not None, html[:2000]
    fields = {
        str(i["name"]): str(i.get("value", ""))
        for i in form.select("input[name]")
        if i.get("type") != "submit"
    }
    return urljoin(base, str(form["action"])), fields


async def log_in_at_provider(
    authorization_url: str, login: str, redirect_prefix: str, password: str = "any"
) -> str:
    """What a person does at the provider: open the address the app sent them to, type their
    login and password, and come back. Returns the URL the provider sends the browser back
    to (the app's callback with `code` and `state`)."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as browser:
        response = await browser.get(authorization_url)
        url = authorization_url
        for _ in range(12):
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                if url.startswith(redirect_prefix):
                    return url
                response = await browser.get(url)
                continue
            assert response.status_code == 200, (response.status_code, response.text[:2000])
            action, fields = _form(response.text, url)
            if fields.get("prompt") == "login":
                fields.update(login=login, password=password)
            response = await browser.post(action, data=fields)
            url = action
        raise AssertionError(f"the provider never sent the browser back (last: {url})")


async def provider_sign_out(end_session_url: str, redirect_prefix: str) -> str:
    """At the provider's sign-out page, "Yes, sign me out"; returns where it sends back."""
    async with httpx.AsyncClient(follow_redirects=False, timeout=15) as browser:
        response = await browser.get(end_session_url)
        assert response.status_code == 200, response.text[:2000]
        action, fields = _form(response.text, end_session_url)
        fields["logout"] = "yes"
        response = await browser.post(action, data=fields)
        for _ in range(5):
            assert response.status_code in (302, 303), response.text[:2000]
            url = urljoin(action, response.headers["location"])
            if url.startswith(redirect_prefix):
                return url
            response = await browser.get(url)
        raise AssertionError("the provider never sent the browser back after signing out")


def path_of(url: str) -> str:
    """The path and query of an absolute URL, to replay it on the in-process app."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
