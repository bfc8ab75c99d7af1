"""Read an untrusted workbook in a child process with memory and time limits.

Excel, HTML and SpreadsheetML files are parsed by code that allocates what the file asks
for (calamine in Rust, expat, the HTML parser).  The readers bound what they can see
before they allocate (readers.check_extent), but a damaged legacy .xls can still ask
calamine for gigabytes, and in Rust a failed allocation aborts the whole process, every
session of a hosted app with it.  So these files are parsed in a child process
(`python -m shopsight.ingest.isolated`, which imports only the readers) under an
address-space and CPU limit, with a wall-clock limit from here.  A child that dies or
runs out of time is a refused file; the server keeps serving.  A fresh interpreter, not
a fork: forking a server that runs threads can copy a lock some other thread holds.
CSV is read here: its head is small and bounded, and DuckDB reads its body later under
the workspace's memory_limit.

The child hands back each sheet's cells as an Arrow IPC file and the rest as JSON in a
private directory; nothing it writes is unpickled.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

import pyarrow as pa

from shopsight.ingest import readers
from shopsight.ingest.errors import IngestError
from shopsight.ingest.readers import CellsBody, Sheet, Source, Workbook


def _env_int(name: str, default: int) -> int:
    try:
        return max(int(os.environ.get(name, default)), 1)
    except ValueError:
        return default


# What an operator can tune (docs/hosting.md): address space the child may add to what it
# starts with, seconds of wall time, and how many files are parsed at once.
PARSE_MEMORY_MB = _env_int("SHOPSIGHT_PARSE_MEMORY_MB", 1024)
PARSE_SECONDS = _env_int("SHOPSIGHT_PARSE_SECONDS", 45)
PARSE_WORKERS = _env_int("SHOPSIGHT_PARSE_WORKERS", 2)

_slots = threading.BoundedSemaphore(PARSE_WORKERS)
# The last few workbooks read from files, or why they were refused: the Data page inspects
# an upload (again for each kind or sheet picked) and then loads it, and reruns while a
# refused file stays in the uploader; each of those reads the same parsed file here rather
# than the bytes again (a hostile file in a second child process, for up to the limits
# each time; a CSV's head, decoded and split).  Keyed by the file's identity, size and modification time; the
# sheets' cells are memory-mapped Arrow tables.
_RECENT = 4
_recent: OrderedDict[tuple, Workbook | IngestError] = OrderedDict()
_recent_lock = threading.Lock()


def read_workbook(src: Source) -> Workbook:
    """readers.read_workbook, with everything but CSV parsed in a limited child process."""
    key = None
    if isinstance(src, Path):
        st = src.stat()
        key = (str(src.resolve()), st.st_ino, st.st_size, st.st_mtime_ns)
        with _recent_lock:
            if key in _recent:
                _recent.move_to_end(key)
                found = _recent[key]
                if isinstance(found, IngestError):
                    raise found.again()
                return found
    head, _ = readers._head(src, 8192)
    if readers.sniff_type(head) == "csv":
        # its head is read here; the body stays in the file, so the read can be shared too
        try:
            wb = readers.read_workbook(src)
        except IngestError as e:
            _remember(key, e)
            raise
        _remember(key, wb)
        return wb
    with tempfile.TemporaryDirectory(prefix="shopsight_read_") as out:
        if isinstance(src, Path):
            path = src
        else:
            path = Path(out) / "upload"
            path.write_bytes(src)
        with _slots:
            code = _run(path, out)
        try:
            wb = _collect(out, code)
        except IngestError as e:
            _remember(key, e)
            raise
    _remember(key, wb)
    return wb


def _remember(key: tuple | None, outcome: Workbook | IngestError) -> None:
    if key is None:
        return
    with _recent_lock:
        _recent[key] = outcome
        while len(_recent) > _RECENT:
            _recent.popitem(last=False)


def _run(path: Path, out: str) -> int | None:
    """Run the child; its exit code, or None when it was stopped for taking too long."""
    args = [sys.executable, *_child_args(path, out)]
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([root, *filter(None, [os.environ.get("PYTHONPATH")])]),
    }
    with subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=out,
    ) as proc:
        try:
            return proc.wait(PARSE_SECONDS + 5)  # its own CPU limit usually ends it first
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return None


def _child_args(path: Path, out: str) -> list[str]:
    # the child runs in `out`: a path relative to this process's directory is made absolute
    return [
        "-m",
        "shopsight.ingest.isolated",
        str(path.resolve()),
        out,
        str(PARSE_MEMORY_MB),
        str(PARSE_SECONDS),
    ]


def _collect(out: str, code: int | None) -> Workbook:
    if code is None:
        raise IngestError(
            f"reading the file took longer than {PARSE_SECONDS} s; refused "
            "(it may be damaged or built to exhaust the server)",
            code="parse_timeout",
            seconds=PARSE_SECONDS,
        )
    result_path = Path(out) / "result.json"
    if code != 0 or not result_path.exists():
        why = {
            signal.SIGABRT: "asked for more memory than that",
            signal.SIGXCPU: "took too long",
            signal.SIGKILL: "was stopped",
        }.get(-code if code else 0, "failed")
        raise IngestError(
            f"the file cannot be read within {PARSE_MEMORY_MB:,} MB of memory and "
            f"{PARSE_SECONDS} s (the reader {why}); refused: it may be damaged or built to "
            "exhaust the server",
            code="parse_limits",
            memory_mb=PARSE_MEMORY_MB,
            seconds=PARSE_SECONDS,
        )
    result = json.loads(result_path.read_text(encoding="utf-8"))
    if "error" in result:
        raise IngestError(
            result["error"], code=result.get("code", "other"), **result.get("values", {})
        )
    sheets = []
    for entry in result["sheets"]:
        body = None
        if entry.get("body"):
            with pa.memory_map(str(Path(out) / entry["body"])) as source:
                body = CellsBody(pa.ipc.open_file(source).read_all())
        sheets.append(Sheet(entry["name"], entry["rows"], body))
    return Workbook(result["file_type"], result["encoding"], sheets)


def _limit(memory_mb: int, seconds: int) -> None:
    """Cap this process: its address space may grow by memory_mb, its CPU time is capped."""
    # Arrow's own allocators reserve address space in large blocks: malloc counts true use
    pa.set_memory_pool(pa.system_memory_pool())
    with open("/proc/self/statm") as f:
        start = int(f.read().split()[0]) * resource.getpagesize()
    size = start + (memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 5))


def _child(path: str, out: str, memory_mb: int, seconds: int) -> None:
    """The child's work: read, then write the sheets for the parent; never raise."""
    try:
        _limit(memory_mb, seconds)
        wb = readers.read_workbook(Path(path))
        sheets = []
        for i, sheet in enumerate(wb.sheets):
            entry = {"name": sheet.name, "rows": sheet.rows, "body": None}
            if isinstance(sheet.body, CellsBody):
                entry["body"] = f"sheet{i}.arrow"
                table = sheet.body.table
                with (
                    pa.OSFile(os.path.join(out, entry["body"]), "wb") as f,
                    pa.ipc.new_file(f, table.schema) as writer,
                ):
                    writer.write_table(table)
            sheets.append(entry)
        result = {"file_type": wb.file_type, "encoding": wb.encoding, "sheets": sheets}
    except IngestError as e:
        result = {"error": str(e), "code": e.code, "values": e.values}
    except MemoryError:
        result = {
            "error": f"reading the file needs more than {memory_mb:,} MB of memory; refused "
            "(it may be damaged or built to exhaust the server)",
            "code": "parse_memory",
            "values": {"memory_mb": memory_mb},
        }
    except BaseException as e:  # noqa: BLE001 - calamine's PanicException is a BaseException
        text = " ".join(str(e).split())[:300] or type(e).__name__
        result = {
            "error": f"the file cannot be read: {text}",
            "code": "unreadable",
            "values": {"detail": text},
        }
    with open(os.path.join(out, "result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f)  # ASCII: a lone surrogate in a cell cannot break it


class _WithoutPandas:
    """An import finder that says pandas is not installed (see below)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


if __name__ == "__main__":
    # pyarrow imports pandas on its first conversion of Python values only to ask whether
    # they are pandas objects: 0.3-0.4 CPU-s of every workbook's parse (half of a small
    # one's), for a library the child never uses.  Told it is missing, pyarrow converts
    # without it.
    sys.meta_path.insert(0, _WithoutPandas)
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
