"""Where the official MEF LSO material is: `../shared/mef-lso` beside the project root, as the
project is laid out, or wherever CADENZA_MEF_LSO points."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]


def mef_lso() -> Path:
    """CADENZA_MEF_LSO when set (and then only it: a wrong setting is an error, not a fallback),
    else `../shared/mef-lso` relative to the project root."""
    configured = os.environ.get("CADENZA_MEF_LSO")
    candidate = Path(configured) if configured else ROOT.parent / "shared" / "mef-lso"
    if not (candidate / "sonata").is_dir():
        where = f"CADENZA_MEF_LSO={configured}" if configured else f"{candidate} (../shared/mef-lso)"
        raise FileNotFoundError(f"the MEF LSO specs are not at {where}: set CADENZA_MEF_LSO to their directory")
    return candidate


MEF_LSO = mef_lso()


def mef_json(relative: str) -> Any:
    """The JSON of one MEF example: a `.json` file, or the `@startjson` body of a PlantUML diagram
    (the MEF 125 use cases are published only as diagrams), under the MEF LSO material."""
    text = (MEF_LSO / relative).read_text(encoding="utf-8")
    if relative.endswith(".puml"):
        body = text.split("@startjson", 1)[1].rsplit("@endjson", 1)[0]
        text = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
    return json.loads(text)
