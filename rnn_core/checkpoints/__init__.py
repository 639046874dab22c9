"""Checkpoints: a prediction asked before a demonstration and revealed from the student's own run.

Each page's checkpoints are declared in its own module (``abcde``, ``sine``, ``elman``, ``xsinx``,
``dinos``, ``memory``); ``course`` puts them in teaching order and writes a student's progress as a
short code; ``train`` trains a checkpoint's runs headless (the CLI, the bench). What a checkpoint is:
``base``; its setup as the runs a page trains: ``setup``.
"""

from .base import Band, Checkpoint, Choice, Finished, Outcome, Run, Until
from .course import CHECKPOINTS, COURSE, Course, Progress, decode, encode, get_checkpoint

__all__ = ["CHECKPOINTS", "COURSE", "Band", "Checkpoint", "Choice", "Course", "Finished", "Outcome",
           "Progress", "Run", "Until", "decode", "encode", "get_checkpoint"]
