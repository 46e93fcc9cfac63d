"""Where the official MEF LSO material is: `../shared/mef-lso` beside the project root, as the
project is laid out, or wherever CADENZA_MEF_LSO points."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[2]


def mef_lso() -> Path:
    candidates = [os.environ.get("CADENZA_MEF_LSO"), ROOT.parent / "shared/mef-lso", Path("/work/shared/mef-lso")]
    for candidate in candidates:
        if candidate and Path(candidate, "sonata").is_dir():
            return Path(candidate)
    raise FileNotFoundError("the MEF LSO specs are not at ../shared/mef-lso; set CADENZA_MEF_LSO")


MEF_LSO = mef_lso()


def mef_json(relative: str) -> Any:
    """The JSON of one MEF example: a `.json` file, or the `@startjson` body of a PlantUML diagram
    (the MEF 125 use cases are published only as diagrams), under the MEF LSO material."""
    text = (MEF_LSO / relative).read_text(encoding="utf-8")
    if relative.endswith(".puml"):
        body = text.split("@startjson", 1)[1].rsplit("@endjson", 1)[0]
        text = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
    return json.loads(text)
