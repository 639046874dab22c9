"""One math thread while training.

RNN matrices are small: on a shared 2-core machine OpenBLAS's and torch's worker threads spin against
each other and against other sessions (one small matmul measured 28 ms instead of 35 µs; a torch LSTM
gradient 273 ms of CPU instead of 9 ms). Training and evaluation therefore run with one BLAS thread
(threadpoolctl; a no-op where it is missing) and, once torch is loaded, one torch thread.

``single_thread()`` limits a block and restores the previous settings; ``pin_single_thread()`` sets
the limit for the rest of the process (the app calls it: a server shares its cores between sessions).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

_controller: Any = None


def _blas_limit() -> Any:
    """A threadpoolctl limiter to one BLAS thread (entered by the caller), or a null context."""
    global _controller
    try:
        if _controller is None:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
        return _controller.limit(limits=1, user_api="blas")
    except ImportError:                          # threadpoolctl is optional
        return contextlib.nullcontext()


def loaded_torch() -> Any:
    """torch if it is imported (fully: while another thread is still importing it, its module is already
    in sys.modules without its functions), else None; never imports it."""
    torch = sys.modules.get("torch")
    if torch is None or getattr(getattr(torch, "__spec__", None), "_initializing", False):
        return None
    return torch if hasattr(torch, "set_num_threads") else None


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """One BLAS thread, and one torch thread if torch is loaded, inside the block."""
    torch = loaded_torch()
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        with _blas_limit():
            yield
    finally:
        if torch is not None and before is not None:
            torch.set_num_threads(before)


def pin_single_thread() -> None:
    """One BLAS thread (and one torch thread once torch is imported here) for the rest of the process."""
    _blas_limit().__enter__()                     # never exited: the limit stays
    torch = loaded_torch()
    if torch is not None:
        torch.set_num_threads(1)
