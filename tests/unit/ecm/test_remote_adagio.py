"""A twin in its own process that has died answers as ADAGIO does: elements unreachable."""

from __future__ import annotations

import pytest

from cadenza.ecm.remote import _RemoteAdagio
from cadenza.interfaces.adagio.contract import BandwidthProfile, ElementUnreachable, FcEndPoint, ForwardingConstruct


class _DeadProxy:
    def __getattr__(self, name: str):  # noqa: ANN204 - every call fails as a closed connection does
        def call(*_args: object, **_kwargs: object) -> None:
            raise EOFError

        return call


FC = ForwardingConstruct("svc-1", (FcEndPoint("uni1", 10), FcEndPoint("nni", 10)), BandwidthProfile(1000))


def test_a_dead_twin_process_makes_every_element_unreachable() -> None:
    adagio = _RemoteAdagio(_DeadProxy())  # type: ignore[arg-type]
    results = adagio.apply_many([("pe1", FC), ("p1", FC)])
    assert [(r.element, type(r.error)) for r in results] == [("pe1", ElementUnreachable), ("p1", ElementUnreachable)]
    assert all("does not answer" in str(r.error) for r in results)
    assert all(isinstance(r.error, ElementUnreachable) for r in adagio.remove_many([("pe1", "svc-1")]))
    with pytest.raises(ElementUnreachable, match="pe1"):
        adagio.apply("pe1", FC)
    with pytest.raises(ElementUnreachable):
        adagio.faults()
