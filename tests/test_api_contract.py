"""The JSON API against its own OpenAPI document (issue 11, item 15), with schemathesis:
generated requests, anonymous, with a citizen's token and (on the staff's routes) with a counter
officer's and a postal worker's, on the real app served by granian.
Zero server errors, every answer's status code and body as documented (one error schema for
every error), the right content type and headers.

Bounded (a few examples per operation, a fixed seed) so that the suite stays quick. Not
checked here: that every schema-valid request is accepted (a submission may lack a required
paper, a push endpoint may belong to no push service: business rules the schema cannot say),
and the Allow header of Litestar's automatic OPTIONS answers (it may list only some of a path's
methods; a 405 lists them all, which the 405 test below checks).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.browser.conftest import _artifacts, live_server  # noqa: F401 (fixtures)
from tests.helpers import ROOT

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


def run_schemathesis(base_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        f"{base_url}/schema/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        "8",
        "--seed",
        "20261205",
        "--exclude-path",
        "/api/v1/auth/logout",  # it would end the token the other operations use
        "--no-color",
        *extra,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_anonymous_requests_keep_the_contract(live_server: str) -> None:  # noqa: F811
    done = run_schemathesis(live_server)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


@pytest.mark.parametrize("login", ["0987654321"])
def test_a_citizens_requests_keep_the_contract(live_server: str, login: str) -> None:  # noqa: F811
    r = httpx.post(
        f"{live_server}/api/v1/auth/token",
        json={"login": login, "password": "congdan123"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    done = run_schemathesis(live_server, "-H", f"Authorization: Bearer {r.json()['access_token']}")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


# The staff's side of the routes a native app uses (issue 15): the handover lists both ways and
# the notification settings, with the demo's counter officer and postal worker (what they may
# do, and what is refused to them).
STAFF_PATHS = r"^/api/v1/(postal/(pickup-)?handovers|notifications/settings)"


@pytest.mark.parametrize("login", ["motcua1", "buudien1"])
def test_the_staffs_requests_keep_the_contract(live_server: str, login: str) -> None:  # noqa: F811
    r = httpx.post(
        f"{live_server}/api/v1/auth/token",
        json={"login": login, "password": "canbo123"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    done = run_schemathesis(
        live_server,
        "--include-path-regex",
        STAFF_PATHS,
        "-H",
        f"Authorization: Bearer {r.json()['access_token']}",
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_a_method_not_allowed_says_which_are(live_server: str) -> None:  # noqa: F811
    r = httpx.request("DELETE", f"{live_server}/api/v1/dossiers", timeout=10)
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert r.json() == {"status_code": 405, "detail": "Thao tác không được hỗ trợ."}
