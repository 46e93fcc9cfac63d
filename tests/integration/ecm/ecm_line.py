"""Building blocks for the ECM integration tests: a line of elements and a NETCONF client."""

from __future__ import annotations

from ncclient import manager as ncclient

from cadenza.ecm.settings import EcmSettings
from cadenza.ecm.ssh import PASSWORD, USERNAME
from cadenza.interfaces.adagio.contract import BandwidthProfile, FcEndPoint, ForwardingConstruct


def line_config(elements: int = 2, *, persist: bool = True) -> EcmSettings:
    """Elements n0..nK in a line, each with a UNI (1 Gbit/s) and two trunks."""
    els = [{"name": f"n{i}", "ports": [{"name": "uni", "speed_mbps": 1000}, {"name": "west"}, {"name": "east"}]}
           for i in range(elements)]
    links = [{"a": f"n{i - 1}:east", "b": f"n{i}:west"} for i in range(1, elements)]
    return EcmSettings.model_validate({
        "twin": {"driver": "netconf", "persist": persist},
        "network_domains": [{"name": "line", "elements": els, "links": links}],
    })


def construct(fc_id: str = "svc-1", vlan: int = 100, cir_kbps: int = 20_000) -> ForwardingConstruct:
    return ForwardingConstruct(fc_id, (FcEndPoint("uni", vlan), FcEndPoint("east", vlan)),
                               BandwidthProfile(cir_kbps=cir_kbps))


def connect(port: int) -> ncclient.Manager:
    return ncclient.connect(host="127.0.0.1", port=port, username=USERNAME, password=PASSWORD,
                            hostkey_verify=False, allow_agent=False, look_for_keys=False, timeout=10)
