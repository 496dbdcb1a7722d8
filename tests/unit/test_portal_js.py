"""The portal's JavaScript checks inside the Python suite, so ``make test``, ``make unit``
and ``.ci/run`` fail on them: ESLint over ``portal/js`` and its tests, and the unit tests
of the portal's pure modules (``tests/portal/*.test.js``) under Node's own runner.

``scripts/ensure-node-tools.sh`` installs Node and the pinned ESLint (the Makefile runs it
before pytest); without them these tests fail and say how to get them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = sorted((ROOT / "tests" / "portal").glob("*.test.js"))
ESLINT = ROOT / "node_modules" / "eslint" / "bin" / "eslint.js"
SETUP_HINT = "run `bash scripts/ensure-node-tools.sh` (make test and make unit do)"
TIMEOUT_S = 300


def node() -> str:
    found = shutil.which("node")
    assert found, f"node is not on PATH: {SETUP_HINT}"
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


def test_the_portal_javascript_passes_eslint() -> None:
    assert ESLINT.is_file(), f"ESLint is not installed in node_modules/: {SETUP_HINT}"
    result = run(node(), str(ESLINT), "--max-warnings", "0", ".")
    assert result.returncode == 0, f"ESLint found problems:\n{result.stdout}\n{result.stderr}"


def test_the_portal_unit_tests_pass() -> None:
    assert JS_TESTS, "no tests/portal/*.test.js found"
    # Files, not a folder: Node 18 and Node 22 read a folder argument differently; TAP,
    # whose summary is read below, is not every Node's default reporter.
    files = (str(path.relative_to(ROOT)) for path in JS_TESTS)
    result = run(node(), "--test", "--test-reporter=tap", *files)
    output = f"{result.stdout}\n{result.stderr}"
    assert result.returncode == 0, f"node --test failed:\n{output}"
    # The runner's summary: a run that found no test cases is not a pass.
    passed = re.search(r"^# pass (\d+)$", result.stdout, re.MULTILINE)
    failed = re.search(r"^# fail (\d+)$", result.stdout, re.MULTILINE)
    assert passed and failed, f"node --test printed no summary:\n{output}"
    assert int(passed.group(1)) > 0 and int(failed.group(1)) == 0, output
