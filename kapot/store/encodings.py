"""Which encoding a text export is in, checked on the whole file: UTF-8 when its first non-ASCII line is valid UTF-8, else cp1251; a file mixing the two stops at its first line in the other, unless each line is decoded on its own."""

from __future__ import annotations

import codecs
import gzip
import io
import re
from functools import cache
from pathlib import Path

from kapot.errors import KapotError
from kapot.i18n import tr

__all__ = [
    "FALLBACK_ENCODING",
    "UTF8_NAMES",
    "bom_encoding",
    "choose_encoding",
    "decode_per_line",
    "open_bytes",
]


_SCAN_BLOCK = 1 << 23  # whole-file encoding check, in line-aligned blocks of about 8 MiB
FALLBACK_ENCODING = "cp1251"
UTF8_NAMES = {"utf-8", "utf-8-sig"}
_U8_MULTI = rb"(?:[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})"
_U8_ASCII = rb"[\x00-\x09\x0b-\x7f]"
# a whole line that is valid UTF-8 with at least one multi-byte character: in a file read in a
# single-byte encoding it is a line written in UTF-8 (text in cp1251 essentially never is one).
# Possessive, and anchored on the line break before it, so a search runs at memchr speed.
_UTF8_LINE_BODY = (
    _U8_ASCII + rb"*+" + _U8_MULTI + rb"(?:" + _U8_ASCII + rb"|" + _U8_MULTI + rb")*+(?:\n|\Z)"
)
_UTF8_FIRST_LINE = re.compile(_UTF8_LINE_BODY)
_UTF8_NEXT_LINE = re.compile(rb"\n" + _UTF8_LINE_BODY)
_NON_ASCII = re.compile(rb"[\x80-\xff]")


def bom_encoding(head: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``head`` announces, or None.

    Parameters
    ----------
    head : bytes
        The first bytes of a file (four are enough).

    Returns
    -------
    str or None
        ``"utf-8-sig"``, ``"utf-16"`` (either byte order), or None without a mark.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


@cache
def _single_byte(encoding: str) -> bool:
    """Whether every byte is one character in ``encoding`` (cp1251, koi8-r, latin-1...)."""
    return len(bytes(range(256)).decode(encoding, errors="replace")) == 256


@cache
def _undefined_bytes(encoding: str) -> tuple[bytes, ...]:
    """The bytes a single-byte ``encoding`` cannot decode."""
    out = []
    for b in range(256):
        try:
            bytes([b]).decode(encoding)
        except UnicodeDecodeError:
            out.append(bytes([b]))
    return tuple(out)


def _ascii_compatible(encoding: str) -> bool:
    return "\n".encode(encoding, errors="replace") == b"\n" and not encoding.startswith("utf-16")


def _line_blocks(path: Path):
    """The file's bytes in blocks that end at a line break: (1-based first line, block)."""
    line = 1
    carry = b""
    with open_bytes(path) as fh:
        while True:
            chunk = fh.read(_SCAN_BLOCK)
            if not chunk:
                break
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            block, carry = data[:cut], data[cut:]
            yield line, block
            line += block.count(b"\n")
    if carry:
        yield line, carry


def _line_at(block: bytes, first_line: int, offset: int) -> int:
    return first_line + block.count(b"\n", 0, offset)


def choose_encoding(path: Path, requested: str | None, name: str) -> str:
    """The file's encoding (``requested`` if given), checked on every line of the file.

    Without ``requested``: a byte-order mark's, else UTF-8 when the first line with a
    non-ASCII byte is valid UTF-8, else cp1251 (:data:`FALLBACK_ENCODING`).

    Parameters
    ----------
    path : pathlib.Path
        The text file (``.gz`` is decompressed).
    requested : str or None
        The encoding the mapping names; None to detect it.
    name : str
        The file's name as the error shows it.

    Returns
    -------
    str
        A Python codec name (``"utf-8"``, ``"utf-8-sig"``, ``"utf-16"``, ``"cp1251"``...);
        ``"utf-8"`` for a file that is all ASCII.

    Raises
    ------
    KapotError
        Naming the first line that does not decode in the chosen encoding, or (for a
        single-byte encoding such as cp1251) the first line that is UTF-8 (a mixed file).
    """
    chosen = requested
    if chosen is not None and not _ascii_compatible(chosen):
        _check_whole(path, chosen, name)
        return chosen
    for first_line, block in _line_blocks(path):
        if first_line == 1 and chosen is None:
            chosen = bom_encoding(block)
            if chosen == "utf-16":
                _check_whole(path, chosen, name)
                return chosen
        if chosen is None:
            first = _NON_ASCII.search(block)
            if first is None:
                continue
            # the first line with a non-ASCII byte decides: UTF-8 if it is valid UTF-8
            start = block.rfind(b"\n", 0, first.start()) + 1
            end = block.find(b"\n", first.start())
            try:
                block[start : end if end >= 0 else len(block)].decode("utf-8")
            except UnicodeDecodeError:
                chosen = FALLBACK_ENCODING
            else:
                chosen = "utf-8"
        _check_block(block, first_line, chosen, name, detected=requested is None)
    return chosen or "utf-8"


def _check_block(block: bytes, first_line: int, encoding: str, name: str, *, detected: bool):
    if first_line == 1 and encoding == "utf-8-sig":
        block = block.removeprefix(codecs.BOM_UTF8)
    if block.isascii():  # ASCII reads the same in every ASCII-compatible encoding
        return
    single = encoding not in UTF8_NAMES and _single_byte(encoding)
    if single:
        # a single-byte encoding fails only on its few undefined bytes (cp1251: 0x98)
        found = [i for i in (block.find(b) for b in _undefined_bytes(encoding)) if i >= 0]
        if found:
            raise _mixed_error(name, encoding, _line_at(block, first_line, min(found)))
    else:
        try:
            block.decode("utf-8" if encoding in UTF8_NAMES else encoding)
        except UnicodeDecodeError as exc:
            # a detected UTF-8 file had valid UTF-8 text before this line: it mixes encodings
            mixed = detected and encoding in UTF8_NAMES
            row = _line_at(block, first_line, exc.start)
            raise _mixed_error(name, encoding, row, mixed=mixed) from None
    if single:
        m = _UTF8_FIRST_LINE.match(block)
        offset = 0 if m is not None else None
        if offset is None:
            m = _UTF8_NEXT_LINE.search(block)
            offset = m.start() + 1 if m is not None else None
        if offset is not None:
            raise KapotError(
                tr("encoding.utf8_line", encoding=encoding),
                file=name,
                row=_line_at(block, first_line, offset),
            )


def _check_whole(path: Path, encoding: str, name: str) -> None:
    with open_bytes(path) as fh:
        data = fh.read()
    try:
        data.decode(encoding)
    except UnicodeDecodeError as exc:
        row = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise _mixed_error(name, encoding, row) from None


def _mixed_error(name: str, encoding: str, row: int, *, mixed: bool = False) -> KapotError:
    key = "encoding.mixed_line" if mixed else "ingest.bad_encoding"
    return KapotError(tr(key, encoding=encoding), file=name, row=row)


def decode_per_line(path: Path, fallback: str, name: str) -> tuple[str, int]:
    """Decode each line on its own: UTF-8 where it is valid UTF-8, else ``fallback``.

    Parameters
    ----------
    path : pathlib.Path
        The text file (``.gz`` is decompressed; a UTF-8 byte-order mark is dropped).
    fallback : str
        The encoding of the lines that are not UTF-8 (cp1251, or the mapping's).
    name : str
        The file's name as the error shows it.

    Returns
    -------
    text : str
        The whole file, decoded.
    fallback_lines : int
        How many lines were decoded in ``fallback``.

    Raises
    ------
    KapotError
        Naming the first line that decodes in neither.
    """
    with open_bytes(path) as fh:
        data = fh.read()
    data = data.removeprefix(codecs.BOM_UTF8)
    if data.isascii():
        return data.decode("ascii"), 0
    out: list[str] = []
    n_fallback = 0
    for i, line in enumerate(data.splitlines(keepends=True), start=1):
        if line.isascii():
            out.append(line.decode("ascii"))
            continue
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            try:
                out.append(line.decode(fallback))
            except UnicodeDecodeError:
                raise _mixed_error(name, fallback, i) from None
            n_fallback += 1
    return "".join(out), n_fallback


def open_bytes(path: Path) -> io.BufferedIOBase:
    """``path`` opened for reading bytes, decompressed when it ends in ``.gz``.

    Parameters
    ----------
    path : pathlib.Path
        The file.

    Returns
    -------
    io.BufferedIOBase
        A binary file object; the caller closes it (it is a context manager).
    """
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")
