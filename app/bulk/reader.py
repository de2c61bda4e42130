"""Reading lists of profile IDs for bulk work: an uploaded CSV or a pasted list.

read_upload and read_pasted stream the input line by line and are bounded: a maximum file size
and row count, UTF-8 only (a clear error names the problem for UTF-16, Windows-1252 and binary
files), blank lines skipped. Every unusable row is kept with its reason (invalid ID, duplicate
of an earlier line), so the page can list it instead of silently dropping it.

ProfileIdsInput is the WTForms part shared by the bulk forms (one ID, a pasted list or a file).
Sending the rows to Talon.One in chunks is jobs.py.
"""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from typing import IO, Iterable, Iterator

from wtforms import FileField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..upload_limits import limits, size_text
from ..validators import INTEGRATION_ID_MAX, integration_id_problem

# The width of a staged row's value (bulk_rows.value): IDs longer than the console takes
# (app.validators) are kept there too, shortened, to be listed with their problem.
ROW_VALUE_LENGTH = 1000
SHOWN_VALUE_LENGTH = 80  # how much of an unusable value is kept for the list of problems
# Headers that name the ID column of a CSV with several columns (compared lower-case, without
# spaces, dashes and underscores).
ID_HEADERS = ("integrationid", "profileintegrationid", "profileid", "customerid", "profile",
              "customer", "id")
PASTE_SEPARATORS = re.compile(r"[\r\n,;\t]+")


class BulkInputError(ValueError):
    """The input as a whole cannot be used (empty, too large, not UTF-8...). Its message is
    meant for the field the input came from."""


def too_large(max_bytes: int) -> BulkInputError:
    return BulkInputError(f"The file is larger than {size_text(max_bytes)}. Split it into smaller files.")


@dataclass(frozen=True, slots=True)
class IdRow:
    """One non-blank row: its line number, the ID, and why it cannot be used (None if usable)."""

    line: int
    value: str
    problem: str | None = None

    @property
    def usable(self) -> bool:
        return self.problem is None


def shown(value: str) -> str:
    """A value cut to a length a table can show."""
    return value if len(value) <= SHOWN_VALUE_LENGTH else value[:SHOWN_VALUE_LENGTH] + "…"


def _decoded_lines(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[int, str]]:
    """(line number, text) of a byte stream read one line at a time: never more than one line
    (itself at most max_bytes) in memory, and an error as soon as the input breaks a bound."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    total = 0
    number = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            break
        number += 1
        total += len(raw)
        if total > max_bytes:
            raise too_large(max_bytes)
        if number == 1:
            if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise BulkInputError(
                    "The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.")
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
        if b"\x00" in raw:
            raise BulkInputError(
                f"Line {number} contains NUL bytes: this is not a UTF-8 text file (UTF-16 or "
                "a spreadsheet?). Save it as “CSV UTF-8” and upload it again.")
        try:
            text = decoder.decode(raw)
        except UnicodeDecodeError:
            raise BulkInputError(
                f"Line {number} is not UTF-8 (the file looks like Windows-1252 or Latin-1). "
                "Save it as “CSV UTF-8” and upload it again.") from None
        yield number, text.rstrip("\r\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BulkInputError("The file ends in the middle of a UTF-8 character; it is not UTF-8 "
                             "text. Save it as “CSV UTF-8” and upload it again.") from None


def _header_column(cells: list[str]) -> int | None:
    names = [re.sub(r"[\s_\-]", "", c).lower() for c in cells]
    for wanted in ID_HEADERS:
        if wanted in names:
            return names.index(wanted)
    return None


def _rows(lines: Iterable[tuple[int, str]], max_rows: int, *, csv_cells: bool,
          duplicates: bool = True) -> Iterator[IdRow]:
    """IdRows of non-blank lines: invalid and (with ``duplicates``) duplicate IDs carry their
    problem. Without it nothing is kept between lines (the staging finds duplicates in the
    database: jobs.stage)."""
    first_seen: dict[str, int] = {}
    column = 0
    count = 0
    header_checked = not csv_cells
    for number, text in lines:
        if not text.strip():
            continue
        if csv_cells:
            try:
                cells = next(csv.reader([text]))
            except csv.Error:
                cells = [text]
            if not header_checked:
                header_checked = True
                header = _header_column(cells)
                if header is not None:
                    column = header
                    continue
            value = cells[column].strip() if column < len(cells) else ""
        else:
            value = text.strip()
        count += 1
        if count > max_rows:
            raise BulkInputError(
                f"More than {max_rows:,} rows. Split the list into smaller files.")
        if not value:
            yield IdRow(number, "", f"column {column + 1} is empty")
            continue
        problem = integration_id_problem(value)
        if problem:
            yield IdRow(number, shown(value), problem)
        elif duplicates and value in first_seen:
            yield IdRow(number, value, f"duplicate of line {first_seen[value]}")
        else:
            if duplicates:
                first_seen[value] = number
            yield IdRow(number, value)


def read_upload(stream: IO[bytes], *, max_bytes: int, max_rows: int,
                duplicates: bool = True) -> Iterator[IdRow]:
    """Rows of an uploaded CSV: one ID per line, or the column headed integrationId/profileId
    (or the first column) of a CSV with several columns."""
    return _rows(_decoded_lines(stream, max_bytes), max_rows, csv_cells=True, duplicates=duplicates)


def read_pasted(text: str, *, max_rows: int) -> Iterator[IdRow]:
    """Rows of a pasted list: IDs separated by new lines, commas, semicolons or tabs. The
    "line" of a row is its position in the list."""
    entries = (part for part in PASTE_SEPARATORS.split(text or ""))
    return _rows(enumerate((e for e in entries if e.strip()), start=1), max_rows,
                 csv_cells=False)


# -- the form part ---------------------------------------------------------------------------

class ProfileIdsInput:
    """Mixin for a FlaskForm: one profile ID, a pasted list, or a CSV file (exactly one).

    ``id_rows()`` (after validate()) yields the IdRows and raises BulkInputError, which the view
    puts on ``source_field()`` so the message appears next to what the user filled in."""

    profile_id = StringField("One profile ID", validators=[Optional(), Length(max=INTEGRATION_ID_MAX)],
                             render_kw={"placeholder": "cust-0001", "autocomplete": "off"})
    pasted = TextAreaField("…or a pasted list",
                           description="One ID per line (commas, semicolons and tabs also separate).",
                           validators=[Optional()], render_kw={"rows": 4})
    upload = FileField("…or a CSV file",
                       description="UTF-8; one ID per line, or a column headed integrationId.",
                       render_kw={"accept": ".csv,.txt,text/csv,text/plain"})

    def chosen_sources(self) -> list:
        chosen = []
        if (self.profile_id.data or "").strip():
            chosen.append(self.profile_id)
        if (self.pasted.data or "").strip():
            chosen.append(self.pasted)
        if getattr(self.upload.data, "filename", None):
            chosen.append(self.upload)
        return chosen

    def validate_sources(self) -> bool:
        """Exactly one source; called from the form's validate()."""
        chosen = self.chosen_sources()
        if not chosen:
            self.profile_id.errors = list(self.profile_id.errors) + [
                "Give one profile ID, paste a list, or choose a CSV file."]
            return False
        if len(chosen) > 1:
            chosen[-1].errors = list(chosen[-1].errors) + [
                "Use one of the three at a time: "
                + ", ".join(f.label.text.strip("…").lower() for f in chosen) + "."]
            return False
        single = self.profile_id.data and self.profile_id.data.strip()
        if single and integration_id_problem(single):
            self.profile_id.errors = list(self.profile_id.errors) + [integration_id_problem(single)]
            return False
        return True

    def source_field(self):
        return self.chosen_sources()[0]

    def source_label(self) -> str:
        field = self.source_field()
        if field is self.upload:
            return f"CSV file {self.upload.data.filename}"[:255]
        return "pasted list" if field is self.pasted else "one profile ID"

    def id_rows(self) -> Iterator[IdRow]:
        max_bytes, max_rows = limits()
        field = self.source_field()
        if field is self.upload:
            # duplicates are found by the database as the rows are staged (jobs.stage)
            return read_upload(self.upload.data.stream, max_bytes=max_bytes, max_rows=max_rows,
                               duplicates=False)
        if field is self.pasted:
            if len(self.pasted.data) > max_bytes:
                raise BulkInputError(f"The list is longer than {size_text(max_bytes)}. "
                                     "Upload it as a CSV file in parts.")
            return read_pasted(self.pasted.data, max_rows=max_rows)
        return iter([IdRow(1, self.profile_id.data.strip())])
