"""Turn an uploaded file into sheets of text cells, whatever it really is.

The file type comes from the bytes, not the name: many ".xls" downloads are
HTML or SpreadsheetML tables.  Every cell becomes text (or None when empty), so
one SQL parser (queries/ingest_macros.sql) types every value the same way.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree import ElementTree

from python_calamine import CalamineWorkbook

from shopsight.ingest.errors import IngestError

MAX_XLSX_RATIO = 200  # uncompressed / compressed: beyond this a workbook is treated as a zip bomb
MAX_XLSX_BYTES = 2 * 1024**3
MAX_CELL_CHARS = 32_767  # Excel's own cell limit; longer text is refused for the row
HEAD_ROWS = 40


@dataclass
class Sheet:
    """One table of text cells; `rows[i]` is the file's row i + 1."""

    name: str | None
    rows: list[list[str | None]]
    # CSV only: how to hand the data to DuckDB's reader for speed (see parse.py)
    csv_text_path: str | None = None
    delimiter: str | None = None
    title_lines: list[str] = field(default_factory=list)


@dataclass
class Workbook:
    file_type: str  # csv | xlsx | xls | html | xml
    encoding: str | None
    sheets: list[Sheet]


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


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text export: BOMs first, then strict UTF-8, then GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: the zero bytes sit on the odd or even positions
        enc = "utf-16-le" if sample[1::2].count(b"\x00") > sample[0::2].count(b"\x00") else "utf-16-be"
        return data.decode(enc), enc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as e:
        raise IngestError(
            f"cannot decode the file as UTF-8, UTF-16 or GB18030 (byte {e.start})"
        ) from None


def _looks_binary(text: str) -> bool:
    sample = text[:4000]
    if not sample:
        return False
    bad = sum(1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\r\n"))
    return bad > len(sample) * 0.05


def sniff_delimiter(lines: list[str]) -> str:
    candidates = [",", "\t", ";", "|"]
    best, best_score = ",", -1.0
    for d in candidates:
        counts = [line.count(d) for line in lines if line.strip()]
        if not counts:
            continue
        top = max(counts)
        if top == 0:
            continue
        # prefer delimiters that split many lines the same way
        same = sum(1 for c in counts if c == top)
        score = top * 0.1 + same
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv_text(text: str, delimiter: str | None = None) -> tuple[list[list[str | None]], str]:
    head_lines = text[:200_000].splitlines()[:200]
    delim = delimiter or sniff_delimiter(head_lines)
    # A blank line stays an empty row and a quoted multi-line cell one row, so row
    # numbers are the ones a spreadsheet shows for the same file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str | None]] = [[c if c != "" else None for c in rec] for rec in reader]
    return rows, delim


def read_csv(data: bytes) -> Workbook:
    text, encoding = decode_text(data)
    if _looks_binary(text):
        raise IngestError("the file is not a text table (binary content)")
    rows, delim = read_csv_text(text)
    return Workbook("csv", encoding, [Sheet(None, rows, delimiter=delim)])


def _cell_text(v) -> str | None:
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


def _guard_xlsx(data: bytes) -> None:
    """Refuse zip bombs from the central directory, before inflating anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(i.file_size for i in z.infolist())
            packed = sum(i.compress_size for i in z.infolist()) or 1
    except zipfile.BadZipFile:
        raise IngestError("the .xlsx file is damaged or truncated (not a valid zip archive)") from None
    if total > MAX_XLSX_BYTES or (total > 50 * 1024**2 and total / packed > MAX_XLSX_RATIO):
        raise IngestError(
            f"the workbook would expand to {total / 1024**2:,.0f} MB from {len(data) / 1024**2:,.1f} MB "
            "(compression bomb); refused"
        )


def read_excel(data: bytes, file_type: str) -> Workbook:
    if file_type == "xlsx":
        _guard_xlsx(data)
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as e:  # calamine raises its own error types
        raise IngestError(f"the workbook cannot be opened: {e}") from None
    sheets = []
    for name in wb.sheet_names:
        try:
            values = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as e:
            raise IngestError(f"sheet {name!r} cannot be read: {e}") from None
        rows = [[_cell_text(v) for v in row] for row in values]
        sheets.append(Sheet(name, rows))
    return Workbook(file_type, None, sheets)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = "".join(self._cell).strip()
            self._row.append(text or None)
            self._row.extend([None] * (min(self._span, 1000) - 1))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def read_html(data: bytes) -> Workbook:
    text, encoding = decode_text(data)
    m = re.search(r"charset=[\"']?([\w-]+)", text[:2000], re.I)
    if m and m.group(1).lower() in ("gbk", "gb2312", "gb18030") and encoding.startswith("utf-8"):
        text, encoding = data.decode("gb18030"), "gb18030"
    p = _TableParser()
    p.feed(text)
    tables = [t for t in p.tables if t]
    if not tables:
        raise IngestError("the file is HTML but holds no table")
    sheets = [Sheet(f"table {i + 1}" if len(tables) > 1 else None, t) for i, t in enumerate(tables)]
    return Workbook("html", encoding, sheets)


_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"


def read_spreadsheetml(data: bytes) -> Workbook:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as e:
        raise IngestError(f"the XML spreadsheet is malformed: {e}") from None
    sheets = []
    for ws in root.iter(f"{_SS}Worksheet"):
        rows: list[list[str | None]] = []
        for table in ws.iter(f"{_SS}Table"):
            for row in table.iter(f"{_SS}Row"):
                idx = row.get(f"{_SS}Index")
                while idx and len(rows) < int(idx) - 1:
                    rows.append([])
                cells: list[str | None] = []
                for cell in row.iter(f"{_SS}Cell"):
                    cidx = cell.get(f"{_SS}Index")
                    while cidx and len(cells) < int(cidx) - 1:
                        cells.append(None)
                    d = cell.find(f"{_SS}Data")
                    text = "".join(d.itertext()).strip() if d is not None else ""
                    cells.append(text or None)
                rows.append(cells)
        sheets.append(Sheet(ws.get(f"{_SS}Name"), rows))
    if not sheets:
        raise IngestError("the XML spreadsheet holds no worksheet")
    return Workbook("xml", "utf-8", sheets)


def read_workbook(data: bytes) -> Workbook:
    if not data or not data.strip():
        raise IngestError("the file is empty")
    kind = sniff_type(data)
    if kind in ("xls", "xlsx"):
        return read_excel(data, kind)
    if kind == "html":
        return read_html(data)
    if kind == "xml":
        return read_spreadsheetml(data)
    return read_csv(data)
