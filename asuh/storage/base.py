"""What every store does, whatever holds the bytes."""

import re
from dataclasses import dataclass
from datetime import datetime

# Keys are ours (an area's folder, then names we made up): a fixed alphabet, so a key
# that came back from a URL or a form can never climb out of the store.
_KEY = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+$")
_PREFIX = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$")
MAX_KEY = 300


class StorageUnavailable(RuntimeError):
    """The store cannot be reached or written; the message names what, never a secret."""


@dataclass(frozen=True)
class FileInfo:
    size: int
    created_at: datetime  # naive UTC, as every ``_at`` column


class Store:
    """The interface; ``LocalStore`` and ``DatabaseStore`` implement it."""

    name = "abstract"
    # Whether a file derived on a read (a thumbnail made on first request) may be kept:
    # only where keeping it takes no database write lock (issue 12: a read never does).
    keeps_derived_on_read = False

    @staticmethod
    def checked(key: str) -> str:
        if not isinstance(key, str) or len(key) > MAX_KEY or not _KEY.match(key) \
                or "/../" in f"/{key}/":
            raise ValueError(f"not a storage key: {key!r}")
        return key

    @staticmethod
    def checked_prefix(prefix: str) -> str:
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise ValueError(f"not a storage prefix: {prefix!r}")
        return prefix

    def save(self, key: str, data: bytes, content_type: str) -> None:
        raise NotImplementedError

    def read(self, key: str) -> bytes | None:
        raise NotImplementedError

    def exists(self, key: str) -> bool:
        return self.info(key) is not None

    def info(self, key: str) -> FileInfo | None:
        raise NotImplementedError

    def void(self, key: str) -> None:
        raise NotImplementedError

    def void_older_than(self, prefix: str, limit: datetime) -> int:
        raise NotImplementedError

    def probe(self) -> None:
        raise NotImplementedError
