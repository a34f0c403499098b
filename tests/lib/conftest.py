"""Fixtures of the tests of backend/lib."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.lib.files import FileStore


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    """An upload store of its own, in the test's temporary folder."""
    return FileStore(tmp_path / "store")
