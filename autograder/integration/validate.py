"""Validate notebooks the way nbgrader's Validate button does, with an exit code a script can trust.

    python -m autograder.integration.validate NOTEBOOK [NOTEBOOK ...]

`nbgrader validate` prints its findings but exits 0 even when a notebook fails, so CI and scripts use
nbgrader's Python API (``nbgrader.validator.Validator``) here instead: exit status 1 when any notebook has
failing test cells, changed locked cells or cells whose type changed, 0 when all pass.
"""

from __future__ import annotations

import sys

from nbgrader.validator import Validator


def problems(path: str) -> dict:
    """nbgrader's validation results for one notebook: {} when it passes, else failed/changed cells."""
    return Validator().validate(path)


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    status = 0
    for path in paths:
        found = problems(path)
        if not found:
            print(f"PASSED  {path}")
            continue
        status = 1
        for kind, cells in found.items():
            print(f"FAILED  {path}: {len(cells)} {kind} cell(s)")
            for cell in cells:
                print("   ", cell["source"].splitlines()[0] if cell["source"] else "(empty cell)")
                if cell.get("raw_error"):
                    print("   ", cell["raw_error"].strip().splitlines()[-1])
    return status


if __name__ == "__main__":
    sys.exit(main())
