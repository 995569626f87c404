"""The fetcher's ``Delivery`` unpacking (``_DeliveryRecords``) against aiokafka's own, on the same fetched bytes.

aiokafka is pinned exactly; the runtime relies on a few of its internals (which name the Fetcher calls for each
partition's data, with which arguments, and how FetchResult drains it). The first tests fail loudly when those
change; the rest hold the deliveries, the skipped batches and the fetch positions equal to aiokafka's.
"""

from __future__ import annotations

import importlib.util
import inspect
import random
import struct
import sys

import aiokafka
import pytest
from aiokafka.consumer import fetcher as aiokafka_fetcher
from aiokafka.consumer.subscription_state import SubscriptionState
from aiokafka.errors import CorruptRecordException
from aiokafka.record._crc32c import crc as crc32c
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.legacy_records import LegacyRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import TopicPartition

from logmesh_runtime import kafka
from logmesh_runtime.kafka import AS_DELIVERIES, Delivery, deliveries_of

TP = TopicPartition("logs.raw", 2)
TRACE = [("traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
CODECS = {"none": 0, "gzip": 1, "snappy": 2, "lz4": 3, "zstd": 4}
READ_UNCOMMITTED, READ_COMMITTED = 0, 1
CONTROL = 0x20


def batch(base: int, records: list[tuple[bytes | None, bytes | None, list]], *, codec: str = "zstd",
          producer_id: int = -1, transactional: bool = False, attributes: int = 0) -> bytes:
    """One v2 record batch as a broker returns it: offsets from ``base``, CRC over the final attributes."""
    builder = DefaultRecordBatchBuilder(2, CODECS[codec], int(transactional), producer_id, 0 if producer_id >= 0
                                        else -1, -1, 1 << 20)
    for index, (key, value, headers) in enumerate(records):
        assert builder.append(index, 1_796_335_200_000 + base + index, key, value, headers) is not None
    data = bytearray(builder.build())
    data[0:8] = struct.pack(">q", base)
    if attributes:
        data[21:23] = struct.pack(">h", struct.unpack(">h", data[21:23])[0] | attributes)
        data[17:21] = struct.pack(">I", crc32c(bytes(data[21:])))
    return bytes(data)


def marker(base: int, producer_id: int, abort: bool) -> bytes:
    """A transaction's commit or abort marker: a control batch of one record keyed (version 0, type)."""
    return batch(base, [(struct.pack(">hh", 0, 0 if abort else 1), struct.pack(">hi", 0, 0), [])],
                 codec="none", producer_id=producer_id, transactional=True, attributes=CONTROL)


def both(data: bytes, *, fetch_offset: int = 0, aborted: list | None = None, isolation: int = READ_UNCOMMITTED,
         check_crcs: bool = True) -> tuple[object, object]:
    """aiokafka's own PartitionRecords and the runtime's, over the same fetched bytes."""
    def make(kind: type, key_deserializer: object) -> object:
        # the Fetcher's MemoryRecords (the runtime's, keeping the bytes for the native unpacking)
        return kind(TP, aiokafka_fetcher.MemoryRecords(data), list(aborted or []), fetch_offset, key_deserializer, None,
                    check_crcs, isolation)
    return make(kafka._AIOKAFKA_PARTITION_RECORDS, None), make(kafka._DeliveryRecords, AS_DELIVERIES)


def drain(theirs: object, ours: object) -> tuple[list[Delivery], list[Delivery]]:
    theirs_list = list(theirs)  # type: ignore[call-overload]
    ours_list = list(ours)  # type: ignore[call-overload]
    assert ours.next_fetch_offset == theirs.next_fetch_offset  # type: ignore[attr-defined]
    return ours_list, deliveries_of(theirs_list)


# ---------------------------------------------------------------------------- the pinned internals


def test_the_aiokafka_internals_the_runtime_relies_on_are_still_there() -> None:
    assert aiokafka.__version__ == "0.14.0", "re-check _DeliveryRecords against the new aiokafka, then re-pin"
    assert aiokafka_fetcher.PartitionRecords is kafka._partition_records, "the Fetcher would build ConsumerRecords"
    base = kafka._AIOKAFKA_PARTITION_RECORDS
    assert list(inspect.signature(base.__init__).parameters) == [
        "self", "tp", "records", "aborted_transactions", "fetch_offset", "key_deserializer", "value_deserializer",
        "check_crcs", "isolation_level"]
    assert all(hasattr(base, name) for name in ("_consume_aborted_up_to", "_contains_abort_marker", "__next__"))
    # the Fetcher looks the name up in its module when data arrives, and passes the consumer's key_deserializer
    assert "PartitionRecords(" in inspect.getsource(aiokafka_fetcher.Fetcher._proc_fetch_request)
    assert "self._key_deserializer" in inspect.getsource(aiokafka_fetcher.Fetcher._proc_fetch_request)
    # ... and makes the partition's MemoryRecords by its module's name too: the runtime's keeps the bytes
    assert "records = MemoryRecords(part_data[-1])" in inspect.getsource(aiokafka_fetcher.Fetcher._proc_fetch_request)
    assert aiokafka_fetcher.MemoryRecords is kafka._FetchedRecords
    assert kafka._FetchedRecords(b"abc").fetched == b"abc"
    # FetchResult.getall is the runtime's for its records; the rest of FetchResult is aiokafka's, reading
    # next_fetch_offset for positions (pause, seek, rebalance) and dropping records with _partition_records = None
    assert aiokafka_fetcher.FetchResult.getall is kafka._getall
    getall = inspect.getsource(kafka._aiokafka_getall)
    for part in ("self.check_assignment(tp)", "self.has_more()", "self._update_position()",
                 "self._partition_records = None"):
        assert part in getall
    assert "next_fetch_offset" in inspect.getsource(aiokafka_fetcher.FetchResult.check_assignment)
    assert "next_fetch_offset" in inspect.getsource(aiokafka_fetcher.FetchResult._update_position)
    assert "type(res_or_error) is FetchResult" in inspect.getsource(aiokafka_fetcher.Fetcher.fetched_records)
    assert aiokafka_fetcher.READ_COMMITTED == READ_COMMITTED


def test_other_consumers_still_get_aiokafkas_records() -> None:
    data = batch(0, [(b"k", b"v", TRACE)])
    plain = aiokafka_fetcher.PartitionRecords(TP, MemoryRecords(data), [], 0, None, None, True, READ_UNCOMMITTED)
    assert type(plain) is kafka._AIOKAFKA_PARTITION_RECORDS
    (record,) = list(plain)
    assert record.headers == tuple(TRACE) and record.value == b"v"


# ---------------------------------------------------------------------------- equal to aiokafka's


@pytest.mark.parametrize("codec", list(CODECS))
def test_deliveries_equal_aiokafkas_records_turned_into_deliveries(codec: str) -> None:
    other = [("traceparent", b"00-1af7651916cd43dd8448eb211c80319c-c7ad6b7169203331-01")]
    first = [(b"org/svc-%d" % (i % 3), b'{"message":"line %d"}' % i, TRACE) for i in range(40)]
    second = [(None, b"no key", []), (b"k", None, []), (b"k", b"", [("bin", b"\xff\xfe")]),
              (b"k", b"v", [("a", b"1"), ("b", b"2")]), (b"k", b"v", other), (b"k", b"v", other)]
    data = batch(100, first, codec=codec) + batch(140, second, codec=codec)
    ours, expected = drain(*both(data, fetch_offset=100))
    assert ours == expected and len(ours) == 46
    assert all(type(delivery) is Delivery for delivery in ours)
    assert [d.offset for d in ours] == list(range(100, 146))
    assert ours[0].timestamp_ms == 1_796_335_200_100 and ours[40].key is None and ours[41].value == b""
    assert ours[42].headers == {"bin": "//4="}  # not UTF-8: base64, as before
    assert ours[0].headers is ours[39].headers and ours[44].headers is ours[45].headers  # runs share, read-only
    with pytest.raises(TypeError):
        ours[0].headers["x"] = "y"  # type: ignore[index]


def test_old_format_message_sets_unpack_as_aiokafka_unpacks_them() -> None:
    builder = LegacyRecordBatchBuilder(1, 0, 1 << 20)  # magic 1: what a broker keeping an old log format sends
    for i in range(3):
        builder.append(i, 1_000 + i, b"k" if i else None, b"v%d" % i)
    ours, expected = drain(*both(bytes(builder.build())))
    assert ours == expected and [d.offset for d in ours] == [0, 1, 2] and ours[0].key is None


def test_a_fetch_from_inside_a_batch_starts_at_the_fetch_offset() -> None:
    data = batch(10, [(b"k", b"v%d" % i, []) for i in range(8)])
    ours, expected = drain(*both(data, fetch_offset=14))
    assert ours == expected and [d.offset for d in ours] == [14, 15, 16, 17]


def fetch_results(data: bytes, position: int = 0) -> list[tuple[object, object]]:
    """aiokafka's and the runtime's records, each behind a real FetchResult at a real partition position."""
    pairs = []
    for records in both(data, fetch_offset=position):
        subscriptions = SubscriptionState()
        subscriptions.assign_from_user({TP})
        subscriptions.seek(TP, position)
        assignment = subscriptions.subscription.assignment
        result = aiokafka_fetcher.FetchResult(TP, assignment=assignment, partition_records=records, backoff=0)
        pairs.append((result, assignment.state_value(TP)))
    return pairs


async def test_polls_that_stop_at_max_records_resume_where_they_stopped() -> None:
    data = batch(0, [(b"k", b"v%d" % i, []) for i in range(5)]) + batch(5, [(b"k", b"w%d" % i, []) for i in range(5)])
    (theirs, their_state), (ours, our_state) = fetch_results(data)
    for taken in (3, 4, 1, 1, 3):  # Fetcher.fetched_records: getall(max_records), positions updated each time
        want, got = deliveries_of(theirs.getall(taken)), ours.getall(taken)  # type: ignore[attr-defined]
        assert got == want and our_state.position == their_state.position  # type: ignore[attr-defined]
    assert not ours.has_more() and not theirs.has_more()  # type: ignore[attr-defined]
    assert our_state.position == 10  # type: ignore[attr-defined]


async def test_getone_hands_out_single_deliveries() -> None:
    data = batch(0, [(b"k", b"v%d" % i, []) for i in range(3)]) + batch(3, [(b"k", b"w", [])])
    (theirs, their_state), (ours, our_state) = fetch_results(data)
    for _ in range(4):
        assert ours.getone() == deliveries_of([theirs.getone()])[0]  # type: ignore[attr-defined]
        assert our_state.position == their_state.position  # type: ignore[attr-defined]
    assert ours.getone() is None and theirs.getone() is None  # type: ignore[attr-defined]


async def test_a_sought_or_paused_partition_gets_nothing_from_a_fetch_made_before() -> None:
    data = batch(0, [(b"k", b"v%d" % i, []) for i in range(6)])
    (theirs, their_state), (ours, our_state) = fetch_results(data)
    assert len(ours.getall(2)) == len(theirs.getall(2)) == 2  # type: ignore[attr-defined]
    our_state.seek(0)  # type: ignore[attr-defined]
    their_state.seek(0)  # type: ignore[attr-defined]
    assert ours.getall(2) == theirs.getall(2) == [] and not ours.has_more()  # type: ignore[attr-defined]
    (ours, our_state), = fetch_results(data)[1:]
    our_state.pause()  # type: ignore[attr-defined]
    assert ours.getall(2) == [] and not ours.has_more()  # type: ignore[attr-defined]


def test_control_batches_are_skipped_and_the_position_moves_past_them() -> None:
    data = (batch(0, [(b"k", b"a", [])], producer_id=7, transactional=True) + marker(1, 7, abort=False)
            + batch(2, [(b"k", b"b", [])]) + marker(3, 7, abort=False))
    for isolation in (READ_UNCOMMITTED, READ_COMMITTED):
        ours, expected = drain(*both(data, isolation=isolation))
        assert ours == expected and [d.value for d in ours] == [b"a", b"b"]
    theirs, mine = both(data)
    list(theirs), list(mine)  # type: ignore[call-overload]
    assert mine.next_fetch_offset == theirs.next_fetch_offset == 4  # type: ignore[attr-defined]


def test_aborted_transactions_are_skipped_only_when_reading_committed() -> None:
    data = (batch(0, [(b"k", b"aborted-1", []), (b"k", b"aborted-2", [])], producer_id=7, transactional=True)
            + batch(2, [(b"k", b"committed", [])], producer_id=8, transactional=True)
            + marker(3, 7, abort=True) + marker(4, 8, abort=False)
            + batch(5, [(b"k", b"later", [])], producer_id=7, transactional=True) + marker(6, 7, abort=False))
    aborted = [(7, 0)]
    committed, expected = drain(*both(data, aborted=aborted, isolation=READ_COMMITTED))
    assert committed == expected and [d.value for d in committed] == [b"committed", b"later"]
    uncommitted, expected = drain(*both(data, aborted=aborted, isolation=READ_UNCOMMITTED))
    assert uncommitted == expected and [d.value for d in uncommitted] == [b"aborted-1", b"aborted-2", b"committed",
                                                                          b"later"]


def test_a_corrupt_batch_raises_as_aiokafka_does_when_crcs_are_checked() -> None:
    good = batch(0, [(b"k", b"fine", [])], codec="none")
    bad = bytearray(batch(1, [(b"k", b"value", [])], codec="none"))
    bad[-3] ^= 0xFF  # inside the value: the CRC no longer matches
    theirs, ours = both(good + bytes(bad))
    for records in (theirs, ours):
        assert next(iter(records)).value == b"fine"  # type: ignore[call-overload]
        with pytest.raises(CorruptRecordException):
            next(iter(records))  # type: ignore[call-overload]
    unchecked, expected = drain(*both(good + bytes(bad), check_crcs=False))
    assert unchecked == expected and len(unchecked) == 2


def test_a_second_copy_of_the_runtime_module_still_falls_back_to_aiokafkas_own() -> None:
    """A reload, or a bench loading a baseline's copy: the copy's replacements wrap aiokafka's classes, not ours."""
    spec = importlib.util.spec_from_file_location("logmesh_kafka_copy", kafka.__file__)
    assert spec and spec.loader
    copy = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = copy
    try:
        spec.loader.exec_module(copy)
        assert copy._AIOKAFKA_PARTITION_RECORDS is kafka._AIOKAFKA_PARTITION_RECORDS
        assert copy._aiokafka_getall is kafka._aiokafka_getall
        data = batch(0, [(b"k", b"v", TRACE)])
        made = aiokafka_fetcher.PartitionRecords(TP, MemoryRecords(data), [], 0, AS_DELIVERIES, None, True, 0)
        assert type(made) is copy._DeliveryRecords and tuple(made.take(None)[0]) == (
            "logs.raw", 2, 0, b"k", 1_796_335_200_000, {"traceparent": TRACE[0][1].decode()}, b"v")
        plain = aiokafka_fetcher.PartitionRecords(TP, MemoryRecords(data), [], 0, None, None, True, 0)
        assert type(plain) is kafka._AIOKAFKA_PARTITION_RECORDS
    finally:
        aiokafka_fetcher.PartitionRecords = kafka._partition_records
        aiokafka_fetcher.FetchResult.getall = kafka._getall
        del sys.modules[spec.name]


# ---------------------------------------------------------------------------- the native unpacking


def test_v2_batches_are_unpacked_natively_and_older_ones_by_aiokafka(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    native = kafka.unpack_batch

    def counting(fetched: bytes, pos: int, *args: object) -> object:
        calls.append(pos)
        return native(fetched, pos, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(kafka, "unpack_batch", counting)
    first = batch(0, [(b"k", b"v0", TRACE), (None, b"v1", [])], codec="zstd")
    ours, expected = drain(*both(first + batch(2, [(b"k", b"v2", [])], codec="lz4")))
    assert ours == expected and [d.value for d in ours] == [b"v0", b"v1", b"v2"]
    assert calls == [0, len(first), len(first) + len(batch(2, [(b"k", b"v2", [])], codec="lz4"))]
    calls.clear()
    legacy = LegacyRecordBatchBuilder(1, 0, 1 << 20)  # magic 1: the native parser hands the fetch to aiokafka
    legacy.append(0, 1_000, b"k", b"old")
    ours, expected = drain(*both(bytes(legacy.build())))
    assert ours == expected and [d.value for d in ours] == [b"old"] and calls == [0]


def test_the_native_crc32c_is_kafkas() -> None:
    import runtime_native

    rng = random.Random(7)
    for size in (0, 1, 7, 8, 9, 63, 64, 1000):
        data = rng.randbytes(size)
        assert runtime_native.crc32c_of(data) == crc32c(data)


@pytest.mark.parametrize("seed", range(40))
def test_random_fetches_unpack_as_aiokafka_unpacks_them(seed: int) -> None:
    """Fuzz: random batches (codecs, null/empty keys and values, header runs, append-time timestamps), a random
    fetch offset, a random partial batch at the end (a fetch cut at max_bytes), now and then a corrupt CRC."""
    rng = random.Random(seed)

    def blob() -> bytes | None:
        kind = rng.random()
        return None if kind < 0.1 else b"" if kind < 0.2 else rng.randbytes(rng.choice((1, 30, 600, 5000)))

    header_sets = [[], TRACE, [("a", b"1"), ("b", None)], [("\u00e9t\u00e9", b"\xff")], [("n", b"")]]
    data, base = b"", rng.randrange(0, 1000)
    first = base
    for _ in range(rng.randint(1, 6)):
        headers = rng.choice(header_sets)
        records = [(blob(), blob(), headers if rng.random() < 0.8 else rng.choice(header_sets))
                   for _ in range(rng.randint(1, 60))]
        one = bytearray(batch(base, records, codec=rng.choice(list(CODECS)),
                              attributes=0x08 if rng.random() < 0.2 else 0))
        if rng.random() < 0.1:
            one[rng.randrange(21, len(one))] ^= 0x40
        data += bytes(one)
        base += len(records) + rng.choice((0, 0, 3))  # sometimes a gap, as compaction leaves
    if rng.random() < 0.3:
        data += batch(base, [(b"k", b"cut", [])], codec="none")[:rng.randrange(1, 70)]
    fetch_offset = rng.randrange(first, base + 1)
    theirs, ours = both(data, fetch_offset=fetch_offset)
    try:
        expected = deliveries_of(list(theirs))  # type: ignore[call-overload]
    except CorruptRecordException:
        with pytest.raises(CorruptRecordException):
            list(ours)  # type: ignore[call-overload]
        return
    assert list(ours) == expected  # type: ignore[call-overload]
    assert ours.next_fetch_offset == theirs.next_fetch_offset  # type: ignore[attr-defined]
