"""Personal data out of published complaints: the pure function, on the ways people write."""

from __future__ import annotations

import re

import pytest

from backend.complaints.redaction import PLACEHOLDER, person_name, redact

HIDDEN = PLACEHOLDER


@pytest.mark.parametrize(
    "phone",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "+84.912.345.678",
        "(+84) 912 345 678",
        "84912345678",
        "0389 000 111",
        "024 3825 1234",  # a landline in Hà Nội
        "0229.3871.234",  # a landline in Ninh Bình
    ],
)
def test_phone_numbers_in_every_usual_format(phone: str) -> None:
    out = redact(f"Gọi cho tôi theo số {phone}, cảm ơn.")
    assert out == f"Gọi cho tôi theo số {HIDDEN}, cảm ơn."


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CCCD 001099012345 của tôi", f"CCCD {HIDDEN} của tôi"),
        ("số CMND: 123456789.", f"số CMND: {HIDDEN}."),
        ("căn cước công dân số 001 099 012 345", f"căn cước công dân số {HIDDEN}"),
        ("số định danh cá nhân 001.099.012.345", f"số định danh cá nhân {HIDDEN}"),
        (
            "Chứng minh nhân dân 163-123-456 cấp năm 2010",
            f"Chứng minh nhân dân {HIDDEN} cấp năm 2010",
        ),
        ("giấy tờ 036095001234 đã nộp", f"giấy tờ {HIDDEN} đã nộp"),
        ("mã 123456789 ở trên", f"mã {HIDDEN} ở trên"),
        ("số 0360 9500 1234 nhé", f"số {HIDDEN} nhé"),
    ],
)
def test_id_card_numbers(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "email", ["nguyenvana@gmail.com", "le.thi-hoa+pakn@ninhbinh.gov.vn", "A_B@Mail.Example.VN"]
)
def test_email_addresses(email: str) -> None:
    assert redact(f"Liên hệ {email} giúp tôi") == f"Liên hệ {HIDDEN} giúp tôi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ông Nguyễn Văn An nói", f"ông {HIDDEN} nói"),
        ("Bà Lê Thị Hoa bảo chờ", f"Bà {HIDDEN} bảo chờ"),
        ("anh Tuấn ở quầy 3", f"anh {HIDDEN} ở quầy 3"),
        ("gặp chị Mai", f"gặp chị {HIDDEN}"),
        ("cán bộ Trần Văn Bình đòi tiền", f"cán bộ {HIDDEN} đòi tiền"),
        ("chuyên viên Lê Minh Tuấn hẹn lại", f"chuyên viên {HIDDEN} hẹn lại"),
        ("Cán bộ Hùng, chị Lan", f"Cán bộ {HIDDEN}, chị {HIDDEN}"),
        ("ÔNG Bình và  ông  Tư", f"ÔNG {HIDDEN} và  ông  {HIDDEN}"),
    ],
)
def test_names_after_a_form_of_address_or_a_title(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Anh ấy bảo bà con chờ thêm, chị cũng không biết.",
        "Lệ phí 500.000 đồng, tổng cộng 150.000.000 đồng.",
        "Hồ sơ 000.00.20.H42-261129-0007 nộp ngày 29/4/2026 lúc 09:30.",
        "Phản ánh PAKN-261130-0001 gửi Sở Tư pháp tỉnh Ninh Bình.",
        "Tôi đến quầy số 3, tầng 2, đợi 45 phút.",
    ],
)
def test_ordinary_words_amounts_dates_and_codes_are_kept(text: str) -> None:
    assert redact(text) == text


def test_known_names_without_diacritics_or_in_capitals() -> None:
    names = ["Nguyễn Văn An", "Lê Minh Tuấn (Sở Tư pháp)"]
    text = "Tôi là Nguyen Van An, NGUYỄN VĂN AN; Văn An. Người làm là Lê Minh Tuấn (Sở Tư pháp)."
    assert redact(text, names) == (
        f"Tôi là {HIDDEN}, {HIDDEN}; {HIDDEN}. Người làm là {HIDDEN} (Sở Tư pháp)."
    )


def test_a_name_inside_another_word_is_kept() -> None:
    text = "Lanh lợi, nhà Hoàng Lanh, an toàn"
    assert redact(text, ["Lan"]) == text
    # A two-letter name alone would hide too much ("An" in "An toàn"): only whole names are.
    assert redact("An toàn là trên hết", ["An"]) == "An toàn là trên hết"


def test_a_whole_complaint() -> None:
    text = (
        "Ngày 12/5/2026 tôi (Trần Thị Hoa, CCCD 036185004321, ĐT 0912 345 678, email "
        "hoa.tran@gmail.com) nộp hồ sơ, cán bộ Nguyễn Văn Bình đòi 200.000 đồng. "
        "Anh Bình nói nếu không nộp thì gọi +84 987.654.321 hỏi ông Trưởng."
    )
    out = redact(text, ["Trần Thị Hoa", "Nguyễn Văn Bình"])
    for secret in ("Hoa", "Bình", "036185004321", "0912", "987", "gmail", "Trưởng"):
        assert secret not in out, (secret, out)
    assert "200.000 đồng" in out and "12/5/2026" in out
    # Nothing is left that looks like a phone or ID number.
    assert not re.search(r"\d{9}", out.replace(" ", "").replace(".", ""))


def test_person_name_drops_the_bracketed_agency() -> None:
    assert person_name("Đỗ Quang Vinh (Sở Tư pháp)") == "Đỗ Quang Vinh"
    assert person_name("") == ""


def test_the_centers_own_contacts_stay_readable() -> None:
    """Issue 12, item 14b: redaction hid the center's hotline in published answers."""
    answer = (
        "Xin gọi đường dây nóng 0229 3 871 234 hoặc viết về motcua@ninhbinh.gov.vn; "
        "ông Nguyễn Văn An (0912 345 678, an.nguyen@gmail.com) đã được nhắc nhở."
    )
    public = ("0229 3871 234", "motcua@ninhbinh.gov.vn")
    shown = redact(answer, ["Nguyễn Văn An"], public)
    assert "0229 3 871 234" in shown and "motcua@ninhbinh.gov.vn" in shown
    assert "0912 345 678" not in shown and "an.nguyen@gmail.com" not in shown
    assert "Nguyễn Văn An" not in shown
    # Written with the country code, it is the same number.
    assert "+84 229 3871 234" in redact("Gọi +84 229 3871 234.", public=public)
    # Without a public list, every number is hidden as before.
    assert "0229 3 871 234" not in redact(answer)
