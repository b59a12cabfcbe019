"""Reading text files line by line with their numbers, and progress by bytes read."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from cityops.errors import InvalidInput

ByteProgress = Callable[[int], None]
REPORT_EVERY = 50_000


def open_text(path: Path) -> io.TextIOWrapper:
    """The file as UTF-8 text (a BOM is dropped); InvalidInput if it cannot be read."""
    try:
        return open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InvalidInput(f"{path}: {exc.strerror}", field="file") from None


def numbered_rows(
    f: io.TextIOBase, delimiter: str, progress: ByteProgress | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each CSV record; blank lines are yielded as ``[]``.

    Line numbers are the file's physical line of the record's start (1-based), as an
    editor shows them. ``progress`` is told the characters read now and then."""
    reader = csv.reader(_counting(f, progress), delimiter=delimiter, strict=True)
    line = 1
    try:
        for fields in reader:
            yield line, fields
            line = reader.line_num + 1
    except csv.Error as exc:
        raise InvalidInput(f"line {reader.line_num}: {exc}", field="file") from None


def _counting(f: io.TextIOBase, progress: ByteProgress | None) -> Iterator[str]:
    if progress is None:
        yield from f
        return
    done, n = 0, 0
    for text in f:
        done += len(text)
        n += 1
        if n == REPORT_EVERY:
            progress(done)
            done, n = 0, 0
        yield text
    progress(done)


def file_size(path: Path) -> int:
    """Bytes in ``path`` (0 if unknown): the total of the reading progress bar."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
