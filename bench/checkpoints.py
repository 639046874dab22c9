"""Does each checkpoint's expected answer come out of the run for most seeds? Train every checkpoint's
setup over several seeds, as the app would (rnn_core/checkpoints/train.py), and tabulate what each run
revealed.

    python bench/checkpoints.py [--seeds 0-4] [--only ID] [--json]

One row per checkpoint: the answer revealed for each seed (✓ where it is the expected one), how many
seeds gave the expected answer, and the slowest seed's seconds. A checkpoint whose expected answer holds
for fewer than 4 of 5 seeds should be reworded or dropped. Runs are trained one at a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_core.checkpoints import CHECKPOINTS, get_checkpoint  # noqa: E402
from rnn_core.checkpoints.train import check  # noqa: E402
from rnn_core.cliparse import parse_seeds  # noqa: E402
from rnn_core.export import plain  # noqa: E402


def cell(row: dict[str, Any]) -> str:
    """A revealed answer as the table writes it: "a ✓", "0.657 ✓", "b"."""
    a = row["answer"]
    text = f"{a:.3g}" if isinstance(a, float) else str(a)
    return text + (" ✓" if row["as_expected"] else "")


def expected_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0-4", help="e.g. 0-4 or 1,3")
    ap.add_argument("--only", action="append", default=None, metavar="ID", help="one checkpoint (repeatable)")
    ap.add_argument("--json", action="store_true", help="one JSON object per run instead of the table")
    args = ap.parse_args(argv)
    seeds = parse_seeds(args.seeds)
    chosen = [get_checkpoint(i) for i in args.only] if args.only else list(CHECKPOINTS)
    width = max(len(c.id) for c in chosen)
    if not args.json:
        heads = "  ".join(f"{'seed ' + str(s):>9}" for s in seeds)
        print(f"{'checkpoint':<{width}}  {'expected':>8}  {heads}  count  slowest s", flush=True)
    for cp in chosen:
        rows, slowest = [], 0.0
        for s in seeds:
            t0 = time.perf_counter()
            row = check(cp.id, s)
            slowest = max(slowest, time.perf_counter() - t0)
            rows.append(row)
            if args.json:
                print(json.dumps(plain({**row, "seconds": round(time.perf_counter() - t0, 2)}),
                                 allow_nan=False), flush=True)
        if not args.json:
            hits = sum(r["as_expected"] for r in rows)
            print(f"{cp.id:<{width}}  {expected_text(cp.expected):>8}  "
                  + "  ".join(f"{cell(r):>9}" for r in rows)
                  + f"  {hits}/{len(rows):<3}  {slowest:9.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
