"""An emulated browser tab for load tests: it speaks Streamlit's websocket protocol (the ``BackMsg`` /
``ForwardMsg`` protobufs of ``streamlit.proto``) the way the 1.67 frontend does, without a browser.

What the frontend does and this copies:

* it loads the page over HTTP first (cookies: nginx's sticky route, Streamlit's XSRF token), then opens
  ``/_stcore/stream`` with the subprotocols ``streamlit, <xsrf token>``;
* its first ``rerun_script`` names the page by URL path (``page_name``) with the URL's query string;
  later ones carry the page's ``page_script_hash`` (``navigation.page_script_hash``: with
  ``st.navigation`` the ``new_session`` hash is app.py's) and the query as the server last set it;
* a button press is a rerun whose ``widget_states`` hold ``trigger_value = true`` for the button's
  element id (``$$ID-<hash>-<key>``, read from the deltas);
* ``auto_rerun {fragment_id, interval}`` starts a ``setInterval`` that sends a fragment rerun
  (``fragment_id``, ``is_auto_rerun``) every ``interval`` seconds, finished or not; a full run's
  ``new_session`` and ``stop_auto_rerun`` clear those timers.

An *update* is a redraw that reached the tab: the status line (the progress element every tick draws)
of a fragment run. Not the run's finish message: under load the next timer rerun is already pending
when a run ends, and the server starts it without a ``FINISHED_FRAGMENT_RUN_SUCCESSFULLY`` in between
(measured: 30 tabs on one process received 1.4 status lines a second each and 0.1 finish messages).
The server folds a timer rerun that arrives during a run into one pending rerun, so a request is
answered by the first fragment run that *starts* after it was sent; its latency is send → that run's
status line.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

XSRF_COOKIE = "_streamlit_xsrf"
ROUTE_COOKIE = "rnnx_route"                        # nginx's sticky route (deploy/nginx.conf.template)
STEP_RE = re.compile(r"step \*\*([\d,]+)\*\* / ([\d,]+)")     # the status line (ui/live.py status_line)
HTTP_TIMEOUT = 30.0
MAX_FRAME = 64 * 1024 * 1024                                 # a full page run is one frame per delta
FINISHED = ForwardMsg.ScriptFinishedStatus
NO_PROXY = urllib.request.ProxyHandler({})                   # loopback only, whatever the environment


@dataclass
class Request:
    """One rerun the tab sent for a fragment timer."""

    sent: float
    answered: float | None = None


@dataclass
class TabStats:
    """What one tab saw (times are ``time.monotonic()``)."""

    updates: list[float] = field(default_factory=list)           # finish times of fragment runs
    requests: list[Request] = field(default_factory=list)
    steps: list[tuple[float, int, int]] = field(default_factory=list)   # (time, step, total)
    errors: list[str] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)             # websocket bytes of each fragment run
    wire: list[int] = field(default_factory=list)              # … as they crossed the network (compressed)
    replica: str = "-"                                          # X-RNNX-Replica of the page load
    metrics: list[tuple[float, float, str, str]] = field(default_factory=list)  # (monotonic, epoch
                                                                # time, label, value) of each st.metric drawn
    opened: float | None = None                                 # seconds to the first full run's end


class Tab:
    """One browser tab on one page of the app (``page``: URL path; ``query``: the URL's query string)."""

    def __init__(self, base: str, page: str, query: str = "", route: str | None = None) -> None:
        self.base, self.page, self.query = base.rstrip("/"), page, query
        self.stats = TabStats()
        self._jar = http.cookiejar.CookieJar()
        self._route = route
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._timers: dict[str, tuple[float, asyncio.Task[None]]] = {}
        self._page_hash = ""
        self.session_id = ""                                      # the server's id of this session
        self._widgets: dict[str, str] = {}                       # user key → element id
        self.sliders: dict[str, Slider] = {}                      # user key → the slider as last drawn
        self.nav_pages: list[str] = []                            # URL paths of the app's pages
        self._full_done = asyncio.Event()
        self._idle = asyncio.Event()                             # a full run ended with no timer running
        self._pending: list[Request] = []                        # sent, not yet taken by a run
        self._claimed: list[Request] = []                        # taken by the fragment run in progress
        self._drawn = True                                       # this fragment run's status line arrived
        self._full_started = False                               # a full run began, its page not yet drawn
        self._closing = False
        self._run_bytes = 0                                      # bytes since the last run started
        self._wire = self._wire_mark = 0                         # bytes off the socket: in all, at that start
        self._in_fragment = False                                # that run was a fragment run (a tick)

    # ------------------------------------------------------------------------- public

    async def open(self, timeout: float) -> None:
        """Load the page over HTTP, open the websocket, and wait for the page's first run to finish."""
        t0 = time.monotonic()
        self.stats.replica = await asyncio.to_thread(self._http_load)
        host = urlsplit(self.base).netloc
        xsrf = self.cookie(XSRF_COOKIE)
        self._ws = await connect(
            f"ws://{host}/_stcore/stream", origin=Origin(self.base), proxy=None, max_size=MAX_FRAME,
            subprotocols=[Subprotocol("streamlit"), *([Subprotocol(xsrf)] if xsrf else [])],
            additional_headers={"Cookie": self.cookie_header()}, open_timeout=timeout)
        received = self._ws.data_received                          # count the bytes as the socket gives them

        def counted(data: bytes) -> None:
            self._wire += len(data)
            received(data)
        self._ws.data_received = counted  # type: ignore[method-assign]
        self._reader = asyncio.create_task(self._read())
        await self._full_run(self._rerun_msg(), timeout)
        self.stats.opened = time.monotonic() - t0

    async def press(self, key: str, timeout: float) -> None:
        """Click the button with this widget key and wait for the run it starts to finish."""
        wid = self._widgets.get(key)
        if wid is None:
            raise RuntimeError(f"no button with key {key!r} on /{self.page}")
        await self._full_run(self._rerun_msg(triggers=(wid,)), timeout)

    async def press_with_text(self, key: str, texts: dict[str, str], timeout: float) -> None:
        """Type into the text inputs with these widget keys, then click the button with ``key`` (one rerun,
        as when the click takes the focus off the input), and wait for the run it starts to finish."""
        ids = {self._widgets.get(k): v for k, v in texts.items()}
        wid = self._widgets.get(key)
        if wid is None or None in ids:
            raise RuntimeError(f"no button {key!r} or text input among {list(texts)} on /{self.page}")
        await self._full_run(self._rerun_msg(triggers=(wid,), strings=ids), timeout)

    async def set_slider(self, key: str, value: float, timeout: float) -> None:
        """Drag the slider with this widget key to ``value`` and wait for the run it starts."""
        wid = self._widgets.get(key)
        if wid is None:
            raise RuntimeError(f"no slider with key {key!r} on /{self.page}")
        await self._full_run(self._rerun_msg(values={wid: value}), timeout)

    @property
    def alive(self) -> bool:
        """The websocket is open and being read."""
        return self._reader is not None and not self._reader.done()

    async def wait_idle(self) -> None:
        """Until the page stops ticking (e.g. the run is complete: its last tick reran the page without
        a timer) or the tab dies."""
        await self._idle.wait()

    async def close(self) -> None:
        """Close the tab: timers stop, the websocket closes (the server sees a disconnect)."""
        self._closing = True
        self._stop_timers()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # ------------------------------------------------------------------------- HTTP

    def _http_load(self) -> str:
        """GET the page, then /_stcore/health and /_stcore/host-config as the frontend does; returns the
        replica that served the page (nginx's X-RNNX-Replica header, "-" without nginx)."""
        if self._route:                                            # a chosen sticky route
            host = urlsplit(self.base).hostname or ""
            self._jar.set_cookie(_session_cookie(ROUTE_COOKIE, self._route, host))
        opener = urllib.request.build_opener(NO_PROXY, urllib.request.HTTPCookieProcessor(self._jar))
        query = f"?{self.query}" if self.query else ""
        with opener.open(f"{self.base}/{self.page}{query}", timeout=HTTP_TIMEOUT) as r:
            r.read()
            replica = r.headers.get("X-RNNX-Replica", "-")
        for path in ("_stcore/health", "_stcore/host-config"):
            with opener.open(f"{self.base}/{path}", timeout=HTTP_TIMEOUT) as r:
                r.read()
        return replica

    def cookie(self, name: str) -> str | None:
        """A cookie the tab holds (e.g. nginx's ``rnnx_route``, Streamlit's XSRF token)."""
        return next((c.value for c in self._jar if c.name == name), None)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self._jar)

    # ------------------------------------------------------------------------- sending

    def _rerun_msg(self, fragment_id: str = "", triggers: tuple[str, ...] = (),
                   values: dict[str, float] | None = None, strings: dict[str, str] | None = None) -> bytes:
        """A ``rerun_script`` BackMsg as the frontend builds it."""
        back = BackMsg()
        cs = back.rerun_script
        cs.SetInParent()
        cs.query_string = self.query
        cs.page_script_hash = self._page_hash
        cs.page_name = "" if self._page_hash else self.page      # first run: the page by URL path
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = bool(fragment_id)
        for wid in triggers:
            w = cs.widget_states.widgets.add()
            w.id, w.trigger_value = wid, True
        for wid, v in (values or {}).items():                    # a slider sends [value]
            w = cs.widget_states.widgets.add()
            w.id = wid
            w.double_array_value.data.append(v)
        for wid, text in (strings or {}).items():                # a text input sends its string
            w = cs.widget_states.widgets.add()
            w.id, w.string_value = wid, text
        ctx = cs.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale = "UTC", 0, "en-US"
        ctx.url = f"{self.base}/{self.page}"
        return back.SerializeToString()

    async def _send(self, data: bytes) -> None:
        if self._ws is None:
            raise RuntimeError("the tab is not open")
        await self._ws.send(data)

    async def _full_run(self, data: bytes, timeout: float) -> None:
        self._full_done.clear()
        self._full_started = False
        await self._send(data)
        try:
            await asyncio.wait_for(self._full_done.wait(), timeout)
        except TimeoutError as e:
            raise TimeoutError(f"/{self.page}: no finished run within {timeout:.0f} s") from e

    async def _timer(self, fragment_id: str, interval: float) -> None:
        """The frontend's setInterval: a fragment rerun every ``interval`` s, whether the last one has
        finished or not (a late tick is not made up for, as in a browser)."""
        loop = asyncio.get_running_loop()
        nxt = loop.time() + interval
        while True:
            await asyncio.sleep(max(0.0, nxt - loop.time()))
            nxt = max(nxt + interval, loop.time())
            req = Request(time.monotonic())
            self.stats.requests.append(req)
            self._pending.append(req)
            try:
                await self._send(self._rerun_msg(fragment_id=fragment_id))
            except ConnectionClosed:
                return

    def _stop_timers(self, ids: list[str] | None = None) -> None:
        for fid in list(self._timers) if ids is None else ids:
            entry = self._timers.pop(fid, None)
            if entry is not None:
                entry[1].cancel()

    # ------------------------------------------------------------------------- receiving

    async def _read(self) -> None:
        assert self._ws is not None
        why = "websocket closed by the server"
        try:
            async for raw in self._ws:
                self._run_bytes += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw if isinstance(raw, bytes) else raw.encode())
                self._on_message(msg)
        except ConnectionClosed as e:
            why = f"websocket closed by the server: {e}"
        except Exception as e:  # noqa: BLE001 -- a tab that cannot read on is an error of the run, not a crash
            why = f"reading the websocket failed: {e!r}"
        if not self._closing:
            self.stats.errors.append(why)
            self._stop_timers()
        self._full_done.set()                                  # nobody waits forever on a dead tab
        self._idle.set()

    def _on_message(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._on_run_start(msg)
        elif kind == "delta":
            if msg.delta.WhichOneof("type") == "new_element":
                self._on_element(msg.delta.new_element)
        elif kind == "script_finished":
            self._on_run_end(msg.script_finished)
        elif kind == "auto_rerun":
            self._on_auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_timers(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            self.stats.errors.append("script compilation error")
        elif kind == "page_info_changed":                      # the server rewrote the URL's query
            self.query = msg.page_info_changed.query_string
        elif kind == "navigation":                             # st.navigation resolved the page
            self.nav_pages = [p.url_pathname for p in msg.navigation.app_pages]
            self._page_hash = msg.navigation.page_script_hash or self._page_hash
        elif kind == "page_not_found":
            self.stats.errors.append(f"page not found: /{self.page}")

    def _on_run_start(self, msg: ForwardMsg) -> None:
        if msg.new_session.HasField("initialize"):
            self.session_id = msg.new_session.initialize.session_id
        if msg.new_session.page_script_hash:
            self._page_hash = msg.new_session.page_script_hash
        if not msg.metadata.run.fragment_ids:                   # a full run: the frontend drops its timers
            self._in_fragment = False
            self._stop_timers()
            self._drawn = True                                  # (its status line is no tick's redraw)
            self._full_started = True
            return
        if self._in_fragment:                                   # what the last fragment run sent, in all
            self.stats.bytes.append(self._run_bytes - len(msg.SerializeToString()))
            self.stats.wire.append(self._wire - self._wire_mark)
        self._in_fragment, self._run_bytes = True, len(msg.SerializeToString())
        self._wire_mark = self._wire
        now = time.monotonic()                                  # this run answers what was sent before it
        self._pending = self._claimed + self._pending             # a run cut short before its redraw
        self._claimed = [r for r in self._pending if r.sent < now]
        self._pending = [r for r in self._pending if r.sent >= now]
        self._drawn = False

    def _on_redraw(self) -> None:
        """The status line of a fragment run arrived: an update, answering the requests it claimed."""
        if self._drawn:
            return
        now = time.monotonic()
        self._drawn = True
        self.stats.updates.append(now)
        for r in self._claimed:
            r.answered = now
        self._claimed = []

    def _on_run_end(self, status: int) -> None:
        if status in (FINISHED.FINISHED_FRAGMENT_RUN_SUCCESSFULLY, FINISHED.FINISHED_EARLY_FOR_RERUN):
            return                                              # a fragment run: counted by its redraw
        if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:      # a full run
            self.stats.errors.append("script finished with a compile error")
        if not self._timers:
            self._idle.set()
        self._full_done.set()

    def _on_element(self, el: Element) -> None:
        kind = el.WhichOneof("type")
        if kind in ("button", "slider", "text_input"):
            wid = getattr(el, kind).id
            key = wid.rsplit("-", 1)[-1]                        # $$ID-<hash>-<key>
            self._widgets[key] = wid
            if kind == "slider":
                self.sliders[key] = Slider()
                self.sliders[key].CopyFrom(el.slider)            # not a view that keeps the frame alive
        elif kind == "progress":
            m = STEP_RE.search(el.progress.text)
            if m:
                step, total = (int(g.replace(",", "")) for g in m.groups())
                self.stats.steps.append((time.monotonic(), step, total))
                if self._full_started:          # the page redrew after a full run began: its own status
                    self._full_started = False  # line or the next tick's (the server drops a run's unsent
                    self._full_done.set()       # fragment messages, and may skip its finish message,
                                                # when a timer rerun is already waiting)
                self._on_redraw()
        elif kind == "metric":
            self.stats.metrics.append((time.monotonic(), time.time(), el.metric.label, el.metric.body))
        elif kind == "exception":
            self.stats.errors.append(f"exception: {el.exception.message[:120]}")
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            self.stats.errors.append(f"error box: {el.alert.body[:120]}")

    def _on_auto_rerun(self, fragment_id: str, interval: float) -> None:
        old = self._timers.get(fragment_id)
        if old is not None and old[0] == interval:
            return
        self._stop_timers([fragment_id])
        self._idle.clear()
        self._timers[fragment_id] = (interval, asyncio.create_task(self._timer(fragment_id, interval)))


def routes_by_replica(url: str, replicas: int, tries: int = 200) -> dict[str, str]:
    """The sticky-route cookie value of each replica behind nginx: requests without a cookie until every
    replica has answered one (nginx names the replica in X-RNNX-Replica and hands out its route in
    Set-Cookie; deploy/nginx.conf.template)."""
    opener, found = urllib.request.build_opener(NO_PROXY), {}
    for _ in range(tries):
        with opener.open(urllib.request.Request(f"{url}/_stcore/health"), timeout=HTTP_TIMEOUT) as r:
            cookie = re.search(rf"{ROUTE_COOKIE}=([^;]+)", " ".join(r.headers.get_all("Set-Cookie") or []))
            if cookie:
                found.setdefault(r.headers.get("X-RNNX-Replica", "-"), cookie.group(1))
        if len(found) == replicas:
            return found
    raise RuntimeError(f"only replicas {sorted(found)} answered {tries} requests")


def _session_cookie(name: str, value: str, domain: str) -> http.cookiejar.Cookie:
    """A plain session cookie for ``domain`` (what a browser holds after nginx set it)."""
    return http.cookiejar.Cookie(
        version=0, name=name, value=value, port=None, port_specified=False, domain=domain,
        domain_specified=False, domain_initial_dot=False, path="/", path_specified=True, secure=False,
        expires=None, discard=True, comment=None, comment_url=None, rest={}, rfc2109=False)
