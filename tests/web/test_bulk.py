"""The bulk ID reader (app/bulk/reader.py): streaming, bounded, UTF-8 only, nothing dropped silently."""

from __future__ import annotations

import codecs
import io
import tracemalloc

import pytest

from app.bulk.reader import BulkInputError, read_pasted, read_upload

MB = 1024 * 1024


def read(data: bytes, *, max_bytes: int = MB, max_rows: int = 20_000):
    return list(read_upload(io.BytesIO(data), max_bytes=max_bytes, max_rows=max_rows))


def test_one_id_per_line_with_blank_lines_skipped():
    rows = read(b"cust-0001\n\n   \ncust-0002\r\ncust-0003")
    assert [(r.line, r.value, r.problem) for r in rows] == [
        (1, "cust-0001", None), (4, "cust-0002", None), (5, "cust-0003", None)]


def test_duplicates_and_invalid_ids_are_listed_with_their_reason():
    long_id = "x" * 1001
    rows = read(f"cust-0001\ncust-0001\n<b>bold</b>\nhas space\n{long_id}\nok-2\n".encode())
    problems = {r.line: r.problem for r in rows if not r.usable}
    assert problems[2] == "duplicate of line 1"
    assert "markup" in problems[3]
    assert "space" in problems[4]
    assert "too long" in problems[5]
    assert [r.value for r in rows if r.usable] == ["cust-0001", "ok-2"]
    # a huge value is kept short for the list of problems
    assert len(next(r for r in rows if r.line == 5).value) <= 81


def test_a_csv_with_a_header_uses_the_id_column():
    rows = read(b"name,integrationId,email\nAlice,cust-0001,a@x\nBob,cust-0002,b@x\n")
    assert [r.value for r in rows] == ["cust-0001", "cust-0002"]


def test_a_csv_without_a_known_header_uses_the_first_column():
    rows = read(b"cust-0001,Alice\ncust-0002,Bob\n")
    assert [r.value for r in rows] == ["cust-0001", "cust-0002"]


def test_a_row_without_the_id_column_is_listed():
    rows = read(b"name,profileId\nAlice,cust-0001\nBob\n")
    assert [(r.value, r.problem) for r in rows] == [("cust-0001", None), ("", "column 2 is empty")]


def test_utf8_bom_is_accepted():
    assert [r.value for r in read(codecs.BOM_UTF8 + b"cust-0001\n")] == ["cust-0001"]


def test_non_ascii_utf8_ids_are_fine():
    assert [r.value for r in read("kundin-jürgen\n".encode())] == ["kundin-jürgen"]


@pytest.mark.parametrize("data, words", [
    ("kundin-jürgen\n".encode("cp1252"), "not UTF-8"),
    ("cust-0001\n".encode("utf-16"), "UTF-16"),
    (b"cust\x00-0001\n", "NUL"),
    ("ok\n".encode() + "é".encode()[:1], "middle of a UTF-8 character"),
])
def test_other_encodings_are_refused_with_a_clear_reason(data, words):
    with pytest.raises(BulkInputError, match=words):
        read(data)


def test_the_size_limit_stops_reading_early():
    with pytest.raises(BulkInputError, match="larger than 1 KB"):
        read(b"cust-0001\n" * 200, max_bytes=1024)


def test_one_giant_line_is_bounded_by_the_size_limit():
    with pytest.raises(BulkInputError, match="larger than"):
        read(b"a" * (2 * 1024), max_bytes=1024)


def test_the_row_limit():
    with pytest.raises(BulkInputError, match="More than 3 rows"):
        read(b"a\nb\nc\nd\n", max_rows=3)
    assert len(read(b"a\nb\nc\n\n\n", max_rows=3)) == 3  # blank lines do not count


def test_pasted_lists_split_on_lines_commas_semicolons_and_tabs():
    rows = list(read_pasted("cust-0001, cust-0002;cust-0003\tcust-0004\n\ncust-0001", max_rows=100))
    assert [r.value for r in rows if r.usable] == ["cust-0001", "cust-0002", "cust-0003", "cust-0004"]
    assert rows[-1].problem == "duplicate of line 1"


def test_reading_is_streamed_not_loaded_whole():
    """Peak memory while reading 5 MB stays far below the input size (the reader holds one line
    and the set of IDs seen, which is bounded by the row limit)."""
    data = b"".join(b"p-%08d\n" % n for n in range(500_000))  # 5 MB, 500k rows
    stream = io.BytesIO(data)
    tracemalloc.start()
    count = 0
    with pytest.raises(BulkInputError):  # the row limit ends it, after 20k rows
        for _ in read_upload(stream, max_bytes=10 * MB, max_rows=20_000):
            count += 1
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20_000
    assert peak < 5 * MB / 2, f"peak {peak} bytes"
