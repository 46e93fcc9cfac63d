"""Where the official MEF LSO material is: `../shared/mef-lso` beside the project root, as the
project is laid out, or wherever CADENZA_MEF_LSO points."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).parents[2]


def mef_lso() -> Path:
    candidates = [os.environ.get("CADENZA_MEF_LSO"), ROOT.parent / "shared/mef-lso", Path("/work/shared/mef-lso")]
    for candidate in candidates:
        if candidate and Path(candidate, "sonata").is_dir():
            return Path(candidate)
    raise FileNotFoundError("the MEF LSO specs are not at ../shared/mef-lso; set CADENZA_MEF_LSO")


MEF_LSO = mef_lso()
