"""The inbox as the file share holds it: which entries are files we may read, and reading them
without being led anywhere else (issue 11).

Only regular files are ever opened. A symbolic link (whatever it points at), a FIFO, a socket,
a device, or a folder named like a report is never opened: it is listed once as "not a regular
file" with its path. Opening uses O_NOFOLLOW (a link swapped in after the listing is refused by
the kernel) and O_NONBLOCK (a FIFO swapped in does not block the open), then checks with fstat
on the open descriptor that what was opened is a regular file, so nothing between the listing
and the read can change what is read. Hidden files and office suites' temporary and lock files
(`~$x.xlsx`, `.~lock.x.ods#`, `Thumbs.db`, `.DS_Store`) are skipped silently.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SKIP_PREFIXES = (".", "~$", "~")
SKIP_NAMES = frozenset({"thumbs.db", "desktop.ini"})
REPORT_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".et", ".ett", ".txt")
CHUNK = 1 << 20


class NotRegular(Exception):
    """What was to be read is not a regular file (a link, FIFO, socket, device or folder)."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class TooLarge(Exception):
    def __init__(self, size: int):
        super().__init__(size)
        self.size = size


@dataclass(frozen=True)
class Entry:
    folder: Path
    name: str
    relative: str  # inbox-relative path, "/"-separated
    kind: str  # file | symlink | fifo | socket | device | folder
    size: int = 0
    mtime: float = 0.0

    @property
    def path(self) -> Path:
        return self.folder / self.name


def skipped(name: str) -> bool:
    return name.startswith(SKIP_PREFIXES) or name.lower() in SKIP_NAMES


def kind_of(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    return "device"


KIND_TEXT = {
    "symlink": ("符号链接", "symbolic link"), "fifo": ("命名管道", "FIFO"), "socket": ("套接字", "socket"),
    "device": ("设备文件", "device"), "folder": ("文件夹", "folder"),
}


def not_regular_message(kind: str) -> tuple[str, str]:
    zh, en = KIND_TEXT.get(kind, (kind, kind))
    return (f"不是普通文件（{zh}），未读取；请放入文件本身而非链接或特殊文件",
            f"Not a regular file ({en}), not read; put the file itself in the inbox, not a link or special file")


def walk(inbox: Path) -> Iterator[Entry]:
    """Every entry of the inbox worth a look: regular files, and the entries that look like
    reports but are no regular file (kind != "file"). Folders are walked into (not through
    links), files of a folder first, then its sub-folders, each in name order. One lstat per
    entry (os.scandir), no Path object but for what is returned."""
    yield from _walk(Path(inbox), "")


def _walk(folder: Path, prefix: str) -> Iterator[Entry]:
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError:
        return
    folders = []
    for entry in entries:
        name = entry.name
        if skipped(name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:  # gone since listed
            continue
        kind = kind_of(st.st_mode)
        if kind == "folder" and not name.lower().endswith(REPORT_SUFFIXES):
            folders.append(entry)
            continue
        yield Entry(folder, name, f"{prefix}{name}", kind, st.st_size, st.st_mtime)
    for entry in folders:
        yield from _walk(folder / entry.name, f"{prefix}{entry.name}/")


def open_regular(path: Path) -> tuple[int, os.stat_result]:
    """A descriptor of `path` opened for reading, and its stat: never through a link, never
    blocking on a FIFO, and only when what was opened is a regular file (NotRegular else)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegular("symlink") from None
        if exc.errno in (errno.ENXIO, errno.EISDIR):  # a socket; a folder
            raise NotRegular("socket" if exc.errno == errno.ENXIO else "folder") from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise NotRegular(kind_of(st.st_mode))
    os.set_blocking(fd, True)
    return fd, st


def read_regular(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file, at most `max_bytes` (TooLarge beyond, also when it grows
    while read)."""
    fd, st = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > max_bytes:
            raise TooLarge(st.st_size)
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(len(data))
    return data


def sha256_of(path: Path) -> str:
    """Content hash of a regular file, streamed (any size, bounded memory)."""
    fd, _ = open_regular(path)
    h = hashlib.sha256()
    with os.fdopen(fd, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_regular(path: Path, target: Path, max_bytes: int) -> tuple[str, int]:
    """Copy a regular file to `target` (a new file) while hashing it: (sha256, size) of the
    bytes copied, which may differ from an earlier look if the file changed since. TooLarge,
    with nothing left at `target`, when it holds more than `max_bytes`."""
    fd, _ = open_regular(path)
    h = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(fd, "rb") as src, open(target, "xb") as dst:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge(size)
                h.update(chunk)
                dst.write(chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return h.hexdigest(), size
