"""Remedying configuration drift (MEF 55.0.1 §10.5 step 9, "re-apply a configuration that drifted
from what was ordered"): the steps of the diagnosis workflow (`diagnosis.py`) for a plan of kind
`reapply`.

    reapply    each drifted segment's ICM writes its design to the elements again (PRESTO
               cadenza-reapply-connectivity-service); asking again rewrites nothing, so a step
               replayed after a crash configures no element twice, and its finding is said once
    confirm    each segment's configuration is compared again and the segment tested: resolved
               when all run their design and pass, else needsSiteVisit saying what is left
"""

from __future__ import annotations

from dbos import DBOS

from cadenza.sof.rows import ServiceRow
from cadenza.sof.steps import registered
from cadenza.sof.trouble import report
from cadenza.sof.trouble.ask_segments import ask_each_segment
from cadenza.sof.trouble.retry import STEP_RETRY

__all__ = ["sof_trouble_reapply", "sof_trouble_confirm_design"]

_RETRY = STEP_RETRY  # resumed after a restart like the diagnosis's own steps


@DBOS.step(**_RETRY)
def sof_trouble_reapply(sof_name: str, report_id: str, segments: dict[str, str]) -> str | None:
    """Each drifted segment given its design again; None when every ICM did, else why not."""
    sof = registered(sof_name)
    asked = ask_each_segment(
        ((uuid, domain, None) for uuid, domain in segments.items()),
        lambda domain, uuid, _: sof.presto.reapply_connectivity_service(domain, uuid),
        lambda domain, _, done: f"the {domain} segment's design is written again to {', '.join(done.rewritten)}"
        if done.rewritten else f"the {domain} segment already runs its design again",
        lambda domain, _, exc: f"the {domain} segment's design could not be re-applied: {exc}")
    if asked.refused is not None:
        return asked.refused
    with sof.database.transaction() as session:
        report.add_remedy_once(session, report_id, "re-applied: " + "; ".join(asked.said), wake=sof.wake)
    return None


@DBOS.step(**_RETRY)
def sof_trouble_confirm_design(sof_name: str, service_id: str) -> str:
    """What of the service's SP segments still differs from its design or fails its test ('' when none)."""
    sof = registered(sof_name)
    with sof.database.read() as session:
        service = session.get(ServiceRow, service_id)
    left = []
    for segment in (service.design.get("segments") or []) if service is not None else []:
        domain, uuid = segment["networkDomain"], segment["uuid"]
        drift = sof.presto.get_configuration_drift(domain, uuid)
        if not drift.in_step:
            left.append(f"the {domain} segment still differs from its design: "
                        + "; ".join((*drift.differences, *drift.unread)))
            continue
        test = sof.presto.run_activation_test(domain, uuid)
        if not test.passed:
            left.append(f"test of the {domain} segment failed: {'; '.join(test.failures) or 'no frames came back'}")
    return "; ".join(left)
