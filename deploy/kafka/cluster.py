#!/usr/bin/env python3
"""A real Apache Kafka cluster on loopback, from Maven Central, with no Docker.

    python3 deploy/kafka/cluster.py fetch            # download Kafka's jars once (cached)
    python3 deploy/kafka/cluster.py up [--json]      # format KRaft storage, start 3 brokers, wait; Ctrl-C stops
    python3 deploy/kafka/cluster.py run -- CMD ...   # start 3 brokers, run CMD with LOGMESH_TEST_KAFKA_BOOTSTRAP
                                                     # (and LOGMESH_KAFKA_BOOTSTRAP) set, stop them, exit with CMD's status

``fetch`` resolves ``org.apache.kafka:kafka_2.13`` and its runtime dependencies with Maven
(``deploy/kafka/pom.xml``) into ``$LOGMESH_KAFKA_CACHE`` (default ``~/.cache/logmesh/kafka``),
one folder per Kafka version; a second call finds the folder complete and returns at once.
Each node is a combined broker+controller (KRaft, static quorum) in its own JVM with a small heap.
The pytest fixture in ``tests/kafka/conftest.py`` drives ``KafkaCluster`` directly, and kills and
restarts single nodes for the failover tests.

Standard library only, so it runs before any virtualenv exists; ``SaslSsl`` (certificates)
needs the ``cryptography`` package.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
POM = HERE / "pom.xml"
KAFKA_VERSION = re.search(r"<kafka.version>([^<]+)<", POM.read_text()).group(1)  # type: ignore[union-attr]
HEAP = os.environ.get("LOGMESH_KAFKA_HEAP", "384m")
COMPLETE = ".complete"


class ClusterError(RuntimeError):
    pass


def cache_root() -> Path:
    return Path(os.environ.get("LOGMESH_KAFKA_CACHE") or Path.home() / ".cache" / "logmesh" / "kafka")


def libs_dir() -> Path:
    """One folder per pom content: changing the version or a dependency fetches afresh."""
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:10]
    return cache_root() / f"{KAFKA_VERSION}-{digest}" / "libs"


def fetch(progress: bool = True) -> Path:
    """Kafka's jars in the cache, downloading them with Maven the first time."""
    libs = libs_dir()
    if (libs / COMPLETE).exists():
        return libs
    mvn = shutil.which("mvn")
    java = shutil.which("java")
    if mvn is None or java is None:
        raise ClusterError("Maven and a JDK 17+ are needed to fetch Kafka: run `make system-deps` (maven, openjdk-17)")
    staging = libs.with_name(f"libs.partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    if progress:
        print(f"fetching Apache Kafka {KAFKA_VERSION} from Maven Central into {libs} (about 60 MB, once) ...",
              file=sys.stderr, flush=True)
    started = time.monotonic()
    result = subprocess.run(
        [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
         "-DincludeScope=runtime", f"-DoutputDirectory={staging}"],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise ClusterError(
            f"mvn could not fetch Kafka {KAFKA_VERSION} (is Maven Central reachable?):\n{result.stdout[-3000:]}"
            f"{result.stderr[-2000:]}"
        )
    (staging / COMPLETE).write_text(f"{time.monotonic() - started:.1f}\n")
    libs.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging.rename(libs)
    except OSError:  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)
    if progress:
        print(f"fetched in {time.monotonic() - started:.0f}s", file=sys.stderr, flush=True)
    return libs


def java_major() -> int:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not match:
        raise ClusterError(f"cannot read the Java version from: {out[:200]}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 else major


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class SaslSsl:
    """A SASL_SSL listener: a CA, a server certificate for 127.0.0.1/localhost, a client certificate
    (brokers require it), PLAIN users in the JAAS config and SCRAM-SHA-512 users made at format time."""

    directory: Path
    users: dict[str, str]  # user -> password, for both mechanisms

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if not (self.directory / "ca.pem").exists():
            _write_certificates(self.directory)

    @property
    def ca(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def client_cert(self) -> Path:
        return self.directory / "client.pem"

    @property
    def client_key(self) -> Path:
        return self.directory / "client.key"

    def broker_properties(self) -> dict[str, str]:
        plain_users = " ".join(f'user_{u}="{p}"' for u, p in self.users.items())
        return {
            "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
            "listener.name.sasl_ssl.plain.sasl.jaas.config":
                f"org.apache.kafka.common.security.plain.PlainLoginModule required {plain_users};",
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
                "org.apache.kafka.common.security.scram.ScramLoginModule required;",
            "listener.name.sasl_ssl.ssl.keystore.type": "PEM",
            "listener.name.sasl_ssl.ssl.keystore.location": str(self.directory / "server-keystore.pem"),
            "listener.name.sasl_ssl.ssl.truststore.type": "PEM",
            "listener.name.sasl_ssl.ssl.truststore.location": str(self.ca),
            "listener.name.sasl_ssl.ssl.client.auth": "required",
            "listener.name.sasl_ssl.ssl.endpoint.identification.algorithm": "https",
        }

    def scram_arguments(self) -> list[str]:
        args = []
        for user, password in self.users.items():
            args += ["--add-scram", f"SCRAM-SHA-512=[name={user},password={password}]"]
        return args


def _write_certificates(directory: Path) -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    pem = serialization.Encoding.PEM
    pkcs8 = serialization.PrivateFormat.PKCS8
    plain = serialization.NoEncryption()

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder().subject_name(name("logmesh test CA")).issuer_name(name("logmesh test CA"))
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )

    def leaf(common: str, usage: x509.ObjectIdentifier, san: bool) -> tuple[bytes, bytes]:
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (
            x509.CertificateBuilder().subject_name(name(common)).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if san:
            import ipaddress

            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        cert = builder.sign(ca_key, hashes.SHA256())
        return key.private_bytes(pem, pkcs8, plain), cert.public_bytes(pem)

    server_key, server_cert = leaf("kafka.loopback", ExtendedKeyUsageOID.SERVER_AUTH, san=True)
    client_key, client_cert = leaf("logmesh-client", ExtendedKeyUsageOID.CLIENT_AUTH, san=False)
    ca_pem = ca.public_bytes(pem)
    (directory / "ca.pem").write_bytes(ca_pem)
    (directory / "server-keystore.pem").write_bytes(server_key + server_cert + ca_pem)
    (directory / "client.pem").write_bytes(client_cert)
    (directory / "client.key").write_bytes(client_key)
    for secret in ("server-keystore.pem", "client.key"):
        os.chmod(directory / secret, 0o600)


@dataclass
class Node:
    node_id: int
    port: int
    controller_port: int
    sasl_port: int | None
    directory: Path
    proc: subprocess.Popen | None = None

    @property
    def config(self) -> Path:
        return self.directory / "server.properties"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"


@dataclass
class KafkaCluster:
    """``size`` combined broker+controller nodes on loopback; ``bootstrap`` (PLAINTEXT) and, with
    ``sasl_ssl``, ``sasl_bootstrap``. Each node's log is ``<workdir>/node-N/server.log``."""

    workdir: Path
    size: int = 3
    sasl_ssl: SaslSsl | None = None
    heap: str = HEAP
    broker_config: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workdir = self.workdir.resolve()
        if not self.nodes:
            self.nodes = [
                Node(i, free_port(), free_port(), free_port() if self.sasl_ssl else None, self.workdir / f"node-{i}")
                for i in range(1, self.size + 1)
            ]

    @property
    def bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{n.port}" for n in self.nodes)

    @property
    def sasl_bootstrap(self) -> str:
        return ",".join(f"localhost:{n.sasl_port}" for n in self.nodes)

    def node(self, node_id: int) -> Node:
        return next(n for n in self.nodes if n.node_id == node_id)

    # ------------------------------------------------------------------ setup

    def _properties(self, node: Node) -> dict[str, str]:
        voters = ",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in self.nodes)
        listeners = [f"PLAINTEXT://127.0.0.1:{node.port}", f"CONTROLLER://127.0.0.1:{node.controller_port}"]
        advertised = [f"PLAINTEXT://127.0.0.1:{node.port}"]
        if node.sasl_port is not None:
            listeners.append(f"SASL_SSL://localhost:{node.sasl_port}")
            advertised.append(f"SASL_SSL://localhost:{node.sasl_port}")
        replicas = str(min(3, self.size))
        props = {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": ",".join(listeners),
            "advertised.listeners": ",".join(advertised),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
            "log.dirs": str(node.directory / "data"),
            "num.partitions": "3",
            "default.replication.factor": replicas,
            "min.insync.replicas": str(min(2, self.size)),
            "offsets.topic.replication.factor": replicas,
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": str(min(2, self.size)),
            "share.coordinator.state.topic.replication.factor": replicas,
            "share.coordinator.state.topic.min.isr": str(min(2, self.size)),
            "auto.create.topics.enable": "false",
            "unclean.leader.election.enable": "false",
            "group.initial.rebalance.delay.ms": "0",
            "num.network.threads": "2",
            "num.io.threads": "2",
            "num.recovery.threads.per.data.dir": "1",
            "log.segment.bytes": str(64 * 1024 * 1024),
            # a killed node is fenced (and its partitions get new leaders) after 4s instead of 9s
            "broker.session.timeout.ms": "4000",
            "broker.heartbeat.interval.ms": "1000",
            "replica.lag.time.max.ms": "10000",
        }
        if self.sasl_ssl is not None:
            props |= self.sasl_ssl.broker_properties()
        return props | self.broker_config

    def format(self) -> None:
        """Write each node's config and format its KRaft storage (once; SCRAM users made here)."""
        libs = fetch()
        if java_major() < 17:
            raise ClusterError("Apache Kafka 4 brokers need Java 17 or newer (apt-get install openjdk-17-jre-headless)")
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        for node in self.nodes:
            node.directory.mkdir(parents=True, exist_ok=True)
            node.config.write_text("".join(f"{k}={v}\n" for k, v in self._properties(node).items()))
            (node.directory / "log4j2.properties").write_text(_LOG4J.format(log=node.log))
            if (node.directory / "data" / "meta.properties").exists():
                continue
            result = subprocess.run(
                self._java(node, libs, "kafka.tools.StorageTool")
                + ["format", f"--cluster-id={cluster_id}", "-c", str(node.config), "--ignore-formatted"]  # an id may start with "-"
                + (self.sasl_ssl.scram_arguments() if self.sasl_ssl else []),
                capture_output=True, text=True,
            )
            if result.returncode != 0:
                raise ClusterError(f"formatting node {node.node_id} failed:\n{result.stdout}{result.stderr}")

    def _java(self, node: Node, libs: Path, main: str) -> list[str]:
        return [
            "java", f"-Xmx{self.heap}", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss512k", "-XX:MaxMetaspaceSize=192m", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={node.directory / 'log4j2.properties'}",
            "-cp", f"{libs}/*", main,
        ]

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout_s: float = 120.0) -> KafkaCluster:
        self.format()
        for node in self.nodes:
            self.start_node(node.node_id, wait=False)
        for node in self.nodes:
            self.wait_node(node.node_id, timeout_s)
        return self

    def start_node(self, node_id: int, wait: bool = True, timeout_s: float = 120.0) -> None:
        node = self.node(node_id)
        if node.proc is not None and node.proc.poll() is None:
            return
        out = open(node.directory / "stdout.log", "ab")  # noqa: SIM115 - handed to the child
        node.proc = subprocess.Popen(
            [*self._java(node, libs_dir(), "kafka.Kafka"), str(node.config)],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        out.close()
        if wait:
            self.wait_node(node_id, timeout_s)

    def wait_node(self, node_id: int, timeout_s: float = 120.0) -> None:
        node = self.node(node_id)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if node.proc is None or node.proc.poll() is not None:
                raise ClusterError(f"Kafka node {node_id} exited; see {node.log} and {node.directory}/stdout.log")
            if port_open(node.port) and (node.sasl_port is None or port_open(node.sasl_port)):
                return
            time.sleep(0.2)
        raise ClusterError(f"Kafka node {node_id} did not listen within {timeout_s:.0f}s; see {node.log}")

    def kill_node(self, node_id: int) -> None:
        """SIGKILL: a crash, not a clean shutdown."""
        node = self.node(node_id)
        if node.proc is not None and node.proc.poll() is None:
            node.proc.kill()
            node.proc.wait(30)

    def stop_node(self, node_id: int, timeout_s: float = 30.0) -> None:
        node = self.node(node_id)
        if node.proc is not None and node.proc.poll() is None:
            node.proc.send_signal(signal.SIGTERM)
            try:
                node.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                node.proc.kill()
                node.proc.wait(10)

    def stop(self) -> None:
        for node in self.nodes:  # all at once: a lone survivor would wait for a quorum that never comes
            if node.proc is not None and node.proc.poll() is None:
                node.proc.send_signal(signal.SIGTERM)
        for node in self.nodes:
            if node.proc is not None:
                try:
                    node.proc.wait(20)
                except subprocess.TimeoutExpired:
                    node.proc.kill()
                    node.proc.wait(10)

    def __enter__(self) -> KafkaCluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


_LOG4J = """\
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.kafkareq.name = kafka.request.logger
logger.kafkareq.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download Kafka's jars into the cache (once)")
    up = sub.add_parser("up", help="start a cluster on loopback until Ctrl-C")
    up.add_argument("--brokers", type=int, default=3)
    up.add_argument("--workdir", type=Path, default=None, help="node data (default: a temporary folder)")
    up.add_argument("--sasl-ssl", action="store_true", help="add a SASL_SSL listener (certificates in the workdir)")
    up.add_argument("--json", action="store_true", help="print endpoints as JSON")
    run = sub.add_parser("run", help="start a cluster, run a command against it, stop the cluster")
    run.add_argument("--brokers", type=int, default=3)
    run.add_argument("argv", nargs=argparse.REMAINDER, help="-- command and arguments")
    args = parser.parse_args(argv)
    try:
        if args.command == "fetch":
            print(fetch())
            return 0
        if args.command == "run":
            command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
            if not command:
                parser.error("run needs a command after --")
            with tempfile.TemporaryDirectory(prefix="logmesh-kafka-") as tmp, \
                    KafkaCluster(Path(tmp), size=args.brokers) as cluster:
                print(f"Kafka {KAFKA_VERSION}: {cluster.bootstrap}", file=sys.stderr, flush=True)
                env = {**os.environ, "LOGMESH_TEST_KAFKA_BOOTSTRAP": cluster.bootstrap,
                       "LOGMESH_KAFKA_BOOTSTRAP": cluster.bootstrap}
                return subprocess.run(command, env=env).returncode
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="logmesh-kafka-"))
        tls = SaslSsl(workdir / "tls", {"logmesh": base64.urlsafe_b64encode(os.urandom(12)).decode()}) \
            if args.sasl_ssl else None
        cluster = KafkaCluster(workdir, size=args.brokers, sasl_ssl=tls)
        print(f"starting {args.brokers} Kafka {KAFKA_VERSION} nodes in {workdir} ...", file=sys.stderr, flush=True)
        with cluster:
            endpoints = {"bootstrap": cluster.bootstrap, "workdir": str(workdir)}
            if tls:
                endpoints |= {"sasl_ssl_bootstrap": cluster.sasl_bootstrap, "ca": str(tls.ca),
                              "client_cert": str(tls.client_cert), "client_key": str(tls.client_key),
                              "users_file": str(workdir / "tls" / "users.json")}
                (workdir / "tls" / "users.json").write_text(json.dumps(tls.users))
                os.chmod(workdir / "tls" / "users.json", 0o600)
            print(json.dumps(endpoints) if args.json else "\n".join(f"{k}: {v}" for k, v in endpoints.items()),
                  flush=True)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except ClusterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
