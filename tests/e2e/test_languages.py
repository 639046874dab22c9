"""Every page in 简体中文 and Русский in a real browser: it trains, shows no error box, and no text runs
out of its box — a button, a label, the status line, a chart's title or axis title — at 1280×720 and at
1440×900, in compare mode and in presenter mode too. Screenshots of each in artifacts/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from rnn_core.experiments import experiments

from .appdom import (
    assert_no_error_alert,
    assert_no_exception,
    button,
    expect,
    open_app,
    screenshot,
    wait_step,
)

pytestmark = pytest.mark.e2e
SIZES = {"projector": {"width": 1280, "height": 720}, "laptop": {"width": 1440, "height": 900}}
CONTINUE = {"zh": "训练", "ru": "Обучить"}        # the Train button's label in each language, once paused

# JS: elements whose text runs out of their box — HTML (scroll size beyond the client size, for elements
# that clip) and plotly's SVG texts (a title or axis title beyond its chart's width)
OVERFLOW_JS = """() => {
  const out = [];
  const clips = el => { const s = getComputedStyle(el);
    return ['hidden', 'clip', 'auto', 'scroll'].includes(s.overflowX) || s.textOverflow === 'ellipsis'; };
  for (const el of document.querySelectorAll(
      "button, label, [data-testid='stMarkdownContainer'] p, [data-testid='stCaptionContainer'], " +
      "[data-testid='stWidgetLabel'] p, [data-testid='stProgress'] p, [data-testid='stMetricLabel'] *")) {
    if (!el.offsetParent || !el.textContent.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 2 && clips(el))
      out.push(`html: ${el.textContent.trim().slice(0, 60)} (${el.scrollWidth} > ${el.clientWidth})`); }
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const box = plot.getBoundingClientRect();
    if (box.height < 10) continue;
    const area = plot.querySelector('.draglayer .nsewdrag');       // the plot area, for a y-axis title
    const inside = area && area.getBoundingClientRect();
    for (const t of plot.querySelectorAll('.g-ytitle text')) {
      const r = t.getBoundingClientRect();
      if (inside && r.height && (r.top < inside.top - 24 || r.bottom > inside.bottom + 24))
        out.push(`svg: y title ${t.textContent.slice(0, 50)} runs past the plot area`); }
    for (const t of plot.querySelectorAll('.gtitle, .g-gtitle text, .g-xtitle text, .g-ytitle text')) {
      const r = t.getBoundingClientRect();
      const outside = r.left < box.left - 2 || r.right > box.right + 2;     // cut at a side
      const where = `${Math.round(r.left - box.left)}..${Math.round(r.right - box.left)}`;
      const of = Math.round(box.width);
      if (r.width && outside) out.push(`svg: ${t.textContent.slice(0, 60)} (${where} of ${of})`);
    } }
  return out; }"""


def overflowing(page: Any) -> list[str]:
    return page.evaluate(OVERFLOW_JS)


def trained(page: Any, url: str, lang: str) -> None:
    open_app(page, url)
    button(page, "train_toggle").click()
    wait_step(page, ">", 0)
    button(page, "train_toggle").click()                     # paused: the page at rest, the table shown
    expect(button(page, "train_toggle")).to_contain_text(CONTINUE[lang])
    assert_no_exception(page)
    assert_no_error_alert(page)


# JS: every chart redrawn at its box's width (after the window was resized: liveplot.js follows it)
FITTED_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].every(p => !p._fullLayout
  || Math.abs(p._fullLayout.width - p.getBoundingClientRect().width) < 3)"""


@pytest.mark.parametrize("lang", ["zh", "ru"])
@pytest.mark.parametrize("exp", experiments(), ids=[e.url_path for e in experiments()])
def test_every_page_reads_and_fits_in_each_language(app_server: Any, new_page: Any, exp: Any,
                                                      lang: str) -> None:
    """At each size of SIZES in turn: the page trained once, then the window resized (as a person
    would drag it), and nothing runs out of its box at either size."""
    page = new_page()
    first, *others = SIZES
    page.set_viewport_size(SIZES[first])
    trained(page, f"{app_server.url}/{exp.url_path}?lang={lang}", lang)
    assert overflowing(page) == [], first
    screenshot(page, f"lang-{lang}-{exp.url_path}")
    for size in others:
        page.set_viewport_size(SIZES[size])
        page.wait_for_function(FITTED_JS)
        assert overflowing(page) == [], size


@pytest.mark.parametrize("lang", ["zh", "ru"])
@pytest.mark.parametrize("query", ["compare=cell:rnn,lstm,gru", "present=1"])
def test_compare_and_presenter_modes_fit_in_each_language(app_server: Any, new_page: Any, lang: str,
                                                         query: str) -> None:
    page = new_page()
    page.set_viewport_size(SIZES["projector"])
    trained(page, f"{app_server.url}/memory?lang={lang}&{query}", lang)
    assert overflowing(page) == []
    screenshot(page, f"lang-{lang}-memory-{query.split('=')[0]}")
