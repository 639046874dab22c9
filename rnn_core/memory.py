"""Give memory that a large piece of work freed back to the operating system.

Reading a large upload allocates and frees hundreds of megabytes; glibc keeps freed heap pages for
reuse, so a server's resident memory would stay at its peak after the sessions that caused it have
gone. Three things bring it back (measured with bench/uploadmem.py; each alone is not enough):

- ``configure()`` fixes glibc's mmap threshold at MMAP_THRESHOLD. glibc raises the threshold to the
  size of the largest mmap-ed block freed so far, so after the first 5 MB string of an upload, the
  next ones land in the heap, where the small objects allocated between them pin its pages.
- ``release()`` collects garbage and asks glibc to return free heap pages (``malloc_trim``).
- ``watch(obj)``: a session's data (an upload's prepared corpus) is freed only when Streamlit drops the
  session, some time after its tab closed, and then only by the cyclic garbage collector (a session
  is a web of references). Nothing tells the app; so while watched objects exist, a janitor thread
  collects every JANITOR_SECONDS (about 60 ms of one core) and, once one of them is gone, releases.
  The thread ends when nothing is watched.

Elsewhere than glibc, ``configure`` and the trim do nothing (the collection still happens).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import threading
import time
import weakref

M_MMAP_THRESHOLD = -3           # mallopt's parameter number (malloc.h)
MMAP_THRESHOLD = 4 * 1024 * 1024   # blocks this large are mmap-ed, and unmapped when freed
JANITOR_SECONDS = 30.0

_lock = threading.RLock()       # a finalizer may run in a thread that holds it (gc during watch)
_watched = 0                    # watched objects not yet collected (per-session data: no cache)
_gone = threading.Event()       # one of them was collected since the last release
_janitor: threading.Thread | None = None


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


@functools.cache
def configure() -> None:
    """Fix glibc's mmap threshold (once per process; see the module docstring)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _trim() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def release() -> None:
    """Collect garbage and hand the heap's free pages back to the system (glibc only)."""
    gc.collect()
    _trim()


def watch(obj: object) -> None:
    """Release memory soon after ``obj`` (a session's large data) is garbage; see the module docstring."""
    global _watched, _janitor
    with _lock:
        _watched += 1
        weakref.finalize(obj, _collected)
        if _janitor is None:
            _janitor = threading.Thread(target=_janitor_loop, name="rnnx-memory-janitor", daemon=True)
            _janitor.start()


def _collected() -> None:
    global _watched
    with _lock:
        _watched -= 1
    _gone.set()


def sweep() -> bool:
    """One round of the janitor: collect garbage; if a watched object has gone since the last round,
    give the freed pages back. True if it did."""
    gc.collect()
    if not _gone.is_set():
        return False
    _gone.clear()
    _trim()
    return True


def _janitor_loop() -> None:
    """A sweep every JANITOR_SECONDS while something is watched (``watch`` starts a new loop later)."""
    global _janitor
    while True:
        time.sleep(JANITOR_SECONDS)
        sweep()
        with _lock:
            if _watched == 0:
                _janitor = None
                return
