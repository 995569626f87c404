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


def test_the_poll_parser_keeps_every_record_for_ack_and_nack() -> None:
    poll = tuple(record(n, TRACE) for n in range(5))
    parser = AioKafkaBatchParser(KafkaAckableMessage, None)
    message = asyncio.run(_parse_poll(poll, parser.parse_batch))
    assert message.raw_message == poll
    assert message.headers == {"traceparent": TRACE[0][1].decode()}
