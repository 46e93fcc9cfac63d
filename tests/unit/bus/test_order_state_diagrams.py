"""The product order's, its items' and its requests' states move exactly as MEF 123 draws them:
the transitions declared in bus/product_order.py and bus/cancellation.py are compared with the
edges of the PlantUML state diagrams in the spec, so the two cannot drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cadenza.bus.cancellation import REQUEST_TRANSITIONS
from cadenza.bus.product_order import ITEM_TRANSITIONS, ORDER_TRANSITIONS
from tests.helpers.mef import MEF_LSO

DIAGRAMS = MEF_LSO / "sonata/documentation/productApi/order/media/src"
ORDER_API = MEF_LSO / "sonata/productApi/order/productOrderManagement.api.yaml"
_EDGE = re.compile(r"^\s*(\S+)\s+-(?:[a-z]*|\[[^\]]*\])*->\s+(\S+)")


def diagram_edges(path: Path) -> dict[str, set[str]]:
    """The state -> next states of a PlantUML state diagram, hidden layout edges left out and
    each choice node (`<<choice>>`) replaced by the states it leads to."""
    text = path.read_text()
    choices = set(re.findall(r"^\s*state\s+(\S+)\s+<<choice>>", text, re.MULTILINE))
    edges: dict[str, set[str]] = {}
    for line in text.splitlines():
        if "[hidden]" in line or line.lstrip().startswith("'"):
            continue
        match = _EDGE.match(line)
        if match:
            source, target = match.groups()
            edges.setdefault(source, set()).add(target)

    def through(state: str) -> set[str]:
        if state not in choices:
            return {state}
        return set().union(*(through(t) for t in edges.get(state, set())))

    states = {s for s in edges if s not in choices and s != "[*]"} | {
        t for ts in edges.values() for t in ts if t not in choices and t != "[*]"}
    return {s: {n for t in edges.get(s, set()) for n in through(t) if n != "[*]"} for s in states}


def declared(transitions: dict[str, frozenset[str]]) -> dict[str, set[str]]:
    return {state: set(nexts) for state, nexts in transitions.items()}


def spec_enum(name: str) -> set[str]:
    return set(yaml.safe_load(ORDER_API.read_text())["components"]["schemas"][name]["enum"])


def test_the_order_moves_as_the_product_order_diagram_draws() -> None:
    assert declared(ORDER_TRANSITIONS) == diagram_edges(DIAGRAMS / "productOrderFlow.puml")
    assert set(ORDER_TRANSITIONS) == spec_enum("MEFProductOrderStateType")


def test_an_item_moves_as_the_product_order_item_diagram_draws() -> None:
    assert declared(ITEM_TRANSITIONS) == diagram_edges(DIAGRAMS / "productOrderItemFlow.puml")
    assert set(ITEM_TRANSITIONS) == spec_enum("MEFProductOrderItemStateType")


@pytest.mark.parametrize("diagram", ["useCase8CancelStates.puml", "useCase5ModifyStates.puml"])
def test_cancel_and_delivery_date_requests_move_as_their_diagrams_draw(diagram: str) -> None:
    assert declared(REQUEST_TRANSITIONS) == diagram_edges(DIAGRAMS / diagram)
    assert set(REQUEST_TRANSITIONS) == spec_enum("MEFChargeableTaskStateType")


def test_the_parser_reads_choices_and_ignores_layout(tmp_path: Path) -> None:
    sample = tmp_path / "sample.puml"
    sample.write_text("@startuml\nstate ok <<choice>>\n[*] --> a\na -d-> ok\nok --> b : yes\nok -[norank]-> c : no\n"
                      "b -d[hidden]-> c\n' a --> z\nb --> [*]\n@enduml")
    assert diagram_edges(sample) == {"a": {"b", "c"}, "b": set(), "c": set()}
