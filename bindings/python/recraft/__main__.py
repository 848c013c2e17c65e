"""``python -m recraft ARGS``: the RecraftKit command line program with ARGS, e.g.
``python -m recraft sandbox`` runs the local emulator the wheel carries (its first line
on stdout is its base URL; Ctrl-C stops it) and ``python -m recraft --help`` lists the
commands.

The program is RECRAFT_CLI when set, else the one shipped in the package (the wheel's);
a source install has none: see the message.
"""

from __future__ import annotations

import os
import sys

from ._sandbox import find_cli


def main(argv: list[str] | None = None) -> int:
    """Replaces this process with the program (signals and stdout go straight to it)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        program = find_cli()
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 127
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(program, [str(program), *args])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
