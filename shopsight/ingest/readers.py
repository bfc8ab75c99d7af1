"""Turn an uploaded file into sheets of text cells, whatever it really is.

The file type comes from the bytes, not the name: many ".xls" downloads are
HTML or SpreadsheetML tables.  Every cell becomes text (or None when empty), so
one SQL parser (queries/ingest_macros.sql) types every value the same way.

Big files are not turned into Python rows.  A sheet carries its first rows as
text (enough to find the header and the kind) and a body that hands the whole
table to DuckDB as text columns c0..cN: a CSV body lets DuckDB's own reader
parse a UTF-8 copy of the file, an Excel body converts calamine's values column
by column.  Both give exactly the cells the plain Python reader gives.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from operator import itemgetter
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from python_calamine import CalamineWorkbook

from shopsight.ingest.errors import IngestError

MAX_XLSX_RATIO = 200  # uncompressed / compressed: beyond this a workbook is treated as a zip bomb
MAX_XLSX_BYTES = 2 * 1024**3
# Bounds of one sheet, checked before anything of that size is allocated.  A real export
# stays far below each (the widest, Shopify orders, has about 80 columns); a file beyond
# one is refused, not read.  Rows and columns count from A1, as the reader pads from there.
MAX_ROWS = 1_048_576  # Excel's own sheet limit
MAX_COLUMNS = 1_000
MAX_CELLS = 20_000_000  # rows x columns of one sheet
MAX_CELL_CHARS = 32_767  # Excel's own cell limit; longer text is refused for the row
# Whitespace trimmed from cells and headers, the same set in Python and in SQL (parse._connect
# puts it in the macros); the no-break, thin and narrow no-break spaces and the zero-width
# characters are also read as a space / as nothing inside numbers, dates and ids.
SPACES = "\xa0\u2009\u202f"
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
WHITESPACE = " \t\r\n\x0b\x0c\u3000" + SPACES + INVISIBLE
HEAD_ROWS = 240  # rows kept as text for header/kind detection (header scan 30 + width 200)
HEAD_BYTES = 1 << 20
SNIFF_CHARS = 200_000
SNIFF_RECORDS = 200
FAST_CSV_MIN_BYTES = 1 << 20  # smaller CSVs are read in Python: no temp file for a few rows

Source = bytes | Path

# A cell may be far longer than csv's default 128 KiB limit; it is then refused for its
# row (MAX_CELL_CHARS) instead of failing the whole file.
csv.field_size_limit(2**31 - 1)


@dataclass
class Sheet:
    """A table of text cells.  `rows[i]` is the file's row i + 1.

    `rows` holds every row, or only the first HEAD_ROWS when `body` is set; the
    body then gives the whole table (see parse.py).
    """

    name: str | None
    rows: list[list[str | None]]
    body: CsvBody | CellsBody | None = None


@dataclass
class Workbook:
    file_type: str  # csv | xlsx | xls | html | xml
    encoding: str | None
    sheets: list[Sheet]


def _head(src: Source, size: int) -> tuple[bytes, bool]:
    """The first `size` bytes and whether that is the whole file."""
    if isinstance(src, Path):
        with open(src, "rb") as f:
            head = f.read(size + 1)
    else:
        head = src[: size + 1]
    return head[:size], len(head) <= size


def _all_bytes(src: Source) -> bytes:
    return src.read_bytes() if isinstance(src, Path) else src


def _size(src: Source) -> int:
    return src.stat().st_size if isinstance(src, Path) else len(src)


def check_extent(rows: int, cols: int, where: str = "the sheet") -> None:
    """Refuse a sheet whose extent (from A1) passes a bound, before it is allocated."""
    if rows > MAX_ROWS:
        raise IngestError(
            f"{where} reaches row {rows:,}; more than {MAX_ROWS:,} rows is refused",
            code="sheet_rows",
            rows=rows,
            limit=MAX_ROWS,
        )
    if cols > MAX_COLUMNS:
        raise IngestError(
            f"{where} reaches column {cols:,}; more than {MAX_COLUMNS:,} columns is refused",
            code="sheet_columns",
            cols=cols,
            limit=MAX_COLUMNS,
        )
    if rows * cols > MAX_CELLS:
        raise IngestError(
            f"{where} spans {rows:,} rows x {cols:,} columns; more than "
            f"{MAX_CELLS:,} cells is refused",
            code="sheet_cells",
            rows=rows,
            cols=cols,
            limit=MAX_CELLS,
        )


def sniff_type(data: bytes) -> str:
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip()
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "xls"
    if data[:4] == b"PK\x03\x04":
        return "xlsx"
    low = head[:512].lower()
    if low.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in data[:4096]:
        return "xml"
    if low.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head")) or (
        low.startswith(b"<?xml") and b"<html" in data[:4096].lower()
    ):
        return "html"
    return "csv"


# ---------------------------------------------------------------------------------------- text


_WESTERN_SAMPLE = 1 << 20
_HIGH_PAIR = re.compile(rb"[\x81-\xfe][\x80-\xfe]")
_HIGH_ALONE = re.compile(rb"[\x80-\xff][\x00-\x7f]")


def _western(data: bytes) -> bool:
    """Not UTF-8, and its high bytes stand alone between ASCII letters (Zürich, Müller in
    a Windows-1252 export saved by Excel): GB18030 would read each with the letter after it
    as one Chinese character, silently.  Chinese text pairs high bytes (中文 is D6 D0 CE C4)."""
    pairs = len(_HIGH_PAIR.findall(data))
    alone = len(_HIGH_ALONE.findall(data))
    return alone > 0 and alone >= 3 * pairs


def detect_encoding(data: bytes, whole: bool = True) -> str:
    """BOMs first, then UTF-16 by its zero bytes, then strict UTF-8, then Windows-1252 when
    the high bytes stand alone (_western), else GB18030 (⊃ GBK).

    `data` may be the head of a file (whole=False): a character cut at the end is fine.
    """
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: the zero bytes sit on the odd or even positions
        return (
            "utf-16-le"
            if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00")
            else "utf-16-be"
        )

    def failure(enc: str, part: bytes = data) -> UnicodeDecodeError | None:
        try:
            codecs.getincrementaldecoder(enc)("strict").decode(part, final=whole)
        except UnicodeDecodeError as e:
            return e
        return None

    if failure("utf-8") is None:
        return "utf-8"
    head = data[:_WESTERN_SAMPLE]
    if _western(head):
        return "cp1252" if failure("cp1252", head) is None else "latin-1"  # latin-1 reads all
    error = failure("gb18030")
    if error is not None:
        raise IngestError(
            f"cannot decode the file as UTF-8, UTF-16 or GB18030 (byte {error.start})",
            code="undecodable",
            byte=error.start,
        )
    return "gb18030"


def decode_text(data: bytes) -> tuple[str, str]:
    enc = detect_encoding(data)
    return data.decode(enc), enc


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n"))
    return bad > len(sample) * 0.05


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most records into the same number of cells.

    Cells are counted by a quote-aware reader: a comma inside `"QTCS014-WH-M,QTCS017-GY-M"`
    or a quoted title is not a separator, and a record that spans lines is one record.
    Counting separator characters per physical line let those commas outvote a delimiter
    that only looked steadier (the `;` inside Taobao's 商品属性 `颜色分类:白色;尺码:M`).
    `text` is the head of the file; its last record may be cut short.
    """
    best, best_score = ",", -1.0
    for d in (",", "\t", ";", "|"):
        widths = [
            len(rec)
            for rec in csv.reader(io.StringIO(text, newline=""), delimiter=d)
            if any(c.strip() for c in rec)
        ][:SNIFF_RECORDS]
        top = max(widths, default=1)
        if top < 2:
            continue
        # title rows above the header are narrower: the widest shape, and how many share it
        same = sum(1 for w in widths if w == top)
        score = top * 0.1 + same
        if score > best_score:
            best, best_score = d, score
    return best


class _NeedMore(Exception):
    """The head of a file ended inside a quoted cell: read a longer head."""


UNCLOSED_QUOTE = "the line is not well-formed CSV: a quote opens and never closes"


def short_line(cells: int, width: int) -> str:
    return (
        f"the line is not well-formed CSV: {cells} cell{'s' if cells != 1 else ''} "
        f"where the header has {width}"
    )


def csv_records(
    text: str, delimiter: str, final: bool = True
) -> Iterator[tuple[list[str], int, str | None]]:
    """(cells, last physical line, problem) per record, as a spreadsheet would read them.

    A blank line is an empty record and a quoted multi-line cell one record, so
    row numbers are the ones a spreadsheet shows for the same file.  A stray
    quote that never closes would swallow the rest of the file into one cell:
    that line alone is the record, marked UNCLOSED_QUOTE (never loaded as data:
    its cells would be the rest of the line run together), and reading goes on
    with the next line, so nothing after it is lost.  `final=False` means `text`
    is only the head of the file, where a cell may be cut short.
    """
    source: Iterator[str] = io.StringIO(text, newline="")
    lines: list[str] | None = None  # split once, on the first stray quote
    offset = 0  # physical lines consumed before `source`
    while True:
        reader = csv.reader(source, delimiter=delimiter, strict=True)
        start = 1
        try:
            for rec in reader:
                yield rec, offset + reader.line_num, None
                start = reader.line_num + 1
            return
        except csv.Error as e:
            eof = "unexpected end of data" in str(e)
        if eof and not final:
            raise _NeedMore
        if lines is None:
            lines = io.StringIO(text, newline="").readlines()
        first = offset + start - 1  # index of the line where the bad record starts
        if eof:
            # the quote never closes: read that line with the quote as a character
            rec = next(csv.reader([lines[first]], delimiter=delimiter, quoting=csv.QUOTE_NONE))
            used = 1
        else:
            # "x"y and the like: read that record the forgiving way, as Excel does
            forgiving = csv.reader(iter(lines[first:]), delimiter=delimiter)
            rec = next(forgiving)
            used = forgiving.line_num
        yield rec, first + used, UNCLOSED_QUOTE if eof else None
        offset = first + used
        source = iter(lines[offset:])


def _text_row(rec: list[str]) -> list[str | None]:
    return [c if c != "" else None for c in rec]


def read_csv_text(text: str, delimiter: str | None = None) -> tuple[list[list[str | None]], str]:
    delim = delimiter or sniff_delimiter(text[:SNIFF_CHARS])
    return [_text_row(rec) for rec, _, _ in csv_records(text, delim)], delim


@dataclass
class CsvBody:
    """The whole of a CSV file, for DuckDB's reader or, as a fallback, Python's."""

    source: Source
    encoding: str
    delimiter: str
    head_lines: list[int]  # last physical line of each head record

    @property
    def size(self) -> int:
        return _size(self.source)

    def python_rows(self) -> tuple[list[list[str | None]], list[str | None]]:
        """Every row, decoded and split in Python (the reference reader), and each
        row's problem as a CSV line (UNCLOSED_QUOTE) or None."""
        text, _ = decode_text(_all_bytes(self.source))
        rows, problems = [], []
        for rec, _, problem in csv_records(text, self.delimiter):
            rows.append(_text_row(rec))
            problems.append(problem)
        return rows, problems

    def utf8_copy(self, directory: str) -> tuple[str, int]:
        """A UTF-8 file for DuckDB's reader under a name chosen here, and its line count.

        Blank lines at the end are not counted (DuckDB skips them, the loader too);
        -1 when lone CR line ends make line counts meaningless.
        """
        path = os.path.join(directory, "upload.csv")
        utf8 = self.encoding in ("utf-8", "utf-8-sig")
        out = None
        if utf8 and isinstance(self.source, Path):
            os.symlink(self.source.resolve(), path)
            chunks = _file_chunks(self.source)
        else:
            out = open(path, "wb")  # noqa: SIM115 - closed in the finally below
            chunks = (
                (
                    _file_chunks(self.source)
                    if isinstance(self.source, Path)
                    else iter([self.source])
                )
                if utf8
                else _transcode(self.source, self.encoding)
            )
        newlines = cr = crlf = tail = 0
        content = False
        prev = b""
        try:
            for chunk in chunks:
                if not chunk:
                    continue
                if out is not None:
                    out.write(chunk)
                newlines += chunk.count(b"\n")
                crs = chunk.count(b"\r")
                if crs or prev.endswith(b"\r"):
                    cr += crs
                    crlf += chunk.count(b"\r\n") + (
                        prev.endswith(b"\r") and chunk.startswith(b"\n")
                    )
                end = len(chunk)  # the run of line ends closing the chunk (no copy of it)
                while end and chunk[end - 1] in b"\r\n":
                    end -= 1
                if end:
                    content = True
                    tail = chunk.count(b"\n", end)
                else:
                    tail += chunk.count(b"\n")
                prev = chunk[-1:]
        finally:
            if out is not None:
                out.close()
        if cr != crlf:
            return path, -1
        return path, (newlines - tail + 1) if content else 0


def _file_chunks(path: Path, size: int = 16 << 20) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


def _transcode(src: Source, encoding: str) -> Iterator[bytes]:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    chunks = iter([src]) if isinstance(src, bytes) else _file_chunks(src)
    try:
        for chunk in chunks:
            yield decoder.decode(chunk).encode("utf-8")
        yield decoder.decode(b"", final=True).encode("utf-8")
    except UnicodeDecodeError:
        raise IngestError(
            f"the file is not valid {encoding} text throughout",
            code="not_text_throughout",
            encoding=encoding,
        ) from None


def read_csv(src: Source) -> Workbook:
    """Read the head of a CSV (the first HEAD_ROWS rows); the body stays in the file."""
    size = HEAD_BYTES
    while True:
        head, whole = _head(src, size)
        encoding = detect_encoding(head, whole)
        text = codecs.getincrementaldecoder(encoding)("strict").decode(head, final=whole)
        if not whole:
            text = text[: text.rfind("\n") + 1]
        if _looks_binary(text):
            raise IngestError("the file is not a text table (binary content)", code="binary")
        delim = sniff_delimiter(text[:SNIFF_CHARS])
        records: list[tuple[list[str], int, str | None]] = []
        try:
            for rec in csv_records(text, delim, final=whole):
                records.append(rec)
                if len(records) > HEAD_ROWS:
                    break
        except _NeedMore:
            records = []
        # a cut head may end inside a row: only rows before the last one seen are sure
        if whole or len(records) > HEAD_ROWS:
            break
        size *= 4
    records = records[:HEAD_ROWS]
    rows = [_text_row(rec) for rec, _, _ in records]
    body = CsvBody(src, encoding, delim, [line for _, line, _ in records])
    return Workbook("csv", encoding, [Sheet(None, rows, body)])


# --------------------------------------------------------------------------------------- excel


def _cell_text(v) -> str | None:
    """The text of one calamine value; CellsBody.column() is the vectorised twin."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dt.time):
        return v.isoformat()
    if isinstance(v, dt.timedelta):
        return str(v.total_seconds())
    return str(v)


class _Codes(dict):
    def __missing__(self, key):
        return 9


_STR, _FLOAT, _OTHER = 0, 1, 9
_TYPE_CODES = _Codes({str: _STR, float: _FLOAT})


def _float_text(v: np.ndarray) -> pa.Array:
    """Text of floats exactly as _cell_text writes them, without a Python loop for most."""
    with np.errstate(invalid="ignore"):
        a = np.abs(v)
        whole = (v == np.floor(v)) & (a < 1e15)
        # Arrow prints these exactly like repr(); outside this range its notation differs
        plain = ~whole & (a >= 1e-4) & (a < 1e10)
    out = pc.cast(pa.array(v), pa.string())
    if whole.any():
        ints = pc.cast(pa.array(v[whole].astype(np.int64)), pa.string())
        out = pc.replace_with_mask(out, pa.array(whole), ints)
    rest = ~whole & ~plain
    if rest.any():
        texts = pa.array([repr(x) for x in v[rest].tolist()], pa.string())
        out = pc.replace_with_mask(out, pa.array(rest), texts)
    return out


def _empty_to_null(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _inferred_text(values) -> pa.Array | None:
    """The text of an all-text or all-number column through Arrow's own type inference
    (in C++, several times faster than looking at each value's type); None for the rest.
    Numbers must stay below 1e15, where an int and a float print the same."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    if pa.types.is_string(arr.type):
        return _empty_to_null(arr)
    if (
        pa.types.is_floating(arr.type)
        and arr.null_count == 0
        and len(arr)
        and pc.max(pc.abs(arr)).as_py() < 1e15
    ):
        return _float_text(arr.to_numpy())
    return None


def cells_to_text(values) -> pa.Array:
    """A column of calamine values as text, the same as [_cell_text(v) for v in values]."""
    fast = _inferred_text(values)
    if fast is not None:
        return fast
    n = len(values)
    codes = np.fromiter(map(_TYPE_CODES.__getitem__, map(type, values)), np.int8, n)
    if n and (codes == _STR).all():
        return _empty_to_null(pa.array(np.asarray(values, dtype=object), pa.string()))
    if n and (codes == _FLOAT).all():
        return _float_text(np.asarray(values, dtype=object).astype(np.float64))
    obj = np.empty(n, dtype=object)
    obj[:] = values
    out = pa.nulls(n, pa.string())
    is_str = codes == _STR
    if is_str.any():
        out = pc.replace_with_mask(
            out, pa.array(is_str), _empty_to_null(pa.array(obj[is_str], pa.string()))
        )
    is_float = codes == _FLOAT
    if is_float.any():
        out = pc.replace_with_mask(
            out, pa.array(is_float), _float_text(obj[is_float].astype(np.float64))
        )
    other = codes == _OTHER
    if other.any():
        out = pc.replace_with_mask(
            out, pa.array(other), pa.array([_cell_text(v) for v in obj[other]], pa.string())
        )
    return out


def text_table(values: list[list]) -> pa.Table:
    """calamine's values of a whole sheet as text columns c0..cN, converted column by column."""
    n = len(values)
    full = max((len(r) for r in values), default=0)
    padded = (
        values
        if all(len(r) == full for r in values)
        else [list(r) + [""] * (full - len(r)) for r in values]
    )
    grid = np.empty((n, full), dtype=object)  # a 2-D object array transposes cheaply
    grid[:] = padded
    return pa.table({f"c{j}": cells_to_text(grid[:, j]) for j in range(full)})


@dataclass
class CellsBody:
    """A whole sheet (every row, from A1) as text columns, as text_table gives them."""

    table: pa.Table

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def rows(self) -> list[list[str | None]]:
        """Every row as a list of cells (the reference reader)."""
        cols = [c.to_pylist() for c in self.table.columns]
        return [list(r) for r in zip(*cols, strict=True)] if cols else [[]] * self.num_rows

    def columns(self, first: int, width: int) -> tuple[list[pa.Array], pa.Array | None]:
        """Text columns c0..c{width-1} of rows[first:], and a too-many-cells note per row."""
        body = self.table.slice(first)
        n, full = body.num_rows, body.num_columns
        if n == 0:
            return [pa.nulls(0, pa.string()) for _ in range(width)], None
        out = [
            body.column(j).combine_chunks() if j < full else pa.nulls(n, pa.string())
            for j in range(width)
        ]
        extra = None
        if full > width:
            filled = np.zeros(n, dtype=bool)
            for j in range(width, full):
                text = pc.utf8_trim(body.column(j), WHITESPACE)
                filled |= pc.fill_null(pc.not_equal(text, ""), False).to_numpy(zero_copy_only=False)
            note = too_many_cells(width)
            extra = pa.array(np.where(filled, note, None), pa.string())
        return out, extra


def too_many_cells(width: int) -> str:
    return f"the row has filled cells beyond the header's {width} columns"


_XML_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_CELL_REF = re.compile(rb"<" + _XML_NAME + rb"c\s[^>]*?\br=[\"']([A-Z]+)([0-9]+)[\"']")
_ROW_REF = re.compile(rb"<" + _XML_NAME + rb"row\s[^>]*?\br=[\"']([0-9]+)[\"']")
_DIMENSION = re.compile(
    rb"<" + _XML_NAME + rb"dimension\s[^>]*?\bref=[\"']"
    rb"(?:[A-Z]*[0-9]*:)?([A-Z]*)([0-9]*)[\"']"
)
_CELL_FAST = re.compile(rb'<c r="([A-Z]+)([0-9]+)"')
_ROW_FAST = re.compile(rb'<row r="([0-9]+)"')
# a cell or row tag written another way than `<c r="…` / `<row r="…` (other attribute
# first, no reference): one search instead of comparing two counts
_CELL_OTHER = re.compile(rb'<c(?:\s(?<! )| (?!r="))')
_ROW_OTHER = re.compile(rb'<row(?:\s(?<! )| (?!r="))')
_SHEET_TARGET = re.compile(
    rb"Target=\"([^\"]+)\"[^>]*?Type=\"[^\"]*/worksheet\"|"
    rb"Type=\"[^\"]*/worksheet\"[^>]*?Target=\"([^\"]+)\""
)


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _sheet_members(z: zipfile.ZipFile) -> list[str]:
    """The worksheet parts of a workbook: those its relationships name, and any under worksheets/."""
    names = set(z.namelist())
    found = {n for n in names if "worksheets/" in n and n.endswith(".xml")}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names and z.getinfo(rels).file_size < 1 << 20:
        for m in _SHEET_TARGET.finditer(z.read(rels)):
            target = (m.group(1) or m.group(2)).decode("utf-8", "replace")
            path = (
                target.lstrip("/") if target.startswith("/") else os.path.normpath(f"xl/{target}")
            )
            if path in names:
                found.add(path)
    return sorted(found)


def _above(text: bytes, low: int, high: int, longer: bytes) -> bytes:
    """A pattern for strings over [low-high] that sort after `text` as numbers or column
    names do: longer (`longer` matches those), or as long and greater at the first
    difference."""
    alts = [longer]
    for i, ch in enumerate(text):
        if ch < high:
            rest = len(text) - i - 1
            alts.append(
                re.escape(text[:i])
                + b"[%c-%c]" % (ch + 1, high)
                + (b"[%c-%c]{%d}" % (low, high, rest) if rest else b"")
            )
    return b"(?:" + b"|".join(alts) + b")"


def _column_name(n: int) -> bytes:
    out = b""
    while n:
        n, r = divmod(n - 1, 26)
        out = bytes([65 + r]) + out
    return out


_EXTENT_PIECE = 4 << 20  # bytes of inflated sheet XML searched at a time


def _rows_beyond(rows: int) -> re.Pattern:
    """Row tags written `<row r="…"` past row `rows`."""
    row = str(max(rows, 1)).encode()
    return re.compile(b'<row r="' + _above(row, 48, 57, b"[1-9][0-9]{%d,}" % len(row)) + b'"')


# A cell or row tag written any other way than `<c r="…` / `<row r="…` (another attribute
# first, whitespace other than a space, a prefixed name): the rule of _CELL_OTHER,
# _ROW_OTHER and the colon checks in _xlsx_extent, in RE2 syntax (no lookahead).
_OTHER_TAGS = (
    r'<c(?:[\t\n\r]| (?:[^r]|r[^=]|r=[^"]))|<row(?:[\t\n\r]| (?:[^r]|r[^=]|r=[^"]))'
    r"|:c\s|:row\s"
)


def _screen(rows: int, cols: int) -> str:
    """One RE2 pattern for what makes a piece need its references read one by one: a tag
    written another way, a cell past row `rows` or column `cols`, a row tag past `rows`."""
    cell = _beyond(rows, cols).pattern.replace(b"++", b"+")  # RE2 never backtracks
    return "|".join((_OTHER_TAGS, cell.decode("ascii"), _rows_beyond(rows).pattern.decode("ascii")))


def _needs_look(piece: bytes, rows: int, cols: int) -> bool:
    """Whether `_screen` finds anything in the piece: RE2 (linear, in C++) passes each byte
    once, where Python's engine tried four patterns at every tag."""
    found = pc.match_substring_regex(pa.array([piece], pa.large_binary()), _screen(rows, cols))
    return found[0].as_py()


def _beyond(rows: int, cols: int) -> re.Pattern:
    """Cells written `<c r="…"` that lie past row `rows` or column `cols`."""
    col = _column_name(cols) or b"A"
    row = str(max(rows, 1)).encode()
    past_col = _above(col, 65, 90, b"[A-Z]{%d,}" % (len(col) + 1)) if cols else b"[A-Z]+"
    past_row = _above(row, 48, 57, b"[1-9][0-9]{%d,}" % len(row))
    # possessive letters: the row part starts with a digit, so giving letters back cannot
    # help a match, and not trying it halves the search (it meets every cell reference)
    return re.compile(b'<c r="(?:' + past_col + b"[0-9]|[A-Z]++" + past_row + b'")')


def _xlsx_extent(z: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """The last row and column a worksheet declares or uses, from its XML, streamed in pieces.

    calamine pads every sheet from A1 to its farthest cell: one cell at XFD1048576 in a
    2 KB file asks for 17 billion cells.  The dimension the sheet declares, every row
    number and every cell reference count.  Reading every cell reference is as slow as
    calamine itself, so a piece is first searched (in C) for a cell past the rows and
    columns seen so far; only a piece with one, or with cells written another way than
    `<c r="B7"`, has its references read one by one.  (Pieces overlap, so a reference cut
    by a piece boundary is read whole in the next one.)
    """
    rows = cols = 0

    def see(cells: list[tuple[bytes, bytes]]) -> None:
        nonlocal rows, cols
        letters = set(map(itemgetter(0), cells)) - {b""}
        digits = set(map(itemgetter(1), cells)) - {b""}
        if letters:
            cols = max(cols, max(_column_number(x) if len(x) < 8 else 1 << 40 for x in letters))
        if digits:
            longest = max(map(len, digits))
            top = max(d for d in digits if len(d) == longest)
            rows = max(rows, int(top) if longest < 12 else 1 << 40)

    tail = b""
    with z.open(member) as f:
        while True:
            piece = f.read(_EXTENT_PIECE)
            if not piece:
                break
            first = not tail
            chunk = tail + piece
            tail = chunk[-4096:]
            if first:  # the dimension comes before the cells
                at = chunk.find(b"sheetData")
                see(_DIMENSION.findall(chunk[:at] if at >= 0 else chunk))
            # rows are written in order: the piece's last row tag is its largest, unless
            # the screen finds one past it (then every row number is read)
            last = _ROW_FAST.match(chunk, max(chunk.rfind(b'<row r="'), 0))
            if last:
                see([(b"", last[1])])
            if rows <= MAX_ROWS and cols <= MAX_COLUMNS and not _needs_look(chunk, rows, cols):
                continue
            # prefixed tags (x:c, x:row) are rare: past the namespace declarations of the
            # first piece, one search for a colon (memchr) spares looking for each
            colon = b":" in chunk
            common = not _CELL_OTHER.search(chunk) and not (colon and b":c" in chunk)
            if common and not _ROW_OTHER.search(chunk) and not (colon and b":row" in chunk):
                if _rows_beyond(rows).search(chunk):
                    see([(b"", d) for d in set(_ROW_FAST.findall(chunk))])
            else:
                see([(b"", d) for d in set(_ROW_REF.findall(chunk))])
            if not common:
                see(_CELL_REF.findall(chunk))
            elif rows > MAX_ROWS or cols > MAX_COLUMNS or _beyond(rows, cols).search(chunk):
                see(_CELL_FAST.findall(chunk))
    return rows, cols


def _guard_xlsx(data: bytes) -> None:
    """Refuse zip bombs from the central directory, before anything is inflated, and
    sheets whose extent passes a bound, before calamine allocates it.

    A member that lies about its size is stopped by calamine's zip reader itself: it
    refuses to inflate past the declared size (the bad-input tests check both).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > MAX_XLSX_BYTES or (total > 50 * 1024**2 and total / packed > MAX_XLSX_RATIO):
                raise IngestError(
                    f"the workbook would expand to {total / 1024**2:,.0f} MB from "
                    f"{len(data) / 1024**2:,.1f} MB (compression bomb); refused",
                    code="compression_bomb",
                    expanded_mb=round(total / 1024**2),
                    packed_mb=round(len(data) / 1024**2, 1),
                )
            for member in _sheet_members(z):
                try:
                    rows, cols = _xlsx_extent(z, member)
                except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
                    continue  # calamine says what is wrong with a damaged part
                check_extent(rows, cols, f"the sheet in {member}")
    except zipfile.BadZipFile:
        raise IngestError(
            "the .xlsx file is damaged or truncated (not a valid zip archive)", code="xlsx_damaged"
        ) from None


def read_excel(src: Source, file_type: str) -> Workbook:
    data = _all_bytes(src)
    if file_type == "xlsx":
        _guard_xlsx(data)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as e:  # calamine's own errors, and its PanicException (a BaseException)
        if isinstance(e, KeyboardInterrupt | SystemExit | MemoryError):
            raise
        raise IngestError(
            f"the workbook cannot be opened: {_calamine_text(e)}",
            code="workbook_unreadable",
            detail=_calamine_text(e),
        ) from None
    sheets = []
    for name in wb.sheet_names:
        try:
            sheet = wb.get_sheet_by_name(name)
            if sheet.end is not None:  # legacy .xls: its cells are read; check before Python copies
                check_extent(sheet.end[0] + 1, sheet.end[1] + 1, f"sheet {name!r}")
            values = sheet.to_python(skip_empty_area=False)
            _fill_merged_down(values, sheet.merged_cell_ranges or ())
        except IngestError:
            raise
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt | SystemExit | MemoryError):
                raise
            raise IngestError(
                f"sheet {name!r} cannot be read: {_calamine_text(e)}",
                code="sheet_unreadable",
                sheet=name,
                detail=_calamine_text(e),
            ) from None
        head = [[_cell_text(v) for v in row] for row in values[:HEAD_ROWS]]
        sheets.append(Sheet(name, head, CellsBody(text_table(values))))
        del values
    return Workbook(file_type, None, sheets)


# A number merged over rows, written as a number or as text (377.00, 1,299, ¥59, 3): the
# group's one amount or count.  Seven digits or more without a decimal point: an id.
_MERGED_AMOUNT = re.compile(r"[-+(]?[¥￥$]?\s*(\d{1,6}|\d{1,3}(,\d{3})+|\d*\.\d+|[\d,]+\.\d+)\)?")


def _fill_merged_down(values: list[list], ranges) -> None:
    """A name, id or date merged down one column (询盘日期 and 客户名称 over a customer's
    rows, 订单编号 over an order's lines) is the value of every row it spans, as Excel shows
    it; calamine gives it to the first row only.  A merged amount or count stays on its
    first row (the group's one value, counted once), whether the cell holds a number or
    text; a number of seven digits or more is an id.  Ranges wider than a column (titles)
    are left as they are."""
    for (r1, c1), (r2, c2) in ranges:
        if c1 != c2 or r2 <= r1 or r1 >= len(values) or c1 >= len(values[r1]):
            continue
        top = values[r1][c1]
        if top is None or top == "" or isinstance(top, bool):
            continue
        if isinstance(top, int | float):
            if top != int(top) or abs(top) < 1_000_000:
                continue
        elif isinstance(top, str) and _MERGED_AMOUNT.fullmatch(top.strip()):
            continue
        for r in range(r1 + 1, min(r2, len(values) - 1) + 1):
            row = values[r]
            if c1 < len(row) and row[c1] in ("", None):
                row[c1] = top


def _calamine_text(e: BaseException) -> str:
    text = " ".join(str(e).split())[:300]
    return text or type(e).__name__


# ---------------------------------------------------------------------------------- html / xml


def _span(attrs: dict, name: str, most: int) -> int:
    value = attrs.get(name) or "1"
    return min(int(value), most) if value.isdigit() and int(value) > 0 else 1


class _TableParser(HTMLParser):
    """Tables as rows of cells.  A cell spanning columns (colspan) or rows (rowspan) holds
    its text in its first place and leaves the others empty, as a merged Excel range does:
    later cells of the row keep their columns."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = 1
        self._cells = 0
        # column -> rows from the current one on that a cell above still covers (>= 1)
        self._down: dict[int, int] = {}
        self._covered: set[int] = set()
        self._rowspan = 1

    def _skip_covered(self) -> None:
        while len(self._row) in self._covered:
            self._row.append(None)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
            self._down = {}
        elif tag == "tr" and self.tables:
            self._row = []
            self._covered = set(self._down)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            a = dict(attrs)
            self._span = _span(a, "colspan", 1000)
            # a data cell spans data rows: a header (th) row keeps its own columns, and a
            # header cell spanning rows (a two-row header) covers nothing below
            rowspan = a.get("rowspan")
            self._rowspan = (
                1
                if tag == "th"
                else MAX_ROWS
                if rowspan == "0"  # to the end of the table
                else _span(a, "rowspan", MAX_ROWS)
            )
            if tag == "th":
                self._covered = set()
            self._skip_covered()
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip(WHITESPACE)
            if self._rowspan > 1:
                for c in range(len(self._row), len(self._row) + self._span):
                    self._down[c] = self._rowspan  # this row counts down at </tr>
            self._row.append(text or None)
            self._row.extend([None] * (self._span - 1))
            self._cell = None
            if len(self._row) > MAX_COLUMNS:
                check_extent(len(self.tables[-1]) + 1, len(self._row), f"table {len(self.tables)}")
        elif tag == "tr" and self._row is not None and self.tables:
            if self._covered and max(self._covered) >= len(self._row):
                self._skip_covered()  # covered places at the row's end
            self._down = {c: n - 1 for c, n in self._down.items() if n > 1}
            self.tables[-1].append(self._row)
            self._cells += len(self._row)
            if self._cells > MAX_CELLS or len(self.tables[-1]) > MAX_ROWS:
                raise IngestError(
                    f"the tables hold more than {min(self._cells, MAX_ROWS):,} "
                    f"{'cells' if self._cells > MAX_CELLS else 'rows'}; refused",
                    code="html_too_big",
                    limit=min(self._cells, MAX_ROWS),
                )
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_html(data: bytes) -> Workbook:
    # bytes that decode as strict UTF-8 are UTF-8 whatever the page's meta declares (an
    # export tool that writes UTF-8 under a copied <meta charset=gb2312> was refused)
    text, encoding = decode_text(data)
    p = _TableParser()
    p.feed(text)
    tables = [t for t in p.tables if t]
    if not tables:
        raise IngestError("the file is HTML but holds no table", code="html_no_table")
    sheets = [Sheet(f"table {i + 1}" if len(tables) > 1 else None, t) for i, t in enumerate(tables)]
    return Workbook("html", encoding, sheets)


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def read_spreadsheetml(data: bytes) -> Workbook:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as e:
        raise IngestError(
            f"the XML spreadsheet is malformed: {e}", code="xml_malformed", detail=str(e)
        ) from None
    sheets = []
    for ws in root.iter(f"{_SS}Worksheet"):
        rows: list[list[str | None]] = []
        width = 0
        for table in ws.iter(f"{_SS}Table"):
            for row in table.iter(f"{_SS}Row"):
                idx = _ss_index(row, len(rows) + 1)
                # ss:Index skips rows and cells: the padding is bounded before it is made
                check_extent(idx, 1, f"worksheet {ws.get(f'{_SS}Name')!r}")
                rows.extend([] for _ in range(idx - 1 - len(rows)))
                cells: list[str | None] = []
                for cell in row.iter(f"{_SS}Cell"):
                    cidx = _ss_index(cell, len(cells) + 1)
                    check_extent(idx, cidx, f"worksheet {ws.get(f'{_SS}Name')!r}")
                    cells.extend([None] * (cidx - 1 - len(cells)))
                    d = cell.find(f"{_SS}Data")
                    text = "".join(d.itertext()).strip(WHITESPACE) if d is not None else ""
                    cells.append(text or None)
                rows.append(cells)
                width = max(width, len(cells))
                check_extent(len(rows), width, f"worksheet {ws.get(f'{_SS}Name')!r}")
        sheets.append(Sheet(ws.get(f"{_SS}Name"), rows))
    if not sheets:
        raise IngestError("the XML spreadsheet holds no worksheet", code="xml_no_worksheet")
    return Workbook("xml", "utf-8", sheets)


def _ss_index(element, default: int) -> int:
    """An ss:Index (1-based position of a row or cell), or the next position without one."""
    value = element.get(f"{_SS}Index")
    if value is None:
        return default
    if not value.strip().isdigit() or len(value.strip()) > 12:
        raise IngestError(
            f"the XML spreadsheet has a bad ss:Index {value[:20]!r}",
            code="xml_bad_index",
            value=value[:20],
        )
    return max(int(value), default)


def read_workbook(src: Source) -> Workbook:
    """Sniff and read a file given as bytes or as a path (a path is never handed to SQL)."""
    head, _ = _head(src, 8192)
    if not head or not head.strip() or (len(head) < 8192 and not _all_bytes(src).strip()):
        raise IngestError("the file is empty", code="empty_file")
    kind = sniff_type(head)
    if kind in ("xls", "xlsx"):
        return read_excel(src, kind)
    if kind == "html":
        return read_html(_all_bytes(src))
    if kind == "xml":
        return read_spreadsheetml(_all_bytes(src))
    wb = read_csv(src)
    # a header of 10,000 names would become a typing query of 10,000 columns
    check_extent(len(wb.sheets[0].rows), max(map(len, wb.sheets[0].rows), default=0), "the file")
    return wb


class TempDir:
    """A private directory for the UTF-8 copy of an upload; removed on exit."""

    def __enter__(self) -> str:
        self.path = tempfile.mkdtemp(prefix="shopsight_ingest_")
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
