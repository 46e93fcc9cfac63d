"""The twin's simulated field force: the crews the BUS sends (bus/workforce/, its `FieldForce`
port) repair what failed in the simulated network, in the twin's time. A repair is the twin's
own restore (an element back up, a port's optics replaced, a link spliced); doing one twice
changes nothing, so a retried visit is harmless."""

from __future__ import annotations

from typing import Any

__all__ = ["TwinFieldForce"]


class TwinFieldForce:
    """`twin`: the NetworkTwin, in this process or behind the twin process's proxy."""

    def __init__(self, twin: Any) -> None:
        self._twin = twin

    def now(self) -> float:
        return float(self._twin.clock_state()["epochSeconds"])

    def scale(self) -> float:
        scale = self._twin.clock_state()["scale"]
        return 1.0 if scale is None else float(scale)

    def repair(self, kind: str, element: str, port: str | None, far_end: str | None) -> str:
        if kind == "port":
            if port is None:
                raise ValueError("a port repair names the port")
            self._twin.restore_port(element, port)
            return f"The technician replaced the optics of port {port} on {element} and tested it: the port is up."
        if kind == "link":
            if far_end is None:
                raise ValueError("a link repair names both ends")
            state = self._twin.restore_link(element, far_end)
            return (f"The technician located and spliced the fault on link {state.a}:{state.a_port}-"
                    f"{state.b}:{state.b_port} and tested it: the link is up.")
        if kind == "element":
            self._twin.restore_element(element)
            return f"The technician replaced the failed module of {element} and brought it back into service."
        raise ValueError(f"a field force repairs an element, a port or a link, not {kind!r}")
