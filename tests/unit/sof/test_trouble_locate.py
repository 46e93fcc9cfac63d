"""Where SOF locates a customer's trouble and what it decides to do (sof/trouble/locate.py)."""

from __future__ import annotations

from dataclasses import replace

from cadenza.sof.trouble import locate
from cadenza.sof.trouble.locate import Evidence, PartnerEvidence, SegmentEvidence


def _segment(faults: tuple[str, ...] = (), unhealthy: tuple[str, ...] = (), state: str = "ENABLED",
             domain: str = "metro", uuid: str = "seg-1") -> SegmentEvidence:
    return SegmentEvidence(network_domain=domain, uuid=uuid, operational_state=state,
                           route=("pe-e1", "agg-e1", "agg-w1", "pe-w1"),
                           links=("agg-e1|agg-w1", "agg-e1|pe-e1", "agg-w1|pe-w1"), route_faults=faults,
                           unhealthy=unhealthy, test="test of the metro segment passed")


def test_a_link_down_on_the_route_is_routed_around_and_named_with_when_it_went_down() -> None:
    plan = locate.locate(Evidence("svc", (_segment(("link agg-e1|agg-w1 is down",), state="DISABLED"),),
                                  alarm_since="10:42 UTC"))
    assert plan.kind == locate.REROUTE
    assert plan.cause == "link agg-e1|agg-w1"
    assert plan.avoid == {"seg-1": ["agg-e1|agg-w1"]} and plan.segments == {"seg-1": "metro"}
    assert plan.why == "link agg-e1|agg-w1 down since 10:42 UTC"


def test_an_inner_element_down_is_routed_around() -> None:
    plan = locate.locate(Evidence("svc", (_segment(("element agg-e1 is down",), state="DISABLED"),)))
    assert plan.kind == locate.REROUTE and plan.avoid == {"seg-1": ["agg-e1"]} and plan.cause == "element agg-e1"


def test_the_access_element_down_needs_a_site_visit_as_no_path_avoids_it() -> None:
    plan = locate.locate(Evidence("svc", (_segment(("element pe-e1 is down", "link agg-e1|agg-w1 is down"),
                                                   state="DISABLED"),), alarm_since="09:05 UTC"))
    assert plan.kind == locate.SITE_VISIT and plan.cause == "element pe-e1"
    assert "since 09:05 UTC" in plan.why and "needs a site visit" in plan.why


def test_an_access_port_down_needs_a_site_visit_named_by_its_edge_point_element_and_port() -> None:
    down = "access port uni-east-1-1 (pe-e1 ge-0/0/1) is down since 10:42 UTC"
    plan = locate.locate(Evidence("svc", (_segment((down,)),),
                                  partner=PartnerEvidence("partner-a", "po-1", None)))
    assert plan.kind == locate.SITE_VISIT and plan.cause == "port pe-e1:ge-0/0/1"
    assert plan.why == ("access port uni-east-1-1 (pe-e1 ge-0/0/1) down since 10:42 UTC: no other path reaches the "
                        "customer's site; needs a site visit to repair it")


def test_a_link_below_its_design_is_routed_around_when_nothing_is_down() -> None:
    plan = locate.locate(Evidence("svc", (_segment(unhealthy=("agg-e1|agg-w1: loss 3.00 % (built for 0.01 %)",)),)))
    assert plan.kind == locate.REROUTE and plan.avoid == {"seg-1": ["agg-e1|agg-w1"]}
    assert plan.why.startswith("degraded: link agg-e1|agg-w1: loss 3.00 %")


def test_the_partners_segment_breaking_the_sls_is_the_partners_with_its_own_figures() -> None:
    partner = PartnerEvidence("partner-b", "po-7", "ENABLED", blame="partner-b's segment loses 3.00 % of frames")
    plan = locate.locate(Evidence("svc", (_segment(),), partner=partner, degradation_causes=("partner-b",)))
    assert plan.kind == locate.PARTNER and plan.cause == "partner-b"
    assert plan.why.startswith("partner-b's segment loses 3.00 % of frames")
    assert "partner-b must repair its segment" in plan.why


def test_the_partners_segment_down_is_the_partners() -> None:
    plan = locate.locate(Evidence("svc", (_segment(),), partner=PartnerEvidence("partner-a", "po-1", "DISABLED"),
                                  alarm_since="11:00 UTC"))
    assert plan.kind == locate.PARTNER and "partner-a's segment cannot carry traffic since 11:00 UTC" in plan.why


def test_our_own_fault_comes_before_the_partners() -> None:
    plan = locate.locate(Evidence("svc", (_segment(("link agg-e1|agg-w1 is down",), state="DISABLED"),),
                                  partner=PartnerEvidence("partner-a", "po-1", "DISABLED")))
    assert plan.kind == locate.REROUTE


def test_nothing_found_says_what_was_checked() -> None:
    plan = locate.locate(Evidence("svc", (_segment(),), partner=PartnerEvidence("partner-a", "po-1", "ENABLED")))
    assert plan.kind == locate.NOTHING and plan.cause is None and "segment tests pass" in plan.why


def test_evidence_survives_its_json_form_as_a_workflow_step_records_it() -> None:
    evidence = Evidence("svc", (_segment(("link a|b is down",)),), partner=PartnerEvidence("p", None, None),
                        alarms=("alarm since 10:42 UTC: link a|b is down",), alarm_since="10:42 UTC",
                        degradations=("d",), degradation_causes=("metro",))
    assert Evidence.from_json(evidence.to_json()) == evidence


def test_a_partner_segment_not_seen_from_here_is_suspected_when_ours_pass() -> None:
    plan = locate.locate(Evidence("svc", (_segment(),), partner=PartnerEvidence("partner-a", "po-1", None)))
    assert plan.kind == locate.PARTNER and plan.cause == "partner-a"
    assert plan.why.startswith("this provider's segments carry traffic and pass their tests; partner-a's segment")


def test_an_unseen_partner_is_not_suspected_while_our_own_test_fails() -> None:
    failing = SegmentEvidence(network_domain="metro", uuid="seg-1", operational_state="ENABLED", route=("a", "b"),
                              links=("a|b",), test="test of the metro segment failed: far end not reachable")
    plan = locate.locate(Evidence("svc", (failing,), partner=PartnerEvidence("partner-a", "po-1", None)))
    assert plan.kind == locate.NOTHING



def _drifted(*said: str) -> SegmentEvidence:
    return replace(_segment(), test="test of the metro segment failed: no frames came back", drift=said)


def test_a_configuration_drifted_from_its_design_is_re_applied_and_said_as_the_icm_found_it() -> None:
    said = ("pe-e1 xe-0/1/0: s-vlan 731 configured, 732 running",
            "agg-e1: policer CIR 100000 kbit/s configured, 50000 kbit/s running")
    plan = locate.locate(Evidence("svc", (_drifted(*said),), partner=PartnerEvidence("partner-a", "po-1", None)))
    assert plan.kind == locate.REAPPLY and plan.segments == {"seg-1": "metro"} and plan.avoid == {}
    assert plan.cause == "configuration of agg-e1, pe-e1"
    assert plan.why == ("the metro segment's configuration drifted from its design: pe-e1 xe-0/1/0: s-vlan 731 "
                        "configured, 732 running; agg-e1: policer CIR 100000 kbit/s configured, 50000 kbit/s running")


def test_a_link_down_is_routed_around_before_a_drift_is_looked_at() -> None:
    down = replace(_drifted("pe-e1: forwarding construct svc configured, absent from the running configuration"),
                   route_faults=("link agg-e1|agg-w1 is down",), operational_state="DISABLED")
    assert locate.locate(Evidence("svc", (down,))).kind == locate.REROUTE


def test_evidence_with_a_drift_survives_its_journey_through_the_workflow_as_json() -> None:
    evidence = Evidence("svc", (replace(_drifted("pe-e1 ge-0/0/1: ce-vlan 5 configured, 6 running"),
                                        configuration="the metro segment's running configuration differs"),))
    assert Evidence.from_json(evidence.to_json()) == evidence


def test_an_access_port_down_with_a_free_spare_at_the_site_is_reassigned_there_not_visited() -> None:
    down = "access port uni-east-1-1 (pe-e1 ge-0/0/1) is down"
    spared = SegmentEvidence(network_domain="metro", uuid="seg-1", operational_state="DISABLED",
                             route=("pe-e1", "agg-e1"), links=("agg-e1|pe-e1",), route_faults=(down,),
                             spares={"uni-east-1-1": "uni-east-1-1-spare"})
    plan = locate.locate(Evidence("svc", (spared,), alarm_since="10:42 UTC"))
    assert plan.kind == locate.REASSIGN and plan.cause == "port pe-e1:ge-0/0/1"
    assert plan.reassign == {"seg-1": ["uni-east-1-1", "uni-east-1-1-spare"]} and plan.segments == {"seg-1": "metro"}
    assert plan.why == ("access port uni-east-1-1 (pe-e1 ge-0/0/1) down since 10:42 UTC: the customer's site is "
                        "cabled to spare port uni-east-1-1-spare too; the service's end is moved there")
    # a spare for another UNI is no help: the site is visited
    other = SegmentEvidence(**{**spared.__dict__, "spares": {"uni-east-2-1": "uni-east-2-1-spare"}})
    assert locate.locate(Evidence("svc", (other,))).kind == locate.SITE_VISIT
    # what the diagnosis workflow records and reads back keeps the spares
    assert locate.Evidence.from_json(Evidence("svc", (spared,)).to_json()).segments[0].spares == spared.spares
