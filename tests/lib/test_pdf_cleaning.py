"""Uploaded PDFs are rewritten by qpdf without what a viewer would run or open on its own
(issue 11, item 12); one qpdf cannot open or repair is refused with a message."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest

from backend.lib.errors import UserError
from backend.lib.files import PDF_CORRUPT, PDF_ENCRYPTED, FileStore
from tests.helpers import PDF

SCRIPT = "app.alert('hacked')"
EXECUTABLE = b"MZ this is an executable"


def hostile_pdf() -> bytes:
    """Two pages carrying every kind of active content we drop, and a web link we keep."""
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    js = pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(SCRIPT)))
    pdf.Root.OpenAction = js
    pdf.Root.AA = pikepdf.Dictionary(WC=js)  # when the document closes
    secret = pdf.make_stream(EXECUTABLE)
    spec = pikepdf.Dictionary(
        Type=pikepdf.Name.Filespec, F=pikepdf.String("run.exe"), EF=pikepdf.Dictionary(F=secret)
    )
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js])),
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("run.exe"), spec])),
    )
    first = pdf.pages[0].obj
    first.AA = pikepdf.Dictionary(O=js)  # when the page opens
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    file_link = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("file:///C:/x.exe"))
    web_link = pikepdf.Dictionary(
        S=pikepdf.Name.URI, URI=pikepdf.String("https://dichvucong.gov.vn")
    )
    first.Annots = pdf.make_indirect(
        pikepdf.Array(
            [
                _annotation(pdf, Subtype=pikepdf.Name.Link, A=launch),
                _annotation(pdf, Subtype=pikepdf.Name.Link, A=file_link),
                _annotation(pdf, Subtype=pikepdf.Name.Link, A=web_link),
                _annotation(pdf, Subtype=pikepdf.Name.FileAttachment, FS=spec),
            ]
        )
    )
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def _annotation(pdf: pikepdf.Pdf, **entries: object) -> pikepdf.Object:
    rect = pikepdf.Array([0, 0, 10, 10])
    return pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Rect=rect, **entries))


def accept(store: FileStore, tmp_path: Path, data: bytes, name: str = "giay-to.pdf") -> Path:
    upload = tmp_path / name
    upload.write_bytes(data)
    stored = store.accept(upload, name)
    assert not upload.exists()
    return store.path_for(stored.sha256, stored.extension)


def refused(store: FileStore, tmp_path: Path, data: bytes, message: str) -> UserError:
    upload = tmp_path / "giay-to.pdf"
    upload.write_bytes(data)
    with pytest.raises(UserError) as caught:
        store.accept(upload, "giay-to.pdf")
    assert caught.value.message == message and caught.value.params["name"] == "giay-to.pdf"
    assert not upload.exists()
    assert list(store.root.rglob("*.pdf")) == []
    return caught.value


def test_the_hostile_pdf_really_carries_it_all() -> None:
    data = hostile_pdf()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "/OpenAction" in pdf.Root and "/EmbeddedFiles" in pdf.Root.Names
    assert b"app.alert" in data and EXECUTABLE in data


def test_scripts_actions_and_embedded_files_are_dropped(store: FileStore, tmp_path: Path) -> None:
    path = accept(store, tmp_path, hostile_pdf())

    assert b"app.alert" not in path.read_bytes()
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.Root
        assert "/Names" not in pdf.Root or not (
            {"/JavaScript", "/EmbeddedFiles"} & set(pdf.Root.Names.keys())
        )
        first = pdf.pages[0].obj
        assert "/AA" not in first
        subtypes = [str(a.Subtype) for a in first.Annots]
        assert subtypes == ["/Link", "/Link", "/Link"]  # the file attachment is gone
        actions = [a.get("/A") for a in first.Annots]
        assert actions[:2] == [None, None]  # the launch and the file: link lost their action
        assert str(actions[2].URI) == "https://dichvucong.gov.vn"  # a web link stays
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                assert not {"/JS", "/JavaScript", "/EF", "/EmbeddedFiles"} & set(obj.keys())
            if isinstance(obj, pikepdf.Stream):
                assert EXECUTABLE not in obj.read_bytes()


def test_the_same_pdf_is_stored_once(store: FileStore, tmp_path: Path) -> None:
    data = hostile_pdf()
    assert accept(store, tmp_path, data, "a.pdf") == accept(store, tmp_path, data, "b.pdf")


def test_a_pdf_qpdf_cannot_repair_is_refused(store: FileStore, tmp_path: Path) -> None:
    error = refused(
        store, tmp_path, b"%PDF-1.7\n" + b"\x00garbage" * 300 + b"\n%%EOF\n", PDF_CORRUPT
    )
    assert "bị hỏng" in error.render()


def test_a_pdf_without_pages_is_refused(store: FileStore, tmp_path: Path) -> None:
    pdf = pikepdf.new()
    out = io.BytesIO()
    pdf.save(out)
    refused(store, tmp_path, out.getvalue(), PDF_CORRUPT)


def test_a_pdf_with_a_password_is_refused_with_help(store: FileStore, tmp_path: Path) -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(user="1234", owner="5678"))
    error = refused(store, tmp_path, out.getvalue(), PDF_ENCRYPTED)
    assert "gỡ mật khẩu" in error.render()


def test_a_damaged_but_repairable_pdf_is_stored_repaired(store: FileStore, tmp_path: Path) -> None:
    # No cross-reference table, as some scanners write: qpdf rebuilds it.
    damaged = PDF
    with pikepdf.open(accept(store, tmp_path, damaged)) as pdf:
        assert len(pdf.pages) == 1 and pdf.trailer.get("/Root") is not None
