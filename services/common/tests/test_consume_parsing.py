"""The consumer's per-poll parsing: what handlers get must not depend on the shortcuts taken."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.structs import ConsumerRecord
from faststream.kafka.message import KafkaAckableMessage
from faststream.kafka.parser import AioKafkaBatchParser

from logmesh_runtime.kafka import _parse_poll, deliveries_of, delivery_of

TRACE = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]


def record(offset: int, headers: list) -> ConsumerRecord:
    return ConsumerRecord("logs.records", 0, offset, 1_000 + offset, 0, b"k", b"v%d" % offset, None, 1, 2, headers)


def test_deliveries_of_a_poll_equal_delivery_of_each_record() -> None:
    poll = [record(0, TRACE), record(1, list(TRACE)), record(2, []), record(3, [("bin", b"\xff\xfe")]),
            record(4, TRACE), record(5, None), record(6, [("a", b"1"), ("b", b"2")]), record(7, TRACE)]
    got = deliveries_of(poll)
    assert got == [delivery_of(raw) for raw in poll]
    assert got[3].headers == {"bin": "//4="}  # not UTF-8: base64, as before
    with pytest.raises(TypeError):  # shared by a run of equal headers, so nobody may change them
        got[0].headers["x"] = "y"  # type: ignore[index]
    assert got[0].headers is got[1].headers and got[2].headers == {}


def test_the_poll_parser_keeps_every_delivery_for_ack_and_nack() -> None:
    poll = tuple(deliveries_of([record(n, TRACE) for n in range(5)]))  # what the runtime's fetcher yields
    parser = AioKafkaBatchParser(KafkaAckableMessage, None)
    message = asyncio.run(_parse_poll(poll, parser.parse_batch))
    assert message.raw_message is poll
    assert message.headers == {"traceparent": TRACE[0][1].decode()}
    assert message.message_id == "0-0-1000"  # FastStream's id from the first record, as before


def test_a_polls_span_has_the_first_trace_as_parent_and_each_other_trace_linked_once() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from logmesh_runtime.kafka import Mesh
    from logmesh_runtime.metrics import Metrics
    from logmesh_runtime.settings import ServiceSettings

    other = [("traceparent", b"00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01")]
    poll = [record(0, TRACE), record(1, TRACE), record(2, other), record(3, other), record(4, TRACE), record(5, [])]
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    mesh = Mesh(ServiceSettings(service_name="t"), Metrics("t"), tracer_provider=provider)
    with mesh._consumer_span("logs.records", deliveries_of(poll)):
        pass
    (span,) = exporter.get_finished_spans()
    assert span.parent is not None and span.parent.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    # runs of equal headers are extracted once; the first trace is the parent, each other span linked once
    assert [link.context.trace_id for link in span.links] == [0x1AF7651916CD43DD8448EB211C80319C]
