"""The case base on a real Qdrant (local mode unless LOGMESH_TEST_QDRANT_URL names a server)."""

from __future__ import annotations

import json
from datetime import timedelta

from knowledge_storage.adapters.embedders import HashingEmbedder
from knowledge_storage.domain import case_point_id


def ids(part) -> list[str]:
    return [i.ref.removeprefix("case:") for i in part.items if i.attributes.get("type") == "similar-case"]


def answer(cases, incident, **kwargs):
    return cases.answer(incident, top_n=kwargs.pop("top_n", 5), threshold=kwargs.pop("threshold", 0.75), **kwargs)


def test_validated_case_is_served_for_a_similar_new_incident(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    cases.store_result(make.result("old-1"))
    new = make.incident("new-1")
    assert ids(answer(cases, new)) == []  # not validated yet
    cases.apply_feedback(make.verdict("old-1", "correct"))
    part = answer(cases, new)
    assert ids(part) == ["old-1"]
    item = part.items[0]
    assert "DATABASE_URL missing" in item.body
    assert float(item.attributes["similarity"]) >= 0.75
    assert item.attributes["embedding_model"] == "hashing-v1-d512"
    # the past verdict on the same alert comes along
    assert [i.attributes["verdict"] for i in part.items if i.attributes["type"] == "past-feedback"] == ["correct"]
    assert part.event_id == answer(cases, new).event_id  # a redelivered request gets the same identity


def test_rejected_case_is_never_served(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    cases.store_result(make.result("bad"))
    cases.apply_feedback(make.verdict("bad", "incorrect", corrected_root_cause="the node ran out of disk"))
    part = answer(cases, make.incident("new"), threshold=-1.0)
    assert ids(part) == []
    feedback = [i for i in part.items if i.attributes["type"] == "past-feedback"]
    assert "the node ran out of disk" in feedback[0].body  # the correction is still useful context


def test_threshold_and_top_n_are_honoured(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    for n in range(7):
        cases.store_result(make.result(f"crash-{n}", namespace=f"ns{n}"))
        cases.apply_feedback(make.verdict(f"crash-{n}"))
    cases.store_result(make.result("far", title="Pod billing-6c8d9f7b5-qq2lp in pay OOM killed",
                                   alertname="KubeContainerOOMKilled", excerpt="Killed process 1 (java)"))
    cases.apply_feedback(make.verdict("far"))
    new = make.incident("new")
    assert len(ids(answer(cases, new))) == 5
    assert len(ids(answer(cases, new, top_n=3))) == 3
    scored = cases.similar(new.model_copy(update={"category_hint": "unknown"}), top_n=10, threshold=-1.0,
                           same_namespace=False, feedback_items=0)[0]
    scores = {h.payload["incident_id"]: h.score for h in scored}
    assert scores["far"] < 0.75 <= min(v for k, v in scores.items() if k != "far")
    unhinted = new.model_copy(update={"category_hint": "unknown"})
    assert "far" not in ids(answer(cases, unhinted, top_n=10))  # below the threshold
    assert "far" in ids(answer(cases, unhinted, top_n=10, threshold=scores["far"] - 0.01))
    assert ids(answer(cases, unhinted, threshold=0.9999)) == []
    # namespace filtering, when asked for
    assert ids(answer(cases, new.model_copy(update={"target": new.target.model_copy(update={"namespace": "ns3"})}),
                      same_namespace=True)) == ["crash-3"]


def test_category_hint_filters_cases(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    cases.store_result(make.result("c1"))
    cases.apply_feedback(make.verdict("c1"))
    assert ids(answer(cases, make.incident("n1", category="oom-killed"))) == []
    assert ids(answer(cases, make.incident("n2", category="unknown"))) == ["c1"]


def test_redelivered_feedback_is_idempotent_and_a_changed_verdict_replaces(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    cases.store_result(make.result("c1"))
    first = make.verdict("c1", "correct", event_id="e1")
    assert cases.apply_feedback(first).changed
    for _ in range(3):
        assert not cases.apply_feedback(first).changed
    assert cases.stats()["overall"] == {"validated": 1, "rejected": 0, "unvalidated": 0, "accuracy": 1.0}
    assert cases.get("c1")["verdicts"] == {"correct": 1, "incorrect": 0}
    changed = make.verdict("c1", "incorrect", event_id="e2", at=make.now + timedelta(minutes=5))
    assert cases.apply_feedback(changed).validation == "rejected"
    assert cases.get("c1")["verdicts"] == {"correct": 0, "incorrect": 1}
    assert not cases.apply_feedback(first).changed  # the older verdict, redelivered late, does not win
    assert cases.get("c1")["validation"] == "rejected"
    assert cases.apply_feedback(make.verdict("c1", "correct", given_by="bob")).validation == "rejected"  # 1:1 tie
    assert cases.apply_feedback(make.verdict("c1", "correct", given_by="cy")).validation == "validated"


def test_feedback_before_its_analysis_is_applied_when_the_analysis_arrives(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    outcome = cases.apply_feedback(make.verdict("late", "correct"))
    assert not outcome.case_known
    assert cases.store_result(make.result("late")).validation == "validated"
    assert ids(answer(cases, make.incident("new"))) == ["late"]
    assert cases.stats()["by_model"]["openai/gpt-4o-mini"]["validated"] == 1
    # the verdict learned its case's alert name: it is found as past feedback for that alert
    past = cases.store.recent_verdicts(alertname="KubePodCrashLooping", category="", org="default", limit=5)
    assert [v["incident_id"] for v in past] == ["late"]


def test_storing_the_same_analysis_again_keeps_one_case_and_its_validation(open_cases, make) -> None:
    cases = open_cases()
    cases.ensure_schema()
    assert cases.store_result(make.result("c1")).created
    cases.apply_feedback(make.verdict("c1"))
    again = cases.store_result(make.result("c1"))
    assert (again.created, again.validation) == (False, "validated")
    assert cases.store.count_cases() == 1


def test_changing_the_embedding_model_re_embeds_every_case(open_cases, make) -> None:
    before = open_cases(HashingEmbedder(256))
    assert before.ensure_schema() == []
    before.store_result(make.result("c1"))
    before.apply_feedback(make.verdict("c1"))
    before.store_result(make.result("c2", title="Node worker-3 reports DiskPressure", alertname="KubeNodeDiskPressure",
                                    category="disk-pressure", excerpt="imagefs.available < 10%"))
    old_collection = before.store.cases

    after = open_cases(HashingEmbedder(384))
    stale = after.ensure_schema()
    assert stale == [old_collection]
    assert after.ensure_schema() == [old_collection]  # until the job ran
    assert after.reembed(stale) == {old_collection: 2}
    assert after.ensure_schema() == []
    case = after.get("c1")
    assert case["embedding_model"] == "hashing-v1-d384"
    assert case["validation"] == "validated"
    (point,) = after.store.client.retrieve(after.store.cases, ids=[case_point_id("c1")], with_vectors=True)
    assert len(point.vector) == 385  # 384 hashed + the calibration component
    assert ids(answer(after, make.incident("new"))) == ["c1"]


def test_delete_prune_export_and_import(open_cases, make, tmp_path) -> None:
    cases = open_cases()
    cases.ensure_schema()
    cases.store_result(make.result("old", completed_at=make.now - timedelta(days=400)))
    cases.store_result(make.result("new", completed_at=make.now))
    cases.apply_feedback(make.verdict("new", comment="spot on"))
    cases.store_result(make.result("gone"))
    assert cases.delete("gone") and not cases.delete("gone")
    cases.apply_feedback(make.verdict("never-analysed", at=make.now - timedelta(days=400)))
    assert cases.prune(365, now=make.now) == ["old"]
    assert cases.store.verdicts_for("never-analysed") == []
    assert cases.prune(0, now=make.now) == []  # 0 keeps everything

    lines = list(cases.export_lines())
    assert json.loads(lines[0])["format"] == "logmesh-cases/1"
    exported = [json.loads(line) for line in lines[1:]]
    assert [row["case"]["incident_id"] for row in exported] == ["new"]
    assert exported[0]["verdicts"][0]["comment"] == "spot on"

    other = open_cases(HashingEmbedder(128))  # another model: import re-embeds
    other.ensure_schema()
    for case_id in ("new",):
        other.delete(case_id)
    assert other.import_lines(lines) == {"cases": 1, "verdicts": 1, "skipped": 0}
    assert other.import_lines(lines)["cases"] == 1  # idempotent: same point, same verdict
    assert other.get("new")["validation"] == "validated"
    assert other.get("new")["embedding_model"] == "hashing-v1-d128"
    assert ids(answer(other, make.incident("q"))) == ["new"]
