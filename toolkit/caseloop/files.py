"""Writing files so that an interrupted run never leaves half a file, and the error users can fix."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class CourseError(Exception):
    """A problem a user can fix: the message names the file and what to do."""


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; it replaces `path` only once writing succeeded.

    Every file caseloop writes goes through here, so an interrupted run never leaves half a file.
    """
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` through `replacing`."""
    with replacing(path) as partial:
        partial.write_text(text, encoding="utf-8")


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """A new temporary folder inside `folder` to write a command's outputs to; once the block succeeds every file
    in it moves to the same place in `folder` (one rename each), else `folder` is left as it was.

    Files of `folder` the command does not write stay, so one cohort's run keeps the other cohorts' pages.
    """
    existed = folder.is_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
    try:
        yield stage
        for path in sorted(p for p in stage.rglob("*") if p.is_file()):
            target = folder / path.relative_to(stage)
            target.parent.mkdir(parents=True, exist_ok=True)
            path.replace(target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        if not existed:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(stage, ignore_errors=True)
