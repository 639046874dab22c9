"""The code's own budget (docs/architecture.md): no module of rnn_core, ui, pages or classroom over 300
lines, no function over 50, and the core free of the UI."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("rnn_core", "ui", "pages", "classroom")
MAX_MODULE, MAX_FUNCTION = 300, 50


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_modules_stay_under_their_line_budget() -> None:
    long = {str(p.relative_to(ROOT)): n for p in sources()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE}
    assert long == {}


def test_functions_stay_under_their_line_budget() -> None:
    long = {}
    for p in sources():
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION:
                    long[f"{p.relative_to(ROOT)}:{node.name}"] = n
    assert long == {}
