"""The class store (issue "The class"): a lecturer's class, the students who joined it with its code
and a nickname, their runs and checkpoint answers, pooled in one database and read by a board.

    store = Store()                          # RNNX_DATABASE_URL, or an SQLite file
    code, key = store.create_class()
    token = store.join(code, "Ada")
    store.post_run(code, token, "r1", "sine", {"lr": 0.01}, 7, [(0, 1.0), (10, 0.5)], {"rmse": 0.1})
    store.board(code, key=key)

    outbox = Outbox(shared_store, code, token)   # the app: posts that never block training
    outbox.post_answer("sine-1", "b", outcome="a")

docs/architecture.md, "The class store".
"""

from .codes import normalise_code, show_code
from .errors import (
                     BadInput,
                     ClassClosed,
                     ClassError,
                     NicknameTaken,
                     NotYourRun,
                     TooFast,
                     TooMany,
                     UnknownClass,
                     UnknownRun,
                     UnknownStudent,
                     WrongKey,
)
from .limits import Limits
from .outbox import Outbox, OutboxStatus, shared_store
from .store import Store
from .views import CSV_HEADER, AnswerView, Board, RunView

__all__ = ["CSV_HEADER", "AnswerView", "BadInput", "Board", "ClassClosed", "ClassError", "Limits",
           "NicknameTaken", "NotYourRun", "Outbox", "OutboxStatus", "RunView", "Store", "TooFast", "TooMany",
           "UnknownClass", "UnknownRun", "UnknownStudent", "WrongKey", "normalise_code", "shared_store",
           "show_code"]
