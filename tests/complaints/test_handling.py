"""Handling over HTTP: who may act on which complaint, in which state, and that a refused
step changes nothing; the filer's answer to a question; notifications."""

from __future__ import annotations

from typing import Any

import pytest

from backend.access.user import CurrentUser
from backend.complaints import handling
from backend.complaints.access import link_key
from backend.complaints.workflow import Action
from backend.notifications.tables import Notification
from tests.complaints.conftest import People, file_as, post_multipart, row, snapshot
from tests.dossiers.conftest import photo
from tests.helpers import Client, another_client, post_form, sign_in_as, soup, text_of

QUESTION = "Xin cho biết bạn nộp hồ sơ ở quầy số mấy, vào giờ nào."
ANSWER = "Sở Tư pháp đã làm việc với cán bộ liên quan, yêu cầu hoàn trả khoản tiền đã thu sai."


def act_url(complaint: dict[str, Any], action: str) -> str:
    return f"/staff/complaints/{complaint['id']}/actions/{action}"


async def step(client: Client, complaint: dict[str, Any], action: str, **fields: Any) -> Any:
    return await post_form(client, act_url(complaint, action), **fields)


def who(people: People, name: str) -> CurrentUser:
    person: CurrentUser = getattr(people, name)
    return person


async def test_the_manager_sees_every_complaint_a_leader_only_their_agencys(
    client: Client, people: People
) -> None:
    stp = await file_as(people, agency="stp")
    sxd = await file_as(people, agency="sxd")
    nowhere = await file_as(people, agency="")
    await sign_in_as(client, people.manager)
    codes = " ".join(text_of((await client.get("/staff/complaints")).text, ".item .meta"))
    assert stp["code"] in codes and sxd["code"] in codes and nowhere["code"] in codes
    await sign_in_as(client, people.stp_leader)
    page = await client.get("/staff/complaints")
    codes = " ".join(text_of(page.text, ".item .meta"))
    assert stp["code"] in codes and sxd["code"] not in codes and nowhere["code"] not in codes
    current = text_of(page.text, "nav.tabs a[aria-current]")
    assert current[0] == "Phản ánh" and len(current) == 2  # with the "Cần xử lý" filter
    assert (await client.get(f"/staff/complaints/{sxd['id']}")).status_code == 404


@pytest.mark.parametrize("person", ["citizen", "specialist", "counter"])
async def test_people_who_do_not_handle_complaints_are_refused(
    client: Client, people: People, person: str
) -> None:
    complaint = await file_as(people, agency="stp")
    before = await snapshot(complaint["id"])
    await sign_in_as(client, who(people, person))
    assert (await client.get("/staff/complaints")).status_code == 403
    assert (await client.get(f"/staff/complaints/{complaint['id']}")).status_code == 403
    r = await step(client, complaint, "accept")
    assert r.status_code == 403
    assert "không có quyền xử lý phản ánh" in r.text
    assert await snapshot(complaint["id"]) == before


@pytest.mark.parametrize(
    ("agency", "person"), [("sxd", "stp_leader"), ("stp", "sxd_leader"), ("", "stp_leader")]
)
async def test_a_leader_cannot_act_on_another_agencys_complaint(
    client: Client, people: People, agency: str, person: str
) -> None:
    complaint = await file_as(people, people.citizen, agency=agency)
    before = await snapshot(complaint["id"])
    await sign_in_as(client, who(people, person))
    for action, fields in (("accept", {}), ("reject", {"text": "Không thuộc thẩm quyền của Sở."})):
        r = await step(client, complaint, action, **fields)
        assert r.status_code == 404
    assert await snapshot(complaint["id"]) == before


async def test_the_whole_way_with_a_question_to_a_filer_without_account(
    app: Any, client: Client, people: People
) -> None:
    complaint = await file_as(people, agency="stp", phone="0912000777")
    await sign_in_as(client, people.stp_leader)
    page = await client.get(f"/staff/complaints/{complaint['id']}")
    assert [
        s.get_text(strip=True)
        for s in soup(page.text).select(".action summary, .action-quick button")
    ] == [
        "Tiếp nhận phản ánh",
        "Không tiếp nhận",
        "Đề nghị bổ sung thông tin",
    ]
    assert (await step(client, complaint, "accept")).status_code == 303
    r = await step(client, complaint, "request_info", text=QUESTION)
    assert r.status_code == 303
    assert (await row(complaint["id"]))["state"] == "waiting_info"

    # The filer answers from the page their link opens (code + phone number).
    async with another_client(app, "198.51.100.30") as filer:
        key = link_key(complaint["code"], "0912000777")
        link = f"/complaints/{complaint['code']}?key={key}"
        page = await filer.get(link)
        assert QUESTION in " ".join(text_of(page.text, "#reply .quote"))
        short = await post_multipart(
            filer, f"/complaints/{complaint['code']}/reply", key=key, reply="ok"
        )
        assert short.status_code == 422
        assert "ít nhất 5 ký tự" in " ".join(text_of(short.text, "#e-reply"))
        sent = await post_multipart(
            filer,
            f"/complaints/{complaint['code']}/reply",
            [("quay3.jpg", photo(300, 400), "image/jpeg")],
            key=key,
            reply="Quầy số 3, khoảng 9 giờ sáng thứ Hai.",
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == link + "&done=reply"
    after = await row(complaint["id"])
    assert (after["state"], after["info_reply"]) == (
        "accepted",
        "Quầy số 3, khoảng 9 giờ sáng thứ Hai.",
    )

    assert (await step(client, complaint, "answer", text=ANSWER)).status_code == 303
    answered = await row(complaint["id"])
    assert answered["state"] == "answered" and answered["publish_due"] is not None
    assert (await step(client, complaint, "publish")).status_code == 303
    published = await row(complaint["id"])
    assert published["state"] == "published" and published["public_answer"] == ANSWER
    history = text_of(
        (await client.get(f"/staff/complaints/{complaint['id']}")).text, ".timeline strong"
    )
    assert history == [
        "Gửi phản ánh",
        "Tiếp nhận phản ánh",
        "Đề nghị bổ sung thông tin",
        "Người phản ánh bổ sung thông tin",
        "Trả lời",
        "Công khai câu trả lời",
    ]


@pytest.mark.parametrize(
    ("path", "action", "fields"),
    [
        ([], "answer", {"text": ANSWER}),  # not accepted yet
        ([], "publish", {}),  # not answered
        (["accept"], "accept", {}),  # twice
        (["accept"], "reject", {"text": "Không thuộc thẩm quyền."}),  # already accepted
        (["accept", "answer"], "request_info", {"text": QUESTION}),  # already answered
        (["reject"], "accept", {}),  # rejected is final
    ],
)
async def test_a_step_in_the_wrong_state_changes_nothing(
    client: Client, people: People, path: list[str], action: str, fields: dict[str, str]
) -> None:
    complaint = await file_as(people, people.citizen, agency="stp")
    texts = {"answer": ANSWER, "reject": "Không thuộc thẩm quyền giải quyết của Sở."}
    for earlier in path:
        await handling.take_step(
            people.manager,
            complaint["id"],
            Action(earlier),
            handling.StepInput(text=texts.get(earlier, "")),
        )
    before = await snapshot(complaint["id"])
    await sign_in_as(client, people.manager)
    r = await step(client, complaint, action, **fields)
    assert r.status_code == 409
    assert "không thể" in " ".join(text_of(r.text, ".alert.bad"))
    assert await snapshot(complaint["id"]) == before


async def test_a_stale_page_changes_nothing(client: Client, people: People) -> None:
    complaint = await file_as(people, agency="stp")
    await sign_in_as(client, people.manager)
    version = complaint["version"]
    assert (await step(client, complaint, "accept", expected_version=version)).status_code == 303
    before = await snapshot(complaint["id"])
    r = await step(client, complaint, "request_info", text=QUESTION, expected_version=version)
    assert r.status_code == 409
    assert "vừa được người khác cập nhật" in r.text
    assert await snapshot(complaint["id"]) == before


@pytest.mark.parametrize(
    ("action", "text", "message"),
    [
        ("reject", "", "Vui lòng ghi rõ lý do không tiếp nhận"),
        ("request_info", "?", "Vui lòng ghi rõ thông tin cần bổ sung"),
    ],
)
async def test_a_step_needs_its_text(
    client: Client, people: People, action: str, text: str, message: str
) -> None:
    complaint = await file_as(people, agency="stp")
    before = await snapshot(complaint["id"])
    await sign_in_as(client, people.manager)
    r = await step(client, complaint, action, text=text)
    assert r.status_code == 422
    assert message in " ".join(text_of(r.text, f"#action-{action} .error"))
    assert soup(r.text).select_one(f"#action-{action}").has_attr("open")
    assert await snapshot(complaint["id"]) == before


async def test_the_filer_with_an_account_is_told_at_each_step(
    client: Client, people: People
) -> None:
    complaint = await file_as(people, people.citizen, agency="stp")
    await sign_in_as(client, people.stp_leader)
    await step(client, complaint, "accept")
    await step(client, complaint, "request_info", text=QUESTION)
    await handling.reply(
        await row(complaint["id"]), handling.StepInput(text="Quầy số 3 ạ."), people.citizen
    )
    await step(client, complaint, "answer", text=ANSWER)
    messages = (
        await Notification.select(Notification.kind, Notification.title, Notification.url)
        .where(
            (Notification.recipient == people.citizen.id)
            & Notification.url.like(f"%{complaint['code']}")
        )
        .order_by(Notification.id)
    )
    assert [m["kind"] for m in messages] == [
        "complaint.accepted",
        "complaint.info_requested",
        "complaint.answered",
    ]
    assert messages[0]["title"] == f"Phản ánh {complaint['code']} đã được tiếp nhận"
    assert all(m["url"] == f"/complaints/{complaint['code']}" for m in messages)

    rejected = await file_as(people, people.citizen, agency="stp")
    await step(
        client, rejected, "reject", text="Nội dung không thuộc thẩm quyền giải quyết của Sở."
    )
    last = (
        await Notification.select(Notification.kind, Notification.body)
        .where(Notification.recipient == people.citizen.id)
        .order_by(Notification.id, ascending=False)
        .first()
    )
    assert last == {
        "kind": "complaint.rejected",
        "body": "Lý do: Nội dung không thuộc thẩm quyền giải quyết của Sở.",
    }
    # The filer reads the reason on their page.
    await sign_in_as(client, people.citizen)
    page = await client.get(f"/complaints/{rejected['code']}")
    assert "Không tiếp nhận" in text_of(page.text, ".badge")[0]
    assert "không thuộc thẩm quyền" in " ".join(text_of(page.text, ".quote"))


async def test_only_the_filer_answers_the_question(client: Client, people: People) -> None:
    complaint = await file_as(people, people.citizen, agency="stp")
    await handling.take_step(
        people.manager, complaint["id"], Action.REQUEST_INFO, handling.StepInput(text=QUESTION)
    )
    before = await snapshot(complaint["id"])
    await sign_in_as(client, people.other_citizen)
    r = await post_multipart(
        client, f"/complaints/{complaint['code']}/reply", reply="Tôi trả lời thay."
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/complaints/track")
    r = await post_multipart(
        client,
        f"/complaints/{complaint['code']}/reply",
        reply="Tôi trả lời thay.",
        key=link_key(complaint["code"], "0987000111"),  # a key for another number opens nothing
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/complaints/track")
    await sign_in_as(client, people.manager)
    r = await step(client, complaint, "reply", text="Cán bộ trả lời thay.")
    assert r.status_code == 403
    assert await snapshot(complaint["id"]) == before
