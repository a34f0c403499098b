"""Removing the files nobody needs any more.

- Temporary files: uploads streamed to `upload-*.part` (backend.lib.multipart), proofs written to
  `proof-*.part`, files being stored (`.staging/*.part`), which a crash or a killed worker leaves
  behind. Removed once older than TMP_GRACE: no upload takes an hour.
- Stored files (backend.lib.files: <sha256>.<ext> and its thumbnail) that no row refers to any
  more: a page removed from a draft, a refused dossier's pages once deleted... Removed once no
  column declared with `refers_to_files` holds their sha256 and they were last written more
  than STORE_GRACE ago. A file is stored before the row that refers to it is written, and the
  store renews the modification time of a file it is given again: the grace period keeps a file
  whose row is still to come.

Which tables refer to stored files is the domains' knowledge, not this module's: each declares
its columns in its routes.connect() (backend.wiring). The app runs `collect_uploads` every hour
(backend.app); by hand: `python -m backend.lib.cleanup [--dry-run]`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from piccolo.columns import Column

from backend.lib.clock import utcnow
from backend.lib.files import STAGING, FileStore
from backend.settings import get_settings

TMP_GRACE = timedelta(hours=1)
STORE_GRACE = timedelta(hours=24)
BATCH = 500  # content addresses looked up in one query
TRASH = ".trash"  # a stored file moved aside, about to be removed

log = logging.getLogger("motcua.cleanup")
_columns: dict[str, Column] = {}


def refers_to_files(*columns: Column) -> None:
    """Declare columns that hold the sha256 of stored files: while a row holds one, the file
    stays. Each domain calls it for its own tables in its routes.connect()."""
    for column in columns:
        _columns[f"{column._meta.table._meta.tablename}.{column._meta.name}"] = column


def declared_columns() -> list[Column]:
    return list(_columns.values())


async def referenced(hashes: Sequence[str]) -> set[str]:
    """Those of `hashes` that some declared column holds."""
    found: set[str] = set()
    for column in _columns.values():
        rows = await column._meta.table.select(column).where(column.is_in(list(hashes)))
        found.update(row[column._meta.name] for row in rows)
    return found


@dataclass
class Collected:
    temporary: int = 0  # temporary files removed
    stored: int = 0  # stored files removed (thumbnails included)
    stored_bytes: int = 0


async def collect_uploads(*, dry_run: bool = False) -> Collected:
    """`collect` on the configured upload folders."""
    settings = get_settings()
    return await collect(settings.upload_dir, settings.upload_tmp_dir, dry_run=dry_run)


async def collect(store_root: Path, tmp_dir: Path, *, dry_run: bool = False) -> Collected:
    """Remove stale temporary files and unreferenced stored files (see the module's doc);
    with `dry_run`, only count them."""
    if not _columns:
        # Nothing would count as referenced and every stored file would go.
        raise RuntimeError("no table declared its stored files: call backend.wiring.connect()")
    now = utcnow().timestamp()
    staging = store_root / STAGING
    done = Collected()
    done.temporary, folders = await asyncio.to_thread(
        _sweep_temporaries, store_root, tmp_dir, now - TMP_GRACE.total_seconds(), dry_run
    )
    cutoff = now - STORE_GRACE.total_seconds()
    for folder in folders:
        old = await asyncio.to_thread(_old_stored_files, folder, cutoff)
        addresses = sorted(old)
        for start in range(0, len(addresses), BATCH):
            batch = addresses[start : start + BATCH]
            keep = await referenced(batch)
            groups = [old[sha256] for sha256 in batch if sha256 not in keep]
            count, size = await asyncio.to_thread(_remove, groups, staging, cutoff, dry_run)
            done.stored += count
            done.stored_bytes += size
    if done.temporary or done.stored:
        log.info("cleanup%s: %s", " (dry run)" if dry_run else "", done)
    return done


def _sweep_temporaries(
    store_root: Path, tmp_dir: Path, cutoff: float, dry_run: bool
) -> tuple[int, list[Path]]:
    """Stale temporary files removed (their number), files a crashed cleanup left aside put
    back; and the store's top folders, to look at next."""
    staging = store_root / STAGING
    staging.mkdir(parents=True, exist_ok=True)
    removed = _remove_stale([tmp_dir, staging], cutoff, dry_run)
    _put_back_leftovers(store_root, cutoff)
    return removed, sorted(store_root.glob("[0-9a-f][0-9a-f]"))


def _remove_stale(folders: list[Path], cutoff: float, dry_run: bool) -> int:
    removed = 0
    for folder in folders:
        for path in folder.glob("*.part"):
            try:
                if path.stat().st_mtime < cutoff:
                    if not dry_run:
                        path.unlink()
                    removed += 1
            except FileNotFoundError:  # finished meanwhile
                continue
    return removed


def _old_stored_files(folder: Path, cutoff: float) -> dict[str, list[Path]]:
    """The stored files under one top folder, by content address, whose every file (the
    file and its thumbnail) was last written before `cutoff`."""
    groups: dict[str, list[Path]] = {}
    newest: dict[str, float] = {}
    for path in _files_under(folder):
        sha256 = FileStore.sha256_of(path.name)
        if sha256 is None:
            continue
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            continue
        groups.setdefault(sha256, []).append(path)
        newest[sha256] = max(newest.get(sha256, 0.0), mtime)
    return {sha256: paths for sha256, paths in groups.items() if newest[sha256] < cutoff}


def _files_under(folder: Path) -> Iterator[Path]:
    for sub in folder.iterdir():
        if sub.is_dir():
            yield from (p for p in sub.iterdir() if p.is_file())


def _remove(
    groups: list[list[Path]], staging: Path, cutoff: float, dry_run: bool
) -> tuple[int, int]:
    count = size = 0
    for paths in groups:
        if dry_run:
            sizes = [p.stat().st_size for p in paths if p.exists()]
        else:
            sizes = _take_away(paths, staging, cutoff)
        count += len(sizes)
        size += sum(sizes)
    return count, size


def _take_away(paths: list[Path], staging: Path, cutoff: float) -> list[int]:
    """Remove one stored file and its thumbnail unless the store was given it again since it
    was found old; returns the sizes removed.

    The files are first moved aside (atomically): if the store is given the same file now, it
    does not find it and writes it anew. Then, if one of them turns out to have been renewed
    just before (FileStore renews the modification time of a file it is given again), they
    are put back."""
    moved: list[tuple[Path, Path]] = []
    for path in paths:
        aside = staging / f"{path.name}.{secrets.token_hex(4)}{TRASH}"
        try:
            os.replace(path, aside)
        except FileNotFoundError:
            continue
        moved.append((path, aside))
    try:
        stats = [aside.stat() for _, aside in moved]
    except FileNotFoundError:  # put back by another process's cleanup
        stats = []
    if len(stats) != len(moved) or any(s.st_mtime >= cutoff for s in stats):
        for path, aside in moved:
            _put_back(aside, path)
        return []
    for _, aside in moved:
        aside.unlink(missing_ok=True)
    return [s.st_size for s in stats]


def _put_back(aside: Path, path: Path) -> None:
    """`aside` back at `path`, unless the store wrote that file anew meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    except FileNotFoundError:  # put back already
        return
    aside.unlink(missing_ok=True)


def _put_back_leftovers(store_root: Path, cutoff: float) -> None:
    """Files a crashed cleanup had moved aside go back: the next pass judges them again.
    (Only those moved aside before `cutoff`: the others are another process's, at work.)"""
    for aside in (store_root / STAGING).glob(f"*{TRASH}"):
        name = aside.name.removesuffix(TRASH).rsplit(".", 1)[0]
        sha256 = FileStore.sha256_of(name)
        try:
            stale = aside.stat().st_ctime < cutoff  # the move sets ctime, not mtime
        except FileNotFoundError:
            continue
        if sha256 is not None and stale:
            _put_back(aside, store_root / sha256[:2] / sha256[2:4] / name)
