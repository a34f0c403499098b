"""The cleanup of uploads (issue 11, item 13): stale temporary files and stored files no row
refers to go after their grace period; referenced files, fresh files and files being stored
again stay."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from piccolo.conf.apps import Finder
from PIL import Image

from backend.dossiers.tables import DossierFile
from backend.dossiers.uploads import file_store
from backend.lib import cleanup
from backend.lib.files import FileStore, StoredFile
from tests.conftest import Clock
from tests.dossiers.test_upload_hardening import citizen_with_a_draft, photo, send
from tests.helpers import Client

HOUR = 3600
DAY = 24 * HOUR


def age(path: Path, seconds: float) -> None:
    """Make `path` look last written `seconds` ago."""
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def an_image(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, format="PNG")
    return out.getvalue()


def store_image(store: FileStore, tmp_path: Path, colour: str) -> StoredFile:
    path = tmp_path / f"{colour}.png"
    path.write_bytes(an_image(colour))
    return store.accept(path, path.name)


def files_of(store: FileStore, stored: StoredFile) -> list[Path]:
    return [
        store.path_for(stored.sha256, stored.extension),
        store.thumbnail_path_for(stored.sha256),
    ]


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "uploads")


@pytest.fixture
def tmp_dir(store: FileStore) -> Path:
    path = store.root / "tmp"
    path.mkdir()
    return path


async def test_stale_temporary_files_go_and_fresh_ones_stay(
    database: None, store: FileStore, tmp_dir: Path
) -> None:
    crashed = [tmp_dir / "upload-abc123.part", tmp_dir / "proof-def456.part"]
    staged = store.staging / "tmpx1y2.part"
    in_flight = tmp_dir / "upload-fresh.part"
    other = tmp_dir / "README"
    for path in [*crashed, staged, in_flight, other]:
        path.write_bytes(b"x" * 100)
    for path in [*crashed, staged, other]:
        age(path, 2 * HOUR)
    age(in_flight, 50 * 60)  # within the hour: an upload may still be writing it

    done = await cleanup.collect(store.root, tmp_dir)

    assert done.temporary == 3
    assert not any(p.exists() for p in [*crashed, staged])
    assert in_flight.exists() and other.exists()


async def test_unreferenced_stored_files_go_after_the_grace_period(
    client: Client, store: FileStore, tmp_dir: Path, tmp_path: Path
) -> None:
    # A page of a real draft (a DossierFile row), copied into this store and made old.
    dossier, slot = await citizen_with_a_draft(client)
    assert (await send(client, dossier, slot, "trang-1.jpg", photo())).status_code == 200
    row = await DossierFile.select().where(DossierFile.dossier == dossier).first()
    assert row is not None
    real = file_store()
    page = StoredFile(row["sha256"], row["size"], "image/jpeg", row["extension"], 1, 1, True)
    for source, copy in zip(files_of(real, page), files_of(store, page), strict=True):
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, copy)
    orphan = store_image(store, tmp_path, "red")  # no row refers to it
    fresh = store_image(store, tmp_path, "blue")  # no row yet: its upload is in flight
    for path in files_of(store, page) + files_of(store, orphan):
        age(path, 2 * DAY)
    age(files_of(store, fresh)[0], 2 * DAY)  # the file is old, its thumbnail was just written

    counted = await cleanup.collect(store.root, tmp_dir, dry_run=True)
    assert (counted.stored, counted.stored_bytes) == (
        2,
        sum(p.stat().st_size for p in files_of(store, orphan)),
    )
    assert all(p.exists() for p in files_of(store, orphan))

    done = await cleanup.collect(store.root, tmp_dir)

    assert done == counted
    assert not any(p.exists() for p in files_of(store, orphan))
    assert all(p.exists() for p in files_of(store, page) + files_of(store, fresh))
    assert list(store.staging.iterdir()) == []  # nothing left aside


async def test_a_file_stored_again_is_kept(
    database: None, store: FileStore, tmp_dir: Path, tmp_path: Path
) -> None:
    """Storing a file again renews it: its new row may be written after the cleanup's look."""
    first = store_image(store, tmp_path, "green")
    for path in files_of(store, first):
        age(path, 2 * DAY)

    again = store_image(store, tmp_path, "green")

    assert again == first
    assert all(time.time() - p.stat().st_mtime < HOUR for p in files_of(store, first))
    await cleanup.collect(store.root, tmp_dir)
    assert all(p.exists() for p in files_of(store, first))


async def test_a_file_renewed_while_the_cleanup_looks_is_put_back(
    database: None,
    store: FileStore,
    tmp_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = store_image(store, tmp_path, "yellow")
    paths = files_of(store, stored)
    # The cleanup found it old and unreferenced; then, before it moved the file aside, the
    # store was given the same file again (which renewed it).
    monkeypatch.setattr(cleanup, "_old_stored_files", lambda folder, cutoff: {stored.sha256: paths})

    done = await cleanup.collect(store.root, tmp_dir)

    assert done.stored == 0
    assert all(p.exists() for p in paths)
    assert list(store.staging.glob("*.trash")) == []


async def test_files_a_crashed_cleanup_left_aside_go_back(
    database: None, store: FileStore, tmp_dir: Path, tmp_path: Path, clock: Clock
) -> None:
    stored = store_image(store, tmp_path, "purple")
    path = store.path_for(stored.sha256, "png")
    aside = store.staging / f"{path.name}.0badcafe.trash"
    os.replace(path, aside)
    # Moved aside more than an hour ago (a move sets the change time, which utime cannot set
    # back): the cleanup compares it with its clock, so move the clock instead.
    clock.now = clock.now + timedelta(hours=2)

    await cleanup.collect(store.root, tmp_dir, dry_run=True)

    assert path.exists() and not aside.exists()


def test_every_column_holding_a_stored_file_is_declared(database: None) -> None:
    """Found by name: a column `sha256` or `*_sha256` holds a stored file's address."""
    holding = {
        f"{table._meta.tablename}.{column._meta.name}"
        for table in Finder().get_table_classes()
        for column in table._meta.columns
        if column._meta.name == "sha256" or column._meta.name.endswith("_sha256")
    }
    declared = {
        f"{c._meta.table._meta.tablename}.{c._meta.name}" for c in cleanup.declared_columns()
    }
    assert (
        holding
        == declared
        == {
            "dossier_file.sha256",
            "complaint_file.sha256",
            "postal_shipment.proof_sha256",
            "postal_pickup.citizen_signature_sha256",
        }
    )


async def test_without_declared_columns_nothing_is_removed(
    store: FileStore, tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cleanup, "_columns", {})
    with pytest.raises(RuntimeError, match=r"wiring\.connect"):
        await cleanup.collect(store.root, tmp_dir)


def test_the_command(database: None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "backend.lib.cleanup", "--dry-run"],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("would remove ") and "temporary files" in done.stdout
