"""Files only their owner may read: the admin token, the demo webhook, the TLS private key.

Kept apart from the commands (no typer, no rich) so that ``http/tls.py`` writes its key through the same
function as the command line writes its secrets.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_secret(path: Path, data: str | bytes) -> None:
    """Write a file only its owner may read, from its first byte (not chmod'ed after the writing), and
    whole: it is written aside and moved into place. When the writing fails, nothing is left aside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = data.encode() if isinstance(data, str) else data
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    # A file left there by a process that died with this pid may have been opened up since: start afresh,
    # and O_EXCL makes sure the file written is the one created here, with its 0o600 mode.
    with contextlib.suppress(FileNotFoundError):
        aside.unlink()
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
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
