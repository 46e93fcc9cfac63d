"""Element Control and Management: the simulated network (twin) and the ADAGIO side.

Start everything for a domain with `start_twin(config, var_dir=...)`; its `manager` is the
`AdagioClient` an ICM uses, its `twin` takes fault injection and serves `twin_router`.
"""

from cadenza.ecm.manager import ElementManager
from cadenza.ecm.runtime import TwinRuntime, start_twin
from cadenza.ecm.twin import NetworkTwin
from cadenza.interfaces.adagio.contract import ElementResult

__all__ = ["ElementManager", "ElementResult", "NetworkTwin", "TwinRuntime", "start_twin"]
