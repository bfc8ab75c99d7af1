"""Concurrent sessions on a real server: page-update time, errors and server memory.

    python bench/load.py                                   # 10M lines; 10 then 25 sessions, 60 s
    python bench/load.py --sessions 10 --seconds 120 --think 2 5
    python bench/load.py --client browser --sessions 10    # real chromium tabs instead
    python bench/load.py --rows 5000 --sessions 2 --seconds 2 --out /tmp/bench_ws   # smoke
    python bench/load.py --rows 1000000 --sessions 20 --rounds 0 --setup file:1 lake:1 lake:2

The script starts `streamlit run app.py` on 127.0.0.1 (and stops it), with
SHOPSIGHT_DATA_DIR holding the workspace from bench/datagen.py, opened by `?ws=<name>`;
a fresh server per session count, so every level starts with a cold query cache.

Setups (--setup, in turn, same sessions and seed): `file:1` one server on the DuckDB
file (the default); `lake:N` N servers on one DuckLake workspace whose catalog is in a
throwaway PostgreSQL (scripts/pg_cluster.py, needs Debian's postgresql and
duckdb-extension-postgres-scanner) and whose Parquet files are in a shared local
directory, the workspace copied into it with write_dataset first; sessions take the
servers in turn, as a sticky proxy would spread browsers.

Clients (--client):
- ws (default): each session speaks Streamlit's own websocket protocol, as the browser
  does (rerun requests with the page, the widget values and the link; deltas and
  script_finished back), without rendering.  Page-update time runs from sending the
  request to the server's script_finished.  Chosen because this machine has 2 cores:
  10-25 chromium renderers on the same cores as the server measure the browsers more
  than the server (the browser figures are in bench/README.md for comparison).
- browser: Debian's chromium (/usr/bin/chromium; never a downloaded browser) driven by
  Playwright, one context per session.  Time from the input event that started the rerun
  to the page's script state `notRunning`.

First, one session alone opens each page and reruns it unchanged (--rounds): the server
time and CPU of one rerun with a cold and a warm query cache.  Then each session, until
the time is up, waits a think time and does one of: switch page, change the compare
period, add or remove a source, device or province filter.

Errors: an exception element, a rerun that did not finish within --timeout, a lost
connection; browser actions that found no widget are counted apart.  Server RSS is
sampled every 0.25 s with psutil over the server process and its children.
Targets: p95 <= 1 s at 10 sessions, 0 errors, server RSS <= 1.5 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import datagen  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGES = ("", "funnel", "sources", "regions", "products", "abtest")  # url paths of the pages
COMPARE_OPTIONS = 3  # prev | yoy | none
FILTER_KEYS = ("sb_src", "sb_dev", "sb_prov")  # sidebar multiselects a session changes
COMPARE_KEY = "sb_cmp"
ACTIONS = ("page", "page", "compare", "pick", "pick")  # what a session does, by weight
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
# sidebar multiselects by their position (source, device, province) and values to type
PICKS = {
    0: [s[0] for s in datagen.SOURCES],
    1: list(datagen.DEVICES),
    2: list(datagen.PROVINCE_WEIGHTS)[:12],
}
TARGET_P95_S = 1.0
TARGET_RSS_MIB = 1536

# Timestamps of input events and of script-state changes, in the page's clock.
PROBE_JS = """
window.__ss = {inputs: [], states: [], mark: 0};
for (const type of ['pointerdown', 'keydown']) {
  document.addEventListener(type, e => window.__ss.inputs.push(e.timeStamp), true);
}
new MutationObserver(records => {
  const now = performance.now();
  for (const r of records) {
    window.__ss.states.push([now, r.target.getAttribute('data-test-script-state')]);
  }
}).observe(document, {subtree: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""
DONE_JS = """() => {
  const s = window.__ss, app = document.querySelector('[data-testid=stApp]');
  if (!app) return false;
  const after = s.states.filter(x => x[0] > s.mark);
  return after.some(x => x[1] === 'running') &&
         app.getAttribute('data-test-script-state') === 'notRunning';
}"""
ELAPSED_JS = """() => {
  const s = window.__ss;
  const after = s.states.filter(x => x[0] > s.mark);
  const started = after.find(x => x[1] === 'running')[0];
  const done = after[after.length - 1][0];
  const inputs = s.inputs.filter(t => t >= s.mark && t <= started);
  const from = inputs.length ? inputs[inputs.length - 1] : s.mark;
  return (done - from) / 1000;
}"""


@dataclass
class Stats:
    updates: list[tuple[str, float]] = field(default_factory=list)  # (action, seconds)
    loads: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    driver_errors: list[str] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`streamlit run app.py` on 127.0.0.1, its RSS sampled until stopped."""

    def __init__(
        self,
        data_dir: Path,
        log_path: Path,
        options: list[str] = (),
        app_root: Path = ROOT,
        env: dict[str, str] | None = None,
    ):
        self.port = free_port()
        self.log = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        env = {**os.environ, **(env or {}), "SHOPSIGHT_DATA_DIR": str(data_dir)}
        env.pop("SHOPSIGHT_WORKSPACE", None)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                *(
                    arg
                    for opt in options
                    for arg in (f"--{opt.split('=', 1)[0]}", opt.split("=", 1)[1])
                ),
            ],
            cwd=app_root,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def rss(self) -> int:
        try:
            p = psutil.Process(self.proc.pid)
            procs = [p, *p.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for q in procs:
            with contextlib.suppress(psutil.NoSuchProcess):
                total += q.memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        try:
            t = psutil.Process(self.proc.pid).cpu_times()
            return t.user + t.system
        except psutil.NoSuchProcess:
            return 0.0

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak_rss = max(self.peak_rss, self.rss())

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.port}/_stcore/health"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.read() == b"ok":
                        self._sampler.start()
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("the server did not become healthy")

    def stop(self) -> None:
        self._stop.set()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # our own session: the server and its children
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()


class Start:
    """The measured window opens when every session has loaded (or failed to)."""

    def __init__(self, sessions: int, seconds: float):
        self.waiting, self.seconds = sessions, seconds
        self.until = 0.0
        self.event = asyncio.Event()

    def arrived(self) -> None:
        self.waiting -= 1
        if self.waiting == 0:
            self.until = time.monotonic() + self.seconds
            self.event.set()


class WsSession:
    """One app session over Streamlit's own websocket protocol, as the browser speaks it:
    rerun requests (page, widget values, the link) out, deltas and script_finished in.
    The clock runs from sending the request to the server's script_finished."""

    def __init__(self, port: int, query: str, timeout_s: float):
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.origin = f"http://127.0.0.1:{port}"
        self.query, self.timeout_s = query, timeout_s
        self.base_query = query  # a page switch starts from the bare link, as the browser does
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""
        self.widgets: dict[str, object] = {}  # user key -> the widget's proto (last run)
        self.values: dict[str, WidgetState] = {}  # what this session has set, by user key
        self.errors: list[str] = []

    async def __aenter__(self):
        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], origin=self.origin, max_size=None
        )
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def rerun(self, page_hash: str | None = None) -> float:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = page_hash if page_hash is not None else self.page_hash
        cs.context_info.locale = "zh-CN"
        cs.context_info.timezone = "Asia/Shanghai"
        cs.widget_states.widgets.extend(self.values.values())
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(self.timeout_s):
            while True:
                fwd = ForwardMsg()
                fwd.ParseFromString(await self.ws.recv())
                kind = fwd.WhichOneof("type")
                if kind == "script_finished" and fwd.script_finished in DONE:
                    if fwd.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        self.errors.append("script did not compile")
                    return time.perf_counter() - t0
                if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    self._element(fwd.delta.new_element)
                elif kind == "navigation":
                    self.pages = {
                        p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages
                    }
                    self.page_hash = fwd.navigation.page_script_hash
                elif kind == "page_info_changed":
                    self.query = fwd.page_info_changed.query_string
                elif kind == "page_not_found":
                    self.errors.append("page not found")

    def _element(self, el) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            self.errors.append(f"exception: {el.exception.type}: {el.exception.message[:120]}")
        elif kind in ("multiselect", "selectbox"):
            widget = getattr(el, kind)
            key = widget.id.rsplit("-", 1)[-1]
            if key in FILTER_KEYS or key == COMPARE_KEY:
                self.widgets[key] = widget

    async def act(self, rng: random.Random) -> tuple[str, float]:
        """One user action; (its name, seconds until the server finished the rerun)."""
        kind = rng.choice(ACTIONS)
        if kind == "page":
            here = next((p for p, h in self.pages.items() if h == self.page_hash), "")
            target = rng.choice([p for p in PAGES if p in self.pages and p != here])
            self.query = self.base_query
            return f"page {target or 'overview'}", await self.rerun(self.pages[target])
        if kind == "compare" and COMPARE_KEY in self.widgets:
            w = self.widgets[COMPARE_KEY]
            current = self.values.get(COMPARE_KEY)
            taken = (
                current.string_value if current else w.options[w.default[0]] if w.default else ""
            )
            choice = rng.choice([o for o in w.options[:COMPARE_OPTIONS] if o != taken])
            self.values[COMPARE_KEY] = WidgetState(id=w.id, string_value=choice)
            return "compare", await self.rerun()
        keys = [k for k in FILTER_KEYS if k in self.widgets and self.widgets[k].options]
        key = rng.choice(keys)
        w = self.widgets[key]
        state = self.values.get(key) or WidgetState(id=w.id)
        chosen = list(state.string_array_value.data)
        if chosen:
            chosen.pop()
            action = "filter remove"
        else:
            chosen.append(rng.choice(list(w.options)))
            action = "filter add"
        new = WidgetState(id=w.id)
        new.string_array_value.data.extend(chosen)
        self.values[key] = new
        return action, await self.rerun()


async def ws_session(
    port: int,
    query: str,
    start: Start,
    rng: random.Random,
    stats: Stats,
    think: tuple[float, float],
    timeout_s: float,
) -> None:
    arrived = False
    try:
        async with WsSession(port, query, timeout_s) as s:
            stats.loads.append(await s.rerun(""))
            stats.errors.extend(f"first run: {e}" for e in s.errors)
            if not s.pages or not s.widgets:
                raise RuntimeError("the app drew no navigation or filters")
            start.arrived()
            arrived = True
            await start.event.wait()
            while time.monotonic() < start.until:
                await asyncio.sleep(rng.uniform(*think))
                if time.monotonic() >= start.until:
                    break
                before = len(s.errors)
                try:
                    action, seconds = await s.act(rng)
                except TimeoutError:
                    stats.errors.append(f"no finished rerun within {timeout_s:.0f} s")
                    continue
                stats.updates.append((action, seconds))
                stats.errors.extend(f"{action}: {e}" for e in s.errors[before:])
    except Exception as e:
        stats.errors.append(f"session: {type(e).__name__}: {str(e).splitlines()[0][:120]}")
    finally:
        if not arrived:
            start.arrived()


async def run_ws_level(
    ports: list[int],
    query: str,
    sessions: int,
    seconds: float,
    think: tuple[float, float],
    timeout_s: float,
    seed: int,
) -> Stats:
    """Sessions take the servers in turn, as a sticky proxy spreads browsers."""
    stats = Stats()
    start = Start(sessions, seconds)
    tasks = []
    for i in range(sessions):
        tasks.append(
            asyncio.create_task(
                ws_session(
                    ports[i % len(ports)],
                    query,
                    start,
                    random.Random(seed + i),
                    stats,
                    think,
                    timeout_s,
                )
            )
        )
        await asyncio.sleep(2.0 / sessions)
    await asyncio.gather(*tasks)
    return stats


STARTED_JS = """() => window.__ss.states.some(x => x[0] > window.__ss.mark && x[1] === 'running')"""


class NoRerun(Exception):
    """The action changed nothing the server was told about (a driver miss)."""


async def _wait_update(page, timeout_s: float) -> float:
    try:
        await page.wait_for_function(STARTED_JS, timeout=min(timeout_s, 15) * 1000, polling=50)
    except Exception as e:
        raise NoRerun("the action started no rerun within 15 s") from e
    await page.wait_for_function(DONE_JS, timeout=timeout_s * 1000, polling=50)
    return await page.evaluate(ELAPSED_JS)


async def _mark(page) -> None:
    await page.evaluate("() => { window.__ss.mark = performance.now(); }")


async def _page_errors(page) -> str | None:
    if await page.locator("[data-testid=stException]").count():
        text = await page.locator("[data-testid=stException]").first.inner_text()
        return "exception: " + text.strip().splitlines()[0][:120]
    state = await page.locator("[data-testid=stApp]").get_attribute("data-test-connection-state")
    if state not in (None, "CONNECTED"):
        return f"connection {state}"
    return None


async def _act(page, rng: random.Random, current: list[str]) -> str:
    """Do one user action that reruns the script; returns its name."""
    sidebar = page.locator("[data-testid=stSidebar]")
    kind = rng.choice(ACTIONS)
    if kind == "page":
        target = rng.choice([p for p in PAGES if p != current[0]])
        await sidebar.locator(f"a[data-testid=stSidebarNavLink][href$='/{target}']").click()
        current[0] = target
        return "page " + (target or "overview")
    if kind == "compare":
        await sidebar.get_by_test_id("stSelectbox").first.click()
        options = page.get_by_role("option")
        await options.first.wait_for()
        selected = await page.locator("[role=option][aria-selected=true]").count()
        n = await options.count()
        choices = list(range(min(n, COMPARE_OPTIONS)))
        if selected:
            for i in list(choices):
                if await options.nth(i).get_attribute("aria-selected") == "true":
                    choices.remove(i)
        await options.nth(rng.choice(choices)).click()
        return "compare"
    boxes = sidebar.get_by_test_id("stMultiSelect")
    which = rng.choice([i for i in PICKS if i < await boxes.count()])
    box = boxes.nth(which)
    field_ = box.locator("input")
    chosen = await box.get_by_test_id("stMultiSelectTag").count()
    if chosen:
        await field_.click()
        await field_.press("Backspace")
        return "filter remove"
    await field_.click()
    await field_.fill(rng.choice(PICKS[which]))
    await page.get_by_role("option").first.wait_for(timeout=5000)
    await field_.press("Enter")
    return "filter add"


async def session(
    browser,
    url: str,
    start: Start,
    rng: random.Random,
    stats: Stats,
    think: tuple[float, float],
    timeout_s: float,
) -> None:
    ctx = await browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    await ctx.add_init_script(PROBE_JS)
    page = await ctx.new_page()
    arrived = False
    try:
        t0 = time.perf_counter()
        await page.goto(url)
        await page.wait_for_selector(
            "[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout_s * 1000
        )
        stats.loads.append(time.perf_counter() - t0)
        start.arrived()
        arrived = True
        await start.event.wait()
        current = [""]
        while time.monotonic() < start.until:
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= start.until:
                break
            await page.keyboard.press("Escape")  # close a list the last action left open
            await _mark(page)
            try:
                action = await _act(page, rng, current)
            except Exception as e:  # a widget not found: the driver's problem, not the app's
                stats.driver_errors.append(f"{type(e).__name__}: {str(e).splitlines()[0][:120]}")
                continue
            try:
                stats.updates.append((action, await _wait_update(page, timeout_s)))
            except NoRerun as e:
                stats.driver_errors.append(f"{action}: {e}")
                continue
            except Exception:
                stats.errors.append(f"{action}: no finished rerun within {timeout_s:.0f} s")
                continue
            problem = await _page_errors(page)
            if problem:
                stats.errors.append(f"{action}: {problem}")
    except Exception as e:
        stats.errors.append(f"session: {type(e).__name__}: {str(e).splitlines()[0][:120]}")
    finally:
        if not arrived:
            start.arrived()
        await ctx.close()


async def run_level(
    url: str, sessions: int, seconds: float, think: tuple[float, float], timeout_s: float, seed: int
) -> Stats:
    from playwright.async_api import async_playwright

    stats = Stats()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # sessions open staggered over 2 s, as people arrive; the measured window opens
            # when all have loaded
            start = Start(sessions, seconds)
            tasks = []
            for i in range(sessions):
                tasks.append(
                    asyncio.create_task(
                        session(
                            browser, url, start, random.Random(seed + i), stats, think, timeout_s
                        )
                    )
                )
                await asyncio.sleep(2.0 / sessions)
            await asyncio.gather(*tasks)
        finally:
            await browser.close()
    return stats


async def service_times(server: Server, query: str, rounds: int, timeout_s: float) -> None:
    """One session alone: each page opened (cold query cache), then rerun `rounds` times
    with nothing changed (cached queries): the wall time and the server CPU of a rerun."""
    print(
        f"\none session alone, each page opened then rerun {rounds}x unchanged "
        f"(p50; server CPU from psutil):"
    )
    print(f"  {'page':<12}{'open s':>8}{'cpu s':>8}{'rerun s':>9}{'cpu s':>8}")
    async with WsSession(server.port, query, timeout_s) as s:
        c0 = server.cpu_seconds()
        first = await s.rerun("")  # the default page: the Overview
        first_cpu = server.cpu_seconds() - c0
        for page in PAGES:
            if page not in s.pages:
                continue
            c0 = server.cpu_seconds()
            opened = first if page == "" else await s.rerun(s.pages[page])
            opened_cpu = first_cpu if page == "" else server.cpu_seconds() - c0
            walls, cpus = [], []
            for _ in range(rounds):
                c0 = server.cpu_seconds()
                walls.append(await s.rerun())
                cpus.append(server.cpu_seconds() - c0)
            print(
                f"  {page or 'overview':<12}{opened:>8.3f}{opened_cpu:>8.2f}"
                f"{statistics.median(walls):>9.3f}{statistics.median(cpus):>8.2f}"
            )
        if s.errors:
            print("  errors: " + "; ".join(s.errors[:5]))


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def report(
    sessions: int,
    seconds: float,
    stats: Stats,
    peak_rss: int,
    idle_rss: int,
    cpu_s: float,
    load: str,
) -> bool:
    times = [s for _, s in stats.updates]
    p50, p95 = statistics.median(times) if times else float("nan"), percentile(times, 0.95)
    rss_mib = peak_rss / 2**20
    print(
        f"\n{sessions} sessions, {seconds:.0f} s: {len(times)} page updates "
        f"({len(times) / seconds:.1f}/s); server CPU {cpu_s:.0f} s "
        f"({cpu_s / max(len(times) + len(stats.loads), 1):.2f} s per update or first load); "
        f"load average {load}"
    )
    print(
        f"  page update p50 {p50:.3f} s, p95 {p95:.3f} s, max {max(times, default=0):.3f} s"
        f"   (target p95 <= {TARGET_P95_S} s)"
    )
    by_action: dict[str, list[float]] = {}
    for action, s in stats.updates:
        by_action.setdefault(action, []).append(s)
    for action, xs in sorted(by_action.items()):
        print(
            f"    {action:<18}{len(xs):>5}  p50 {statistics.median(xs):.3f} s  "
            f"p95 {percentile(xs, 0.95):.3f} s"
        )
    if stats.loads:
        print(
            f"  first run p50 {statistics.median(stats.loads):.2f} s, "
            f"max {max(stats.loads):.2f} s (opening the app, before the measured window)"
        )
    print(f"  errors {len(stats.errors)}; driver misses {len(stats.driver_errors)}")
    for e in sorted(set(stats.errors))[:8]:
        print(f"    error: {e}")
    for e in sorted(set(stats.driver_errors))[:4]:
        print(f"    driver: {e}")
    print(
        f"  server RSS peak {rss_mib:,.0f} MiB (idle after start {idle_rss / 2**20:,.0f} MiB;"
        f" target <= {TARGET_RSS_MIB} MiB)"
    )
    ok = p95 <= TARGET_P95_S and not stats.errors and rss_mib <= TARGET_RSS_MIB
    print(f"  {'ok' if ok else 'MISS'}")
    return ok


SETUPS = {"file": "file backend", "lake": "DuckLake, PostgreSQL catalog"}


def parse_setup(text: str) -> tuple[str, int]:
    """`file:1`, `lake:2`: the backend and how many server processes share the sessions."""
    backend, _, replicas = text.partition(":")
    if backend not in SETUPS or not replicas.isdigit() or int(replicas) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: want file:<n> or lake:<n>, e.g. lake:2")
    if backend == "file" and int(replicas) > 1:
        raise argparse.ArgumentTypeError("the file backend allows one server process")
    return backend, int(replicas)


@contextlib.contextmanager
def lake_copy(file_ws: Path, root: Path):
    """The cached file workspace copied into a DuckLake whose catalog is in a throwaway
    PostgreSQL (scripts/pg_cluster.py) and whose Parquet files are in `root`: every dataset
    through workspace.write_dataset, as a load does. Yields (data dir, server environment)."""
    import duckdb

    sys.path.insert(0, str(ROOT / "scripts"))
    import pg_cluster

    from shopsight import schema, teams, workspace

    with pg_cluster.Cluster() as cluster:
        env = {
            "SHOPSIGHT_BACKEND": "ducklake",
            "SHOPSIGHT_DUCKLAKE_CATALOG": f"postgres:{cluster.dsn}",
            "SHOPSIGHT_DUCKLAKE_DATA": str(root / "lakes"),
        }
        data_dir = root / "data"
        target = data_dir / teams.TEAMS_DIR / file_ws.name
        target.mkdir(parents=True)
        saved = {k: os.environ.get(k) for k in [*env, "SHOPSIGHT_DATA_DIR"]}
        os.environ.update(env, SHOPSIGHT_DATA_DIR=str(data_dir))
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            lake = workspace.Workspace(target, workspace.DUCKLAKE)
            src = duckdb.connect(str(file_ws / workspace.DB_FILE), read_only=True)
            dst = lake.connect()
            try:
                for kind in schema.KINDS:
                    table = src.execute(
                        f"select * from {workspace.quote_ident(kind)}"
                    ).to_arrow_table()
                    if table.num_rows:
                        workspace.write_dataset(
                            lake, kind, table, file=f"{kind}.csv", con=dst.cursor()
                        )
            finally:
                dst.close()
                src.close()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        shutil.copy(file_ws / teams.REGISTRY_FILE, target / teams.REGISTRY_FILE)
        print(
            f"copied into a DuckLake with a PostgreSQL catalog in "
            f"{time.perf_counter() - t0:.1f} s ({time.process_time() - c0:.1f} s CPU here)"
        )
        yield data_dir, env


def run_setup(
    setup: tuple[str, int],
    data_dir: Path,
    env: dict[str, str],
    name: str,
    args: argparse.Namespace,
    tmp: Path,
) -> bool:
    backend, replicas = setup
    ok = True
    for n in args.sessions:
        label = f"{backend}_{replicas}_{n}"
        servers = [
            Server(data_dir, tmp / f"server_{label}_{i}.log", args.set, args.app_root, env)
            for i in range(replicas)
        ]
        try:
            for server in servers:
                server.wait_ready()
            idle = sum(server.rss() for server in servers)
            cpu0 = sum(server.cpu_seconds() for server in servers)
            think = tuple(args.think)
            if args.client == "ws":
                stats = asyncio.run(
                    run_ws_level(
                        [server.port for server in servers],
                        f"ws={name}",
                        n,
                        args.seconds,
                        think,
                        args.timeout,
                        args.seed,
                    )
                )
            else:
                stats = asyncio.run(
                    run_level(
                        f"http://127.0.0.1:{servers[0].port}/?ws={name}",
                        n,
                        args.seconds,
                        think,
                        args.timeout,
                        args.seed,
                    )
                )
            cpu = sum(server.cpu_seconds() for server in servers) - cpu0
        finally:
            for server in servers:
                server.stop()
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"\n== {SETUPS[backend]}, {replicas} server process{'es' if replicas > 1 else ''}"
            + (
                f" (peak RSS each: {', '.join(f'{s.peak_rss / 2**20:,.0f}' for s in servers)} MiB)"
                if replicas > 1
                else ""
            )
        )
        ok &= report(n, args.seconds, stats, sum(s.peak_rss for s in servers), idle, cpu, load)
        for i in range(replicas):
            log = (tmp / f"server_{label}_{i}.log").read_text(errors="replace")
            if "Traceback" in log:  # the first one, its last frames
                first = log[log.index("Traceback") :]
                end = first.find("\n20", 1)  # the next log line starts with a date
                print(
                    "  the server log has a traceback:\n"
                    + first[: end if end > 0 else None][-3000:]
                )
            retried = log.count("lost a commit race")
            if retried:
                print(f"  server {i}: {retried} write(s) lost a commit race and ran again")
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--sessions", type=int, nargs="+", default=[10, 25])
    ap.add_argument(
        "--setup",
        type=parse_setup,
        nargs="+",
        default=[("file", 1)],
        metavar="BACKEND:SERVERS",
        help="file:1 (default), lake:1, lake:2 ... (lake: a DuckLake catalog in a "
        "throwaway PostgreSQL; sessions take the servers in turn)",
    )
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=[0.5, 1.5],
        help="seconds a user waits between actions (uniform)",
    )
    ap.add_argument("--timeout", type=float, default=60, help="seconds before a rerun is an error")
    ap.add_argument("--out", type=Path, default=datagen.OUT, help="directory of the workspaces")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="reruns per page in the one-session pass first (0: skip it)",
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="OPTION=VALUE",
        help="a streamlit config option for the server, e.g. runner.postScriptGC=false",
    )
    ap.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="serve app.py from this checkout (e.g. `git archive HEAD` unpacked) "
        "rather than the working tree others may be editing",
    )
    ap.add_argument(
        "--client",
        choices=["ws", "browser"],
        default="ws",
        help="ws: Streamlit's websocket protocol (no rendering); browser: chromium",
    )
    args = ap.parse_args()
    if args.client == "browser" and not Path(CHROMIUM).exists():
        raise SystemExit(f"no {CHROMIUM}: apt-get install chromium (never a downloaded browser)")
    if args.client == "browser" and any(r > 1 for _, r in args.setup):
        raise SystemExit("--client browser drives one server; use the ws client for several")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "datagen.py"),
            "--rows",
            str(args.rows),
            "--out",
            str(args.out),
        ],
        check=True,
    )
    name = datagen.workspace_name(args.rows)
    print(
        f"workspace {name}: {args.rows:,} order lines; {os.cpu_count()} cores; client "
        f"{args.client}; think {args.think[0]}-{args.think[1]} s; "
        f"{'server options ' + ' '.join(args.set) + '; ' if args.set else ''}"
        f"{f'app from {args.app_root}; ' if args.app_root != ROOT else ''}"
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    ok = True
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        tmp = Path(tmp)
        if args.rounds:
            server = Server(args.out, tmp / "server_alone.log", args.set, args.app_root)
            try:
                server.wait_ready()
                asyncio.run(service_times(server, f"ws={name}", args.rounds, args.timeout))
            finally:
                server.stop()
        lake = None
        for setup in args.setup:
            if setup[0] == "file":
                ok &= run_setup(setup, args.out, {}, name, args, tmp)
                continue
            if lake is None:
                lake = stack.enter_context(
                    lake_copy(datagen.workspace_path(args.rows, args.out), tmp / "lake")
                )
            ok &= run_setup(setup, *lake, name, args, tmp)
    print("\nall targets met" if ok else "\nsome targets missed (MISS above)")


if __name__ == "__main__":
    main()
