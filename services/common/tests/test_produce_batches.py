"""The produce path's native record batches (``runtime_native.write_batches`` behind ``Mesh.publish_many``)
against aiokafka's own ``BatchBuilder``: the same bytes for the same records and timestamp, through the
accumulator's producer-state stamping too, and records read back from a real broker equal to what was sent.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.producer.message_accumulator import BatchBuilder, MessageAccumulator
from aiokafka.producer.transaction_manager import TransactionManager
from aiokafka.record.default_records import DefaultRecordBatch, _DefaultRecordBatchBuilderPy
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition
from runtime_native import with_producer_state, write_batches, write_publish

from logmesh_contracts import Feedback
from logmesh_contracts.topics import FEEDBACK, LOGS_RAW
from logmesh_runtime.kafka import Delivery, Mesh, _BatchWriter, _WrittenBatch, encode
from logmesh_runtime.service import Service
from logmesh_runtime.settings import ServiceSettings
from logmesh_testing import read_topic, wait_until

CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
TS = 1_796_335_200_123
TRACE = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]

Message = tuple[bytes | None, bytes | None]


def aiokafka_batches(messages: Sequence[Message], headers: list[tuple[str, Any]], timestamp: int, batch_size: int,
                     codec: int, builder_class: Any = None) -> list[tuple[bytes, int]]:
    """What the runtime's previous path built: aiokafka's BatchBuilder per partition, a new one when it is full."""
    def new() -> BatchBuilder:
        builder = BatchBuilder(batch_size, codec)
        if builder_class is not None:  # aiokafka's pure-Python builder instead of its Cython one
            builder._builder = builder_class(2, codec, 0, -1, -1, 0, batch_size)
        return builder

    out: list[tuple[bytes, int]] = []
    builder = new()
    for key, value in messages:
        if builder.append(key=key, value=value, timestamp=timestamp, headers=headers) is None:
            out.append((bytes(builder._build()), builder.record_count()))
            builder = new()
            assert builder.append(key=key, value=value, timestamp=timestamp, headers=headers) is not None
    if builder.record_count():
        out.append((bytes(builder._build()), builder.record_count()))
    return out


def native_batches(messages: Sequence[Message], headers: list[tuple[str, Any]], timestamp: int, batch_size: int,
                   codec: int) -> list[tuple[bytes, int]]:
    return [(bytes(b), n) for b, n in write_batches(list(messages), headers, timestamp, batch_size, codec,
                                                    _BatchWriter._COMPRESSORS[codec])]


def assert_same(messages: Sequence[Message], headers: list[tuple[str, Any]], batch_size: int, codec: int) -> None:
    for _attempt in range(3):  # gzip stamps the current second into its header: both sides must share it
        second = int(time.time())
        expected = aiokafka_batches(messages, headers, TS, batch_size, codec)
        written = native_batches(messages, headers, TS, batch_size, codec)
        if int(time.time()) == second:
            break
    assert written == expected
    if codec != CODECS["gzip"] and len(expected) == 1:
        # aiokafka uses its Cython builder (the reference above); its pure-Python one agrees except where a batch is
        # full (it lets a record end exactly at the limit) and for a section compression does not shrink (sent as is)
        python = aiokafka_batches(messages, headers, TS, batch_size, codec, _DefaultRecordBatchBuilderPy)
        if DefaultRecordBatch(python[0][0]).compression_type == codec:
            assert written == python


def scenario_messages(n: int, seed: int = 7) -> list[Message]:
    rng = random.Random(seed)
    return [
        (f"org-{rng.randrange(3)}/svc-{rng.randrange(8)}".encode(),
         (f'{{"message":"request {i} took {rng.randrange(5000)} ms","level":"INFO","service":"svc"}}').encode())
        for i in range(n)
    ]


@pytest.mark.parametrize("codec", list(CODECS))
def test_the_same_bytes_as_aiokafka_for_every_codec(codec: str) -> None:
    odd: list[Message] = [
        (None, b"keyless"), (b"", b""), (b"k", None), (None, None), (b"\x00\xff" * 40, b"v" * 3000),
        ("ключ".encode(), "значение ☃ 𝄞".encode()), (b"k" * 200, b"\x00" * 129),
    ]
    for headers in ([], TRACE, [("a", None), ("", b""), ("ünï", b"\x00\x01"), ("b", b"x" * 300)]):
        assert_same(odd, headers, 1 << 20, CODECS[codec])
        assert_same(scenario_messages(2_000), headers, 256 * 1024, CODECS[codec])
        assert_same(scenario_messages(3_000, seed=1), headers, 16 * 1024, CODECS[codec])  # many splits


def test_batch_size_splits_at_aiokafka_edges() -> None:
    """Sizes around each record boundary: a record that just fits stays, one byte more starts a new batch; a record
    larger than the limit still goes (alone) into an empty batch."""
    messages = [(b"key", bytes([65 + i % 26]) * (10 + i)) for i in range(60)]
    for batch_size in [*range(61, 400), 1024, 4096, 4097, 100_000]:
        assert_same(messages, TRACE, batch_size, CODECS["none"])
    for batch_size in range(61, 700, 7):
        assert_same(messages, [], batch_size, CODECS["zstd"])
    assert_same([(None, b"x" * 70_000), (None, b"y" * 70_000), (b"k", b"")], TRACE, 65_536, CODECS["lz4"])


def test_incompressible_records_are_compressed_as_aiokafka_compresses_them() -> None:
    rng = random.Random(3)
    messages = [(None, rng.randbytes(200)) for _ in range(50)]
    for codec in ("snappy", "lz4", "zstd"):
        written = native_batches(messages, [], TS, 1 << 20, CODECS[codec])
        assert written == aiokafka_batches(messages, [], TS, 1 << 20, CODECS[codec])
        batch = DefaultRecordBatch(written[0][0])
        assert batch.compression_type == CODECS[codec] and [r.value for r in batch] == [v for _, v in messages]


def test_fuzzed_records_headers_sizes_and_codecs() -> None:
    rng = random.Random(21)

    def blob() -> bytes | None:
        kind = rng.random()
        if kind < 0.1:
            return None
        if kind < 0.2:
            return b""
        if kind < 0.25:
            return rng.randbytes(rng.randrange(1000, 9000))
        return bytes(rng.choice(b"abc{}\":,0123456789 \x00\xff\x80") for _ in range(rng.randrange(1, 300)))

    for _ in range(150):
        messages = [(blob(), blob()) for _ in range(rng.randrange(1, 120))]
        headers = [("".join(rng.choice("abc-ü_") for _ in range(rng.randrange(0, 12))), blob())
                   for _ in range(rng.choice([0, 0, 1, 2, 5]))]
        batch_size = rng.choice([61, 100, 500, 2_000, 16_384, 1 << 20])
        codec = rng.choice([0, 2, 3, 4, 4])
        assert_same(messages, headers, batch_size, codec)


def test_a_whole_publish_placed_and_written_as_the_fallback_path_places_and_aiokafka_builds() -> None:
    """``write_publish`` (one call per publish) against the fallback: ``Mesh._placed`` groups the records, aiokafka's
    builder writes each partition's; str, bytes and None keys, contract models encoded by the runtime."""
    mesh = Mesh(ServiceSettings(service_name="ingestion"), _metrics())
    partitions = [0, 1, 2, 3, 4]
    rng = random.Random(9)
    model = Feedback(event_id="fb-1", incident_id="inc-1", verdict="correct", given_by="t", given_at=_now(),
                     channel="http")
    items: list[Any] = []
    for i in range(4_000):
        key = rng.choice([None, "org/svc-1", b"org/svc-1", "org/svc-2", "ünï", "", b"\xff\x00", "k" * 300])
        items.append((key, model if i % 500 == 0 else f"value {i} {'x' * rng.randrange(300)}".encode()))
    for codec, batch_size in ((0, 16_384), (4, 256 * 1024), (2, 4_096)):
        random.seed(4)  # keyless records: the same random partition on both sides
        expected = [(partition, aiokafka_batches(messages, TRACE, TS, batch_size, codec))
                    for partition, messages in mesh._placed(items, partitions).items()]
        random.seed(4)
        place = functools.partial(mesh._place, partitions)
        written = [(partition, [(bytes(b), n) for b, n in batches]) for partition, batches in write_publish(
            items, place, encode, TRACE, TS, batch_size, codec, _BatchWriter._COMPRESSORS[codec])]
        assert written == expected and len(written) >= 3

    calls: list[Any] = []

    def counting(key: Any) -> tuple[bytes | None, int]:
        calls.append(key)
        return mesh._place(partitions, key)

    write_publish(items, counting, encode, [], TS, 1 << 20, 0, None)
    assert sorted(map(repr, calls)) == sorted(map(repr, {key for key, _ in items}))  # each distinct key once
    with pytest.raises(TypeError):
        write_publish([(["unhashable"], b"v")], counting, encode, [], TS, 1024, 0, None)
    with pytest.raises(TypeError):
        write_publish([("k", b"v")], lambda key: ("not bytes", 0), encode, [], TS, 1024, 0, None)
    assert write_publish([], counting, encode, TRACE, TS, 1024, 0, None) == []


def test_producer_state_through_aiokafka_accumulator() -> None:
    """The sender's path: the accumulator stamps an idempotent producer's id, epoch and sequence into each batch it
    pops (``_set_producer_state``), then the request takes ``get_data_buffer()``; the bytes equal aiokafka's."""
    async def popped(make: Any) -> list[bytes]:
        txn = TransactionManager(None, 60_000)
        txn.set_pid_and_epoch(4_242, 7)
        accumulator = MessageAccumulator(None, 1024, CODECS["zstd"], 30, txn_manager=txn)
        tp = TopicPartition("logs.raw", 1)
        out = []
        for builder in make():
            await accumulator.add_batch(builder, tp, 5)
            batch = accumulator._pop_batch(tp)
            out.append(bytes(batch.get_data_buffer()))
            batch.done(0)
        return out

    messages = scenario_messages(200)

    def theirs() -> list[BatchBuilder]:
        builders, builder = [], BatchBuilder(1024, CODECS["zstd"])
        for key, value in messages:
            if builder.append(key=key, value=value, timestamp=TS, headers=TRACE) is None:
                builders.append(builder)
                builder = BatchBuilder(1024, CODECS["zstd"])
                builder.append(key=key, value=value, timestamp=TS, headers=TRACE)
        return [*builders, builder]

    def ours() -> list[_WrittenBatch]:
        [(_, written)] = _BatchWriter(1024, CODECS["zstd"]).write_publish(messages, lambda key: (key, 1), TRACE, TS)
        return written

    expected, written = asyncio.run(popped(theirs)), asyncio.run(popped(ours))
    assert len(written) > 10 and written == expected
    sequences = [DefaultRecordBatch(b).base_sequence for b in written]
    assert sequences[0] == 0 and sequences == sorted(sequences)
    for data in written:
        batch = DefaultRecordBatch(data)
        assert (batch.producer_id, batch.producer_epoch) == (4_242, 7) and batch.validate_crc()


def test_producer_state_patch_is_a_new_checksummed_batch() -> None:
    [(data, _)] = native_batches(scenario_messages(10), TRACE, TS, 1 << 20, 0)
    patched = with_producer_state(data, 2**40, 3, 17)
    batch = DefaultRecordBatch(patched)
    assert (batch.producer_id, batch.producer_epoch, batch.base_sequence) == (2**40, 3, 17) and batch.validate_crc()
    assert DefaultRecordBatch(data).producer_id == -1  # the written batch itself is left alone
    with pytest.raises(ValueError):
        with_producer_state(b"\x00" * 10, 1, 1, 1)


def test_the_written_batch_as_the_accumulator_sees_it() -> None:
    [(_, [written])] = _BatchWriter(1 << 20, 0).write_publish(scenario_messages(5), lambda key: (key, 0), [], TS)
    assert written.closed() and written.record_count() == 5 and written.size() == len(written._build())
    assert written.append(timestamp=None, key=b"k", value=b"v") is None  # full: send() never adds to it
    records = list(next(iter([MemoryRecords(written._build()).next_batch()])))
    assert [r.value for r in records] == [v for _, v in scenario_messages(5)] and records[0].timestamp == TS


def test_bad_input_is_refused_like_aiokafka_refuses_it() -> None:
    with pytest.raises(TypeError):
        write_batches([("key", b"v")], [], TS, 1024, 0, None)
    with pytest.raises(TypeError):
        write_batches([(None, 3)], [], TS, 1024, 0, None)
    with pytest.raises(TypeError):
        write_batches([(None, b"v")], [("h", "not bytes")], TS, 1024, 0, None)
    with pytest.raises(ValueError):
        write_batches([(None, b"v")], [], TS, 1024, 4, None)  # a codec without its compressor
    assert write_batches([], TRACE, TS, 1024, 0, None) == []


async def test_the_writer_stays_out_where_aiokafka_builder_must_build() -> None:
    plain = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", compression_type="zstd", max_batch_size=4096)
    writer = _BatchWriter.for_producer(plain)
    assert writer is not None and (writer.batch_size, writer.codec) == (4096, CODECS["zstd"])
    transactional = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", transactional_id="tx-1")
    assert _BatchWriter.for_producer(transactional) is None
    serializing = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", value_serializer=bytes)
    assert _BatchWriter.for_producer(serializing) is None


def settings(bootstrap: str, prefix: str, **overrides: object) -> ServiceSettings:
    values = {"service_name": "ingestion", "kafka_bootstrap": bootstrap, "topic_prefix": prefix,
              "shutdown_grace_s": 1.0, **overrides}
    return ServiceSettings(**values)


@pytest.mark.broker
@pytest.mark.parametrize("compression", ["zstd", "none"])
async def test_published_records_read_back_equal_through_the_broker(
    kafka_bootstrap: str, topic_prefix: str, compression: str,
) -> None:
    """Through Tansu: every record where the default partitioner puts its key, in order per key, keys None and
    values empty included, with the publish's trace headers; small batches force splits."""
    mesh = Mesh(settings(kafka_bootstrap, topic_prefix, kafka_compression=compression, kafka_batch_bytes=4096),
                _metrics())
    await mesh.start_producer()
    try:
        assert mesh._writer is not None
        rng = random.Random(5)
        items: list[tuple[str | bytes | None, bytes]] = []
        for i in range(3_000):
            key = rng.choice([None, "org/svc-1", b"org/svc-2", "org/svc-3", "ünï/svc", ""])
            items.append((key, b"" if i % 97 == 0 else f'{{"n":{i},"pad":"{"x" * rng.randrange(400)}"}}'.encode()))
        feedback = Feedback(event_id="fb-1", incident_id="inc-1", verdict="correct", given_by="t",
                            given_at=_now(), channel="http")
        items.append(("inc-1", feedback))  # a contract model, encoded by the runtime
        assert await mesh.publish_many(LOGS_RAW, items, headers={"x-logmesh-org": "org"}) == len(items)
        partitions = sorted(await mesh._producer.partitions_for(topic_prefix + LOGS_RAW.name))
    finally:
        await mesh.stop()

    records = await read_topic(kafka_bootstrap, topic_prefix + LOGS_RAW.name, timeout_s=20)
    assert len(records) == len(items)
    by_key: dict[bytes | None, list[bytes]] = {}
    keyless_partitions = set()
    for record in records:
        assert record.timestamp > 0 and record.headers == records[0].headers  # the publish's headers, on each
        assert dict(record.headers)["x-logmesh-org"] == b"org"
        if record.key is None:
            keyless_partitions.add(record.partition)
        else:
            assert record.partition == mesh._partition_of(record.key, partitions)
        by_key.setdefault(record.key, []).append(record.value)
    assert len(keyless_partitions) == 1  # sticky: one partition per publish
    expected: dict[bytes | None, list[bytes]] = {}
    for key, value in items:
        wire = value if isinstance(value, bytes) else value.model_dump_json().encode()
        expected.setdefault(key.encode() if isinstance(key, str) else key, []).append(wire)
    assert by_key == expected  # per-key order kept


@pytest.mark.broker
async def test_the_mesh_consumes_what_it_published_natively(kafka_bootstrap: str, topic_prefix: str) -> None:
    seen: list[str] = []

    async def handle(events: list[Feedback], _deliveries: list[Delivery]) -> None:
        seen.extend(event.event_id for event in events)

    service = Service(settings(kafka_bootstrap, topic_prefix, service_name="knowledge-storage"))
    service.mesh.consume_batch(FEEDBACK, handle)
    async with service.running():
        assert service.mesh._writer is not None
        await service.mesh.publish_many(FEEDBACK, [
            (f"inc-{n % 5}", Feedback(event_id=f"fb-{n}", incident_id=f"inc-{n % 5}", verdict="correct",
                                      given_by="t", given_at=_now(), channel="http"))
            for n in range(500)
        ])
        await wait_until(lambda: len(seen) >= 500, timeout_s=30)
    assert sorted(seen) == sorted(f"fb-{n}" for n in range(500))


def _metrics() -> Any:
    from logmesh_runtime.metrics import Metrics

    return Metrics("ingestion")


def _now() -> Any:
    from logmesh_contracts import utcnow

    return utcnow()
