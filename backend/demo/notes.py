"""The demo catalog's notes as a citizen should read them.

The catalog was compiled from the national portal (DVCQG) and the decrees; its notes keep the
compiler's remarks beside the rule: what the portal shows, estimates, things to check again
("DVCQG ghi thời gian '1'", "ước tính", "cần kiểm tra lại..."). The procedure page shows the
note to citizens, so those remarks are left out when the demo is loaded.
"""

from __future__ import annotations

import re

_REMARK = re.compile(r"\s*\([^()]*(?:DVCQG|ước tính|trình tự|cổng)[^()]*\)")
_SENTENCE = re.compile(r"(?<=[.;])\s+")
_INTERNAL = (
    "DVCQG",
    "ước tính",
    "cần kiểm tra",
    "không thống nhất",
    "cổng ghi",
    "ô bưu chính",
    "Tên thủ tục",
)


def public_note(note: str) -> str:
    text = " ".join(note.split())
    if text.lower().startswith("ước tính") or "DVCQG ghi không thống nhất" in text:
        return ""  # an estimate is not a rule to tell citizens
    text = re.sub(r"^DVCQG\s*:\s*", "", text)
    text = _REMARK.sub("", text)
    text = text.split(" — ")[0]
    kept = [s for s in _SENTENCE.split(text) if not any(w in s for w in _INTERNAL)]
    text = " ".join(kept).strip().rstrip(";").strip()
    return text[:1].upper() + text[1:]
