"""Proofs drawn or photographed on the courier's phone: the recipient's photo or signature at
delivery, the citizen's signature when the paper dossier is collected. The phone sends them as
data: URLs (it may have queued them offline); they are kept in the content store like any file.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from pathlib import Path

from backend.dossiers.uploads import file_store, upload_limits
from backend.lib.errors import FormErrors, UserError
from backend.lib.i18n import N_

MAX_PROOF_BYTES = 3 * 1024 * 1024


async def store_proof(data_url: str) -> tuple[str, str]:
    """Decode a data: URL image and keep it in the content store; returns (sha256, ext)."""
    header, _, payload = data_url.partition(",")
    if not header.startswith("data:image/") or ";base64" not in header:
        raise FormErrors([UserError(N_("Ảnh hoặc chữ ký không hợp lệ."), field="proof")])
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise FormErrors([UserError(N_("Ảnh hoặc chữ ký không hợp lệ."), field="proof")]) from exc
    if len(raw) > MAX_PROOF_BYTES:
        raise FormErrors([UserError(N_("Ảnh quá lớn (tối đa 3 MB)."), field="proof")])
    # Beside the other uploads, where the cleanup finds it if the process dies before accept().
    fd, name = tempfile.mkstemp(prefix="proof-", suffix=".part", dir=upload_limits()["tmp_dir"])
    with os.fdopen(fd, "wb") as f:
        f.write(raw)
    stored = await file_store().accept_in_thread(Path(name), "proof")
    return stored.sha256, stored.extension
