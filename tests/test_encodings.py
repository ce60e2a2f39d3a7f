"""kapot.store.encodings: a text export's encoding, checked on every line of the file."""

import codecs
import gzip

import pytest

from kapot.errors import KapotError
from kapot.store import encodings
from kapot.store.encodings import bom_encoding, choose_encoding, decode_per_line, open_bytes

RU = "Контрагент"


def _file(tmp_path, lines: list[bytes], name="s.csv"):
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def test_a_byte_order_mark_names_the_encoding():
    assert bom_encoding(codecs.BOM_UTF8 + b"date") == "utf-8-sig"
    assert bom_encoding(codecs.BOM_UTF16_LE + b"d\x00") == "utf-16"
    assert bom_encoding(codecs.BOM_UTF16_BE + b"\x00d") == "utf-16"
    assert bom_encoding(b"date,client") is None
    assert bom_encoding(b"") is None


def test_the_first_non_ascii_line_decides(tmp_path):
    ascii_only = _file(tmp_path, [b"date,client", b"2024-01-02,C1"], "a.csv")
    assert choose_encoding(ascii_only, None, "a.csv") == "utf-8"
    utf8 = _file(tmp_path, [b"date,client", f"2024-01-02,{RU}".encode()], "u.csv")
    assert choose_encoding(utf8, None, "u.csv") == "utf-8"
    cp = _file(tmp_path, [b"date,client", f"2024-01-02,{RU}".encode("cp1251")], "c.csv")
    assert choose_encoding(cp, None, "c.csv") == encodings.FALLBACK_ENCODING == "cp1251"
    bom = tmp_path / "b.csv"
    bom.write_bytes(codecs.BOM_UTF8 + f"date,{RU}\n".encode())
    assert choose_encoding(bom, None, "b.csv") == "utf-8-sig"
    u16 = tmp_path / "w.csv"
    u16.write_bytes(f"date,{RU}\n".encode("utf-16"))
    assert choose_encoding(u16, None, "w.csv") == "utf-16"


def test_a_cp1251_file_with_a_utf8_line_stops_at_that_line(tmp_path):
    lines = [b"date,client", f"2024-01-02,{RU}".encode("cp1251"), b"2024-01-03,C2"]
    lines.append(f"2024-01-04,{RU}".encode())  # line 4, written in UTF-8
    path = _file(tmp_path, lines)
    with pytest.raises(KapotError, match="UTF-8 while the file is read as cp1251") as info:
        choose_encoding(path, None, "s.csv")
    assert (info.value.file, info.value.row) == ("s.csv", 4)


def test_a_utf8_file_with_a_cp1251_line_is_a_mixed_file(tmp_path):
    lines = [b"date,client", f"2024-01-02,{RU}".encode(), f"2024-01-03,{RU}".encode("cp1251")]
    path = _file(tmp_path, lines)
    with pytest.raises(KapotError, match="the file mixes encodings") as info:
        choose_encoding(path, None, "s.csv")
    assert info.value.row == 3
    # a requested UTF-8 is not "detected": the message says the text is not valid UTF-8
    with pytest.raises(KapotError, match="not valid utf-8") as info:
        choose_encoding(path, "utf-8", "s.csv")
    assert info.value.row == 3


def test_a_requested_encoding_is_checked_too(tmp_path):
    cp = _file(tmp_path, [b"date,client", f"2024-01-02,{RU}".encode("cp1251")])
    assert choose_encoding(cp, "cp1251", "s.csv") == "cp1251"
    undefined = _file(tmp_path, [b"date,client", b"2024-01-02,\x98"], "x.csv")  # not in cp1251
    with pytest.raises(KapotError, match="not valid cp1251") as info:
        choose_encoding(undefined, "cp1251", "x.csv")
    assert info.value.row == 2
    odd = tmp_path / "o.csv"  # utf-16 without a mark and an odd byte count
    odd.write_bytes("date\n".encode("utf-16-le") + b"\x00")
    with pytest.raises(KapotError, match="not valid utf-16"):
        choose_encoding(odd, "utf-16", "o.csv")


def test_the_whole_file_is_checked_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(encodings, "_SCAN_BLOCK", 64)  # many blocks of a few lines each
    lines = [b"date,client"] + [f"2024-01-02,{RU}".encode("cp1251")] * 40
    lines.append(f"2024-01-03,{RU}".encode())
    path = _file(tmp_path, lines)
    with pytest.raises(KapotError) as info:
        choose_encoding(path, None, "s.csv")
    assert info.value.row == 42


def test_each_line_decoded_on_its_own(tmp_path):
    lines = [b"date,client", f"2024-01-02,{RU}".encode(), f"2024-01-03,{RU}".encode("cp1251")]
    path = tmp_path / "m.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"\n".join(lines) + b"\n")
    text, fallback_lines = decode_per_line(path, "cp1251", "m.csv")
    assert text == f"date,client\n2024-01-02,{RU}\n2024-01-03,{RU}\n"  # no mark left
    assert fallback_lines == 1
    plain = _file(tmp_path, [b"a,b", b"1,2"], "p.csv")
    assert decode_per_line(plain, "cp1251", "p.csv") == ("a,b\n1,2\n", 0)


def test_a_line_in_neither_encoding_is_named(tmp_path):
    path = _file(tmp_path, [b"a,b", "1,ё".encode(), b"2,\xff\xfe"], "n.csv")
    with pytest.raises(KapotError, match="not valid ascii") as info:
        decode_per_line(path, "ascii", "n.csv")
    assert (info.value.file, info.value.row) == ("n.csv", 3)


def test_gzipped_files_are_read_decompressed(tmp_path):
    path = tmp_path / "s.csv.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(f"date,{RU}\n".encode("cp1251"))
    with open_bytes(path) as fh:
        assert fh.read() == f"date,{RU}\n".encode("cp1251")
    assert choose_encoding(path, None, "s.csv.gz") == "cp1251"
    flat = _file(tmp_path, [b"x"], "f.csv")
    with open_bytes(flat) as fh:
        assert fh.read() == b"x\n"
