#!/usr/bin/env python3
"""Writes the README examples marked `<!-- example: NAME -->` (the line before a code fence) to DIR/NAME,
so CI runs them as they are printed.

    python3 packaging/examples.py DIR README.md [MORE.md...]     prints the files written
"""

import re
import sys
from pathlib import Path

MARKED = re.compile(r"^<!-- example: (\S+) -->\n```\w*\n(.*?)^```", re.M | re.S)


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for readme in sys.argv[2:]:
        found = MARKED.findall(Path(readme).read_text(encoding="utf-8"))
        if not found:
            print(f"examples.py: no marked example in {readme}", file=sys.stderr)
            return 1
        for name, code in found:
            (out / name).write_text(code, encoding="utf-8")
            print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
