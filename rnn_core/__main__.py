"""``python -m rnn_core``: the command line (rnn_core/cli.py). A Ctrl-C while the modules still load
ends as a Ctrl-C during training does: one line, exit 130."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:
    print("interrupted", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
