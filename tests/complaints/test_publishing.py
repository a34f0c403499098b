"""Publishing without personal data, the public page, and the filer's opinion of the answer."""

from __future__ import annotations

from typing import Any

import pytest

from backend.complaints import handling
from backend.complaints.access import link_key
from backend.complaints.tables import ComplaintVote
from backend.complaints.workflow import Action
from backend.settings import get_settings
from tests.complaints.conftest import People, file_as, row, snapshot
from tests.helpers import Client, another_client, post_form, sign_in_as, soup, text_of

FILER = "Trần Thị Phản Ánh"
SECRET_CONTENT = (
    "Tôi là Tran Thi Phan Anh, CCCD 036185004321, điện thoại 0912.000.777. Ngày 12/5 cán bộ "
    "Đỗ Quang Vinh ở quầy Sở Tư pháp bảo tôi nộp thêm 200.000 đồng, anh Vinh còn cho số "
    "+84 987 654 321 và email vinh.dq@gmail.com để liên hệ riêng."
)
SECRET_ANSWER = (
    "Sở đã làm việc với ông Đỗ Quang Vinh; khoản tiền đã được hoàn lại cho bà Phản Ánh "
    "(số điện thoại 0912 000 777)."
)


async def answered(people: People, filer: Any = None, phone: str = "0912000777") -> dict[str, Any]:
    """A complaint about the demo leader of Sở Tư pháp, answered, not yet published."""
    complaint = await file_as(
        people,
        filer,
        content=SECRET_CONTENT,
        name=FILER,
        phone=phone,
        official_id=str(people.stp_leader.id),
    )
    for action, text in ((Action.ACCEPT, ""), (Action.ANSWER, SECRET_ANSWER)):
        await handling.take_step(
            people.manager, complaint["id"], action, handling.StepInput(text=text)
        )
    return await row(complaint["id"])


async def publish(client: Client, people: People, complaint: dict[str, Any], **fields: str) -> Any:
    await sign_in_as(client, people.manager)
    return await post_form(client, f"/staff/complaints/{complaint['id']}/actions/publish", **fields)


def assert_no_personal_data(text: str) -> None:
    for secret in (
        "Phan Anh",
        "Phản Ánh",
        "Vinh",
        "Đỗ Quang",
        "036185004321",
        "0912",
        "000.777",
        "987 654",
        "gmail",
    ):
        assert secret not in text, (secret, text)


async def test_the_handler_previews_what_will_be_public(client: Client, people: People) -> None:
    complaint = await answered(people)
    await sign_in_as(client, people.manager)
    page = soup((await client.get(f"/staff/complaints/{complaint['id']}")).text)
    question = page.select_one("#publish-question").get_text()
    answer = page.select_one("#publish-answer").get_text()
    assert_no_personal_data(question)
    assert_no_personal_data(answer)
    assert "200.000 đồng" in question and "[đã ẩn]" in question
    assert answer.startswith("Sở đã làm việc với ông [đã ẩn];")


async def test_the_public_page_shows_the_answer_without_personal_data(
    client: Client, people: People
) -> None:
    complaint = await answered(people)
    assert (await publish(client, people, complaint)).status_code == 303
    client.cookies.clear()
    page = await client.get("/pakn")
    assert page.status_code == 200
    card = soup(page.text).select_one(f"#pakn-{complaint['id']}")
    assert card is not None
    text = " ".join(card.get_text(" ").split())
    assert_no_personal_data(text)
    assert "nộp thêm 200.000 đồng" in text and "[đã ẩn]" in text
    assert "Nhũng nhiễu, gây phiền hà" in text
    assert "Hữu ích: 0" in text and "Không hữu ích: 0" in text
    # The center's manager wrote the answer: the center signs it, not the agency concerned
    # (issue 12, item 14b).
    signed = " ".join(card.select("h3 .inline-meta")[-1].get_text().split())
    assert signed.startswith(get_settings().center_name) and "Sở Tư pháp" not in signed
    # Not the code either: with the phone number it opens the filer's page.
    assert complaint["code"] not in page.text
    assert "Gửi phản ánh, kiến nghị" in text_of(page.text, ".pakn-actions a")


async def test_a_name_typed_back_in_by_the_handler_is_hidden_again(
    client: Client, people: People
) -> None:
    complaint = await answered(people)
    r = await publish(
        client,
        people,
        complaint,
        public_question="Cán bộ Đỗ Quang Vinh thu thêm tiền, gọi 0912000777.",
        public_answer="Đã hoàn tiền cho Trần Thị Phản Ánh.",
    )
    assert r.status_code == 303
    published = await row(complaint["id"])
    assert published["public_question"] == "Cán bộ [đã ẩn] thu thêm tiền, gọi [đã ẩn]."
    assert published["public_answer"] == "Đã hoàn tiền cho [đã ẩn]."


async def test_unpublished_answers_are_not_public(client: Client, people: People) -> None:
    complaint = await answered(people)
    page = await client.get("/pakn")
    assert soup(page.text).select_one(f"#pakn-{complaint['id']}") is None


async def test_the_filer_marks_the_answer_useful_once_and_may_change_it(
    client: Client, people: People
) -> None:
    complaint = await answered(people, people.citizen)
    await sign_in_as(client, people.citizen)
    early = await post_form(client, f"/complaints/{complaint['code']}/vote", useful="1")
    assert early.status_code == 409  # not published yet
    await publish(client, people, complaint)

    await sign_in_as(client, people.citizen)
    page = await client.get(f"/complaints/{complaint['code']}")
    assert text_of(page.text, ".vote button") == ["Hữu ích", "Không hữu ích"]
    for useful in ("1", "1", "0"):
        r = await post_form(client, f"/complaints/{complaint['code']}/vote", useful=useful)
        assert r.status_code == 303
        assert r.headers["location"] == f"/complaints/{complaint['code']}?done=vote#vote"
    votes = await ComplaintVote.select().where(ComplaintVote.complaint == complaint["id"])
    assert len(votes) == 1 and votes[0]["useful"] is False and votes[0]["changes"] == 1
    page = await client.get(f"/complaints/{complaint['code']}?done=vote")
    assert (
        soup(page.text).select_one(".vote button[aria-pressed=true]").get_text() == "Không hữu ích"
    )
    card = soup((await client.get("/pakn")).text).select_one(f"#pakn-{complaint['id']}")
    assert "Hữu ích: 0" in card.get_text(" ") and "Không hữu ích: 1" in card.get_text(" ")


async def test_a_filer_without_account_votes_with_code_and_phone(app: Any, people: People) -> None:
    complaint = await answered(people, phone="0912000888")
    async with another_client(app, "198.51.100.40") as staff:
        await publish(staff, people, complaint)
    async with another_client(app, "198.51.100.41") as filer:
        key = link_key(complaint["code"], "0912000888")
        r = await post_form(filer, f"/complaints/{complaint['code']}/vote", useful="1", key=key)
        assert r.status_code == 303
        assert r.headers["location"].startswith(f"/complaints/{complaint['code']}?key={key}")
    card = soup((await filer_page(app)).text).select_one(f"#pakn-{complaint['id']}")
    assert "Hữu ích: 1" in card.get_text(" ")


async def filer_page(app: Any) -> Any:
    async with another_client(app, "198.51.100.42") as anyone:
        return await anyone.get("/pakn")


@pytest.mark.parametrize("intruder", ["other_citizen", "manager", None])
async def test_nobody_else_votes(client: Client, people: People, intruder: str | None) -> None:
    complaint = await answered(people, people.citizen)
    await publish(client, people, complaint)
    before = await snapshot(complaint["id"])
    client.cookies.clear()
    if intruder:
        await sign_in_as(client, getattr(people, intruder))
    r = await post_form(client, f"/complaints/{complaint['code']}/vote", useful="0")
    # The filer's page needs their account or their phone number: back to the lookup form
    # (a handler is sent to the complaint's staff page instead).
    assert r.status_code == 303
    assert r.headers["location"] in (
        f"/complaints/track?code={complaint['code']}",
        f"/staff/complaints/{complaint['id']}",
    )
    wrong = await post_form(
        client,
        f"/complaints/{complaint['code']}/vote",
        useful="0",
        key=link_key(complaint["code"], "0987000111"),
    )
    assert wrong.status_code == 303  # a key for another number opens nothing
    assert await snapshot(complaint["id"]) == before
