"""`python -m coze_mock ARGS`: the `coze-mock` command (`serve`, `wait`, `report`, `--version`, …), run
with the binary `find_binary()` finds, for environments whose scripts folder is not on the PATH."""

import os
import subprocess
import sys

from ._server import CozeMockError, find_binary


def main() -> int:
    try:
        binary = find_binary()
    except CozeMockError as e:
        print(f"coze-mock: {e}", file=sys.stderr)
        return 1
    if os.name == "posix":
        os.execv(binary, [binary, *sys.argv[1:]])
    return subprocess.call([binary, *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
