"""Rewriting uploaded PDFs without what a viewer would run or open on its own.

A PDF can carry JavaScript run when it opens (/OpenAction) or when a page or a field is shown or
touched (/AA), files inside it (/EmbeddedFiles, file attachment annotations), and actions that
start a program (/Launch), open another file (/GoToR, /GoToE, file: links) or send the form
somewhere (/SubmitForm). Staff open citizens' PDFs on office computers, so every uploaded PDF is
rewritten with qpdf (through pikepdf) without any of that: what is stored is what qpdf wrote,
never the uploaded bytes, and a file qpdf cannot open or repair is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pikepdf

from backend.lib.errors import UserError
from backend.lib.i18n import N_

PDF_CORRUPT = N_("Tệp PDF “{name}” bị hỏng hoặc chưa tải lên hết. Vui lòng chọn lại tệp.")
PDF_ENCRYPTED = N_(
    "Tệp PDF “{name}” có mật khẩu nên hệ thống không mở được. "
    "Vui lòng gỡ mật khẩu (hoặc in lại thành tệp PDF mới) rồi gửi lại."
)

# Keys removed wherever they appear: document and page actions, scripts, embedded files, XFA
# forms (which carry their own scripts) and portfolios (a PDF made of embedded files).
DROPPED_KEYS = (
    "/OpenAction",
    "/AA",
    "/JS",
    "/JavaScript",
    "/EmbeddedFiles",
    "/EF",
    "/XFA",
    "/Collection",
    "/RichMediaContent",
)
# Keys an action hangs from (links, outline items, form fields, chained actions).
ACTION_KEYS = ("/A", "/Next", "/PA")
DANGEROUS_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/GoToR",
    "/GoToE",
    "/SubmitForm",
    "/ImportData",
    "/Rendition",
    "/RichMediaExecute",
}
# Annotations that hold a file or a player; removed from the pages.
DROPPED_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}
# Links may go to web pages and e-mail addresses only (not file:, smb:, javascript:...).
SAFE_URI_SCHEMES = ("http://", "https://", "mailto:")


def clean_pdf(source: Path, destination: Path, name: str) -> None:
    """Write `source` to `destination` without active content; raises UserError."""
    try:
        with pikepdf.open(source) as pdf:
            if len(pdf.pages) == 0:
                raise UserError(PDF_CORRUPT, name=name)
            for obj in pdf.objects:
                _clean_object(obj)
            with destination.open("wb") as out:
                pdf.save(
                    out,
                    # Streams are copied as they are: inflating a hostile one could take
                    # gigabytes of work; only what we removed changes.
                    stream_decode_level=pikepdf.StreamDecodeLevel.none,
                    fix_metadata_version=False,
                    deterministic_id=True,  # the same upload gives the same file (dedupe)
                    encryption=False,
                )
    except UserError:
        raise
    except pikepdf.PasswordError as exc:
        raise UserError(PDF_ENCRYPTED, name=name) from exc
    except Exception as exc:
        # qpdf raises PdfError for what it cannot repair; hostile files can make pikepdf
        # raise other errors too: for the citizen they all mean "cannot read".
        raise UserError(PDF_CORRUPT, name=name) from exc


def _clean_object(obj: object) -> None:
    """Clean one dictionary (or a stream's dictionary) and the direct objects inside it."""
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        _clean_dictionary(obj)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            _clean_direct(item)


def _clean_direct(value: object) -> None:
    # Indirect objects are visited on their own (`pdf.objects`); numbers come back as ints.
    if isinstance(value, pikepdf.Dictionary | pikepdf.Array) and not value.is_indirect:
        _clean_object(value)


def _clean_dictionary(d: pikepdf.Dictionary | pikepdf.Stream) -> None:
    for key in DROPPED_KEYS:
        if key in d:
            del d[key]
    for key in ACTION_KEYS:
        if key in d and _any_dangerous(d[key]):
            del d[key]
    if "/Annots" in d and isinstance(d.Annots, pikepdf.Array):
        kept = [a for a in d.Annots if _annotation_subtype(a) not in DROPPED_ANNOTATIONS]
        if len(kept) != len(d.Annots):
            d.Annots = pikepdf.Array(kept)
    for key in list(d.keys()):
        _clean_direct(d[key])


def _any_dangerous(actions: pikepdf.Object) -> bool:
    """An action, or an array of them (/Next), holds something we do not keep."""
    items: Iterable[pikepdf.Object] = actions if isinstance(actions, pikepdf.Array) else [actions]
    return any(_is_dangerous(a) for a in items)


def _is_dangerous(action: pikepdf.Object) -> bool:
    if not isinstance(action, pikepdf.Dictionary):
        return False
    kind = str(action.get("/S", ""))
    if kind in DANGEROUS_ACTIONS:
        return True
    if kind == "/URI":
        uri = str(action.get("/URI", "")).strip().lower()
        return not uri.startswith(SAFE_URI_SCHEMES)
    return False


def _annotation_subtype(annotation: pikepdf.Object) -> str:
    if isinstance(annotation, pikepdf.Dictionary):
        return str(annotation.get("/Subtype", ""))
    return ""
