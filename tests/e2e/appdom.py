"""Where things are in the app's DOM and how to wait for them (Streamlit 1.67, plotly.js).

Every wait is a condition with a timeout. Hooks used: widget and chart containers carry the class
``st-key-<key>`` (knobs keyed by config name, buttons ``train_toggle`` / ``step`` / ``reset``, charts
``<exp_id>-loss`` …); the status line is the progress bar's text ("step 12 / 400 · epoch …"), or an
element keyed ``status`` if the app provides one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1400, "height": 1000}
WIDE_MIN_PX = 900                # main column at 1400 px: ~1100 wide, ≤ 736 centered
LOAD_TIMEOUT_MS = 60_000         # a page run (the first imports torch, builds a task); slack for busy CI
TRAIN_TIMEOUT_MS = 30_000        # for training to move the counter / the charts
APP_CONNECTED = "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
APP_IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
EXCEPTION = "[data-testid='stException']"
NO_SKELETON = "() => !document.querySelector(\"[data-testid='stSkeleton']\")"
# every chart drawn: the charts load plotly.js once, then draw (ui/liveplot.js)
CHARTS_DRAWN = """() => document.querySelectorAll("[data-testid='stBidiComponentRegular']").length
  <= [...document.querySelectorAll('.rnnx-plot')].filter(p => p._fullLayout).length"""

# JS: the first element matching a selector that is not a stale leftover of the previous run
_FRESH = """(sel) => { const all = [...document.querySelectorAll(sel)];
  return all.find(e => !e.closest("[data-stale='true']")) || all[0] || null; }"""
# JS: [step, total] from the status line, null before it is drawn
STEP_JS = f"""() => {{ const el = ({_FRESH})(".st-key-status, [data-testid='stProgress']");
  const m = el && /(\\d[\\d,\\u00a0 ]*)\\s*\\/\\s*(\\d[\\d,\\u00a0 ]*)/.exec(el.innerText);   // any language
  const n = t => parseInt(t.replace(/[^\\d]/g, ''), 10);
  return m ? [n(m[1]), n(m[2])] : null; }}"""
# JS: the status line's text, null before it is drawn
STATUS_JS = f"""() => {{ const el = ({_FRESH})(".st-key-status, [data-testid='stProgress']");
  return el ? el.innerText : null; }}"""
# JS: the traces of the chart keyed `key`: name, number of points (x, or rows of z), rows of z, hover texts
CHART_JS = f"""(key) => {{ const el = ({_FRESH})(`.st-key-${{key}} .js-plotly-plot`);
  if (!el || !el.data) return null;
  const full = el._fullData || el.data;
  return el.data.map((t, i) => {{ const f = full[i] || t; const x = f.x || f.z || [];
    return {{name: t.name ?? null, n: x.length ?? 0, rows: f.z ? f.z.length : null,
            hover: t.hovertext ?? null}}; }}); }}"""


# ----------------------------------------------------------------------------- loading and errors

def expect(target: Any) -> Any:
    """Playwright's `expect`, imported when used: without playwright the browser fixture has already
    skipped the test (or failed it under CI), so collection itself never needs it."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def wait_for_app(page: Any, timeout_ms: int = LOAD_TIMEOUT_MS) -> None:
    """Connected, script run finished, every lazily loaded widget and every chart drawn."""
    page.wait_for_selector(APP_CONNECTED, timeout=timeout_ms)
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)
    page.wait_for_function(NO_SKELETON, timeout=timeout_ms)
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout_ms)


def open_app(page: Any, url: str, timeout_ms: int = LOAD_TIMEOUT_MS) -> None:
    """Open a URL of the app and wait for its first run to finish."""
    page.goto(url, wait_until="domcontentloaded")
    wait_for_app(page, timeout_ms)


def assert_no_exception(page: Any) -> None:
    """No uncaught-error box anywhere on the page (its text in the failure message)."""
    boxes = page.locator(EXCEPTION)
    if boxes.count():
        pytest.fail("exception box on the page:\n" + "\n---\n".join(boxes.all_inner_texts()), pytrace=False)


def assert_no_error_alert(page: Any) -> None:
    """No st.error box (e.g. "Training stopped: …") in the main area."""
    alerts = page.get_by_test_id("stMain").get_by_test_id("stAlertContentError")
    if alerts.count():
        pytest.fail("error message on the page:\n" + "\n---\n".join(alerts.all_inner_texts()), pytrace=False)


def assert_app_layout(page: Any, title: str) -> None:
    """The page is served through app.py: the navigation shows the catalog titles (not raw file
    names such as "app"), the current page is `title`, and the layout is wide."""
    nav = page.get_by_test_id("stSidebarNav")
    try:   # a first visit right after the server starts is rerun through app.py (ui/mpa.py): wait for it
        page.wait_for_function("""() => {
            const t = [...document.querySelectorAll("[data-testid='stSidebarNavLink']")]
                .map(e => e.innerText.trim().split("\\n").pop());
            return t.includes("Home") && !t.includes("app"); }""", timeout=15_000)
    except Exception:  # noqa: BLE001 -- report what is shown instead
        pass
    links = [t.strip().split("\n")[-1] for t in nav.get_by_test_id("stSidebarNavLink").all_inner_texts()]
    assert "Home" in links and "app" not in links, f"navigation of raw page files: {links}"
    current = nav.locator("[data-testid='stSidebarNavLink'][aria-current='page']")
    assert title in current.inner_text(), f"the navigation does not mark {title!r} as the current page"
    width = page.get_by_test_id("stMainBlockContainer").bounding_box()["width"]
    assert width > WIDE_MIN_PX, f"centered (narrow) layout: the main column is {width:.0f} px wide"


def shot_name(node_name: str) -> str:
    """test_x[sine_wave] → test_x-sine_wave (a file name)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", node_name).strip("-")


def screenshot(page: Any, name: str) -> Path:
    """A full-page PNG in artifacts/screenshots/<name>.png.

    Streamlit scrolls inside its own container, so `full_page` alone captures one viewport: the viewport
    is stretched to the content height for the shot, then restored.
    """
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{shot_name(name)}.png"
    size = page.viewport_size or VIEWPORT
    height = page.evaluate(
        """() => Math.max(...['stMain', 'stSidebarContent', 'stAppViewContainer'].map(
            id => document.querySelector(`[data-testid='${id}']`)?.scrollHeight || 0))""")
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 12000))})
    page.mouse.move(0, 0)                                     # no hover / focus tooltip in the picture
    page.evaluate("() => document.activeElement?.blur()")
    try:
        page.wait_for_function(NO_SKELETON)
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


# ----------------------------------------------------------------------------- status and charts

def step(page: Any) -> int:
    """The step counter of the status line."""
    got = page.evaluate(STEP_JS)
    assert got is not None, "no status line with 'step N / M' on the page"
    return int(got[0])


def total_steps(page: Any) -> int:
    got = page.evaluate(STEP_JS)
    assert got is not None, "no status line with 'step N / M' on the page"
    return int(got[1])


def wait_step(page: Any, op: str, value: int, timeout_ms: int = TRAIN_TIMEOUT_MS, *,
              of_total: bool = False) -> int:
    """Wait until `step <op> value` (op: '>', '==', '<'; the total steps with `of_total`), return it then."""
    cmp, i = ("===" if op == "==" else op), int(of_total)
    js = f"""(v) => {{ const s = ({STEP_JS})(); return s !== null && s[{i}] {cmp} v; }}"""
    try:
        page.wait_for_function(js, arg=value, timeout=timeout_ms)
    except Exception as e:
        assert_no_exception(page)                     # an error box explains the timeout better
        assert_no_error_alert(page)
        what, now = ("total steps" if of_total else "step counter"), page.evaluate(STEP_JS)
        raise AssertionError(f"{what} [step, total] = {now}; waited {timeout_ms} ms for {op} {value}") from e
    return total_steps(page) if of_total else step(page)


def step_stays(page: Any, seconds: float) -> tuple[int, int]:
    """Watch the counter for a while (a steady-state check needs an observation window);
    returns (first, last seen), stopping early at the first change."""
    return tuple(page.evaluate(
        f"""async (ms) => {{ const read = () => ({STEP_JS})()?.[0] ?? null; const s0 = read();
          const t0 = performance.now();
          while (performance.now() - t0 < ms) {{
            await new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)));
            const s = read(); if (s !== s0) return [s0, s]; }}
          return [s0, s0]; }}""", int(seconds * 1000)))


def chart(page: Any, key: str) -> list[dict[str, Any]] | None:
    """The traces of the plotly chart keyed `key` (None before it is drawn)."""
    return page.evaluate(CHART_JS, key)


def trace_points(page: Any, key: str, name: str) -> int:
    """Number of points of the named trace (0 if absent)."""
    return next((t["n"] for t in chart(page, key) or [] if t["name"] == name), 0)


def wait_trace_points(page: Any, key: str, name: str, more_than: int,
                      timeout_ms: int = TRAIN_TIMEOUT_MS) -> int:
    """Wait until the named trace has more than `more_than` points; returns how many it has then."""
    js = f"""([key, name, n]) => (({CHART_JS})(key) || []).some(t => t.name === name && t.n > n)"""
    page.wait_for_function(js, arg=[key, name, more_than], timeout=timeout_ms)
    return trace_points(page, key, name)


# JS: keys of the chart containers on the page now (class st-key-<key> around a plotly element)
CHART_KEYS_JS = """() => [...new Set([...document.querySelectorAll('.js-plotly-plot')].map(p => {
    const box = p.closest("[class*='st-key-']");
    return box ? [...box.classList].find(c => c.startsWith('st-key-')).slice(7) : null; })
  .filter(Boolean))]"""

# JS: sample every `every` ms for `ms` ms; per sample the state of each chart key; long tasks; WebGL
SAMPLE_JS = """async ([keys, ms, every]) => {
  const opacity = el => { let o = 1; for (let e = el; e && e.nodeType === 1; e = e.parentElement)
      o *= parseFloat(getComputedStyle(e).opacity); return o; };
  const state = key => {
    const plots = [...document.querySelectorAll(`.st-key-${key} .js-plotly-plot`)]
      .filter(p => p.getBoundingClientRect().height > 10);
    if (!plots.length) return 'missing';
    const drawn = plots.filter(p => p._fullLayout && p.querySelector('.main-svg'));
    if (!drawn.length) return 'blank';
    return drawn.some(p => opacity(p) > 0.9) ? 'ok' : 'faded';
  };
  let busy = 0;
  const obs = new PerformanceObserver(list => { for (const e of list.getEntries()) busy += e.duration; });
  obs.observe({type: 'longtask'});
  const proto = HTMLCanvasElement.prototype, orig = proto.getContext;
  let gl = 0;
  proto.getContext = function(kind, ...rest) {
    if (/webgl/.test(kind) && !this.__counted) { this.__counted = true; gl += 1; }
    return orig.call(this, kind, ...rest); };
  const samples = [], t0 = performance.now();
  let plotsMax = 0;
  while (performance.now() - t0 < ms) {
    samples.push(keys.map(state));
    plotsMax = Math.max(plotsMax, document.querySelectorAll('.js-plotly-plot').length);
    await new Promise(r => setTimeout(r, every));
  }
  obs.disconnect();
  proto.getContext = orig;
  return {samples, busy: busy / (performance.now() - t0), plotsMax, gl};
}"""



def sample_charts(page: Any, keys: list[str], seconds: float) -> dict[str, Any]:
    """Sample the charts keyed ``keys`` every 100 ms for ``seconds``: the share of samples in which some
    chart is missing / blank / faded ("bad": any of them), the main thread's busy share, the most plot
    elements seen and the WebGL contexts created meanwhile."""
    got = page.evaluate(SAMPLE_JS, [keys, int(seconds * 1000), 100])
    n = len(got["samples"])
    share = {k: sum(k in s for s in got["samples"]) / n for k in ("missing", "blank", "faded")}
    bad = sum(any(v != "ok" for v in s) for s in got["samples"]) / n
    return {"n": n, "bad": bad, **share, "busy": got["busy"], "plots": got["plotsMax"], "gl": got["gl"]}


# ----------------------------------------------------------------------------- controls and knobs

def button(page: Any, key: str) -> Any:
    """The visible button of the keyed button widget (Streamlit also renders a hidden twin)."""
    return page.locator(f".st-key-{key}").get_by_role("button").filter(visible=True).first


def slider(page: Any, key: str) -> Any:
    """The thumb (an <input type=range>, role slider) of the keyed slider."""
    return page.locator(f".st-key-{key}").get_by_role("slider")


def slider_value(page: Any, key: str) -> str:
    """The slider's value as shown (aria-valuetext, e.g. '0.003' or '37')."""
    return slider(page, key).get_attribute("aria-valuetext") or ""


def press_slider(page: Any, key: str, keys: str) -> str:
    """Focus a slider thumb, press a key (ArrowRight, End, …), wait for the new value to be shown and
    the rerun it starts to finish; returns the new value."""
    before = slider_value(page, key)
    thumb = slider(page, key)
    thumb.focus()
    thumb.press(keys)
    page.wait_for_function(
        """([key, v]) => { const s = document.querySelector(`.st-key-${key} input[type=range]`);
           return s && s.getAttribute('aria-valuetext') !== v; }""", arg=[key, before])
    wait_for_app(page)
    return slider_value(page, key)


def download_text(page: Any, key: str) -> str:
    """Press the keyed download button and return the file's text."""
    with page.expect_download() as dl:
        button(page, key).click()
    return Path(dl.value.path()).read_text(encoding="utf-8")
