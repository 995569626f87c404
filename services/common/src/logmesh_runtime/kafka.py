"""The broker factory and the one consume/publish path every service uses.

Delivery rules live here, once:

* producers wait for ``acks=all`` before a publish returns;
* offsets are committed manually, only after the handler finished (or the message
  was dead-lettered), so a crash redelivers instead of losing; a batch handler that opts into
  overlap hands back its poll's durable rest, and the poll is committed once that completed,
  in poll order, while the next poll is handled;
* a message that fails to decode or validate goes straight to ``<topic>.dlq``;
  one whose handler raises is retried with backoff a bounded number of times, then
  dead-lettered — a poison message never blocks its partition;
* ``TransientError`` (the broker, a database or an API is down) is retried without
  limit and never dead-lettered: the data is fine, the world is not.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import functools
import itertools
import logging
import operator
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, TypeVar, cast

from aiokafka import AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka import codec as aiokafka_codec
from aiokafka.client import AIOKafkaClient
from aiokafka.consumer import fetcher as aiokafka_fetcher
from aiokafka.errors import CorruptRecordException, KafkaError, for_code
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.kafka.subscriber.usecase import BatchSubscriber
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind
from pydantic import BaseModel, ValidationError
from runtime_native import unpack_batch, with_producer_state, write_publish

from logmesh_contracts import DeadLetter, Topic, stable_id, utcnow
from logmesh_runtime.metrics import Metrics
from logmesh_runtime.retry import backoff
from logmesh_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)

M = TypeVar("M")  # what a decoder makes of a message: usually a contract model
B = TypeVar("B", bound=BaseModel)
OffsetReset = Literal["earliest", "latest", "none"]


class TransientError(Exception):
    """A dependency is unavailable; retry the same message until it is back."""


class PublishUnavailable(TransientError):
    """The broker did not acknowledge a publish in time."""


class Delivery(NamedTuple):
    """Where a message came from; handlers use it for natural dedup keys and headers.

    A named tuple, not a dataclass: one is built per consumed message, and this is the cheapest
    immutable record Python has.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    timestamp_ms: int
    headers: Mapping[str, str]  # read-only: the deliveries of a poll share equal headers
    value: bytes


Decoder = Callable[[bytes, Delivery], M]
Handler = Callable[[M, Delivery], Awaitable[None]]
BatchHandler = Callable[[list[M], list[Delivery]], Awaitable[None]]
# a batch handler that overlaps polls: it does a poll's work up to what must become durable and returns that
# rest (an insert, a publish) unawaited; the runtime awaits it while it handles the next poll
OverlappedBatchHandler = Callable[[list[M], list[Delivery]], Awaitable[Awaitable[None]]]
# a polled batch's messages decoded together: per delivery its message, or the exception that rejects it
BatchDecoder = Callable[[list[Delivery]], list[M | Exception]]


def json_decoder(model: type[B]) -> Decoder[B]:
    def decode(value: bytes, _delivery: Delivery) -> B:
        return model.model_validate_json(value)

    return decode


def encode(event: BaseModel) -> bytes:
    return event.model_dump_json(exclude_none=False).encode()


_PARTITIONER = DefaultPartitioner()


def _key_bytes(key: str | bytes | None) -> bytes | None:
    if key is None or isinstance(key, bytes):
        return key
    return key.encode()


@dataclass(frozen=True)
class _Registration:
    topic: Topic
    name: str
    decode: Decoder[Any]
    handler: Callable[..., Awaitable[None]]
    batch: bool
    max_records: int
    batch_timeout_ms: int
    auto_offset_reset: OffsetReset
    fill_bytes: int = 1
    decode_batch: BatchDecoder[Any] | None = None
    prepare: OverlappedBatchHandler[Any] | None = None  # set: the poll's rest is awaited while the next is handled


class Mesh:
    """One service's connection to the mesh, with logmesh's delivery rules.

    Consumers: every topic a service registers for one consumer group is read by ONE
    Kafka consumer (a FastStream batch subscriber) that dispatches by topic. A service
    therefore joins its group once at start instead of once per topic — every extra
    member joining triggers a rebalance, which costs seconds per join.
    Producer: one aiokafka producer with ``acks=all``; a ``publish_many`` call is one span.
    """

    def __init__(self, settings: ServiceSettings, metrics: Metrics, tracer_provider: Any = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer("logmesh.kafka")
        self.broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=settings.service_name,
            request_timeout_ms=settings.kafka_request_timeout_ms,
            graceful_timeout=settings.shutdown_grace_s,
            logger=logging.getLogger(f"{settings.service_name}.broker"),
            security=faststream_security(settings),
        )
        self.idempotent: bool | None = None  # decided when the producer starts
        self._groups: dict[str | None, dict[str, _Registration]] = {}
        self._pipelines: list[_PollPipeline] = []  # groups with an overlapped topic: drained at stop
        self._producer: AIOKafkaProducer | None = None
        self._partitions_by_key: dict[tuple[bytes, int], int] = {}
        self._writer: _BatchWriter | None = None  # native record batches; None: aiokafka's builder
        # aiokafka queues one batch per partition; concurrent publishers racing for that slot can
        # starve each other into KafkaTimeoutError (its wait loop shrinks the timeout by the
        # cumulative wait on every retry), so publishers take turns handing batches over.
        self._enqueue_turn = asyncio.Lock()

    # ------------------------------------------------------------------ lifecycle

    async def start_producer(self) -> None:
        """Publishing works from here on (startup hooks may publish before consumers start)."""
        if self._producer is not None:
            return
        self.idempotent = await producer_idempotence(self.settings)
        log.info("producer idempotence %s", "on" if self.idempotent else "off (broker grants no producer ids)")
        self._producer = AIOKafkaProducer(
            **self.settings.kafka_client_options(),
            client_id=self.settings.service_name,
            acks="all",
            # on Tansu (no producer ids) acks=all + consumers' dedup absorb a retried publish instead
            enable_idempotence=self.idempotent,
            linger_ms=self.settings.kafka_linger_ms,
            request_timeout_ms=self.settings.kafka_request_timeout_ms,
            max_batch_size=self.settings.kafka_batch_bytes,
            compression_type=None if self.settings.kafka_compression == "none" else self.settings.kafka_compression,
            max_request_size=max(1024 * 1024, 4 * self.settings.kafka_batch_bytes),
        )
        await self._producer.start()
        self._writer = _BatchWriter.for_producer(self._producer)

    async def start(self) -> None:
        await self.start_producer()
        for group, registrations in self._groups.items():
            self._subscribe(group, registrations)
        self._groups = {}
        await self.broker.start()

    async def stop(self) -> None:
        """Stop consuming (in-flight batches get ``shutdown_grace_s``), then flush and close the producer."""
        try:
            for pipeline in self._pipelines:  # the last poll's durable rest, committed while the consumer is still a member
                await pipeline.drain()
            await self.broker.stop()
        finally:  # also when the caller gave up on a consumer that would not stop (Service.stop bounds it)
            if self._producer is not None:
                await self._producer.stop()
                self._producer = None
                self._writer = None

    def assignments(self) -> list[tuple[Any, Any]]:
        """(aiokafka consumer, TopicPartition) for every partition this replica's consumers own now."""
        owned = []
        for subscriber in self.broker.subscribers:
            for consumer in getattr(subscriber, "consumers", None) or [getattr(subscriber, "consumer", None)]:
                if consumer is not None:
                    with contextlib.suppress(Exception):  # not started, or between rebalances
                        owned += [(consumer, tp) for tp in consumer.assignment()]
        return owned

    # ------------------------------------------------------------------ publish

    def registered_topics(self) -> dict[str, set[str]]:
        """Topic names this mesh will consume, by consumer group (before ``start``): what the code subscribes to."""
        return {str(group): set(registrations) for group, registrations in self._groups.items()}

    def topic_name(self, topic: Topic | str) -> str:
        return self.settings.topic(topic if isinstance(topic, str) else topic.name)

    async def publish(
        self,
        topic: Topic | str,
        event: BaseModel | bytes,
        *,
        key: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> None:
        """Publish and wait for the broker's acknowledgement (acks=all)."""
        await self.publish_many(topic, [(key, event)], headers=headers, timeout_s=timeout_s)

    async def publish_many(
        self,
        topic: Topic | str,
        items: Iterable[tuple[str | bytes | None, BaseModel | bytes]],
        *,
        headers: dict[str, str] | None = None,
        timeout_s: float | None = None,
    ) -> int:
        """Publish keyed messages and return once every one is acknowledged.

        Raises ``PublishUnavailable`` when the broker does not acknowledge all of them in time;
        callers then answer 503 or retry — some may have been written, which consumers'
        dedup on ``event_id`` absorbs.
        """
        if self._producer is None:
            raise PublishUnavailable("the mesh is not started (or already stopped)")
        name = self.topic_name(topic)
        batch = list(items)
        futures: list[asyncio.Future[Any]] = []
        with self.tracer.start_as_current_span(
            f"{name} publish",
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": name,
                "messaging.batch.message_count": len(batch),
            },
        ):
            carrier = dict(headers or {})
            propagate.inject(carrier)
            wire_headers = [(k, v.encode()) for k, v in carrier.items()]
            try:
                async with asyncio.timeout(timeout_s or self.settings.kafka_request_timeout_ms / 1000 + 5):
                    await self._enqueue(name, batch, wire_headers, futures)
                    if futures:
                        await asyncio.gather(*futures)
            except (KafkaError, TimeoutError, OSError) as exc:
                for future in futures:
                    if not future.done():
                        future.cancel()
                self.metrics.publish_failures.labels(topic=name).inc()
                raise PublishUnavailable(
                    f"broker did not acknowledge {len(batch)} message(s) on {name}: {exc!r}"
                ) from exc
        self.metrics.published.labels(topic=name).inc(len(batch))
        return len(batch)

    async def _enqueue(
        self,
        name: str,
        batch: list[tuple[str | bytes | None, BaseModel | bytes]],
        headers: list[tuple[str, bytes]],
        futures: list[asyncio.Future[Any]],
    ) -> None:
        """Hand a publish to the producer as one record batch per partition.

        ``send()`` per message costs more than everything else on a hot path (a future and
        a partitioner call each); batches built here keep per-key order and land in the
        partition the default (murmur2) partitioner would pick, as any Kafka client's would.
        """
        assert self._producer is not None
        producer = self._producer
        partitions = sorted(await producer.partitions_for(name))
        if self._writer is not None:  # placed and written as whole record batches in one native call
            written = self._writer.write_publish(batch, functools.partial(self._place, partitions), headers,
                                                 int(time.time() * 1000))  # aiokafka stamps the time of appending
        else:
            written = [(partition, _built_by_aiokafka(producer.create_batch, messages, headers))
                       for partition, messages in self._placed(batch, partitions).items()]
        async with self._enqueue_turn:
            for partition, batches in written:
                for built in batches:
                    futures.append(await producer.send_batch(built, name, partition=partition))

    def _place(self, partitions: list[int], key: str | bytes | None) -> tuple[bytes | None, int]:
        """A key's bytes and its partition: murmur2 of the key as the default partitioner hashes it; keyless records
        are sticky, one random partition per publish (a publish places each distinct key once), as Kafka's clients do."""
        key_bytes = _key_bytes(key)
        if key_bytes is None:
            return None, random.choice(partitions)
        return key_bytes, self._partition_of(key_bytes, partitions)

    def _placed(
        self, batch: list[tuple[str | bytes | None, BaseModel | bytes]], partitions: list[int],
    ) -> dict[int, list[tuple[bytes | None, bytes]]]:
        """A publish's records by partition, in order, keys encoded, contract models encoded (aiokafka's path)."""
        by_partition: dict[int, list[tuple[bytes | None, bytes]]] = {}
        placed: dict[str | bytes | None, tuple[bytes | None, list[tuple[bytes | None, bytes]]]] = {}
        for key, event in batch:
            place = placed.get(key)  # a call's records share few keys: encode and place each key once
            if place is None:
                key_bytes, partition = self._place(partitions, key)
                place = placed[key] = (key_bytes, by_partition.setdefault(partition, []))
            place[1].append((place[0], event if isinstance(event, bytes) else encode(event)))
        return by_partition

    def _partition_of(self, key: bytes, partitions: list[int]) -> int:
        cache_key = (key, len(partitions))
        partition = self._partitions_by_key.get(cache_key)
        if partition is None:
            if len(self._partitions_by_key) >= 65_536:
                self._partitions_by_key.clear()
            partition = self._partitions_by_key[cache_key] = _PARTITIONER(key, partitions, None)
        return partition

    # ------------------------------------------------------------------ consume

    def consume(
        self,
        topic: Topic,
        handler: Handler[M],
        *,
        decoder: Decoder[M] | None = None,
        group_id: str | None = None,
        auto_offset_reset: OffsetReset = "earliest",
    ) -> None:
        """Handle one message at a time; commit after each polled batch is handled or dead-lettered."""
        self._register(
            topic, handler, decoder, group_id, auto_offset_reset, batch=False, max_records=100, batch_timeout_ms=200
        )

    def consume_batch(
        self,
        topic: Topic,
        handler: BatchHandler[M] | OverlappedBatchHandler[M],
        *,
        decoder: Decoder[M] | None = None,
        batch_decoder: BatchDecoder[M] | None = None,
        max_records: int = 500,
        batch_timeout_ms: int = 200,
        fill_bytes: int = 1,
        group_id: str | None = None,
        auto_offset_reset: OffsetReset = "earliest",
        overlap: bool = False,
    ) -> None:
        """Handle polled batches; a failing batch is split to isolate and dead-letter the poison message.

        A poll returns as soon as anything arrived; with ``fill_bytes`` the broker holds each fetch
        until that many bytes are there or ``batch_timeout_ms`` passed, so batches fill under load
        (for handlers whose cost is mostly per call, like a database insert) at the price of up to
        ``batch_timeout_ms`` of latency when traffic is light.

        ``batch_decoder`` decodes a whole poll's messages in one call (work that is cheaper per batch);
        what it returns as an exception is dead-lettered like a ``decoder`` failure. Should it raise,
        that poll is decoded message by message with ``decoder``.

        With ``overlap`` the handler is an ``OverlappedBatchHandler``: it returns its poll's durable rest
        (an insert, a publish) instead of awaiting it, and the runtime awaits that while the next poll is
        fetched, decoded and handled. A poll's offsets are committed only after its rest completed, in poll
        order, with one poll's rest in flight at most. Should the rest fail, that poll is handled again the
        plain way (the handler and its rest awaited together, retried, split, dead-lettered) before any
        later poll is committed. A rebalance or ``stop`` lets the rest finish and commits it (within
        ``shutdown_grace_s``), or abandons it uncommitted: redelivered, so the handler must be idempotent.
        """
        prepare: OverlappedBatchHandler[Any] | None = None
        whole: Callable[..., Awaitable[None]] = handler  # type: ignore[assignment]
        if overlap:
            prepare = overlapped = cast(OverlappedBatchHandler[Any], handler)

            async def whole(events: list[Any], deliveries: list[Delivery]) -> None:  # the plain way: both parts
                await (await overlapped(events, deliveries))

        self._register(
            topic, whole, decoder, group_id, auto_offset_reset,
            batch=True, max_records=max_records, batch_timeout_ms=batch_timeout_ms, fill_bytes=fill_bytes,
            decode_batch=batch_decoder, prepare=prepare,
        )

    def _register(
        self,
        topic: Topic,
        handler: Callable[..., Awaitable[None]],
        decoder: Decoder[Any] | None,
        group_id: str | None,
        auto_offset_reset: OffsetReset,
        *,
        batch: bool,
        max_records: int,
        batch_timeout_ms: int,
        fill_bytes: int = 1,
        decode_batch: BatchDecoder[Any] | None = None,
        prepare: OverlappedBatchHandler[Any] | None = None,
    ) -> None:
        name = self.topic_name(topic)
        group = self.settings.topic(group_id or self.settings.service_name)
        registrations = self._groups.setdefault(group, {})
        if name in registrations:
            raise ValueError(f"{name} already has a handler in group {group}")
        registrations[name] = _Registration(
            topic, name, decoder or json_decoder(topic.model), handler, batch, max_records, batch_timeout_ms,
            auto_offset_reset, fill_bytes, decode_batch, prepare,
        )

    def _subscribe(self, group: str | None, registrations: dict[str, _Registration]) -> None:
        pipeline = _PollPipeline(self, self.settings.shutdown_grace_s)
        in_flight = pipeline.in_flight  # held while a polled batch is handled and committed
        if any(r.prepare is not None for r in registrations.values()):
            self._pipelines.append(pipeline)

        async def on_poll(message: KafkaMessage) -> None:
            if pipeline.stopping:
                return  # not handled, not committed: the group's next owner reads these records
            async with in_flight:
                generation = pipeline.generation
                rests: list[Awaitable[None]] = []
                overlapped: list[_Overlapped] = []
                try:
                    for name, deliveries in _by_topic(message.raw_message).items():
                        registration = registrations[name]
                        if registration.batch:
                            started = time.perf_counter()
                            handed = await self._process_batch(registration, deliveries, pipeline)
                            if handed is not None:
                                rests.append(handed[0])
                                overlapped.append(_Overlapped(registration, handed[1], handed[2], started))
                        else:
                            await pipeline.settle()
                            for delivery in deliveries:
                                await self._process_one(registration, delivery)
                    await pipeline.settle()  # the previous poll durable and committed before this one's rest starts
                except BaseException:
                    _discard(rests)
                    raise
                if not rests:
                    if pipeline.generation == generation:  # else revoked meanwhile: redelivered, not committed
                        await message.ack()
                    return
                pipeline.hand_over(_Pending(_all_of(rests), _next_offsets(message.raw_message), overlapped,
                                            message.consumer, generation))

        first = next(iter(registrations.values()))
        subscriber = self.broker.subscriber(
            *registrations,
            batch=True,
            max_records=max(r.max_records for r in registrations.values()),
            # one consumer serves the group: the longest poll any of its topics asked for
            batch_timeout_ms=max(r.batch_timeout_ms for r in registrations.values()),
            fetch_max_wait_ms=max(  # a consumer that fills batches lets the broker hold fetches that long
                [self.settings.kafka_fetch_max_wait_ms]
                + [r.batch_timeout_ms for r in registrations.values() if r.fill_bytes > 1]
            ),
            fetch_min_bytes=max(r.fill_bytes for r in registrations.values()),
            max_partition_fetch_bytes=self.settings.kafka_partition_fetch_bytes,
            group_id=group,
            ack_policy=AckPolicy.MANUAL,
            auto_offset_reset=first.auto_offset_reset,
            max_poll_interval_ms=self.settings.kafka_max_poll_interval_ms,
            session_timeout_ms=self.settings.kafka_session_timeout_ms,
            title=f"{self.settings.service_name}:{group}",
            parser=_parse_poll,
            decoder=_no_body,
            key_deserializer=AS_DELIVERIES,  # the fetcher yields Delivery tuples, not ConsumerRecords
            listener=_FinishBeforeRevoke(pipeline),
        )
        if type(subscriber) is not BatchSubscriber:  # a FastStream upgrade changed the class: re-check get_msg
            raise RuntimeError(f"expected FastStream's BatchSubscriber, got {type(subscriber).__name__}: "
                               "review _PromptBatchSubscriber against the installed FastStream")
        subscriber.__class__ = _PromptBatchSubscriber  # FastStream builds its own class; only get_msg differs
        subscriber(on_poll)

    def _consumer_span(self, name: str, deliveries: Sequence[Delivery]) -> Any:
        contexts = []
        seen: set[int] = set()  # a poll's deliveries share equal headers (deliveries_of): extract each once
        for delivery in deliveries[:128]:
            if id(delivery.headers) not in seen:
                seen.add(id(delivery.headers))
                contexts.append(propagate.extract(delivery.headers))
        links = []
        known = set()  # the parent's span and every linked one: each linked once
        for index, context in enumerate(contexts):
            span_context = trace.get_current_span(context).get_span_context()
            if span_context.is_valid and (span_context.trace_id, span_context.span_id) not in known:
                known.add((span_context.trace_id, span_context.span_id))
                if index:
                    links.append(Link(span_context))
        return self.tracer.start_as_current_span(
            f"{name} process",
            context=contexts[0] if contexts else None,
            kind=SpanKind.CONSUMER,
            links=links,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": name,
                "messaging.consumer.group.name": self.settings.topic(self.settings.service_name),
                "messaging.batch.message_count": len(deliveries),
                "messaging.kafka.offset": deliveries[0].offset if deliveries else -1,
                "messaging.destination.partition.id": str(deliveries[0].partition) if deliveries else "",
            },
        )

    async def _process_one(self, registration: _Registration, delivery: Delivery) -> None:
        self.metrics.received.labels(topic=registration.name).inc()
        with self._consumer_span(registration.name, [delivery]):
            try:
                event = registration.decode(delivery.value, delivery)
            except Exception as exc:  # any decode failure (TypeError from deep nesting too) is dead-lettered
                await self.reject(registration.topic, delivery, exc)
                return
            await self._handle_with_retries(
                registration.topic, registration.name, lambda: registration.handler(event, delivery), [delivery]
            )

    async def _process_batch(
        self, registration: _Registration, all_deliveries: list[Delivery], pipeline: _PollPipeline | None = None,
    ) -> tuple[Awaitable[None], list[Any], list[Delivery]] | None:
        """Decode, dead-letter what is rejected, handle the rest. For an overlapped topic (with its ``pipeline``):
        the handler's durable rest, unawaited, with the events and deliveries it was handed; else None."""
        topic, name, decode = registration.topic, registration.name, registration.decode
        self.metrics.received.labels(topic=name).inc(len(all_deliveries))
        with self._consumer_span(name, all_deliveries):
            events: list[Any] = []
            deliveries: list[Delivery] = []
            decoded = self._decode_together(registration, all_deliveries)
            if decoded is not None and not any(map(isinstance, decoded, itertools.repeat(Exception))):
                events, deliveries = decoded, all_deliveries  # the usual poll: nothing rejected, nothing to sort out
            else:
                for index, delivery in enumerate(all_deliveries):
                    if decoded is None:
                        try:
                            event = decode(delivery.value, delivery)
                        except Exception as exc:  # never skipped: whatever the decoder raises is dead-lettered
                            await self.reject(topic, delivery, exc)
                            continue
                    else:
                        event = decoded[index]
                        if isinstance(event, Exception):
                            await self.reject(topic, delivery, event)
                            continue
                    events.append(event)
                    deliveries.append(delivery)
            if not events:
                return None
            if registration.prepare is not None and pipeline is not None:
                try:
                    return await registration.prepare(events, deliveries), events, deliveries
                except Exception:  # handled the plain way below: retried, split, dead-lettered as any batch
                    log.debug("overlapped handler failed; handling the poll the plain way", exc_info=True)
            if pipeline is not None:
                await pipeline.settle()  # the plain way publishes and stores in poll order too
            await self._handle_events(registration, events, deliveries)
        return None

    async def _handle_events(self, registration: _Registration, events: list[Any], deliveries: list[Delivery]) -> None:
        """A decoded batch through its handler with retries; given up on, message by message (poison dead-lettered)."""
        topic, name, handler = registration.topic, registration.name, registration.handler
        try:
            await self._handle_with_retries(
                topic, name, lambda: handler(events, deliveries), deliveries, dead_letter=False
            )
        except _GaveUp:
            for event, delivery in zip(events, deliveries, strict=True):
                await self._handle_with_retries(
                    topic, name, functools.partial(handler, [event], [delivery]), [delivery]
                )

    @staticmethod
    def _decode_together(registration: _Registration, deliveries: list[Delivery]) -> list[Any] | None:
        """The batch decoder's results, or None: decode one by one (no batch decoder, or it failed as a whole)."""
        if registration.decode_batch is None:
            return None
        try:
            decoded = registration.decode_batch(deliveries)
        except Exception:
            log.exception("batch decoder failed; decoding this poll message by message",
                          extra={"topic": registration.name})
            return None
        if len(decoded) != len(deliveries):
            log.error("batch decoder returned %d results for %d messages; decoding message by message",
                      len(decoded), len(deliveries), extra={"topic": registration.name})
            return None
        return decoded

    async def reject(self, topic: Topic, delivery: Delivery, error: Exception) -> None:
        """Dead-letter a message that cannot be decoded or validated, with a readable reason.

        For readers outside ``consume`` too (e.g. group-less state replays of compacted topics).
        """
        if isinstance(error, ValidationError):
            reason = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in error.errors()[:10]
            )
            stage = "decode" if any(err["type"] == "json_invalid" for err in error.errors()) else "validate"
        else:
            reason, stage = f"{type(error).__name__}: {error}"[:1000], "decode"
        await self.dead_letter(topic, delivery, stage=stage, reason=reason, error=error)

    async def _handle_with_retries(
        self,
        topic: Topic,
        name: str,
        call: Callable[[], Awaitable[None]],
        deliveries: Sequence[Delivery],
        *,
        dead_letter: bool = True,
    ) -> None:
        attempt = 0
        transient_attempt = 0
        while True:
            started = time.perf_counter()
            try:
                await call()
            except TransientError as exc:
                transient_attempt += 1
                self.metrics.retries.labels(topic=name, kind="transient").inc()
                delay = self._backoff(transient_attempt)
                log.warning("dependency unavailable, retrying in %.1fs: %s", delay, exc, extra={"topic": name})
                await asyncio.sleep(delay)
                continue
            except Exception as exc:
                attempt += 1
                self.metrics.failed.labels(topic=name).inc()
                if attempt >= self.settings.handler_max_attempts:
                    if not dead_letter:
                        raise _GaveUp from exc
                    log.exception("giving up after %d attempts", attempt, extra={"topic": name})
                    for delivery in deliveries:
                        await self.dead_letter(
                            topic, delivery, stage="process", reason=f"{type(exc).__name__}: {exc}"[:1000],
                            error=exc, attempts=attempt,
                        )
                    return
                self.metrics.retries.labels(topic=name, kind="error").inc()
                await asyncio.sleep(self._backoff(attempt))
                continue
            self.metrics.handled.labels(topic=name).inc(len(deliveries))
            self.metrics.handle_seconds.labels(topic=name).observe(time.perf_counter() - started)
            return

    def _backoff(self, attempt: int) -> float:
        return backoff(attempt, self.settings.retry_backoff_s, self.settings.retry_backoff_max_s)

    async def dead_letter(
        self,
        topic: Topic,
        delivery: Delivery,
        *,
        stage: str,
        reason: str,
        error: BaseException,
        attempts: int = 1,
    ) -> None:
        """Publish the original message with its reason to ``<topic>.dlq``; retried until acknowledged."""
        try:
            payload, encoding = delivery.value.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            payload, encoding = base64.b64encode(delivery.value).decode(), "base64"
        envelope = DeadLetter(
            event_id=stable_id(self.settings.service_name, delivery.topic, delivery.partition, delivery.offset),
            source_topic=delivery.topic,
            source_partition=delivery.partition,
            source_offset=delivery.offset,
            consumer=self.settings.service_name,
            stage=stage,  # type: ignore[arg-type]
            reason=reason,
            error_type=type(error).__name__,
            attempts=attempts,
            failed_at=utcnow(),
            key=delivery.key.decode("utf-8", "replace") if delivery.key else None,
            payload=payload,
            payload_encoding=encoding,  # type: ignore[arg-type]
            headers=dict(delivery.headers),
        )
        headers = {
            "x-dlq-reason": reason[:500].encode("ascii", "replace").decode(),
            "x-dlq-stage": stage,
            "x-dlq-source-topic": delivery.topic,
            "x-dlq-consumer": self.settings.service_name,
        }
        log.warning("dead-lettered: %s", reason, extra={"topic": delivery.topic, "offset": delivery.offset})
        attempt = 0
        while True:
            try:
                await self.publish(topic.dead_letter, envelope, key=delivery.key, headers=headers)
                break
            except PublishUnavailable:
                attempt += 1
                await asyncio.sleep(self._backoff(attempt))
        self.metrics.dead_lettered.labels(topic=delivery.topic, stage=stage).inc()


def _built_by_aiokafka(create_batch: Callable[[], Any], messages: list[tuple[bytes | None, bytes]],
                       headers: list[tuple[str, bytes]]) -> list[Any]:
    """A partition's records in aiokafka's own ``BatchBuilder``s (record by record; a new one when full), closed:
    complete, so the sender takes them at once instead of lingering. Where ``_BatchWriter`` does not answer."""
    builders = [create_batch()]
    for key_bytes, value in messages:
        if builders[-1].append(key=key_bytes, value=value, timestamp=None, headers=headers) is None:  # full
            builders.append(create_batch())
            builders[-1].append(key=key_bytes, value=value, timestamp=None, headers=headers)  # empty: takes any
    builders[-1].close()
    return builders


class _WrittenBatch:
    """A record batch ``runtime_native.write_publish`` wrote, in the part of aiokafka's ``BatchBuilder`` the
    accumulator and the sender use: complete and closed (``append`` refuses, so ``send()`` never adds to it, and
    it does not linger), its bytes ready for the produce request. An idempotent producer's id, epoch and base
    sequence are stamped in when the sender takes the batch (``_set_producer_state``), as aiokafka's builder
    writes them at ``_build``."""

    __slots__ = ("_buffer", "_count")

    def __init__(self, buffer: bytes, count: int) -> None:
        self._buffer = buffer
        self._count = count

    def append(self, *, timestamp: Any, key: Any, value: Any, headers: Any = ()) -> None:
        return None  # full: the accumulator then waits for the sender to take this batch

    def close(self) -> None:
        return None

    def closed(self) -> bool:
        return True

    def size(self) -> int:
        return len(self._buffer)

    def record_count(self) -> int:
        return self._count

    def _set_producer_state(self, producer_id: int, producer_epoch: int, base_sequence: int) -> None:
        self._buffer = with_producer_state(self._buffer, producer_id, producer_epoch, base_sequence)

    def _build(self) -> bytes:
        return self._buffer


class _BatchWriter:
    """Writes a publish's record batches natively, as aiokafka's ``DefaultRecordBatchBuilder`` would (the same
    size limit, the same codec functions, so the same bytes). ``for_producer`` answers None where aiokafka's own
    builder must stay: a transactional producer (its batches carry the transactional bit and join the
    transaction through the accumulator), serializers on the producer, or a codec id this writer does not know."""

    _COMPRESSORS: dict[int, Callable[[bytes], bytes] | None] = {
        0: None, 1: aiokafka_codec.gzip_encode, 2: aiokafka_codec.snappy_encode, 3: aiokafka_codec.lz4_encode,
        4: aiokafka_codec.zstd_encode,
    }

    def __init__(self, batch_size: int, codec: int) -> None:
        self.batch_size = batch_size
        self.codec = codec
        self.compress = self._COMPRESSORS[codec]

    @classmethod
    def for_producer(cls, producer: AIOKafkaProducer) -> _BatchWriter | None:
        accumulator = getattr(producer, "_message_accumulator", None)
        txn_manager = getattr(producer, "_txn_manager", None)
        batch_size = getattr(accumulator, "_batch_size", None)
        codec = getattr(accumulator, "_compression_type", None)
        if (
            (txn_manager is not None and txn_manager.transactional_id is not None)
            or getattr(producer, "_key_serializer", None) is not None
            or getattr(producer, "_value_serializer", None) is not None
            or type(batch_size) is not int or codec not in cls._COMPRESSORS
        ):
            return None
        return cls(batch_size, codec)

    def write_publish(
        self, items: list[tuple[str | bytes | None, BaseModel | bytes]],
        place: Callable[[str | bytes | None], tuple[bytes | None, int]], headers: list[tuple[str, bytes]],
        timestamp_ms: int,
    ) -> list[tuple[int, list[_WrittenBatch]]]:
        """A publish's records by partition (``place`` answers each distinct key's bytes and partition once), each
        partition's as its record batches, every record stamped ``timestamp_ms``."""
        return [
            (partition, [_WrittenBatch(buffer, count) for buffer, count in batches])
            for partition, batches in write_publish(items, place, encode, headers, timestamp_ms, self.batch_size,
                                                    self.codec, self.compress)
        ]


def faststream_security(settings: ServiceSettings) -> BaseSecurity | None:
    """The settings' TLS/SASL in FastStream's form (it hands them to the consumers it makes)."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = settings.kafka_ssl_context() if protocol in ("SSL", "SASL_SSL") else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    assert settings.kafka_sasl_username and settings.kafka_sasl_password  # checked when settings load
    kind = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}
    return kind[settings.kafka_sasl_mechanism](
        settings.kafka_sasl_username, settings.kafka_sasl_password.get_secret_value(),
        ssl_context=context, use_ssl=protocol == "SASL_SSL",
    )


async def producer_idempotence(settings: ServiceSettings) -> bool:
    """Whether this service's producer should be idempotent: ``kafka_idempotence`` on/off, or with
    ``auto`` whether the broker grants a producer id (Apache Kafka does; Tansu answers with an error)."""
    if settings.kafka_idempotence != "auto":
        return settings.kafka_idempotence == "on"
    from aiokafka.protocol.transaction import InitProducerIdRequest

    client = AIOKafkaClient(
        **settings.kafka_client_options(), client_id=f"{settings.service_name}-probe",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    try:
        await client.bootstrap()
        deadline = time.monotonic() + settings.kafka_request_timeout_ms / 1000
        while True:
            request = InitProducerIdRequest(transactional_id=None, transaction_timeout_ms=60_000)
            try:
                response = await client.send(client.get_random_node(), request)
            except KafkaError as exc:
                log.info("broker refused a producer id (%r): idempotence off", exc)
                return False
            if response.error_code == 0:
                return True
            error = for_code(response.error_code)
            # a freshly started Kafka answers "load in progress" until its producer-id block is allocated
            if not error.retriable or time.monotonic() > deadline:
                log.info("broker grants no producer id (%s): idempotence off", error.__name__)
                return False
            await asyncio.sleep(0.2)
    finally:
        await client.close()


class _Overlapped(NamedTuple):
    """One topic's share of an overlapped poll: what to hand the plain path again should its rest fail."""

    registration: _Registration
    events: list[Any]
    deliveries: list[Delivery]
    started: float  # perf_counter when the poll's handling began


class _Pending(NamedTuple):
    """A handled poll whose durable rest is running: committed once the rest completed."""

    rest: asyncio.Future[None]
    offsets: dict[TopicPartition, int]
    handled: list[_Overlapped]
    consumer: Any  # the aiokafka consumer that fetched the poll
    generation: int  # the pipeline's generation when the poll was taken: a revocation since forbids the commit


class _PollPipeline:
    """A consumer group's polls in order: the one in hand (``in_flight``) and, for overlapped topics, the
    previous poll's durable rest (``pending``). Everything that commits goes through ``settle``, under
    ``in_flight``, so commits follow poll order and never precede the work they stand for."""

    def __init__(self, mesh: Mesh, grace_s: float) -> None:
        self.mesh = mesh
        self.grace_s = grace_s
        self.in_flight = asyncio.Lock()
        self.pending: _Pending | None = None
        self.generation = 0  # moves on at every revocation
        self.stopping = False

    def hand_over(self, pending: _Pending) -> None:
        assert self.pending is None, "one poll's rest in flight at most"
        self.pending = pending

    async def settle(self) -> None:
        """The previous poll's rest completed (or, failed, that poll handled again the plain way), then committed."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            await asyncio.shield(pending.rest)  # a cancelled wait (a grace period ran out) abandons, never cuts, the rest
        except Exception:
            log.warning("an overlapped poll's durable work failed; handling it again before committing anything",
                        exc_info=True)
            for share in pending.handled:
                await self.mesh._handle_events(share.registration, share.events, share.deliveries)
        else:
            finished = time.perf_counter()
            for share in pending.handled:
                self.mesh.metrics.handled.labels(topic=share.registration.name).inc(len(share.deliveries))
                self.mesh.metrics.handle_seconds.labels(topic=share.registration.name).observe(finished - share.started)
        if pending.generation != self.generation:
            log.info("partitions were revoked while a poll was handled: not committed, its records are redelivered")
            return
        await pending.consumer.commit(pending.offsets)

    def abandon(self) -> None:
        """Forget the previous poll uncommitted (redelivered); its rest may still complete: handlers are idempotent."""
        self.pending = None

    async def finish_or_abandon(self) -> bool:
        """Let the poll in hand and the previous poll's rest finish and commit, within ``grace_s``."""
        try:
            async with asyncio.timeout(self.grace_s), self.in_flight:
                await self.settle()
            return True
        except TimeoutError:
            self.abandon()
            return False

    async def drain(self) -> None:
        """At stop: take no further poll; the last one's rest finishes and is committed, or is redelivered."""
        self.stopping = True
        if not await self.finish_or_abandon():
            log.warning("a poll's durable work still running after %.0fs at stop: it will be redelivered", self.grace_s)


def _all_of(rests: list[Awaitable[None]]) -> asyncio.Future[None]:
    """A poll's rests (one per overlapped topic) as one running task, its outcome always retrieved."""
    task: asyncio.Future[Any] = asyncio.ensure_future(rests[0] if len(rests) == 1 else asyncio.gather(*rests))
    task.add_done_callback(_retrieved)
    return task


def _retrieved(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # an abandoned rest's failure is not "never retrieved": the redelivery handles it


def _discard(rests: list[Awaitable[None]]) -> None:
    """Rests never started (their poll failed before its hand-over): closed, not left unawaited."""
    for rest in rests:
        if asyncio.iscoroutine(rest):
            rest.close()


_partition_of_delivery = operator.itemgetter(0, 1)  # Delivery.topic, Delivery.partition


def _next_offsets(poll: Sequence[Delivery]) -> dict[TopicPartition, int]:
    """What to commit for a poll: per partition, the offset after its last record (a poll is one run per partition)."""
    return {TopicPartition(topic, partition): collections.deque(run, maxlen=1)[0].offset + 1
            for (topic, partition), run in itertools.groupby(poll, _partition_of_delivery)}


class _PromptBatchSubscriber(BatchSubscriber):
    """FastStream's batch subscriber without its sleep after an empty poll.

    FastStream 0.7.8's ``get_msg`` sleeps ``batch_timeout_ms`` whenever ``getmany`` came back empty, that is
    after every idle poll, which had already waited that long: a record arriving during the sleep waited
    for it, on every hop of a path (``consume``'s 200 ms: ~100 ms per hop on average, half the time).
    Here the next poll follows an empty one at once; only a poll that came back empty early (before the
    first assignment, around a rebalance) waits out the rest of its time, so the loop never spins.
    """

    __slots__ = ()

    async def get_msg(self, consumer: Any) -> tuple[Any, ...]:
        started = time.monotonic()
        polled = await consumer.getmany(timeout_ms=self.batch_timeout_ms, max_records=self.max_records)
        if polled:
            return tuple(itertools.chain.from_iterable(polled.values()))
        left = self.batch_timeout_ms / 1000 - (time.monotonic() - started)
        if left > 0:
            await asyncio.sleep(left)
        return ()


class _FinishBeforeRevoke(ConsumerRebalanceListener):
    """When a rebalance takes partitions away, let the batch in hand and an overlapped poll's durable rest
    finish and commit first (up to ``grace_s``), so the next owner starts after them instead of handling
    them again. A handler stuck longer (a dependency down) does not hold the whole group: its batch is then
    redelivered, and nothing taken before the revocation is committed after it."""

    def __init__(self, pipeline: _PollPipeline) -> None:
        self.pipeline = pipeline

    async def on_partitions_revoked(self, revoked: Any) -> None:
        pipeline = self.pipeline
        busy = pipeline.in_flight.locked() or pipeline.pending is not None
        if busy and not await pipeline.finish_or_abandon():
            log.warning("batch still in hand after %.0fs while partitions are revoked: it will be redelivered",
                        pipeline.grace_s)
        pipeline.generation += 1

    async def on_partitions_assigned(self, assigned: Any) -> None:
        return None


class _GaveUp(Exception):
    pass


async def _parse_poll(records: tuple[Delivery, ...], original_parser: Callable[..., Awaitable[Any]]) -> Any:
    """FastStream's batch parser, fed only a stand-in for the poll's first delivery: it would otherwise build a
    headers dict per record that nobody reads (``on_poll`` reads ``raw_message``, the deliveries the fetcher
    made). The message keeps the whole poll as ``raw_message``, so ack and nack see every record (nack
    rewinds by ``topic``/``partition``/``offset``, which a ``Delivery`` has under the same names)."""
    first = records[0]
    stand_in = ConsumerRecord(
        first.topic, first.partition, first.offset, first.timestamp_ms, 0, first.key, first.value, None,
        -1, -1, tuple((name, value.encode()) for name, value in first.headers.items()),
    )
    message = await original_parser((stand_in,))
    message.raw_message = records
    return message


async def _no_body(_message: Any) -> None:
    """FastStream's decoder, replaced: ``on_poll`` reads ``raw_message`` and the per-topic decoders
    do the decoding, so FastStream's own per-record message objects and JSON parse would be waste."""
    return None


_NO_HEADERS: Mapping[str, str] = MappingProxyType({})
_new_delivery = tuple.__new__  # Delivery's own __new__ is a Python-level lambda: one frame per record more
_topic_of = operator.itemgetter(0)  # Delivery.topic


def _by_topic(poll: Sequence[Delivery]) -> dict[str, list[Delivery]]:
    """A poll's deliveries (made by the fetcher, ``_DeliveryRecords``) by topic, in order. A poll is one run
    per partition, so runs are grouped at C speed rather than record by record."""
    by_topic: dict[str, list[Delivery]] = {}
    for name, run in itertools.groupby(poll, _topic_of):
        by_topic.setdefault(name, []).extend(run)
    return by_topic


def delivery_of(raw: Any) -> Delivery:
    """A record of a plain aiokafka consumer (e.g. a replay's) as a ``Delivery``."""
    headers = MappingProxyType(_headers(raw.headers)) if raw.headers else _NO_HEADERS
    return Delivery(raw.topic, raw.partition, raw.offset, raw.key, raw.timestamp, headers, raw.value or b"")


def deliveries_of(records: Sequence[Any]) -> list[Delivery]:
    """``delivery_of`` for a polled batch. Records published together carry equal headers (one
    ``publish_many`` call shares its trace context), so equal headers are decoded once and the
    deliveries share them, read-only."""
    deliveries: list[Delivery] = []
    append = deliveries.append
    last_raw: Any = None
    last: Mapping[str, str] = _NO_HEADERS
    for raw in records:
        raw_headers = raw.headers
        if raw_headers != last_raw:
            last_raw, last = raw_headers, MappingProxyType(_headers(raw_headers)) if raw_headers else _NO_HEADERS
        append(_new_delivery(Delivery, (raw.topic, raw.partition, raw.offset, raw.key, raw.timestamp, last,
                                        raw.value or b"")))
    return deliveries


def _headers(raw_headers: Any) -> dict[str, str]:
    headers = {}
    for name, value in raw_headers or ():
        try:
            headers[name] = value.decode() if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError:
            headers[name] = base64.b64encode(value).decode()
    return headers


# ---------------------------------------------------------------------------- fetched batches → deliveries


class _AsDeliveries:
    """The mark a consumer carries (as its ``key_deserializer``) when its fetcher should yield ``Delivery``
    tuples. Should the fetcher not honour it (aiokafka changed), records come as usual with keys unchanged,
    and ``services/common/tests/test_fetch_deliveries.py`` fails on the pinned internals first."""

    logmesh_deliveries = True  # recognised by any copy of this module (a reload, a bench's baseline)

    def __call__(self, key: bytes | None) -> bytes | None:
        return key

    def __repr__(self) -> str:
        return "AS_DELIVERIES"


AS_DELIVERIES = _AsDeliveries()


# aiokafka's own, also when another copy of this module installed its replacements already
_AIOKAFKA_PARTITION_RECORDS = getattr(aiokafka_fetcher.PartitionRecords, "aiokafka_class",
                                      aiokafka_fetcher.PartitionRecords)
_aiokafka_getall = getattr(aiokafka_fetcher.FetchResult.getall, "aiokafka_getall",
                           aiokafka_fetcher.FetchResult.getall)


_AIOKAFKA_MEMORY_RECORDS = getattr(aiokafka_fetcher.MemoryRecords, "aiokafka_class", aiokafka_fetcher.MemoryRecords)


class _FetchedRecords(_AIOKAFKA_MEMORY_RECORDS):  # type: ignore[misc,valid-type]
    """aiokafka's ``MemoryRecords`` that keeps the fetched bytes, for the native unpacking of ``_DeliveryRecords``
    (aiokafka's Cython class does not expose them)."""

    aiokafka_class = _AIOKAFKA_MEMORY_RECORDS

    def __init__(self, buffer: Any) -> None:
        super().__init__(buffer)
        self.fetched = buffer


# runtime_native.unpack_batch's answers; its decoders by the batch attributes' codec id (aiokafka's own, cramjam's)
_NATIVE_DATA, _NATIVE_CONTROL, _NATIVE_FALL_BACK, _NATIVE_CORRUPT = 0, 1, 2, 3
_NATIVE_DECODERS = (None, aiokafka_codec.gzip_decode, aiokafka_codec.snappy_decode, aiokafka_codec.lz4_decode,
                    aiokafka_codec.zstd_decode)


def _native_headers(raw_headers: list[tuple[str, bytes | None]]) -> Mapping[str, str]:
    return MappingProxyType(_headers(raw_headers))


class _DeliveryRecords(_AIOKAFKA_PARTITION_RECORDS):  # type: ignore[misc,valid-type]
    """One partition's fetched record batches, unpacked straight into ``Delivery`` tuples, a batch at a time.

    aiokafka's own unpacking builds a ``ConsumerRecord`` per record (a Python-level constructor, a headers
    tuple, a checksum look-up) that the runtime only turned into a ``Delivery``, and hands records out one by
    one through a generator and ``FetchResult.getall``'s loop (docs/decisions/consume-path.md). The fetch
    rules stay aiokafka's: CRC checked per batch when ``check_crcs``, control batches skipped, aborted
    transactions skipped under read_committed (aiokafka's own helpers), and ``next_fetch_offset`` is right
    whenever deliveries are handed out: after the last one handed out, past a batch's end once all of it
    was (a compacted batch may end beyond its last record).

    Fetched v2 batches are unpacked by ``runtime_native.unpack_batch`` (Rust: CRC-32C, varints, the tuples;
    aiokafka's decoders decompress), one call per batch; older formats, codecs it has no decoder for,
    malformed records and read_committed consumers (aborted transactions) go through aiokafka's batches.
    """

    next_fetch_offset: int
    _records_iterator: Any

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self._batches: Any = self._records_iterator  # _unpack_records: per batch, its deliveries and its end
        self._pending: list[Delivery] = []  # the current batch's deliveries; those from self._at on are not out
        self._at = 0
        self._pending_end = self.next_fetch_offset  # where the current batch ends
        self.exhausted = False

    def __next__(self) -> Delivery:  # FetchResult.getone
        taken = self.take(1)
        if not taken:
            raise StopIteration
        return taken[0]

    def take(self, max_records: int | None) -> list[Delivery]:
        """Up to ``max_records`` deliveries (all that are left with None); ``next_fetch_offset`` follows."""
        taken: list[Delivery] = []
        if max_records is not None and max_records < 1:
            return taken
        while True:
            pending, at = self._pending, self._at
            if at < len(pending):
                room = len(pending) - at if max_records is None else max_records - len(taken)
                if at == 0 and room >= len(pending) and not taken:
                    taken = pending  # the common case: a whole batch, no copy
                else:
                    taken += pending[at:at + room]
                self._at = at = min(at + room, len(pending))
                if at < len(pending):
                    self.next_fetch_offset = taken[-1].offset + 1
                    return taken
            self.next_fetch_offset = self._pending_end  # this batch is all out
            if max_records is not None and len(taken) >= max_records:
                return taken
            batch = next(self._batches, None) if self._batches is not None else None
            if batch is None:
                self._batches = self._records_iterator = None
                self.exhausted = True
                return taken
            self._pending, self._pending_end = batch
            self._at = 0

    def _unpack_records(self) -> Any:
        fetched = getattr(self._records, "fetched", None)
        if type(fetched) is bytes and self._isolation_level != aiokafka_fetcher.READ_COMMITTED:
            return self._unpack_natively(fetched)
        return self._unpack_with_aiokafka()

    def _unpack_natively(self, fetched: bytes) -> Any:
        tp = self._tp
        topic, partition, check_crcs = tp.topic, tp.partition, self._check_crcs
        pos = 0
        while (unpacked := unpack_batch(fetched, pos, self.next_fetch_offset, check_crcs, topic, partition, Delivery,
                                        _NATIVE_DECODERS, _native_headers, _NO_HEADERS)) is not None:
            kind, deliveries, end, pos = unpacked
            if kind == _NATIVE_DATA:
                yield deliveries, end
            elif kind == _NATIVE_CONTROL:
                self.next_fetch_offset = end
            elif kind == _NATIVE_CORRUPT:
                raise CorruptRecordException(f"Invalid CRC - {tp}")  # the batch is fetched again
            else:  # not for the native parser: aiokafka's from this batch on
                self._records = _AIOKAFKA_MEMORY_RECORDS(fetched[pos:])
                yield from self._unpack_with_aiokafka()
                return

    def _unpack_with_aiokafka(self) -> Any:
        tp = self._tp
        topic, partition = tp.topic, tp.partition
        records = self._records
        read_committed = self._isolation_level == aiokafka_fetcher.READ_COMMITTED
        new, headers_of, no_headers, proxy = _new_delivery, _headers, _NO_HEADERS, MappingProxyType
        last_raw: Any = None  # a publish shares its headers: decode each run once and share it, read-only
        last: Mapping[str, str] = no_headers
        while records.has_next():
            batch = records.next_batch()
            if self._check_crcs and not batch.validate_crc():
                raise CorruptRecordException(f"Invalid CRC - {tp}")  # the batch is fetched again
            if read_committed and batch.producer_id is not None:
                self._consume_aborted_up_to(batch.base_offset)
                if batch.is_control_batch and self._contains_abort_marker(batch):
                    self._aborted_producers.discard(batch.producer_id)
                if batch.is_transactional and batch.producer_id in self._aborted_producers:
                    self.next_fetch_offset = batch.next_offset
                    continue
            if batch.is_control_batch:  # commit/abort markers, whatever the isolation level
                self.next_fetch_offset = batch.next_offset
                continue
            start = self.next_fetch_offset  # a fetch may begin inside a batch
            deliveries = [
                new(Delivery, (
                    topic, partition, record.offset, record.key, record.timestamp,
                    last if (raw := record.headers) == last_raw
                    else (last := proxy(headers_of(last_raw := raw)) if raw else no_headers),
                    record.value or b"",
                ))
                for record in batch
            ]
            if deliveries and deliveries[0].offset < start:
                deliveries = [delivery for delivery in deliveries if delivery.offset >= start]
            yield deliveries, batch.next_offset


def _getall(self: Any, max_records: int | None = None) -> list[Any]:
    """``FetchResult.getall``: a batch of deliveries at a time for ``_DeliveryRecords``, aiokafka's otherwise."""
    records = self._partition_records
    if type(records) is not _DeliveryRecords:
        return _aiokafka_getall(self, max_records)
    if not self.check_assignment(self._topic_partition):  # unassigned, paused or sought meanwhile: dropped
        return []
    taken = records.take(max_records)
    self._update_position()
    if records.exhausted:
        self._partition_records = None
    return taken


def _partition_records(
    tp: Any, records: Any, aborted_transactions: Any, fetch_offset: int, key_deserializer: Any,
    value_deserializer: Any, check_crcs: bool, isolation_level: int,
) -> Any:
    """What aiokafka's Fetcher calls for each partition's fetched data: ``Delivery`` unpacking for the
    runtime's consumers (marked ``AS_DELIVERIES``), aiokafka's own for every other consumer."""
    marked = getattr(key_deserializer, "logmesh_deliveries", False)
    kind = _DeliveryRecords if marked else _AIOKAFKA_PARTITION_RECORDS
    return kind(tp, records, aborted_transactions, fetch_offset, key_deserializer, value_deserializer,
                check_crcs, isolation_level)


_partition_records.aiokafka_class = _AIOKAFKA_PARTITION_RECORDS  # type: ignore[attr-defined]
aiokafka_fetcher.MemoryRecords = _FetchedRecords
_getall.aiokafka_getall = _aiokafka_getall  # type: ignore[attr-defined]
aiokafka_fetcher.PartitionRecords = _partition_records
aiokafka_fetcher.FetchResult.getall = _getall
