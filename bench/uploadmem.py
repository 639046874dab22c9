"""Does a server give back the memory of sessions that uploaded a large text?  ``python bench/uploadmem.py``

One ``streamlit run app.py`` on a loopback port per mode ("upload", then "none"). In each, ``--sessions``
(10) emulated tabs (bench/stclient.py) come one after another: open /dinosaur_names, upload a 4.9 MB
names file (mode "upload": random lower-case names, one per line, generated here), press Train, keep
the live view ticking for ``--train`` (6) seconds, close. The table gives the server's RSS in MB before
the first tab, after each tab closed, ``--ttl`` seconds after the last one closed (Streamlit keeps a
closed session that long for a reconnect: server.disconnectedSessionTTL, 120 s by default, set to
``--ttl`` here so that the run is short), and after clean-up: Streamlit removes expired sessions only
when it stores another one, so one more tab opens and closes the home page, as happens all day in a
classroom, and the table reads the RSS one janitor period later (rnn_core/memory.py collects the
garbage of gone sessions and trims the heap every JANITOR_SECONDS). Target: "upload" after clean-up
within 20 MB of "none" after clean-up.

Bounded: every wait has a timeout, each mode stops after half of ``--deadline`` (900) seconds, and its
server is stopped (its process group) whatever happens. Loopback only. MB are 10^6 bytes.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.Element_pb2 import Element  # noqa: E402

from bench.stclient import NO_PROXY, XSRF_COOKIE, Tab  # noqa: E402
from rnn_core.memory import JANITOR_SECONDS  # noqa: E402
from tests.e2e import server  # noqa: E402

PAGE = "dinosaur_names"
UPLOAD_KEY = "upload"             # the data uploader's widget key (ui/uploads.py; the weights have another)
FILE_BYTES = 4_900_000            # the size of the independent test's names file
OPEN_TIMEOUT = 120.0              # s for a page's first run (and for the run that reads the upload)
START_TIMEOUT = 120.0
SETTLE = 2.0                      # s after a tab closed before its RSS is read
MB = 1e6


class UploadTab(Tab):
    """A tab that also knows its file uploader and sends the uploaded file's state with every rerun,
    as the browser does (without it the widget reads as emptied and the app drops the data)."""

    def __init__(self, base: str, page: str) -> None:
        super().__init__(base, page)
        self.uploader_id = ""
        self.captions: list[str] = []                             # what the page said, e.g. "Training on …"
        self._upload: tuple[str, str, int] | None = None          # file id, name, size

    def _on_element(self, el: Element) -> None:
        if el.WhichOneof("type") == "file_uploader" and el.file_uploader.id.endswith(f"-{UPLOAD_KEY}"):
            self.uploader_id = el.file_uploader.id
        elif el.WhichOneof("type") == "markdown":
            self.captions.append(el.markdown.body[:200])
        super()._on_element(el)

    def _rerun_msg(self, fragment_id: str = "", triggers: tuple[str, ...] = (),
                   values: dict[str, float] | None = None) -> bytes:
        data = super()._rerun_msg(fragment_id, triggers, values)
        if self._upload is None:
            return data
        back = BackMsg()
        back.ParseFromString(data)
        w = back.rerun_script.widget_states.widgets.add()
        w.id = self.uploader_id
        info = w.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = self._upload
        return back.SerializeToString()

    async def upload(self, name: str, raw: bytes, timeout: float) -> None:
        """PUT the file as the uploader does, then the rerun that hands it to the app."""
        if not self.uploader_id:
            raise RuntimeError(f"no file uploader on /{self.page}")
        file_id = str(uuid.uuid4())
        status = await asyncio.to_thread(self._put, file_id, name, raw)
        if status != 204:
            raise RuntimeError(f"upload answered HTTP {status}")
        self._upload = (file_id, name, len(raw))
        await self._full_run(self._rerun_msg(), timeout)
        said = f"Training on **{name}**"                   # the sidebar's caption (after the status line)
        deadline = time.monotonic() + timeout
        while not any(said in c for c in self.captions) and time.monotonic() < deadline and self.alive:
            await asyncio.sleep(0.1)
        if not any(said in c for c in self.captions):
            self.stats.errors.append(f"the page never said it trains on {name}")

    def _put(self, file_id: str, name: str, raw: bytes) -> int:
        boundary = uuid.uuid4().hex
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                "Content-Type: text/plain\r\n\r\n").encode()
        req = urllib.request.Request(
            f"{self.base}/_stcore/upload_file/{self.session_id}/{file_id}", method="PUT",
            data=head + raw + f"\r\n--{boundary}--\r\n".encode(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}",
                     "Cookie": self.cookie_header(), "X-Xsrftoken": self.cookie(XSRF_COOKIE) or "",
                     "Origin": self.base})
        with urllib.request.build_opener(NO_PROXY).open(req, timeout=OPEN_TIMEOUT) as r:
            return r.status


def names_file(size: int, seed: int = 0) -> bytes:
    """Random lower-case names of 3 to 12 letters, one per line, ``size`` bytes in all."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    lines, total = [], 0
    while total < size:
        name = "".join(rng.choices(letters, k=rng.randint(3, 12)))
        lines.append(name)
        total += len(name) + 1
    return ("\n".join(lines) + "\n").encode()[:size - 1] + b"\n"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / MB
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def session(url: str, raw: bytes | None, train: float) -> list[str]:
    """One tab: open the page, upload (if ``raw``), train for ``train`` seconds, close; its errors."""
    tab = UploadTab(url, PAGE)
    try:
        await tab.open(OPEN_TIMEOUT)
        if raw is not None:
            await tab.upload("names.txt", raw, OPEN_TIMEOUT)
        await tab.press("train_toggle", OPEN_TIMEOUT)
        await asyncio.sleep(train)
    finally:
        await tab.close()
    return tab.stats.errors


async def measure(url: str, pid: int, raw: bytes | None, args: argparse.Namespace) -> list[float]:
    """RSS before, after each session, ``ttl`` after the last, after clean-up (a tab on the home page)."""
    warm = UploadTab(url, PAGE)                   # imports and the built-in data, before the baseline
    await warm.open(OPEN_TIMEOUT)
    await warm.close()
    await asyncio.sleep(SETTLE)
    row = [rss_mb(pid)]
    for _ in range(args.sessions):
        errors = await session(url, raw, args.train)
        if errors:
            print(f"    tab errors: {errors[:3]}", flush=True)
        await asyncio.sleep(SETTLE)
        row.append(rss_mb(pid))
    await asyncio.sleep(args.ttl + 1)
    row.append(rss_mb(pid))
    probe = Tab(url, "")                          # storing this closed session reaps the expired ones
    await probe.open(OPEN_TIMEOUT)
    await probe.close()
    await asyncio.sleep(JANITOR_SECONDS + SETTLE)  # the app's janitor collects and trims at this pace
    row.append(rss_mb(pid))
    return row


def run_mode(raw: bytes | None, args: argparse.Namespace) -> list[float]:
    """A fresh server for one mode; stopped whatever happens."""
    with tempfile.TemporaryDirectory(prefix="rnnx-uploadmem-") as tmp:
        if args.logs:
            tmp = str(Path(args.logs).resolve())
            Path(tmp).mkdir(parents=True, exist_ok=True)
        port = server.free_port()
        url = f"http://127.0.0.1:{port}"
        proc = server.start(port, Path(tmp), extra=(
            "--server.fileWatcherType", "none", "--server.disconnectedSessionTTL", str(args.ttl)))
        try:
            why = server.wait_healthy(proc, url, START_TIMEOUT)
            if why:
                raise RuntimeError(f"streamlit {why}: {(Path(tmp) / 'stderr.log').read_text()[-2000:]}")
            return asyncio.run(asyncio.wait_for(measure(url, proc.pid, raw, args), args.deadline / 2))
        finally:
            server.stop(proc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=10, choices=range(1, 31), metavar="1..30")
    ap.add_argument("--train", type=float, default=6.0, help="seconds of training per session")
    ap.add_argument("--ttl", type=int, default=30, help="server.disconnectedSessionTTL, seconds")
    ap.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole run")
    ap.add_argument("--logs", default="", help="keep the server's logs in this directory")
    ap.add_argument("--modes", default="upload,none", help="upload, none, or both (comma-separated)")
    args = ap.parse_args()
    raw = names_file(FILE_BYTES)
    head = ["before", *(f"s{i + 1}" for i in range(args.sessions)), f"+{args.ttl}s", "cleaned"]
    print(f"RSS of the server, MB; {args.sessions} sessions on /{PAGE}, {args.train:g} s of training each, "
          f"file {len(raw):,} bytes\n{'mode':8s}" + "".join(f"{h:>8s}" for h in head), flush=True)
    t0 = time.monotonic()
    rows = {}
    for mode in args.modes.split(","):
        rows[mode] = run_mode(raw if mode == "upload" else None, args)
        print(f"{mode:8s}" + "".join(f"{v:8.0f}" for v in rows[mode]), flush=True)
    if {"upload", "none"} <= rows.keys():
        gap = rows["upload"][-1] - rows["none"][-1]
        print(f"after clean-up, upload − none: {gap:+.0f} MB (target ≤ 20); {time.monotonic() - t0:.0f} s")


if __name__ == "__main__":
    main()
