"""Rating a dossier: only the owner, only after completion, one rating changeable for 7 days,
linked to the counter officer and the agency; a low rating offers a complaint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.dossiers.workflow import State
from backend.lib.clock import utcnow
from backend.lib.errors import Conflict, FormErrors, NotFound
from backend.notifications.tables import Notification
from backend.ratings import scale as scales
from backend.ratings import services
from backend.ratings.tables import Rating
from tests.dossiers.factory import Factory
from tests.helpers import Client, sign_in_as, soup


async def test_only_after_completion_only_the_owner_only_once(factory: Factory) -> None:
    owner = factory.people["owner"]
    dossier_id = await factory.create(State.PROCESSING)
    with pytest.raises(Conflict):
        await services.rate(owner, dossier_id, 5)
    assert await Rating.count().where(Rating.dossier == dossier_id) == 0

    dossier_id = await factory.create(State.RETURNED)
    with pytest.raises(NotFound):
        await services.rate(factory.people["other_citizen"], dossier_id, 5)
    with pytest.raises(NotFound):
        await services.rate(factory.people["counter"], dossier_id, 5)
    with pytest.raises(FormErrors):
        await services.rate(owner, dossier_id, 9)
    first = await services.rate(owner, dossier_id, 2)
    second = await services.rate(owner, dossier_id, 4)  # changed, not added
    assert first["id"] == second["id"] and second["level"] == 4 and second["satisfied"]
    assert await Rating.count().where(Rating.dossier == dossier_id) == 1
    # Linked to the officer who handed the result over, their counter and the agency.
    assert second["officer"] == factory.people["counter"].id
    assert second["counter"] is not None and second["agency"] is not None
    assert second["source"] == "dossier" and second["scale"] == 5


async def test_a_change_after_seven_days_is_refused(factory: Factory) -> None:
    owner = factory.people["owner"]
    dossier_id = await factory.create(State.RETURNED)
    rating = await services.rate(owner, dossier_id, 3)
    await Rating.update({Rating.created_at: utcnow() - timedelta(days=7, minutes=1)}).where(
        Rating.id == rating["id"]
    )
    with pytest.raises(Conflict):
        await services.rate(owner, dossier_id, 5)
    with pytest.raises(Conflict):
        await services.add_details(owner, dossier_id, {"attitude": "good"}, "Cảm ơn")
    assert (await services.of_dossier(dossier_id) or {})["level"] == 3
    # Six days and a bit is still within the window.
    await Rating.update({Rating.created_at: utcnow() - timedelta(days=6, hours=23)}).where(
        Rating.id == rating["id"]
    )
    assert (await services.rate(owner, dossier_id, 5))["level"] == 5


async def test_an_electronic_result_can_be_rated_when_ready(factory: Factory) -> None:
    dossier_id = await factory.create(State.DONE, result_kind="electronic")
    rating = await services.rate(factory.people["owner"], dossier_id, 5)
    assert rating["satisfied"]
    # The "result ready" message is the invitation: one push, not two.
    ready = await Notification.select(Notification.body).where(
        (Notification.dossier == dossier_id) & (Notification.kind == "dossier.approve")
    )
    assert len(ready) == 1 and "có hài lòng không" in ready[0]["body"]


async def test_the_three_level_scale(factory: Factory) -> None:
    await scales.choose(3)
    try:
        dossier_id = await factory.create(State.RETURNED)
        with pytest.raises(FormErrors):
            await services.rate(factory.people["owner"], dossier_id, 5)
        rating = await services.rate(factory.people["owner"], dossier_id, 2)
        assert rating["scale"] == 3 and rating["satisfied"]
        low = await services.rate(factory.people["owner"], dossier_id, 1)
        assert not low["satisfied"] and scales.is_low(1, 3)
    finally:
        await scales.choose(5)


async def test_one_tap_then_details_and_a_complaint_offer_through_the_page(
    client: Client, factory: Factory
) -> None:
    owner = factory.people["owner"]
    dossier_id = await factory.create(State.RETURNED)
    # The hand-over message is the invitation to rate (one push, not two).
    invite = (
        await Notification.select(Notification.body)
        .where((Notification.dossier == dossier_id) & (Notification.kind == "dossier.hand_over"))
        .first()
    )
    assert invite is not None and "có hài lòng không" in invite["body"]

    await sign_in_as(client, owner.id)
    page = await client.get(f"/dossiers/{dossier_id}")
    card = soup(page.text).select_one("#rating")
    assert card is not None
    buttons = card.select("button[name=level]")
    assert [b.get_text(" ", strip=True) for b in buttons] == [
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Rất không hài lòng",
    ]
    token = card.select_one("input[name=_csrf_token]")["value"]
    r = await client.post(
        f"/dossiers/{dossier_id}/rating/",
        data={"_csrf_token": token, "level": "1"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    fragment = soup(r.text)
    assert "Cảm ơn bạn đã đánh giá" in fragment.get_text()
    offer = fragment.select_one(f"a[href='/complaints/new?dossier={dossier_id}']")
    assert offer is not None
    r = await client.post(
        f"/dossiers/{dossier_id}/rating/details",
        data={
            "_csrf_token": token,
            "c_attitude": "bad",
            "c_fees": "bad",
            "comment": "Phải đi 3 lần",
        },
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 200
    rating = await services.of_dossier(dossier_id)
    assert rating is not None and rating["level"] == 1 and rating["comment"] == "Phải đi 3 lần"
    assert '"attitude": "bad"' in rating["criteria"]

    # Without htmx, the same form posts and comes back to the page.
    r = await client.post(
        f"/dossiers/{dossier_id}/rating/",
        data={"_csrf_token": token, "level": "5"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#rating")
    assert (await services.of_dossier(dossier_id) or {})["level"] == 5


async def test_no_rating_card_before_completion(client: Client, factory: Factory) -> None:
    dossier_id = await factory.create(State.PROCESSING)
    await sign_in_as(client, factory.people["owner"].id)
    page = await client.get(f"/dossiers/{dossier_id}")
    assert soup(page.text).select_one("#rating") is None


async def test_a_tap_before_the_result_is_refused_with_a_message(
    client: Client, factory: Factory
) -> None:
    """Issue 12, item 19: a tap before the result (an old page, a crafted post) answered 500
    under htmx and a silent redirect without JavaScript."""
    from tests.helpers import sign_in_as

    dossier_id = await factory.create(State.PROCESSING)
    await sign_in_as(client, factory.people["owner"].id)
    await client.get(f"/dossiers/{dossier_id}")  # the page gives the session's CSRF token
    token = client.cookies["csrftoken"]
    url = f"/dossiers/{dossier_id}/rating/"
    r = await client.post(
        url, data={"_csrf_token": token, "level": "5"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 409
    assert (
        "Bạn có thể đánh giá khi đã nhận kết quả hồ sơ." in soup(r.text).select_one("#rating").text
    )
    r = await client.post(url, data={"_csrf_token": token, "level": "5"}, follow_redirects=False)
    assert r.status_code == 409
    assert "Bạn có thể đánh giá khi đã nhận kết quả hồ sơ." in r.text
    assert await Rating.count().where(Rating.dossier == dossier_id) == 0
