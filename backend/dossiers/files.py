"""A dossier's files as database rows (the bytes live in the content store, backend.lib.files)."""

from __future__ import annotations

from datetime import datetime

from backend.dossiers.tables import DossierFile
from backend.lib.clock import utcnow
from backend.lib.files import StoredFile


def file_row(
    dossier_id: int,
    stored: StoredFile,
    original_name: str,
    kind: str,
    document_id: int | None = None,
    at: datetime | None = None,
) -> DossierFile:
    """The database row for a checked, stored file (the bytes live in the file store)."""
    return DossierFile(
        dossier=dossier_id,
        document=document_id,
        sha256=stored.sha256,
        extension=stored.extension,
        content_type=stored.content_type,
        size=stored.size,
        original_name=original_name[:200],
        width=stored.width,
        height=stored.height,
        has_thumbnail=stored.has_thumbnail,
        uploaded_at=at or utcnow(),
        kind=kind,
    )
