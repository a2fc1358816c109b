"""Atomic output: a file appears under its final name only once it is complete."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a hidden temporary path beside ``path``; rename it to ``path`` on success.

    The temporary name (``.<name>.<random>.partial<suffix>``) keeps the suffix, so
    writers that infer the format from it still work, but no glob for results matches
    it. On error, or if the process is killed, ``path`` is untouched and the temporary
    file is removed (or, after a kill, left under its hidden name).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.{uuid.uuid4().hex}.partial{path.suffix}")
    try:
        yield partial
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
