"""One BLAS thread while training.

RNN matrices are small: on a shared 2-core machine OpenBLAS's worker threads spin against each other
and against other sessions, and one small matmul measured 28 ms instead of 35 µs. Training and
evaluation therefore run with a single BLAS thread (threadpoolctl; a no-op where it is missing).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

_controller: Any = None


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Limit BLAS libraries loaded in this process to one thread inside the block."""
    global _controller
    try:
        if _controller is None:
            from threadpoolctl import ThreadpoolController
            _controller = ThreadpoolController()
        limiter = _controller.limit(limits=1, user_api="blas")
    except ImportError:                          # threadpoolctl is optional
        limiter = contextlib.nullcontext()
    with limiter:
        yield
