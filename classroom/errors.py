"""What the class store refuses. Every refusal is a `ClassError` (a ValueError) with a sentence a person
can read, in the language of the request (`rnn_core.i18n`): what was refused and what is allowed.
Nothing is written or read when one is raised."""

from __future__ import annotations


class ClassError(ValueError):
    """A refused request to the class store."""


class UnknownClass(ClassError):
    """No class has this code (mistyped, guessed, expired or deleted)."""


class WrongKey(ClassError):
    """The lecturer key does not belong to this class."""


class ClassClosed(ClassError):
    """The lecturer closed the class: it takes no more posts."""


class UnknownStudent(ClassError):
    """The student token does not belong to this class."""


class NotYourRun(ClassError):
    """The run belongs to another student of the class."""


class UnknownRun(ClassError):
    """The student has no run with this id."""


class NicknameTaken(ClassError):
    """Another student of the class already has this nickname."""


class BadInput(ClassError):
    """A field is missing, of the wrong type, or too long."""


class TooMany(ClassError):
    """A count limit is reached: runs of a student, students of a class."""


class TooFast(ClassError):
    """A student posted more often than the per-minute limit allows. `retry_after`: seconds until the
    oldest post of the window leaves it (the outbox waits that long and sends again)."""

    def __init__(self, message: str, retry_after: float = 60.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
