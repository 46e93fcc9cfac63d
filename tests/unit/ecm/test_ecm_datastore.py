"""The element datastore: YANG and cross-construct validation, atomic commits, locks."""

from __future__ import annotations

from pathlib import Path

import pytest
from ecm_chain import fc

from cadenza.ecm.datastore import ElementDatastore
from cadenza.ecm.errors import ElementDown, RpcError
from cadenza.ecm.model import Edit, fc_to_raw
from cadenza.interfaces.adagio.contract import ForwardingConstruct


def replace(*fcs: ForwardingConstruct) -> list[Edit]:
    return [Edit("replace", "forwarding-construct", f.fc_id, fc_to_raw(f)) for f in fcs]


def commit(ds: ElementDatastore, *fcs: ForwardingConstruct) -> bool:
    ds.lock("candidate", "s1")
    try:
        ds.edit(replace(*fcs), "s1")
        return ds.commit("s1")
    finally:
        ds.unlock("candidate", "s1")


def test_a_committed_construct_is_running_and_counted(datastore: ElementDatastore) -> None:
    assert commit(datastore, fc()) is True
    assert datastore.running.fcs["svc-1"] == fc()
    assert datastore.commits == 1


def test_committing_the_same_construct_again_changes_nothing(datastore: ElementDatastore) -> None:
    commit(datastore, fc())
    assert commit(datastore, fc()) is False
    assert datastore.commits == 1


@pytest.mark.parametrize(("bad", "words"), [
    (fc(a=("uni9", 100)), ['svc-1', 'port']),
    (fc(a=("uni1", 4095)), ["svc-1", "vlan-id", "out of the allowed range"]),
    (fc(a=("uni1", 0)), ["svc-1", "vlan-id"]),
    (fc(cir_kbps=2_000_000), ["svc-1", "cir-kbps exceeds"]),
])
def test_an_invalid_construct_is_refused_naming_it(datastore: ElementDatastore, bad: ForwardingConstruct,
                                                   words: list[str]) -> None:
    with pytest.raises(RpcError) as refused:
        commit(datastore, bad)
    for word in words:
        assert word in refused.value.message
    assert datastore.running.fcs == {}
    assert datastore.commits == 0


def test_two_constructs_may_not_share_a_port_and_vlan(datastore: ElementDatastore) -> None:
    commit(datastore, fc("svc-1"))
    with pytest.raises(RpcError, match="vlan 100 is already used by 'svc-1'") as refused:
        commit(datastore, fc("svc-2", z=("nni", 200)))
    assert 'id="svc-2"' in refused.value.message


def test_a_port_based_end_point_owns_its_port(datastore: ElementDatastore) -> None:
    commit(datastore, fc("svc-1"))
    with pytest.raises(RpcError, match="port-based"):
        commit(datastore, fc("epl", a=("uni1", None), z=("nni", 300)))
    commit(datastore, fc("epl", a=("uni2", None), z=("nni", 300)))
    with pytest.raises(RpcError, match="used port-based by 'epl'"):
        commit(datastore, fc("svc-3", a=("uni2", 7), z=("nni", 301)))


def test_one_request_is_all_or_nothing(datastore: ElementDatastore) -> None:
    with pytest.raises(RpcError):
        commit(datastore, fc("good"), fc("bad", a=("nowhere", 1), z=("nni", 2)))
    assert datastore.running.fcs == {}
    assert datastore.get_config("candidate").fcs == {}


def test_a_locked_candidate_refuses_other_sessions(datastore: ElementDatastore) -> None:
    datastore.lock("candidate", "s1")
    with pytest.raises(RpcError) as denied:
        datastore.lock("candidate", "s2")
    assert denied.value.tag == "lock-denied"
    with pytest.raises(RpcError) as in_use:
        datastore.edit(replace(fc()), "s2")
    assert in_use.value.tag == "in-use"


def test_a_session_that_ends_loses_its_lock_and_uncommitted_changes(datastore: ElementDatastore) -> None:
    datastore.lock("candidate", "s1")
    datastore.edit(replace(fc()), "s1")
    datastore.release("s1")
    assert datastore.get_config("candidate").fcs == {}
    datastore.lock("candidate", "s2")


def test_delete_and_remove_follow_rfc6241(datastore: ElementDatastore) -> None:
    commit(datastore, fc())
    datastore.lock("candidate", "s1")
    with pytest.raises(RpcError) as missing:
        datastore.edit([Edit("delete", "forwarding-construct", "other")], "s1")
    assert missing.value.tag == "data-missing"
    datastore.edit([Edit("remove", "forwarding-construct", "other"), Edit("delete", "forwarding-construct", "svc-1")],
                   "s1")
    assert datastore.commit("s1") is True
    assert datastore.running.fcs == {}


def test_merge_changes_only_the_given_leaves(datastore: ElementDatastore) -> None:
    commit(datastore, fc())
    datastore.lock("candidate", "s1")
    datastore.edit([Edit("merge", "forwarding-construct", "svc-1",
                         {"id": "svc-1", "bandwidth-profile": {"cir-kbps": 70_000}})], "s1")
    datastore.commit("s1")
    assert datastore.running.fcs["svc-1"].bandwidth.cir_kbps == 70_000
    assert datastore.running.fcs["svc-1"].end_points == fc().end_points


def test_a_port_still_in_use_cannot_be_deleted(datastore: ElementDatastore) -> None:
    commit(datastore, fc())
    datastore.lock("candidate", "s1")
    with pytest.raises(RpcError, match="port"):
        datastore.edit([Edit("delete", "port", "uni1")], "s1")


def test_a_refusing_element_answers_every_edit_with_its_reason(datastore: ElementDatastore) -> None:
    datastore.refuse_edits("maintenance window")
    with pytest.raises(RpcError, match="maintenance window"):
        commit(datastore, fc())
    datastore.refuse_edits(None)
    assert commit(datastore, fc()) is True


def test_a_down_element_does_not_answer(datastore: ElementDatastore) -> None:
    datastore.up = False
    with pytest.raises(ElementDown):
        datastore.get_config()


def test_running_configuration_survives_a_restart(datastore: ElementDatastore, tmp_path: Path) -> None:
    commit(datastore, fc("svc-1"), fc("svc-2", ("uni2", None), ("nni", 200)))
    reborn = ElementDatastore("pe1", {"uni1": 1000, "uni2": 1000, "nni": 10000}, persist_path=tmp_path / "pe1.xml")
    assert reborn.running.fcs == datastore.running.fcs
    assert reborn.commits == 1
    assert reborn.configured_at == datastore.configured_at
    assert commit(reborn, fc("svc-1"), fc("svc-2", ("uni2", None), ("nni", 200))) is False


def test_a_commit_takes_the_configured_delay(tmp_path: Path) -> None:
    import time

    slow = ElementDatastore("pe1", {"uni1": 1000, "nni": 10000}, commit_delay_ms=50)
    started = time.perf_counter()
    commit(slow, fc())
    assert time.perf_counter() - started >= 0.05


def test_the_end_point_index_follows_every_change_as_if_built_afresh(datastore: ElementDatastore) -> None:
    import random

    from cadenza.ecm.model import ElementData
    from cadenza.ecm.validator import _index

    rng = random.Random(5)
    for step in range(300):
        fc_id = f"svc-{rng.randrange(12)}"
        port = rng.choice(["uni1", "uni2"])
        vlan = rng.choice([None, 10, 20, 30])
        datastore.lock("candidate", "s1")
        try:
            if fc_id in datastore.running.fcs and rng.random() < 0.4:
                datastore.edit([Edit("remove", "forwarding-construct", fc_id)], "s1")
            else:
                datastore.edit(replace(fc(fc_id, (port, vlan), ("nni", 100 + step % 3000))), "s1")
            datastore.commit("s1")
        except RpcError:
            datastore.discard("s1")  # a collision: refused, and the running content is unchanged
        finally:
            datastore.unlock("candidate", "s1")
        running = datastore.running
        derived = {port: {vlan: users for vlan, users in by_vlan.items() if users}
                   for port, by_vlan in _index(running).items()}
        fresh = _index(ElementData(running.ports, running.fcs))
        assert {p: v for p, v in derived.items() if v} == fresh, f"index drifted at step {step}"
    assert datastore.commits > 50


def test_a_commit_finds_exactly_the_changed_constructs_from_what_its_edits_touched(
        datastore: ElementDatastore) -> None:
    """Several edits per candidate, given built or raw, replaced, merged and removed: the
    constructs a commit reports and stamps are those a full comparison finds, the stored
    construct is the one the raw content describes, and a running configuration does not
    keep the one before it alive."""
    import random

    from cadenza.ecm.edits import changed_ids
    from cadenza.ecm.model import ElementData, fc_from_raw

    rng = random.Random(11)
    for step in range(200):
        before = datastore.running
        datastore.lock("candidate", "s1")
        try:
            for _ in range(rng.randrange(1, 4)):  # requests to the same candidate
                edits = []
                for _ in range(rng.randrange(1, 3)):  # edits in one request, maybe of one construct
                    fc_id = f"svc-{rng.randrange(6)}"
                    construct = fc(fc_id, ("uni1", 10 + rng.randrange(40)), ("nni", 100 + rng.randrange(40)),
                                   cir_kbps=rng.choice([1000, 2000]))
                    kind = rng.random()
                    if kind < 0.4:
                        edits.append(Edit("replace", "forwarding-construct", fc_id, fc_to_raw(construct), construct))
                    elif kind < 0.55:
                        edits.append(Edit("replace", "forwarding-construct", fc_id, fc_to_raw(construct)))
                    elif kind < 0.8:
                        more = {"bandwidth-profile": {"cir-kbps": 3000}}
                        edits += [Edit("replace", "forwarding-construct", fc_id, fc_to_raw(construct), construct),
                                  Edit("merge", "forwarding-construct", fc_id, more)]
                    else:
                        edits.append(Edit("remove", "forwarding-construct", fc_id))
                try:
                    datastore.edit(edits, "s1")
                except RpcError:
                    continue  # a collision refuses the request, and only it
                if edits[-1].operation == "merge":
                    held = datastore.get_config("candidate").fcs[edits[-1].key]
                    assert held.bandwidth.cir_kbps == 3000, "a merge after a built replace was lost"
            candidate = datastore.get_config("candidate")
            expected = changed_ids(ElementData(before.ports, before.fcs), ElementData(candidate.ports, candidate.fcs))
            assert changed_ids(before, candidate) == expected, f"step {step}"
            for construct in candidate.fcs.values():
                assert construct == fc_from_raw(fc_to_raw(construct))
            committed = datastore.commit("s1")
        finally:
            datastore.unlock("candidate", "s1")
        assert committed == bool(expected)
        assert set(datastore.configured_at) == set(datastore.running.fcs)
        if committed:
            assert all(datastore.configured_at[key] >= datastore.configured_at[other]
                       for key in expected if key in datastore.running.fcs for other in datastore.running.fcs)
        assert not {"edited-from", "touched"} & set(datastore.running.derived)
    assert datastore.commits > 50
