"""Give memory that a large piece of work freed back to the operating system.

Reading a large upload allocates and frees hundreds of megabytes; glibc keeps freed heap pages for
reuse, so a server's resident memory would stay at its peak after the sessions that caused it have
gone. ``release()`` asks glibc to return them (``malloc_trim``); elsewhere it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc


@functools.cache
def _trim() -> object | None:
    name = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except OSError:
        return None


def release() -> None:
    """Collect garbage and hand the heap's free pages back to the system (glibc only)."""
    gc.collect()
    trim = _trim()
    if trim is not None:
        trim(0)
