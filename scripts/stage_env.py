"""What the maintenance scripts share: the tenants named on the command line, and the
stage's environment (table names) from .chalice/config.json, before the app is imported.

    STAGE=prod .venv/bin/python scripts/<script>.py acme [other-tenant ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def tenants_of_stage(description: str) -> list[str]:
    """The tenants the script was given; the stage's environment variables set (those
    already set win), so ``chalicelib`` reads the stage's tables."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("tenants", nargs="+")
    args = parser.parse_args()
    stage = os.environ.get("STAGE", "dev")
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for key, value in config["stages"][stage]["environment_variables"].items():
        os.environ.setdefault(key, value)
    return list(args.tenants)
