"""``python -m cffi_wheel ...`` runs the cffi-wheel binary."""

import os
import sys

from ._backend import find_binary


def main():
    binary = find_binary()
    if os.name == "posix":
        os.execv(binary, [binary] + sys.argv[1:])
    import subprocess

    sys.exit(subprocess.call([binary] + sys.argv[1:]))


if __name__ == "__main__":
    main()
