"""How much of each page a Chinese or Russian reader reads in their script.  ``python bench/scriptshare.py``

Every page (Home and the experiments) is opened in Debian's chromium with ``?lang=zh`` and ``?lang=ru``,
trained for a few seconds, and the visible text of the page (main area and sidebar, the chart texts
included, the icons' ligature names not; the lesson folded, as a page opens) is counted by letters:
Han characters for zh, Cyrillic letters for ru, against Latin letters. Symbols and names (RNN, LSTM,
BPTT, numpy, W_hh, h_t …) and data (the dinosaur names sampled, the letters a–z) are Latin and stay so,
which is why no page reaches 100 %. Also the number of entries of each catalog. A table, not a test.
Loopback only; the server stops by itself.
"""

from __future__ import annotations

import sys
import tempfile
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from babel.messages.pofile import read_po  # noqa: E402

from rnn_core.experiments import experiments  # noqa: E402
from tests.e2e import server  # noqa: E402

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
TRAIN_MS = 4000
TEXT_JS = """() => {   // visible text nodes of the main area and the sidebar, icons' ligature names left out
  const out = [];
  for (const root of document.querySelectorAll("[data-testid='stMain'], [data-testid='stSidebar']")) {
    const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest("[data-testid='stIconMaterial']") || !el.checkVisibility()) continue;
      out.push(n.textContent);
    }
  }
  return out.join(" "); }"""


def own_script(ch: str, lang: str) -> bool:
    name = unicodedata.name(ch, "")
    return ("CJK UNIFIED" in name) if lang == "zh" else name.startswith("CYRILLIC")


def share(text: str, lang: str) -> tuple[float, int]:
    """(share of letters in the language's script, letters counted)."""
    letters = [c for c in text if c.isalpha()]
    own = sum(own_script(c, lang) for c in letters)
    return (own / len(letters) if letters else float("nan")), len(letters)


def catalog_counts() -> dict[str, tuple[int, int]]:
    out = {}
    for lang in ("zh", "ru"):
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            cat = read_po(f, locale=lang)
        entries = [m for m in cat if m.id]
        done = [m for m in entries if m.string and not m.fuzzy and
                (all(m.string) if isinstance(m.string, tuple) else True)]
        out[lang] = (len(entries), len(done))
    return out


def main() -> None:
    from playwright.sync_api import sync_playwright

    port = server.free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        proc = server.start(port, Path(tmp))
        try:
            why = server.wait_healthy(proc, url)
            if why:
                raise SystemExit(f"streamlit {why}")
            pages = [("home", "")] + [(e.url_path, e.url_path) for e in experiments()]
            print(f"{'page':<18} {'zh: Han share':>14} {'letters':>8} {'ru: Cyrillic share':>19} "
                  f"{'letters':>8}")
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                for name, path in pages:
                    row = [f"{name:<18}"]
                    for lang in ("zh", "ru"):
                        page = browser.new_page(viewport={"width": 1280, "height": 720})
                        page.goto(f"{url}/{path}?lang={lang}")
                        page.wait_for_selector(IDLE, timeout=120_000)
                        if path:
                            page.locator(".st-key-train_toggle").get_by_role("button").first.click()
                            page.wait_for_timeout(TRAIN_MS)
                        s, n = share(page.evaluate(TEXT_JS), lang)
                        row.append(f"{100 * s:13.1f}% {n:8d}" if lang == "zh" else f"{100 * s:18.1f}% {n:8d}")
                        page.close()
                    print(" ".join(row), flush=True)
                browser.close()
        finally:
            server.stop(proc)
    for lang, (n, done) in catalog_counts().items():
        print(f"catalog {lang}: {n} entries, {done} translated")


if __name__ == "__main__":
    main()
