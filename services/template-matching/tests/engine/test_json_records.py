"""JSON records (one JSON object per line): split into key and value tokens, compared field
by field; the message field is the event text (docs/decisions/template-engine.md, "JSON
records")."""

from __future__ import annotations

import random

import pytest
import template_native

from template_matching.engine import TemplateEngine
from template_matching.engine.masking import json_record, render_tokens


def _alb(msg: str, i: int, targets: int) -> str:
    tg = ",".join(f'{{"id":"i-0{i + k:07x}","port":{8080 + k}}}' for k in range(targets))
    return (
        f'{{"level":"info","ts":"2026-12-03T10:{i % 60:02d}:{(7 * i) % 60:02d}.{i:03d}Z","msg":"{msg}",'
        f'"arn":"arn:aws:elasticloadbalancing:eu-west-1:1234:targetgroup/k8s-web-{i:04x}/{i:016x}","targets":[{tg}]}}'
    )


def _gatekeeper(i: int) -> str:
    # few-valued fields (2-3 values each, varying together), an empty string value
    name, kind = [("require-team-label", "K8sRequiredLabels"), ("no-latest-tag", "K8sDisallowedTags")][i % 2]
    group, rkind = [("", "Pod"), ("apps", "Deployment"), ("", "Namespace")][i % 3]
    user = ["system:serviceaccount:argocd:argocd-application-controller", "alice@example.com"][(i // 3) % 2]
    return (
        f'{{"level":"info","ts":1764763{i:03d}.{i * 7 % 1000:03d},"logger":"webhook","msg":"denied admission",'
        f'"process":"admission","constraint_name":"{name}","constraint_kind":"{kind}","resource_group":"{group}",'
        f'"resource_kind":"{rkind}","resource_name":"web-{i}","request_username":"{user}"}}'
    )


def test_a_record_is_split_into_keys_values_and_message_words() -> None:
    raw, masked = json_record(_alb("registering targets", 3, 2)) or ([], [])
    assert masked == [
        '{"level":', '"info"', ',"ts":', '"<*>"', ',"msg":', '"registering', 'targets"',
        ',"arn":', '"<*>"', ',"targets":', "[<*>]}",
    ]  # fmt: skip
    assert "".join(raw[:2]) == '{"level":"info"'
    # the template text of a compact record is written as the record was (no spaces added)
    assert (
        render_tokens(masked) == '{"level":"info","ts":"<*>","msg":"registering targets","arn":"<*>","targets":[<*>]}'
    )
    # not one JSON object: whitespace tokens as before
    for line in ['{"a":1} trailing', '{"a":', "{}", '{"a" 1}', 'level=info msg="{x}"', '["a","b"]']:
        assert json_record(line) is None


def test_one_statement_with_different_field_values_is_one_template() -> None:
    for final in (False, True):
        e = TemplateEngine()
        lines = [_gatekeeper(i) for i in range(40)]
        seqs = [e.assign(line)[0] for line in lines]
        if final:
            assert len({e.current(s)[2] for s in seqs}) == 1
        else:
            templates = e.templates()
            assert len(templates) == 1, templates
    ((_, template, count),) = e.templates()
    assert count == 40
    assert '"resource_kind":"<*>"' in template and '"msg":"denied admission"' in template
    assert '"logger":"webhook"' in template  # a field that never varies stays a constant


def test_targets_lists_of_any_length_are_one_value() -> None:
    e = TemplateEngine()
    for i in range(30):
        e.add(_alb("registering targets", i, 1 + i % 4))
    assert [t for _, t, _ in e.templates()] == [
        '{"level":"info","ts":"<*>","msg":"registering targets","arn":"<*>","targets":[<*>]}'
    ]


def test_two_statements_differing_in_the_message_stay_apart() -> None:
    e = TemplateEngine()
    rng = random.Random(5)
    for i in range(60):
        e.add(_alb(rng.choice(["registering targets", "deregistering targets"]), i, 1 + i % 3))
    assert sorted(t for _, t, _ in e.templates()) == [
        '{"level":"info","ts":"<*>","msg":"deregistering targets","arn":"<*>","targets":[<*>]}',
        '{"level":"info","ts":"<*>","msg":"registering targets","arn":"<*>","targets":[<*>]}',
    ]


def test_records_with_other_keys_stay_apart() -> None:
    e = TemplateEngine()
    for i in range(20):
        ts = f"2026-12-03T10:00:{i:02d}Z"
        e.add(f'{{"level":"info","ts":"{ts}","msg":"Reconcile succeeded","duration":{i}.5}}')
        e.add(f'{{"severity":"info","timestamp":"{ts}","message":"Reconcile succeeded","duration":{i}.5}}')
        e.add(f'{{"level":"info","ts":"{ts}","msg":"Reconcile succeeded","latency":{i}.5}}')
    assert len(e.templates()) == 3


@pytest.mark.parametrize(
    "line",
    [
        '{"a": 1, "msg": "hello  world Mon", "e":"x y z", "n":{"k":[1,{"x":"]"}]}, "b":true}',
        ' {"msg":"say \\"hi\\" é","x":"\\\\","y":null} ',
        '{"a":[],"b":{},"c":[ ],"d":""}',
        '{"msg":"","err":{"type":"Error","message":"connect ECONNREFUSED 10.0.0.1:5432"}}',
        '{"a":1,"b":[1,2}',
        '{"a":"unterminated}',
        '{"x":1,}',
        '{"a":{"b":{"c":1,"d":[{"e":2}]},"f":{}},"g":{"Service/shop/web":"created"},"h":{"ok":{"x-y":1}}}',
        '{"a":{"b":1,"c":}}',
        '{"a":{"b":1 "c":2}}',
        '{"a":{ },"b":{"msg":"two words"},"msg":"three more words"}',
    ],
)
def test_native_record_split_equals_the_reference(line: str) -> None:
    e = TemplateEngine()
    assert list(e._mask(line)) == list(e._mask_reference(line))
    assert template_native.mask_line(line)[0] == list(e._mask_reference(line))


def test_a_loaded_record_template_matches_its_lines() -> None:
    learner = TemplateEngine()
    for i in range(30):
        learner.add(_gatekeeper(i))
    texts = [t for _, t, _ in learner.templates()]
    e = TemplateEngine()
    e.load(texts)
    m = e.match(_gatekeeper(77))
    assert m is not None and m.template == texts[0]


def _audit(i: int, forbidden: bool) -> str:
    # Kubernetes audit events (audit.k8s.io/v1, level Metadata): an allowed request names the
    # object; a refused one has no object name and a failure status with its own fields
    ns, res, verb = [("platform", "secrets", "get"), ("payments", "configmaps", "list"), ("shop", "pods", "watch")][i % 3]
    head = (
        f'{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5ac82c0b-d994-8c85-{i:04x}-'
        f'ea743cd9c85c","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/{ns}/{res}","verb":"{verb}",'
        f'"user":{{"username":"system:serviceaccount:{ns}:default","groups":["system:serviceaccounts"]}},'
        f'"sourceIPs":["10.42.{i % 7}.{i % 200}"],"userAgent":"kubectl/v1.30.2 (linux/amd64) kubernetes/3968350",'
    )
    if forbidden:
        return head + (
            f'"objectRef":{{"resource":"{res}","namespace":"{ns}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},'
            f'"status":"Failure","message":"{res} is forbidden","reason":"Forbidden","code":403}},'
            f'"requestReceivedTimestamp":"2026-12-03T17:23:{i % 60:02d}.944188Z",'
            '"annotations":{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}'
        )
    return head + (
        f'"objectRef":{{"resource":"{res}","namespace":"{ns}","name":"web-{i % 4}","apiVersion":"v1"}},'
        f'"responseStatus":{{"metadata":{{}},"code":200}},"requestReceivedTimestamp":"2026-12-03T17:23:{i % 60:02d}.944188Z",'
        f'"annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by '
        f'RoleBinding \\"{ns}-readers\\""}}}}'
    )


def test_a_nested_object_of_field_names_is_split_into_its_keys_and_values() -> None:
    _, masked = json_record(_audit(5, forbidden=False)) or ([], [])
    at = masked.index(',"objectRef":')
    assert masked[at : at + 9] == [
        ',"objectRef":', '{"resource":', '"pods"', ',"namespace":', '"shop"', ',"name":', '"<*>"',
        ',"apiVersion":', '"<*>"}',
    ]  # fmt: skip
    assert masked[at + 9 : at + 11] == [',"responseStatus":', '{"metadata":']
    # a map keyed by names (annotations, Flux's applied objects) is one value, as before
    assert masked[-2] == ',"annotations":' and masked[-1].startswith('{"<*>/decision":"allow"')
    _, masked = json_record('{"msg":"applied","output":{"Service/shop/web":"created"}}') or ([], [])
    assert masked == ['{"msg":', '"applied"', ',"output":', '{"Service/shop/web":"created"}}']
    # a "msg" key inside a nested object is a field's value, not the record's message
    _, masked = json_record('{"op":"worker.status","data":{"msg":"status ticking shutting down"}}') or ([], [])
    assert masked == ['{"op":', '"worker.status"', ',"data":', '{"msg":', '"status ticking shutting down"}}']


def test_audit_events_of_two_statements_stay_apart_and_each_is_one_template() -> None:
    # before the sixteenth pass both nested objects were one value each ("objectRef":<*>)
    # and the allowed and refused requests were one template
    for final in (False, True):
        e = TemplateEngine()
        seqs = [e.assign(_audit(i, forbidden=i % 5 == 0))[0] for i in range(60)]
        groups = {e.current(s)[2] for s in seqs} if final else {t for _, t, _ in e.templates()}
        assert len(groups) == 2, groups
    assert all('"objectRef":{"resource":"<*>","namespace":"<*>"' in t for _, t, _ in e.templates())


_KEYS = ['"level"', '"msg"', '"message"', '"user_id"', '"objectRef"', '"Service/shop/web"', '"a-b"', '"_x"',
         '"9lives"', '"k8s"', '"x y"', '"é"', '""']
_SCALARS = ['"a b 10.0.0.1"', '"info"', "12", "-3.5e2", "true", "null", '""', '"say \\"hi\\""', '"Jul 4 10:00:01"']


def _json_value(rng: random.Random, depth: int) -> str:
    pick = rng.random()
    if depth < 3 and pick < 0.3:
        keys = rng.sample(_KEYS, rng.randint(0, 3))
        return "{" + ",".join(f"{k}:{_json_value(rng, depth + 1)}" for k in keys) + "}"
    if depth < 3 and pick < 0.4:
        return "[" + ",".join(_json_value(rng, depth + 1) for _ in range(rng.randint(0, 2))) + "]"
    return rng.choice(_SCALARS)


def test_native_nested_records_equal_the_reference_on_fuzzed_lines() -> None:
    # nested objects of field names, maps of names, arrays, empty objects, messages at every depth
    rng = random.Random(16)
    e = TemplateEngine()
    for _ in range(3000):
        keys = rng.sample(_KEYS, rng.randint(1, 5))
        line = "{" + ",".join(f"{k}:{_json_value(rng, 1)}" for k in keys) + "}"
        if rng.random() < 0.1:  # a broken record is split on whitespace, by both
            line = line[: rng.randint(1, len(line))]
        assert template_native.mask_line(line)[0] == list(e._mask_reference(line)), line
        assert list(e._mask(line)) == list(e._mask_reference(line)), line
