"""Writing files so that an interrupted run never leaves half a file, and the error users can fix."""

from __future__ import annotations

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
