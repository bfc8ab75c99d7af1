"""Waiting on and reading a Streamlit page in a real browser."""

from __future__ import annotations

import time

from playwright.sync_api import Page

RUN_TIMEOUT_S = 90


def wait_idle(page: Page, timeout_s: float = RUN_TIMEOUT_S) -> None:
    """Until the script run has finished: the app is mounted and the running indicator gone."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
    deadline = time.monotonic() + timeout_s
    quiet_since = None
    while time.monotonic() < deadline:
        running = page.locator('[data-testid="stStatusWidget"]').count() > 0 or (
            page.locator('[data-testid="stApp"][data-test-script-state="running"]').count() > 0
        )
        if running:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > 0.8:
            return
        time.sleep(0.1)
    raise TimeoutError("the Streamlit script did not finish")


def no_exception(page: Page) -> None:
    boxes = page.locator('[data-testid="stException"]')
    assert boxes.count() == 0, boxes.first.inner_text()[:2000]


def metric_values(page: Page) -> dict[str, str]:
    """KPI cards by label: {'访客数': '2.4万', …}."""
    out = {}
    for card in page.locator('[data-testid="stMetric"]').all():
        label = card.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = card.locator('[data-testid="stMetricValue"]').inner_text().strip()
        out[label] = value
    return out


def wait_for_change(read, before, timeout_s: float = 30):
    """Read until the value differs from `before` (a rerun on a busy machine can lag)."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while value == before and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


def wait_for_value(read, want, timeout_s: float = 30):
    """Read until the value equals `want` (a page draws its cards one by one) or time runs out;
    returns the last value read."""
    deadline = time.monotonic() + timeout_s
    value = read()
    while value != want and time.monotonic() < deadline:
        time.sleep(0.2)
        value = read()
    return value


# What a reader sees on the page, read in one pass: the visible text (icon ligatures such as
# "upload_file" and text moved off screen left out), each table's box, and for each chart the
# axis labels Vega hid as overlapping, the legend's box and its labels and swatches.
_READ_PAGE = """() => {
  const vw = window.innerWidth;
  const isIcon = el => {
    for (let e = el, i = 0; e && i < 4; e = e.parentElement, i++) {
      const id = e.getAttribute && e.getAttribute('data-testid');
      if (id && id.includes('Icon')) return true;
    }
    return false;
  };
  const shown = el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) return false;
    if (r.right <= 0 || r.left >= vw) return false;  // moved off screen (a skip link)
    return el.checkVisibility({visibilityProperty: true}) && el.getAttribute('opacity') !== '0';
  };
  const text = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n; (n = walker.nextNode());) {
    const s = n.textContent.trim();
    const el = n.parentElement;
    if (!s || !el || el.closest('script, style, noscript, title') || isIcon(el)) continue;
    if (shown(el)) text.push(s);
  }
  const box = el => { const r = el.getBoundingClientRect();
                      return {left: r.left, right: r.right, width: r.width}; };
  const onView = s => Array.from(document.querySelectorAll(s)).filter(e => e.checkVisibility());
  const tables = onView('[data-testid="stDataFrame"]').map(el => {
    const sc = el.querySelector('.dvn-scroller');
    return {...box(el), scroll_width: sc ? sc.scrollWidth : 0,
            client_width: sc ? sc.clientWidth : 0};
  });
  const charts = onView('[data-testid="stVegaLiteChart"]').map(el => {
    const texts = sel => Array.from(el.querySelectorAll(sel));
    return {
      ...box(el),
      hidden_labels: texts('g.role-axis-label text').filter(t => t.getAttribute('opacity') === '0')
        .map(t => t.textContent),
      legends: texts('g.role-legend').map(box),
      legend_labels: texts('g.role-legend-label text').map(t => t.textContent),
      swatch_opacity: texts('g.role-legend-symbol path').map(
        p => parseFloat(p.getAttribute('opacity') ?? '1')),
    };
  });
  return {text, tables, charts, width: vw};
}"""


def read_page(page: Page) -> dict:
    return page.evaluate(_READ_PAGE)


def wait_drawn(page: Page, timeout_s: float = RUN_TIMEOUT_S) -> None:
    """Until the run has finished and every chart, map and table has drawn (Vega and the data
    grid draw after the run, a map after its tiles of geometry are parsed)."""
    wait_idle(page, timeout_s)
    deadline = time.monotonic() + timeout_s
    # only what is on view: a collapsed expander's chart or table draws when it is opened
    pending = """() => {
      const q = s => Array.from(document.querySelectorAll(s)).filter(e => e.checkVisibility());
      return q('[data-testid="stVegaLiteChart"]').filter(e => !e.querySelector('svg g')).length
           + q('[data-testid="stDeckGlJsonChart"]').filter(e => !e.querySelector('canvas')).length
           + q('[data-testid="stDataFrame"]').filter(e => !e.querySelector('canvas')).length
           + q('[data-testid="stSkeleton"]').length;
    }"""
    while page.evaluate(pending) and time.monotonic() < deadline:
        time.sleep(0.2)
    wait_idle(page, max(5.0, deadline - time.monotonic()))


def open_expanders(page: Page) -> int:
    """Open every collapsed expander (no rerun: Streamlit opens them in the browser), so what
    they hold is read and photographed too; returns how many were opened."""
    closed = page.locator('[data-testid="stExpander"] details:not([open]) > summary')
    count = closed.count()
    for _ in range(count):
        closed.first.click()
    return count


def whole_page_shot(page: Page, path) -> None:
    """A screenshot of the whole page.  Streamlit scrolls its main block, not the document, so
    a full-page screenshot would stop at the window: the window is made as tall as the page
    for the shot (no rerun; charts with a stretch width keep theirs)."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent'].map(id => "
        '(document.querySelector(`[data-testid="${id}"]`) || {scrollHeight: 0}).scrollHeight))'
    )
    tall = max(size["height"], min(height, 20_000))
    page.set_viewport_size({"width": size["width"], "height": tall})
    try:
        time.sleep(0.5)  # let the charts settle in the new window
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
