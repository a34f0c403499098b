"""The notification settings as a native app reads and changes them (issue 15): a bearer
token, JSON; the same categories and rules as /settings/notifications."""

from __future__ import annotations

from typing import Any

import pytest

from backend.access.roles import Role
from backend.notifications import queries
from tests.helpers import Client, bearer, make_citizen, make_user

SETTINGS = "/api/v1/notifications/settings"
OPTIONAL = ["progress", "postal", "rating", "complaint"]  # what a citizen may turn off
ESSENTIAL = ["supplement", "result", "decision", "delay"]


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in body["categories"]}


async def test_a_citizen_reads_the_categories_as_the_page_shows_them(client: Client) -> None:
    r = await client.get(SETTINGS, headers=await bearer(await make_citizen()))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [c["name"] for c in body["categories"]] == ESSENTIAL + OPTIONAL
    assert all(c["enabled"] for c in body["categories"])
    assert [c["essential"] for c in body["categories"]] == [True] * 4 + [False] * 4
    assert by_name(body)["rating"]["label"] == "Mời đánh giá mức độ hài lòng"
    assert body["devices"] == 0
    # The label in the language chosen with the switch (the `lang` cookie).
    english = await client.get(
        SETTINGS, headers={**await bearer(await make_citizen()), "cookie": "lang=en"}
    )
    assert by_name(english.json())["rating"]["label"] == "Invitations to rate the service"


async def test_turning_categories_off_and_on(client: Client) -> None:
    me = await make_citizen()
    headers = await bearer(me)
    r = await client.put(
        SETTINGS,
        json={
            "categories": [
                {"name": "rating", "enabled": False},
                {"name": "postal", "enabled": False},
            ]
        },
        headers=headers,
    )
    assert r.status_code == 200, r.text
    shown = by_name(r.json())
    assert not shown["rating"]["enabled"] and not shown["postal"]["enabled"]
    assert shown["progress"]["enabled"]  # left out: as it was
    assert {"rating", "postal"}.isdisjoint(await queries.enabled_categories(me.id))
    # What GET answers may be sent back changed, its other fields and all.
    got = (await client.get(SETTINGS, headers=headers)).json()
    for c in got["categories"]:
        c["enabled"] = True
    r = await client.put(SETTINGS, json=got, headers=headers)
    assert r.status_code == 200, r.text
    assert all(c["enabled"] for c in r.json()["categories"])
    assert {"rating", "postal"} <= await queries.enabled_categories(me.id)
    # Nothing to change is no change.
    assert (await client.put(SETTINGS, json={}, headers=headers)).status_code == 200


@pytest.mark.parametrize(
    ("categories", "message"),
    [
        ([{"name": "result", "enabled": False}], "Thông báo này quan trọng nên luôn được gửi."),
        (
            [{"name": "rating", "enabled": False}, {"name": "result", "enabled": False}],
            "Thông báo này quan trọng nên luôn được gửi.",
        ),
        ([{"name": "nothing-like-this", "enabled": True}], "Không có loại thông báo này."),
    ],
)
async def test_a_refused_choice_changes_nothing(
    client: Client, categories: list[dict[str, Any]], message: str
) -> None:
    me = await make_citizen()
    r = await client.put(SETTINGS, json={"categories": categories}, headers=await bearer(me))
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == {"categories": message}
    assert r.json()["detail"] == message
    # All or nothing, as on the page.
    assert {"rating", "result"} <= await queries.enabled_categories(me.id)


@pytest.mark.parametrize(
    "body",
    [
        {"categories": "rating"},
        {"categories": [{"name": "rating"}]},
        {"categories": [{"name": "rating", "enabled": "no"}]},
    ],
)
async def test_a_malformed_body_is_refused(client: Client, body: dict[str, Any]) -> None:
    r = await client.put(SETTINGS, json=body, headers=await bearer(await make_citizen()))
    assert r.status_code == 400, r.text
    assert r.json()["extra"]


async def test_staff_see_their_reminders_and_anonymous_nothing(client: Client) -> None:
    officer = await make_user(Role.COUNTER, "t.settings.api.counter")
    r = await client.get(SETTINGS, headers=await bearer(officer))
    assert by_name(r.json())["staff"] == {
        "name": "staff",
        "label": "Nhắc hạn xử lý (cán bộ)",
        "essential": False,
        "enabled": True,
    }
    assert (await client.get(SETTINGS)).status_code == 401
    r = await client.put(SETTINGS, json={"categories": []})
    assert r.status_code == 401 and r.json()["status_code"] == 401
