"""Files only their owner may read: the admin token, the demo webhook, the TLS private key.

Kept apart from the commands (no typer, no rich) so that ``http/tls.py`` writes its key through the same
function as the command line writes its secrets.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def write_secret(path: Path, data: str | bytes) -> None:
    """Write a file only its owner may read, from its first byte (not chmod'ed after the writing), and
    whole (``written_whole``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with written_whole(path) as out:
        out.write(data.encode() if isinstance(data, str) else data)


@contextmanager
def written_whole(path: Path) -> Iterator[BinaryIO]:
    """A file only its owner may read, written aside and moved into place when the block ends without an
    error: a reader never sees half of it, and when the writing fails nothing is left aside and the file
    there before stays as it was."""
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    # A file left there by a process that died with this pid may have been opened up since: start afresh,
    # and O_EXCL makes sure the file written is the one created here, with its 0o600 mode.
    with contextlib.suppress(FileNotFoundError):
        aside.unlink()
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
        os.replace(aside, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            aside.unlink()
        raise


def read_secret(path: Path) -> str:
    """A secret kept in the data directory ("" when there is none), made readable by its owner only if
    someone had opened it up."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return ""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return text
