"""What a process builds from a large file it only reads (the MEF OpenAPI documents), kept
between processes: every domain process and CLI command would otherwise parse the same
megabytes of YAML again at start.

An entry is found by the file's path, size and modification time and by the modification time
of the module that builds it, so a changed spec or a changed builder is built again. The cache
lives in the user's cache directory (`$XDG_CACHE_HOME/cadenza`, else `~/.cache/cadenza`), is
written atomically and only ever read back by the same user; where it cannot be written the
file is simply built every time."""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

__all__ = ["cached_build", "cache_dir"]

T = TypeVar("T")
log = logging.getLogger(__name__)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cadenza" / "parsed"


def _key(path: Path, build: Callable[[Path], object]) -> str:
    source = Path(build.__code__.co_filename)
    stat, built_by = path.stat(), source.stat()
    parts = [str(path.resolve()), str(stat.st_size), str(stat.st_mtime_ns), build.__qualname__,
             str(built_by.st_mtime_ns), sys.version]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def cached_build(path: Path, build: Callable[[Path], T]) -> T:
    """`build(path)`, or what it returned for this same file and builder before."""
    try:
        entry = cache_dir() / f"{_key(path, build)}.pickle"
        return pickle.loads(entry.read_bytes())  # noqa: S301 - written by this user's own processes
    except FileNotFoundError:
        pass
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as error:
        log.debug("parsed cache of %s unreadable (%s): building it", path, error)
    value = build(path)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with tempfile.NamedTemporaryFile(dir=entry.parent, delete=False) as out:
            out.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(out.name, entry)
    except OSError as error:
        log.debug("parsed cache of %s not written (%s)", path, error)
    return value
