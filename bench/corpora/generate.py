#!/usr/bin/env python3
"""Generate the held-out template-mining corpora (fixed seed, committed generator).

Three corpora of software that Loghub lacks, each written out in the layout of the shared
Loghub harness (``<Name>/<Name>_2k.log_structured_corrected.csv`` plus the same file as
``_structured.csv``) so that ``loghub_eval.py --data <out> --datasets <Name>`` and
``bench/generalisation_bench.py`` score them like a Loghub dataset:

* ``K8sPlatform``: kubelet, kube-scheduler, kube-controller-manager, Kubernetes events,
  containerd, CoreDNS, ingress-nginx access and error lines;
* ``DataPlatform``: PostgreSQL, Kafka brokers and Java clients, JVM unified GC logging,
  Redis, a Go net/http service, a Node (morgan) service;
* ``OpsPlatform`` (written after the engine's rules were frozen, scored once): HAProxy
  (httplog and health checks), Envoy access lines, HashiCorp Vault, Prometheus, MySQL 8,
  RabbitMQ, systemd, Elasticsearch.

Ground truth: every event type is one log statement of the real software, written in
the format that statement prints (klog structured pairs, log4j prefixes, Postgres'
``LEVEL:  message``, HotSpot's ``GC(n) Pause ...``); each argument of the statement is
one ``<*>`` (a whole list is one ``<*>``). Arguments with few values are drawn from
small realistic pools (3 containers, 2 databases, 3 users, 3 topics, HTTP methods, probe
types, DNS record types, GC causes) and lists have 1 to 4 entries, because those are the
cases a miner tuned on Loghub gets wrong. Values are invented; formats are the software's.

* ``EdgePlatform`` (written before any rule change of the second issue-15 pass, scored
  once): Traefik, etcd, MongoDB, NATS, Consul, Airflow, Celery, Spring Boot,
  kube-apiserver, Calico felix, Cilium agent, MinIO, Loki.
* ``ToolingPlatform`` (written before any rule change of the third issue-15 pass, scored
  once): Alertmanager, Grafana, Terraform, Fluent Bit, OpenTelemetry Collector, gunicorn,
  uvicorn, Keycloak, Cassandra, PgBouncer, Sidekiq, dockerd, Jenkins, Velero.
* ``MeshPlatform`` (written before any rule change of the fourth issue-15 pass, scored
  once): Linkerd proxy and destination controller, Envoy's own logs, Kong, Caddy (JSON),
  Nomad, Postfix, BIND, Vector, Squid, chrony, Patroni, Falco, Docker registry,
  ClickHouse, Tomcat, CockroachDB.
* ``StackPlatform`` (written before any rule change of the fifth issue-15 pass, scored
  once): GitLab Runner, Ceph, Node (pino JSON), Go (zap console), Django, Rails, ASP.NET
  Core, Apache Flink, Temporal, Dovecot, keepalived, dnsmasq, OpenVPN, sudo, cron.
* ``CloudPlatform`` (written before any rule change of the seventh issue-15 pass, scored
  once): kube-proxy (klog header), MetalLB (go-kit JSON), Flux (controller-runtime JSON),
  OPA Gatekeeper, Argo Workflows (logrus), Tekton (knative JSON), AWS Load Balancer
  Controller, Thanos, Logstash, Fluentd, Redis Sentinel, MariaDB Galera, Apache Solr,
  NetworkManager, systemd-resolved, Podman events, Harbor jobservice; 53 event types.
* ``RuntimePlatform`` (written before any rule change of the eighth issue-15 pass, scored
  once): CRI-O, Ollama (Gin and slog), Dapr, KEDA, Argo Rollouts, PHP-FPM, Laravel's queue
  worker, memcached -vv, Python logging (urllib3, werkzeug), Serilog (console and compact
  JSON), Rust tracing (tower-http), Kafka Connect and Debezium, Trino, Ray, Pulsar, Jaeger,
  Crossplane; 55 event types.
* ``InfraPlatform`` (written before any rule change of the ninth issue-15 pass, scored
  once): the Linux kernel through rsyslog (netfilter LOG with UFW prefixes, OOM killer,
  bridge and veth messages), auditd (SELinux AVC, SYSCALL, EXECVE, PAM records),
  Mosquitto, rsyslog, Zabbix server, Apache Hive, HBase, OpenSearch, Knative autoscaler,
  Kyverno, Rook, Nextcloud, django-structlog, Phoenix (Elixir Logger); 54 event types.
* ``EnterprisePlatform`` (written before any rule change of the tenth issue-15 pass, scored
  once): OpenLDAP slapd, the MIT Kerberos KDC, FreeRADIUS, ISC dhcpd, unbound, fail2ban,
  Exim, uWSGI, Gitea, WildFly, Quarkus, Telegraf, InfluxDB 2; 59 event types.
* ``HybridPlatform`` (written before any rule change of the eleventh issue-15 pass, scored
  once): Matrix Synapse, Asterisk, strongSwan charon, Varnish (varnishd, varnishncsa), Jetty,
  Nagios Core, libvirtd, Hazelcast, Apache CouchDB, TiDB, vLLM; 52 event types.
* ``ResearchPlatform`` (written while the eleventh issue-15 pass was under way, before any of its
  rule changes reached main; scored once on the tenth-pass engine): Slurm (slurmctld, slurmd,
  slurmstepd), Jupyter Server, JupyterHub, NVIDIA Triton Inference Server, Samba smbd (sessions,
  auth audit, vfs_full_audit), NFS (kernel client and server, rpc.mountd), ISC Kea DHCPv4, the
  Puppet agent, ProxySQL; 58 event types.
* ``ClusterOpsPlatform`` (written before any rule change of the twelfth issue-15 pass reached
  main, scored once): k3s, kubeadm, metrics-server, the descheduler, Cluster API, the CSI
  external-provisioner and external-attacher, flannel, Multus CNI, the Prometheus Operator,
  Dex, oauth2-proxy, kaniko, KubeVirt virt-handler; 67 event types.
* ``DataAppPlatform`` (written blind for the twelfth issue-15 pass: before reading the engine or
  any failure analysis; scored once): ScyllaDB, Redpanda, ActiveMQ Artemis, Pgpool-II, Neo4j,
  Meilisearch, Typesense, NestJS, Symfony (Monolog), Micronaut with Flyway, Puma, Odoo,
  CloudNativePG; 66 event types.
* ``WebAppPlatform`` (written blind for the twelfth issue-15 pass: before reading the engine or
  any failure analysis; scored once): Apache httpd (error and access logs), Hibernate ORM in a
  Spring Boot Logback console, Akka cluster, Play, Vert.x with Netty, Fastify, Next.js, Echo,
  Resque, RQ, Dramatiq, Oban, Sanic, Unicorn; 71 event types.
* ``ObservabilityPlatform`` (written blind for the twelfth issue-15 pass: before reading the
  engine or any failure analysis; scored once): Grafana Tempo, Grafana Mimir, Grafana Alloy,
  Teleport, SPIRE, Kiali, VictoriaMetrics (vmagent, vmalert), the Trivy Operator, OpenSearch
  Dashboards, Authelia, CrowdSec, Tetragon; 51 event types.
* ``NetworkPlatform`` (written blind for the thirteenth issue-15 pass: before reading the engine
  or any failure analysis; scored once): kube-vip, FRRouting bgpd, BIRD in calico-node, the
  WireGuard kernel module, tailscaled, Istio ztunnel, Envoy Gateway, Contour, the PowerDNS
  Authoritative Server, Knot DNS, cloudflared, Open vSwitch; 63 event types.
* ``MLPlatform`` (written blind for the thirteenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): Volcano, the NVIDIA device plugin, DCGM exporter,
  TensorFlow Serving, NCCL, torchrun, Dask distributed, MLflow, KServe, Seldon MLServer,
  Hugging Face TGI, the Kubeflow training-operator, Katib, Kubeflow Pipelines; 63 event types.
* ``SecOpsPlatform`` (written blind for the fourteenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): Suricata (suricata.log, fast.log), Zeek (weird, reporter,
  notice), ClamAV clamd and freshclam, osquery, the Wazuh manager, ModSecurity in nginx's error
  log, sshguard, AppArmor through the kernel log, Pomerium, HashiCorp Boundary, the Sigstore
  policy-controller, the External Secrets Operator, the Kubernetes audit log; 62 event types.
* ``AnalyticsPlatform`` (written blind for the fourteenth issue-15 pass: before reading the engine
  or any failure analysis; scored once): Apache Druid, Apache Pinot, StarRocks (FE, audit log, BE),
  ClickHouse Keeper, Apache NiFi, Airbyte, dbt, Dagster, Prefect, Apache Superset, Metabase, Kafka
  Streams, ksqlDB, the Spark on Kubernetes operator and Spark drivers on Kubernetes; 67 event types.
* ``StoragePlatform`` (written blind for the sixteenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): the Longhorn manager and instance-manager, the OpenEBS LocalPV
  provisioner, the AWS EBS CSI node plugin, the ceph-csi RBD node plugin, GlusterFS, ZFS zed, LVM
  dmeventd, multipathd, iscsid, the kernel's block layer with ext4, XFS and rbd, restic, BorgBackup,
  Percona XtraBackup, JuiceFS; 86 event types.
* ``DeliveryPlatform`` (written blind for the sixteenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): the Drone Docker runner, the Buildkite agent, the GitHub
  Actions runner, Concourse, Sonatype Nexus 3, JFrog Artifactory 7, SonarQube, Renovate, BuildKit,
  Gerrit, Atlantis, Skaffold, Helm 3 (--debug); 74 event types.
* ``CommsPlatform`` (written blind for the sixteenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): EMQX 5, Kamailio, FreeSWITCH, the Janus WebRTC gateway,
  ejabberd, Prosody, Mattermost, Rocket.Chat, Jitsi Videobridge and Jicofo, coturn, Apache
  RocketMQ, NSQ (nsqd, nsqlookupd), Home Assistant; 70 event types.
* ``HostPlatform`` (written blind for the seventeenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): CUPS cupsd (error_log, access_log, page_log), BlueZ
  bluetoothd, PipeWire and WirePlumber, snapd, udisksd, polkitd, systemd-logind, ModemManager,
  smartd, dpkg and apt, unattended-upgrades, irqbalance, tuned, wpa_supplicant, avahi-daemon;
  104 event types.
* ``LegacyPlatform`` (written blind for the seventeenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): the Oracle Database 19c alert log and TNS listener log, Microsoft
  SQL Server 2022 (errorlog), IBM Db2 11.5 (db2diag.log), SAP HANA 2.0 (indexserver trace), IBM
  Informix 14.10 (online.log), Oracle WebLogic Server 14.1, WebSphere Liberty, WebSphere Application
  Server traditional 9, IBM MQ 9.3, JBoss EAP 7.4 subsystems, Oracle Tuxedo 12.2 (ULOG), CICS TS 6.1;
  94 event types.
* ``ChainPlatform`` (written blind for the eighteenth issue-15 pass: before reading the engine or
  any failure analysis; scored once): go-ethereum, Bitcoin Core (debug.log), lnd, the Hyperledger
  Fabric peer and orderer, CometBFT in a Cosmos SDK chain, the Solana (Agave) validator, Prysm,
  Lighthouse, Erigon, Hyperledger Besu, Nethermind, QuickFIX/J; 79 event types.
* ``MediaPlatform`` (written blind for the eighteenth issue-15 pass: before reading the engine or any
  failure analysis; scored once): FFmpeg, GStreamer (GST_DEBUG), nginx-rtmp (error and access logs),
  SRS 5, MediaMTX, Icecast-KH (error.log and access.log), Liquidsoap 2, Jellyfin 10.10, Plex Media
  Server, OvenMediaEngine, the Kurento Media Server, Shaka Packager 3, Wowza Streaming Engine (server
  comments) and Owncast; 101 event types.
* ``IoTPlatform`` (written blind for the eighteenth issue-15 pass: before reading the engine or any
  failure analysis; scored once): Zigbee2MQTT, Node-RED, the ThingsBoard MQTT transport, ChirpStack v4,
  KubeEdge edgecore and cloudcore, openHAB 4 (events.log), ESPHome, the HiveMQ CE event.log, VerneMQ,
  EdgeX Foundry, the balena supervisor, the AWS IoT Greengrass v2 nucleus; 74 event types.
* ``GamePlatform`` (written blind for the twentieth issue-15 pass: before reading the engine or any
  failure analysis; scored once): the Minecraft Java server (vanilla latest.log) with Paper's own lines,
  the Velocity proxy, the Minecraft Bedrock Dedicated Server, Counter-Strike 2 (srcds log), Factorio
  headless, the Valheim dedicated server, an Unreal Engine 5 dedicated server (LogNet), the Agones SDK
  server, Nakama, the Pterodactyl Wings daemon, the Rust dedicated server; 87 event types.

* ``IdentityPlatform`` (written blind for the twentieth issue-15 pass: before reading the engine or any
  failure analysis; scored once): the 389 Directory Server of a FreeIPA domain (access and errors logs),
  SSSD (sssd_be, sssd_pam, krb5_child), the FreeIPA API (IPA.API journal records, ipa's wsgi lines in
  httpd's error log), certmonger, authentik, ZITADEL, Ory Kratos, Ory Hydra, Casdoor, Vaultwarden,
  smallstep step-ca, the Let's Encrypt certbot and ghostunnel; 85 event types.
* ``MailPlatform`` (written blind for the twentieth issue-15 pass: before reading the engine or any
  failure analysis; scored once): Rspamd, SpamAssassin spamd, amavisd-new, OpenDKIM, OpenDMARC,
  OpenSMTPD, Haraka, Cyrus IMAP, Courier (esmtpd, courierd, local and esmtp delivery, imapd), Roundcube
  (userlogins and errors logs), SOGo, the Zimbra mailbox.log, Mailman 3 and Sympa; 82 event types.
* ``EmbeddedPlatform`` (written blind for the twenty-second issue-15 pass: before reading the engine or
  any failure analysis; scored once): the U-Boot console, the Linux boot console of ARM boards
  (device-tree drivers), Zephyr RTOS with MCUboot, ESP-IDF, FreeRTOS+TCP, OpenWrt (netifd with
  udhcpc, procd, hostapd, odhcpd, dropbear), BusyBox init, ConnMan, RAUC, SWUpdate, the Mender 2
  client, Yocto's BitBake and Android HALs in logcat threadtime; 126 event types.
    python bench/corpora/generate.py --out /tmp/corpora [--lines 3000] [--seed 15]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

NS = ["default", "kube-system", "payments"]
CONTAINERS = ["nginx", "istio-proxy", "api"]
APPS = ["web", "checkout", "coredns"]
NODES = ["ip-10-0-1-23.ec2.internal", "ip-10-0-2-41.ec2.internal", "ip-10-0-3-7.ec2.internal"]
PROBES = ["Readiness", "Liveness", "Startup"]
KINDS = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"]
CONTROLLERS = ["deployment", "replicaset", "endpoint", "job", "namespace", "garbage collector",
               "daemon sets", "stateful set", "service account", "persistent volume"]
RESOURCES = ["memory", "ephemeral-storage", "pid"]
VOLUMES = ["kube-api-access-x7k2p", "config", "tls-certs"]
IMAGES = ["docker.io/library/nginx:1.25.3", "ghcr.io/acme/api:v2.14.0", "registry.k8s.io/coredns/coredns:v1.11.1"]
QTYPES = ["A", "AAAA", "SRV"]
RCODES = ["NOERROR", "NXDOMAIN", "SERVFAIL"]
QNAMES = ["api.default.svc.cluster.local.", "checkout.payments.svc.cluster.local.", "google.com.",
          "kafka-0.kafka.data.svc.cluster.local."]
METHODS = ["GET", "POST", "PUT", "DELETE"]
HTTP_USERS = ["-", "alice", "bob"]
PATHS = ["/api/v1/orders", "/api/v1/orders/{id}", "/healthz", "/api/v1/users/{id}/cart", "/static/app.js"]
AGENTS = ["curl/8.4.0", "kube-probe/1.29", "Go-http-client/1.1", "python-requests/2.31.0"]
DB_USERS = ["alice", "svc_orders", "postgres"]
DBS = ["orders", "billing"]
TABLES = ["orders", "order_items", "invoices"]
CONSTRAINTS = ["orders_pkey", "order_items_order_id_fkey", "invoices_number_key"]
APPNAMES = ["psql", "orders-api", "pgbouncer"]
TOPICS = ["orders", "payments", "audit-log"]
GROUPS = ["billing-consumer", "fraud-detector"]
GC_CAUSES = ["G1 Evacuation Pause", "G1 Humongous Allocation", "Metadata GC Threshold"]
YOUNG_KINDS = ["Normal", "Mixed"]
CHECKPOINT_REASONS = ["time", "wal", "immediate force wait"]
TLS_ERRORS = ["EOF", "remote error: tls: bad certificate", "tls: first record does not look like a TLS handshake"]


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.drawn: tuple[str, ...] = ()

    def hexs(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def uuid(self) -> str:
        return f"{self.hexs(8)}-{self.hexs(4)}-{self.hexs(4)}-{self.hexs(4)}-{self.hexs(12)}"

    def ip(self) -> str:
        return f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def port(self) -> str:
        return str(self.r.randint(1024, 65535))

    def num(self, a: int = 0, b: int = 100000) -> str:
        return str(self.r.randint(a, b))

    def flt(self, d: int = 3, hi: float = 100.0) -> str:
        return f"{self.r.uniform(0, hi):.{d}f}"

    def pod(self) -> str:
        return f"{self.r.choice(APPS)}-{self.hexs(9)}-{self.hexs(5)}"

    def nspod(self) -> str:
        return f"{self.r.choice(NS)}/{self.pod()}"

    def rs(self) -> str:
        return f"{self.r.choice(APPS)}-{self.hexs(9)}"

    def dur(self) -> str:
        return self.r.choice([f"{self.flt(3, 9)}s", f"{self.r.randint(1, 999)}ms", f"{self.r.randint(1, 5)}m{self.r.randint(0, 59)}s"])

    def tp(self) -> str:
        return f"{self.r.choice(TOPICS)}-{self.r.randint(0, 11)}"

    def tplist(self) -> str:
        return ", ".join(sorted({self.tp() for _ in range(self.r.randint(1, 4))}))

    def path(self) -> str:
        return self.r.choice(PATHS).replace("{id}", self.num(1, 99999))

    def clf_time(self) -> str:
        return f"[03/Dec/2026:{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}:{self.r.randint(0, 59):02d} +0000]"

    def consumer(self) -> str:
        g = self.r.choice(GROUPS)
        return f"consumer-{g}-{self.r.randint(1, 3)}, groupId={g}"

    def mem(self) -> str:
        a = self.r.randint(20, 900)
        return f"{a}M->{self.r.randint(5, a)}M({self.r.choice([1024, 2048])}M)"


def pick(pool: list[str]):
    return lambda g: g.r.choice(pool)


def first(pool: Sequence[tuple[str, ...]]):
    # draws one entry of the pool; later slots of the same line read its other fields
    def f(g: Gen) -> str:
        g.drawn = g.r.choice(pool)
        return g.drawn[0]
    return f


def then(i: int):
    return lambda g: g.drawn[i]


def hms(g: Gen) -> str:
    return f"{g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}"


def ts(g: Gen) -> str:
    """An RFC 3339 time with milliseconds, on the corpora's one day."""
    return f"2026-12-03T{hms(g)}.{g.num(100, 999)}Z"


def java_ts(g: Gen) -> str:
    return f"2026-12-03 {hms(g)},{g.num(0, 999):0>3}"


# One event type: (weight, message format with {slot} placeholders, slot -> generator).
# Placeholders become <*> in the ground truth; "{{"/"}}" are literal braces.
def k8s_events() -> list[tuple[float, str, dict]]:
    c, ns = pick(CONTAINERS), pick(NS)
    return [
        (30, '"SyncLoop ADD" source="api" pods=[{pods}]', {"pods": lambda g: ",".join(f'"{g.nspod()}"' for _ in range(g.r.randint(1, 3)))}),
        (30, '"SyncLoop UPDATE" source="api" pods=[{pods}]', {"pods": lambda g: ",".join(f'"{g.nspod()}"' for _ in range(g.r.randint(1, 3)))}),
        (15, '"SyncLoop DELETE" source="api" pods=[{pods}]', {"pods": lambda g: f'"{g.nspod()}"'}),
        (40, '"Killing container with a grace period" pod="{p}" podUID="{u}" containerName="{c}" containerID="containerd://{h}" gracePeriod={n}',
         {"p": Gen.nspod, "u": Gen.uuid, "c": c, "h": lambda g: g.hexs(64), "n": pick(["30", "60", "2"])}),
        (40, '"Observed pod startup duration" pod="{p}" podStartSLOduration={f} podStartE2EDuration="{d}"',
         {"p": Gen.nspod, "f": lambda g: g.flt(9, 60), "d": Gen.dur}),
        (60, '"Probe failed" probeType="{t}" pod="{p}" podUID="{u}" containerName="{c}" probeResult="failure" output="HTTP probe failed with statuscode: {s}"',
         {"t": pick(PROBES), "p": Gen.nspod, "u": Gen.uuid, "c": c, "s": pick(["500", "503"])}),
        (20, '"RemoveContainer" containerID="{h}"', {"h": lambda g: g.hexs(64)}),
        (20, '"Eviction manager: attempting to reclaim" resourceName="{r}"', {"r": pick(RESOURCES)}),
        (15, '"Failed to get status for pod" podUID="{u}" pod="{p}" err="Get \\"https://{i}:6443/api/v1/namespaces/{n}/pods/{q}\\": dial tcp {i2}:6443: connect: connection refused"',
         {"u": Gen.uuid, "p": Gen.nspod, "i": Gen.ip, "n": ns, "q": Gen.pod, "i2": Gen.ip}),
        (10, '"Nameserver limits exceeded" err="Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: {a} {b} {c}"',
         {"a": Gen.ip, "b": Gen.ip, "c": Gen.ip}),
        # Kubernetes events (kubelet, scheduler, deployment controller), as event exporters print them
        (50, "Created container {c}", {"c": c}),
        (50, "Started container {c}", {"c": c}),
        (35, "Stopping container {c}", {"c": c}),
        (30, "Back-off restarting failed container {c} in pod {p}_{n}({u})", {"c": c, "p": Gen.pod, "n": ns, "u": Gen.uuid}),
        (30, 'Pulling image "{i}"', {"i": pick(IMAGES)}),
        (25, 'Successfully pulled image "{i}" in {d} ({d2} including waiting)', {"i": pick(IMAGES), "d": Gen.dur, "d2": Gen.dur}),
        (40, "Successfully assigned {n}/{p} to {node}", {"n": ns, "p": Gen.pod, "node": pick(NODES)}),
        (30, "Scaled {op} replica set {rs} to {n}", {"op": pick(["up", "down"]), "rs": Gen.rs, "n": lambda g: g.num(0, 12)}),
        (25, "Created pod: {p}", {"p": Gen.pod}),
        (15, "Deleted pod: {p}", {"p": Gen.pod}),
        (20, "{t} probe failed: HTTP probe failed with statuscode: {s}", {"t": pick(PROBES), "s": pick(["500", "503", "404"])}),
        # scheduler and controller-manager
        (40, '"Successfully bound pod to node" pod="{p}" node="{node}" evaluatedNodes={a} feasibleNodes={b}',
         {"p": Gen.nspod, "node": pick(NODES), "a": lambda g: g.num(1, 9), "b": lambda g: g.num(1, 9)}),
        (15, '"Unable to schedule pod; no fit; waiting" pod="{p}" err="0/{a} nodes are available: {b} Insufficient {r}."',
         {"p": Gen.nspod, "a": lambda g: g.num(3, 9), "b": lambda g: g.num(1, 3), "r": pick(["cpu", "memory"])}),
        (15, "Waiting for caches to sync for {ctl}", {"ctl": pick(CONTROLLERS)}),
        (15, "Caches are synced for {ctl}", {"ctl": pick(CONTROLLERS)}),
        (20, '"Event occurred" object="{n}/{o}" fieldPath="" kind="{k}" apiVersion="apps/v1" type="Normal" reason="{r}"',
         {"n": ns, "o": Gen.rs, "k": pick(KINDS), "r": pick(["ScalingReplicaSet", "SuccessfulCreate", "SuccessfulDelete"])}),
        # containerd
        (30, 'StartContainer for "{h}" returns successfully', {"h": lambda g: g.hexs(64)}),
        (25, 'CreateContainer within sandbox "{h}" for container &ContainerMetadata{{Name:{c},Attempt:{a},}}',
         {"h": lambda g: g.hexs(64), "c": c, "a": lambda g: g.num(0, 5)}),
        (20, 'RunPodSandbox for &PodSandboxMetadata{{Name:{p},Uid:{u},Namespace:{n},Attempt:0,}} returns sandbox id "{h}"',
         {"p": Gen.pod, "u": Gen.uuid, "n": ns, "h": lambda g: g.hexs(64)}),
        (20, 'StopContainer for "{h}" with timeout {t} (s)', {"h": lambda g: g.hexs(64), "t": pick(["30", "2"])}),
        (15, 'PullImage "{i}"', {"i": pick(IMAGES)}),
        # CoreDNS (log and errors plugins)
        (120, '[INFO] {i}:{p} - {id} "{t} IN {q} {proto} {s} false {b}" {rc} qr,aa,rd {rs} {d}s',
         {"i": Gen.ip, "p": Gen.port, "id": lambda g: g.num(1, 65535), "t": pick(QTYPES), "q": pick(QNAMES),
          "proto": pick(["udp", "tcp"]), "s": lambda g: g.num(30, 90), "b": pick(["512", "1232"]), "rc": pick(RCODES),
          "rs": lambda g: g.num(60, 400), "d": lambda g: f"0.{g.num(100, 999999):0>6}"}),
        (15, "[ERROR] plugin/errors: 2 {q} {t}: read udp {i}:{p}->{j}:53: i/o timeout",
         {"q": pick(QNAMES), "t": pick(QTYPES), "i": Gen.ip, "p": Gen.port, "j": Gen.ip}),
        (5, "[INFO] plugin/reload: Running configuration SHA512 = {h}", {"h": lambda g: g.hexs(128)}),
        # ingress-nginx access (default upstreaminfo format) and error log
        (150, '{i} - {u} {t} "{m} {path} HTTP/1.1" {s} {b} "-" "{a}" {rl} {rt} [{up}] [] {ua}:{up_p} {ub} {urt} {us} {rid}',
         {"i": Gen.ip, "u": pick(HTTP_USERS), "t": Gen.clf_time, "m": pick(METHODS), "path": Gen.path,
          "s": pick(["200", "201", "404", "502"]), "b": lambda g: g.num(0, 9000), "a": pick(AGENTS),
          "rl": lambda g: g.num(80, 900), "rt": lambda g: g.flt(3, 2),
          "up": lambda g: f"{g.r.choice(NS)}-{g.r.choice(APPS)}-{g.r.choice(['80', '8080'])}",
          "ua": Gen.ip, "up_p": pick(["8080", "80"]), "ub": lambda g: g.num(0, 9000), "urt": lambda g: g.flt(3, 2),
          "us": pick(["200", "201", "404", "502"]), "rid": lambda g: g.hexs(32)}),
        (15, '*{n} upstream timed out (110: Operation timed out) while reading response header from upstream, client: {i}, server: {h}, request: "{m} {path} HTTP/1.1", upstream: "http://{j}:8080{path2}", host: "{h2}"',
         {"n": lambda g: g.num(1, 999999), "i": Gen.ip, "h": pick(["shop.example.com", "api.example.com"]), "m": pick(METHODS),
          "path": Gen.path, "j": Gen.ip, "path2": Gen.path, "h2": pick(["shop.example.com", "api.example.com"])}),
    ]


def data_events() -> list[tuple[float, str, dict]]:
    user, db = pick(DB_USERS), pick(DBS)
    grp = Gen.consumer
    return [
        # PostgreSQL (after log_line_prefix)
        (80, "LOG:  connection received: host={i} port={p}", {"i": Gen.ip, "p": Gen.port}),
        (80, "LOG:  connection authorized: user={u} database={d} application_name={a}", {"u": user, "d": db, "a": pick(APPNAMES)}),
        (70, "LOG:  disconnection: session time: {t} user={u} database={d} host={i} port={p}",
         {"t": lambda g: f"0:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(100, 999)}", "u": user, "d": db, "i": Gen.ip, "p": Gen.port}),
        (30, 'ERROR:  duplicate key value violates unique constraint "{c}"', {"c": pick(CONSTRAINTS)}),
        (30, "DETAIL:  Key ({col})=({v}) already exists.", {"col": pick(["id", "number", "order_id"]), "v": lambda g: g.num(1, 99999)}),
        (20, 'ERROR:  relation "{t}" does not exist at character {n}', {"t": pick(TABLES), "n": lambda g: g.num(10, 90)}),
        (20, 'FATAL:  password authentication failed for user "{u}"', {"u": user}),
        (10, 'FATAL:  role "{u}" does not exist', {"u": pick(["admin", "root", "test"])}),
        (10, "LOG:  checkpoint starting: {r}", {"r": pick(CHECKPOINT_REASONS)}),
        (10, "LOG:  checkpoint complete: wrote {a} buffers ({b}%); 0 WAL file(s) added, {c} removed, {d} recycled; write={e} s, sync={f} s, total={h} s; sync files={j}, longest={k} s, average={m} s; distance={n} kB, estimate={o} kB",
         {x: (lambda g: g.num(0, 9000)) if x in "acdjno" else (lambda g: g.flt(3, 30)) for x in "abcdefhjkmno"}),
        (20, 'LOG:  automatic analyze of table "{d}.public.{t}" system usage: CPU: user: {a} s, system: {b} s, elapsed: {c} s',
         {"d": db, "t": pick(TABLES), "a": lambda g: g.flt(2, 1), "b": lambda g: g.flt(2, 1), "c": lambda g: g.flt(2, 3)}),
        (10, "ERROR:  deadlock detected", {}),
        (10, "DETAIL:  Process {a} waits for ShareLock on transaction {t}; blocked by process {b}.",
         {"a": lambda g: g.num(100, 99999), "t": lambda g: g.num(1000, 9999999), "b": lambda g: g.num(100, 99999)}),
        (15, "LOG:  could not receive data from client: Connection reset by peer", {}),
        (15, "ERROR:  canceling statement due to statement timeout", {}),
        # Kafka broker (log4j message part)
        (30, "[Partition {tp} broker={b}] Log loaded for partition {tp2} with initial high watermark {n}",
         {"tp": Gen.tp, "b": pick(["0", "1", "2"]), "tp2": Gen.tp, "n": lambda g: g.num(0, 10**7)}),
        (30, "[Log partition={tp}, dir=/var/lib/kafka/data] Rolled new log segment at offset {n} in {m} ms.",
         {"tp": Gen.tp, "n": lambda g: g.num(0, 10**8), "m": lambda g: g.num(0, 40)}),
        (25, "[GroupCoordinator {b}]: Preparing to rebalance group {g} in state PreparingRebalance with old generation {n} (__consumer_offsets-{p}) (reason: {r})",
         {"b": pick(["0", "1", "2"]), "g": pick(GROUPS), "n": lambda g: g.num(1, 400), "p": lambda g: g.num(0, 49),
          "r": pick(["Adding new member", "Removing member", "Leader rejoining"])}),
        (25, "[GroupCoordinator {b}]: Stabilized group {g} generation {n} (__consumer_offsets-{p}) with {m} members",
         {"b": pick(["0", "1", "2"]), "g": pick(GROUPS), "n": lambda g: g.num(1, 400), "p": lambda g: g.num(0, 49), "m": lambda g: g.num(1, 4)}),
        (15, "[Controller id={b}] Processing automatic preferred replica leader election", {"b": pick(["0", "1", "2"])}),
        # Kafka Java clients
        (50, "[Consumer clientId={c}] Revoking previously assigned partitions [{l}]", {"c": grp, "l": Gen.tplist}),
        (50, "[Consumer clientId={c}] Adding newly assigned partitions: {l}", {"c": grp, "l": Gen.tplist}),
        (60, "[Consumer clientId={c}] Setting offset for partition {tp} to the committed offset FetchPosition{{offset={o}, offsetEpoch=Optional[{e}], currentLeader=LeaderAndEpoch{{leader=Optional[kafka-{b}.kafka:9092 (id: {b2} rack: null)], epoch={e2}}}}}",
         {"c": grp, "tp": Gen.tp, "o": lambda g: g.num(0, 10**7), "e": lambda g: g.num(0, 40), "b": pick(["0", "1", "2"]),
          "b2": pick(["0", "1", "2"]), "e2": lambda g: g.num(0, 40)}),
        (30, "[Consumer clientId={c}] Successfully joined group with generation Generation{{generationId={n}, memberId='{m}', protocol='range'}}",
         {"c": grp, "n": lambda g: g.num(1, 400), "m": lambda g: f"consumer-{g.r.choice(GROUPS)}-1-{g.uuid()}"}),
        (30, "[Producer clientId=producer-{n}] Node {b} disconnected.", {"n": pick(["1", "2"]), "b": pick(["-1", "0", "1", "2"])}),
        (20, "[Consumer clientId={c}] Discovered group coordinator kafka-{b}.kafka:9092 (id: {i} rack: null)",
         {"c": grp, "b": pick(["0", "1", "2"]), "i": lambda g: str(2147483647 - g.r.randint(0, 2))}),
        # JVM unified GC logging (-Xlog:gc)
        (80, "GC({n}) Pause Young ({k}) ({c}) {m} {t}ms",
         {"n": lambda g: g.num(1, 9999), "k": pick(YOUNG_KINDS), "c": pick(GC_CAUSES), "m": Gen.mem, "t": lambda g: g.flt(3, 80)}),
        (15, "GC({n}) Pause Remark {m} {t}ms", {"n": lambda g: g.num(1, 9999), "m": Gen.mem, "t": lambda g: g.flt(3, 40)}),
        (15, "GC({n}) Pause Cleanup {m} {t}ms", {"n": lambda g: g.num(1, 9999), "m": Gen.mem, "t": lambda g: g.flt(3, 5)}),
        (15, "GC({n}) Concurrent Mark Cycle {t}ms", {"n": lambda g: g.num(1, 9999), "t": lambda g: g.flt(3, 500)}),
        (20, "GC({n}) Using {a} workers of {b} for evacuation", {"n": lambda g: g.num(1, 9999), "a": lambda g: g.num(1, 8), "b": pick(["8", "16"])}),
        # Redis
        (20, "Background saving started by pid {p}", {"p": lambda g: g.num(100, 99999)}),
        (20, "Background saving terminated with success", {}),
        (20, "{a} changes in {b} seconds. Saving...", {"a": lambda g: g.num(1, 10000), "b": pick(["60", "300", "3600"])}),
        (10, "DB saved on disk", {}),
        # Go net/http service
        (25, "http: TLS handshake error from {i}:{p}: {e}", {"i": Gen.ip, "p": Gen.port, "e": pick(TLS_ERRORS)}),
        (30, 'level=info msg="request completed" method={m} path={path} status={s} duration={d} user={u}',
         {"m": pick(METHODS), "path": Gen.path, "s": pick(["200", "201", "404"]), "d": Gen.dur, "u": pick(["alice", "bob", "anonymous"])}),
        # Node service (morgan "dev" format: method first)
        (60, "{m} {path} {s} {t} ms - {b}", {"m": pick(METHODS), "path": Gen.path, "s": pick(["200", "304", "404", "500"]),
                                           "t": lambda g: g.flt(3, 300), "b": lambda g: g.num(10, 9000)}),
        (10, "Server listening on port {p}", {"p": pick(["3000", "8080"])}),
    ]


BACKENDS = ["api", "web"]
SERVERS = {"api": ["api1", "api2"], "web": ["web1", "web2", "web3"]}
ENVOY_FLAGS = ["-", "UF", "UH", "URX"]
UNITS = ["kubelet.service", "containerd.service", "node-exporter.service"]
VHOSTS = ["/", "orders"]
MQ_USERS = ["guest", "orders-svc", "billing"]
QUEUES = ["orders.created", "invoices.pending", "audit"]
ES_NODES = ["es-data-0", "es-data-1", "es-master-0"]
ES_INDICES = ["logs-2026.12.03", "metrics-2026.12.03", "traces-2026.12.03"]
MYSQL_USERS = ["app", "reporting", "root"]
MYSQL_DBS = ["shop", "analytics"]
SCRAPE_JOBS = ["kubernetes-pods", "node-exporter", "kube-state-metrics"]
VAULT_MOUNTS = ["secret", "pki", "database"]
VAULT_TYPES = ["kv", "pki", "database"]


def ops_events() -> list[tuple[float, str, dict]]:
    backend = pick(BACKENDS)

    def server(g: Gen) -> str:
        b = g.r.choice(BACKENDS)
        return f"{b}/{g.r.choice(SERVERS[b])}"

    pid = lambda g: f"<0.{g.num(100, 9999)}.0>"  # noqa: E731
    return [
        # HAProxy (option httplog) and health checks
        (150, '{c}:{p} {t} {fe} {srv} {a}/{b}/{d}/{e}/{f} {st} {by} - - ---- {x}/{y}/{z}/{w}/0 0/0 "{m} {path} HTTP/1.1"',
         {"c": Gen.ip, "p": Gen.port, "t": lambda g: f"[03/Dec/2026:{g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(100, 999)}]",
          "fe": pick(["http-in", "https-in~"]), "srv": server, "a": lambda g: g.num(0, 20), "b": lambda g: g.num(0, 5),
          "d": lambda g: g.num(0, 9), "e": lambda g: g.num(1, 900), "f": lambda g: g.num(1, 950),
          "st": pick(["200", "201", "304", "503"]), "by": lambda g: g.num(100, 90000), "x": lambda g: g.num(1, 300),
          "y": lambda g: g.num(1, 300), "z": lambda g: g.num(0, 50), "w": lambda g: g.num(0, 20), "m": pick(METHODS),
          "path": Gen.path}),
        (10, 'Server {srv} is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: {n}ms. {k} active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
         {"srv": server, "n": lambda g: g.num(0, 9), "k": lambda g: g.num(0, 2)}),
        (10, "Server {srv} is UP, reason: Layer7 check passed, code: 200, check duration: {n}ms. {k} active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
         {"srv": server, "n": lambda g: g.num(0, 9), "k": lambda g: g.num(1, 3)}),
        (5, "backend {b} has no server available!", {"b": backend}),
        # Envoy access log (default format)
        (120, '[{t}] "{m} {path} HTTP/1.1" {st} {fl} {rx} {tx} {d} {u} "{xff}" "{ua}" "{rid}" "{auth}" "{up}"',
         {"t": ts, "m": pick(METHODS), "path": Gen.path, "st": pick(["200", "404", "503"]), "fl": pick(ENVOY_FLAGS),
          "rx": lambda g: g.num(0, 3000), "tx": lambda g: g.num(0, 90000), "d": lambda g: g.num(0, 900),
          "u": lambda g: g.num(0, 900), "xff": Gen.ip, "ua": pick(AGENTS), "rid": Gen.uuid,
          "auth": pick(["shop.example.com", "api.example.com"]), "up": lambda g: f"{g.ip()}:8080"}),
        # HashiCorp Vault (hclog)
        (15, '[INFO]  core: successful mount: namespace="" path={p}/ type={t} version=""', {"p": pick(VAULT_MOUNTS), "t": pick(VAULT_TYPES)}),
        (30, "[INFO]  expiration: revoked lease: lease_id={p}/creds/{r}/{h}",
         {"p": pick(VAULT_MOUNTS), "r": pick(["readonly", "admin"]), "h": lambda g: g.hexs(24)}),
        (15, "[ERROR] auth.kubernetes.auth_kubernetes_{h}: login unauthorized: err=\"lookup failed: service account unauthorized; this could mean it has been deleted or recreated with a new token\"",
         {"h": lambda g: g.hexs(8)}),
        (5, "[INFO]  core: post-unseal setup complete", {}),
        (5, "[INFO]  core.cluster-listener: starting listener: listener_address={i}:8201", {"i": Gen.ip}),
        # Prometheus (go-kit logfmt)
        (40, 'level=warn ts={t} caller=scrape.go:{l} component="scrape manager" scrape_pool={j} target=http://{i}:{p}/metrics msg="Append failed" err="out of bounds"',
         {"t": ts, "l": pick(["1372", "1374"]), "j": pick(SCRAPE_JOBS), "i": Gen.ip, "p": pick(["9100", "8080", "9090"])}),
        (15, 'level=info ts={t} caller=compact.go:519 level=info component=tsdb msg="write block" mint={a} maxt={b} ulid={u} duration={d}',
         {"t": ts, "a": lambda g: g.num(10**12, 2 * 10**12), "b": lambda g: g.num(10**12, 2 * 10**12),
          "u": lambda g: "01H" + "".join(g.r.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(23)), "d": Gen.dur}),
        (15, 'level=info ts={t} caller=head.go:1010 level=info component=tsdb msg="Head GC completed" caller=truncateMemory duration={d}',
         {"t": ts, "d": Gen.dur}),
        (10, 'level=error ts={t} caller=notifier.go:530 level=error component=notifier alertmanager=http://{i}:9093/api/v2/alerts count={n} msg="Error sending alert" err="context deadline exceeded"',
         {"t": ts, "i": Gen.ip, "n": lambda g: g.num(1, 40)}),
        # MySQL 8 error log
        (20, "[Warning] [MY-010055] [Server] IP address '{i}' could not be resolved: Name or service not known", {"i": Gen.ip}),
        (30, "[Note] [MY-010914] [Server] Aborted connection {n} to db: '{d}' user: '{u}' host: '{i}' (Got an error reading communication packets).",
         {"n": lambda g: g.num(1, 999999), "d": pick(MYSQL_DBS), "u": pick(MYSQL_USERS), "i": Gen.ip}),
        (10, "[Warning] [MY-013360] [Server] Plugin mysql_native_password reported: ''mysql_native_password' is deprecated and will be removed in a future release. Please use caching_sha2_password instead'", {}),
        (10, "[Note] [MY-010051] [Server] Event Scheduler: scheduler thread started with id {n}", {"n": lambda g: g.num(1, 99)}),
        # RabbitMQ
        (40, "accepting AMQP connection {c} ({i}:{p} -> {j}:5672)", {"c": pid, "i": Gen.ip, "p": Gen.port, "j": Gen.ip}),
        (40, "connection {c} ({i}:{p} -> {j}:5672): user '{u}' authenticated and granted access to vhost '{v}'",
         {"c": pid, "i": Gen.ip, "p": Gen.port, "j": Gen.ip, "u": pick(MQ_USERS), "v": pick(VHOSTS)}),
        (35, "closing AMQP connection {c} ({i}:{p} -> {j}:5672, vhost: '{v}', user: '{u}')",
         {"c": pid, "i": Gen.ip, "p": Gen.port, "j": Gen.ip, "v": pick(VHOSTS), "u": pick(MQ_USERS)}),
        (10, "Mirrored queue '{q}' in vhost '{v}': Adding mirror on node rabbit@{n}: {c}",
         {"q": pick(QUEUES), "v": pick(VHOSTS), "n": pick(["rabbitmq-0", "rabbitmq-1", "rabbitmq-2"]), "c": pid}),
        # systemd
        (20, "Started {u}.", {"u": pick(UNITS)}),
        (15, "Stopping {u}...", {"u": pick(UNITS)}),
        (10, "{u}: Main process exited, code=exited, status={s}/FAILURE", {"u": pick(UNITS), "s": pick(["1", "2", "255"])}),
        (10, "{u}: Failed with result 'exit-code'.", {"u": pick(UNITS)}),
        (10, "{u}: Scheduled restart job, restart counter is at {n}.", {"u": pick(UNITS), "n": lambda g: g.num(1, 50)}),
        # Elasticsearch
        (15, "[{n}] [{i}][{s}] primary-replica resync completed with {k} operations",
         {"n": pick(ES_NODES), "i": pick(ES_INDICES), "s": lambda g: g.num(0, 4), "k": lambda g: g.num(0, 5000)}),
        (10, "[{n}] low disk watermark [85%] exceeded on [{id}][{n2}][/usr/share/elasticsearch/data] free: {f}gb[{p}%], replicas will not be assigned to this node",
         {"n": pick(ES_NODES), "id": lambda g: g.hexs(22), "n2": pick(ES_NODES), "f": lambda g: g.flt(1, 40), "p": lambda g: g.flt(1, 15)}),
        (20, "[{n}] [gc][{k}] overhead, spent [{ms}ms] collecting in the last [{s}s]",
         {"n": pick(ES_NODES), "k": lambda g: g.num(1, 99999), "ms": lambda g: g.num(200, 900), "s": pick(["1", "1.1"])}),
        (10, "[{n}] updating number_of_replicas to [{k}] for indices [{i}]", {"n": pick(ES_NODES), "k": pick(["0", "1"]), "i": pick(ES_INDICES)}),
    ]


NODEGROUPS = ["ng-general", "ng-spot", "ng-gpu"]
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
SYNC_STATES = ["Synced", "OutOfSync", "Unknown"]
HEALTH_STATES = ["Healthy", "Progressing", "Degraded"]
GRPC_STATES = ["CONNECTING", "READY", "TRANSIENT_FAILURE", "IDLE"]
XDS_TYPES = ["CDS", "LDS", "RDS", "EDS"]
ISTIO_KINDS = ["VirtualService", "DestinationRule", "ServiceEntry"]
QUEUES = ["emails", "thumbnails", "webhooks"]
ARGO_APPS = ["shop", "payments-api", "monitoring"]
CERTS = ["shop-tls", "api-tls"]
CERT_REASONS = ["Renewing", "DoesNotExist", "Expired"]
NPM_CODES = ["ELIFECYCLE", "ENOENT", "EACCES"]
MODULES = ["express", "./config/local", "pg-native"]
GOKIT_COMPONENTS = ["tsdb", "scrape", "notifier"]
INSTANCE_TYPES = ["m5.large", "m5.xlarge", "c5.2xlarge", "r5.large"]


def service_events() -> list[tuple[float, str, dict]]:
    """Go and Node services and cloud controllers (cluster-autoscaler, external-dns,
    cert-manager, Argo CD, Istio pilot, gRPC-Go, go-kit, npm, BullMQ, Karpenter). Written
    after the engine's issue-15 rules were frozen a second time; scored once."""

    def node(g: Gen) -> str:
        return f"ip-10-0-{g.r.randint(1, 9)}-{g.r.randint(2, 250)}.eu-west-1.compute.internal"

    def itypes(g: Gen) -> str:
        return ", ".join(g.r.sample(INSTANCE_TYPES, g.r.randint(1, 3)))

    def zone_id(g: Gen) -> str:
        return "Z" + "".join(g.r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(13))

    def fqdn(g: Gen) -> str:
        return g.r.choice(["shop.example.com", "api.example.com", "grafana.ops.example.com"])

    def job_id(g: Gen) -> str:
        return g.num(1, 99999)

    return [
        # cluster-autoscaler (klog)
        (60, "Scale-up: setting group {ng} size to {n} instead of {m} (max: {x})",
         {"ng": pick(NODEGROUPS), "n": lambda g: g.num(2, 20), "m": lambda g: g.num(1, 19), "x": lambda g: g.num(20, 50)}),
        (90, "Pod {p} is unschedulable", {"p": Gen.nspod}),
        (40, "Scale-down: removing empty node {n}", {"n": node}),
        (50, "Node {n} is not suitable for removal - cpu utilization too big ({u})", {"n": node, "u": lambda g: g.flt(6, 1)}),
        (30, "Skipping {n} - node group min size reached (current: {c}, min: {m})",
         {"n": node, "c": lambda g: g.num(1, 5), "m": lambda g: g.num(1, 5)}),
        # external-dns
        (40, 'Desired change: {a} {f} {t} [Id: /hostedzone/{z}]',
         {"a": pick(["CREATE", "UPSERT", "DELETE"]), "f": fqdn, "t": pick(["A", "TXT", "CNAME"]), "z": zone_id}),
        (40, "{n} record(s) in zone {f} [Id: /hostedzone/{z}] were successfully updated",
         {"n": lambda g: g.num(1, 6), "f": pick(["example.com.", "ops.example.com."]), "z": zone_id}),
        (60, "All records are already up to date", {}),
        # cert-manager (logr key/value)
        (40, '"msg"="Certificate must be re-issued" "key"="{ns}/{c}" "reason"="{r}"',
         {"ns": pick(NS), "c": pick(CERTS), "r": pick(CERT_REASONS)}),
        (40, '"msg"="certificate does not require re-issuance. certificate renewal scheduled near expiry time." "key"="{ns}/{c}"',
         {"ns": pick(NS), "c": pick(CERTS)}),
        # Argo CD application controller
        (70, "Updated sync status: {a} -> {b}", {"a": pick(SYNC_STATES), "b": pick(SYNC_STATES)}),
        (70, "Updated health status: {a} -> {b}", {"a": pick(HEALTH_STATES), "b": pick(HEALTH_STATES)}),
        (60, "Refreshing app status (controller refresh requested), level ({n})", {"n": lambda g: g.num(1, 3)}),
        (40, "Skipping auto-sync: application status is {s}", {"s": pick(["Synced", "Unknown"])}),
        (50, "Reconciliation completed application={ns}/{a} dedup_ms={d} patch_ms={p} setop_ms={s} time_ms={t}",
         {"ns": pick(["argocd", "apps"]), "a": pick(ARGO_APPS), "d": lambda g: g.num(0, 9), "p": lambda g: g.num(0, 90),
          "s": lambda g: g.num(0, 9), "t": lambda g: g.num(10, 900)}),
        # Istio pilot-discovery
        (80, "ads\t{t}: PUSH for node:{p}.{ns} resources:{n} size:{k}kB",
         {"t": pick(XDS_TYPES), "p": Gen.pod, "ns": pick(NS), "n": lambda g: g.num(1, 120), "k": lambda g: g.flt(1, 90)}),
        (40, "ads\tPush debounce stable[{n}] {m} for config {k}:{ns}/{c}: {d}ms since last change, {e}ms since last push, full {f}",
         {"n": lambda g: g.num(1, 900), "m": lambda g: g.num(1, 5), "k": pick(ISTIO_KINDS), "ns": pick(NS), "c": pick(APPS),
          "d": lambda g: g.num(100, 999), "e": lambda g: g.num(100, 9999), "f": pick(["true", "false"])}),
        # gRPC-Go
        (70, "[core] [Channel #{n} SubChannel #{m}] Subchannel Connectivity change to {s}",
         {"n": lambda g: g.num(1, 40), "m": lambda g: g.num(1, 90), "s": pick(GRPC_STATES)}),
        (40, "[core] [Channel #{n}] Channel switches to new LB policy \"{p}\"", {"n": lambda g: g.num(1, 40), "p": pick(["pick_first", "round_robin"])}),
        (30, '[transport] [client-transport {h}] Closing: connection error: desc = "error reading from server: EOF"',
         {"h": lambda g: "0x" + g.hexs(10)}),
        # go-kit logfmt (Prometheus-style services)
        (60, 'level=warn ts={t} caller={f}:{l} component={c} msg="Error on ingesting samples" err="{e}"',
         {"t": ts, "f": pick(["scrape.go", "head.go"]), "l": lambda g: g.num(100, 1900), "c": pick(GOKIT_COMPONENTS),
          "e": pick(["out of bounds", "duplicate sample for timestamp"])}),
        (50, 'level=info ts={t} caller=head.go:{l} component=tsdb msg="Head GC completed" caller={c} duration={d}',
         {"t": ts, "l": lambda g: g.num(100, 1900), "c": pick(["truncateMemory", "truncateWAL"]), "d": Gen.dur}),
        # Go net/http and Node
        (30, "http: panic serving {i}:{p}: runtime error: invalid memory address or nil pointer dereference",
         {"i": Gen.ip, "p": Gen.port}),
        (30, "npm ERR! code {c}", {"c": pick(NPM_CODES)}),
        (30, "Error: Cannot find module '{m}'", {"m": pick(MODULES)}),
        (40, "(node:{p}) UnhandledPromiseRejectionWarning: Error: connect ECONNREFUSED {i}:{o}",
         {"p": lambda g: g.num(1, 400), "i": Gen.ip, "o": pick(["5432", "6379", "27017"])}),
        (60, "Job {j} in queue {q} completed in {d}ms", {"j": job_id, "q": pick(QUEUES), "d": lambda g: g.num(2, 9000)}),
        (30, "Job {j} in queue {q} failed after {a} attempts", {"j": job_id, "q": pick(QUEUES), "a": lambda g: g.num(1, 5)}),
        (40, "Server listening on http://{h}:{p}", {"h": pick(["0.0.0.0", "localhost"]), "p": pick(["3000", "8080"])}),
        # Karpenter
        (40, "launched nodeclaim nodeclaim={n} nodepool={p} provider-id=aws:///{z}/i-{i} instance-type={t} zone={z} capacity-type={c}",
         {"n": lambda g: f"default-{g.hexs(5)}", "p": pick(["default", "gpu"]), "z": pick(ZONES), "i": lambda g: g.hexs(17),
          "t": pick(INSTANCE_TYPES), "c": pick(["spot", "on-demand"])}),
        (30, "computed new nodeclaim(s) to fit pod(s) nodeclaims={n} pods={p} instance-types: {t}",
         {"n": lambda g: g.num(1, 3), "p": lambda g: g.num(1, 40), "t": itypes}),
        (30, "disrupting nodeclaim(s) via delete, terminating {n} nodes ({p} pods) {s}",
         {"n": lambda g: g.num(1, 3), "p": lambda g: g.num(0, 40), "s": lambda g: f"{g.r.choice(ZONES)}/{g.r.choice(INSTANCE_TYPES)}"}),
    ]


# EdgePlatform: written before any rule change of the second issue-15 pass (w-32), scored once.
ROUTERS = ["shop@kubernetescrd", "api@kubernetes", "dashboard@internal"]
EDGE_USERS = ["-", "carol", "deploy-bot"]
EDGE_AGENTS = ["Mozilla/5.0", "okhttp/4.12.0", "Prometheus/2.48.0"]
ETCD_KEYS = ["/registry/pods/default/", "/registry/leases/kube-node-lease/", "/registry/configmaps/kube-system/"]
MONGO_STATES = ["PRIMARY", "SECONDARY", "RECOVERING", "ARBITER"]
MONGO_DBS = ["admin", "shop"]
MONGO_DRIVERS = ["nodejs", "PyMongo", "mongo-java-driver"]
NATS_REASONS = ["Client Closed", "Stale Connection", "Read Error", "Slow Consumer (Write Deadline)"]
NATS_ACCOUNTS = ["$G", "ORDERS"]
NATS_STREAMS = ["EVENTS", "ORDERS", "KV_config"]
CONSUL_SVCS = ["web", "payments-api", "redis"]
CONSUL_ERRORS = ["No cluster leader", "rpc error making call: EOF", "Permission denied"]
AIRFLOW_STATES = ["SUCCESS", "FAILED", "UP_FOR_RETRY"]
DAGS = ["etl_daily", "ml_features", "billing_export"]
AIRFLOW_TASKS = ["extract", "load_warehouse", "notify"]
OPERATORS = ["PythonOperator", "BashOperator", "KubernetesPodOperator"]
CELERY_TASKS = ["tasks.send_email", "billing.tasks.charge_card", "reports.build_pdf"]
CELERY_RETRY = ["ConnectionError()", "TimeoutError('read timed out')", "OperationalError('server closed the connection unexpectedly')"]
SPRING_APPS = ["OrderServiceApplication", "GatewayApplication", "InventoryApplication"]
SPRING_EXC = ["java.lang.NullPointerException", "org.springframework.dao.DataIntegrityViolationException",
              "java.lang.IllegalStateException"]
SPRING_RESOLVED = ["org.springframework.web.HttpRequestMethodNotSupportedException: Request method 'POST' is not supported",
                   "org.springframework.web.bind.MissingServletRequestParameterException: Required request parameter 'id' for method parameter type Long is not present",
                   "org.springframework.http.converter.HttpMessageNotReadableException: Required request body is missing"]
API_VERBS = ["GET", "LIST", "WATCH", "PATCH"]
API_AGENTS = ["kubectl/v1.29.0 (linux/amd64) kubernetes/3f7a50f", "kube-controller-manager/v1.29.1", "argocd-application-controller/v0.0.0"]
API_URIS = ["/api/v1/namespaces/default/pods", "/apis/apps/v1/deployments", "/api/v1/nodes"]
CALICO_REASONS = ["resync", "iface-update", "route-update"]
IFACES = ["cali12ab34cd56e", "eth0", "vxlan.calico"]
CILIUM_SUBSYS = ["endpoint", "policy", "daemon"]
BUCKETS = ["logs", "backups", "artifacts"]
MINIO_APIS = ["PutObject", "GetObject", "DeleteMultipleObjects"]
LOKI_TENANTS = ["fake", "team-a", "team-b"]
LOKI_COMPONENTS = ["ingester", "distributor", "querier"]


def edge_events() -> list[tuple[float, str, dict]]:
    """Edge and platform services: Traefik, etcd, MongoDB, NATS, Consul, Airflow, Celery,
    Spring Boot, kube-apiserver, Calico felix, Cilium agent, MinIO, Loki. Written before any
    rule change of the second issue-15 pass and scored once (held-out check)."""

    def mid(g: Gen) -> str:
        return g.hexs(16)

    def mhost(g: Gen) -> str:
        return f"mongo-{g.r.randint(0, 2)}.mongo.data.svc:27017"

    def adate(g: Gen) -> str:
        return f"20261203T{g.r.randint(0, 23):02d}{g.r.randint(0, 59):02d}{g.r.randint(0, 59):02d}"

    def ctid(g: Gen) -> str:
        return g.hexs(64)

    def obj(g: Gen) -> str:
        return f"2026/12/{g.r.randint(1, 3):02d}/{g.hexs(8)}.{g.r.choice(['gz', 'parquet', 'json'])}"

    def labels(g: Gen) -> str:
        return ", ".join(f'{k}=\\"{v}\\"' for k, v in g.r.sample([("app", "web"), ("namespace", "shop"), ("pod", g.pod()),
                                                                  ("container", "api")], g.r.randint(1, 3)))

    return [
        # Traefik access log (CLF plus request count, router, backend URL, duration)
        (160, '{ip} - {u} {t} "{m} {p} HTTP/1.1" {s} {b} "-" "{a}" {n} "{r}" "http://{bi}:{bp}" {d}ms',
         {"ip": Gen.ip, "u": pick(EDGE_USERS), "t": Gen.clf_time, "m": pick(METHODS), "p": Gen.path,
          "s": pick(["200", "204", "404", "502"]), "b": lambda g: g.num(0, 90000), "a": pick(EDGE_AGENTS),
          "n": lambda g: g.num(1, 99999), "r": pick(ROUTERS), "bi": Gen.ip, "bp": pick(["8080", "3000"]),
          "d": lambda g: g.num(0, 3000)}),
        (40, "level=error msg=\"'{c} Bad Gateway' caused by: dial tcp {i}:{p}: connect: connection refused\"",
         {"c": pick(["502"]), "i": Gen.ip, "p": pick(["8080", "3000"])}),
        (30, 'level=error msg="Error while building configuration: {e}" providerName={pn}',
         {"e": pick(["service \\\"web\\\" not found", "secret default/shop-tls does not exist",
                     "middleware \\\"auth@kubernetescrd\\\" does not exist"]),
          "pn": pick(["kubernetescrd", "kubernetes"])}),
        # etcd (3.4 capnslog and raft)
        (60, 'etcdserver: read-only range request "key:\\"{k}{n}\\" " with result "range_response_count:{c} size:{s}" took too long ({d}ms) to execute',
         {"k": pick(ETCD_KEYS), "n": lambda g: g.r.choice(APPS) + "-" + g.hexs(5), "c": lambda g: g.num(0, 1),
          "s": lambda g: g.num(100, 9000), "d": lambda g: g.flt(3, 900)}),
        (30, "raft.node: {a} elected leader {b} at term {t}", {"a": mid, "b": mid, "t": lambda g: g.num(2, 40)}),
        (30, "{a} [term: {t}] received a MsgVote message with higher term from {b} [term: {u}]",
         {"a": mid, "t": lambda g: g.num(2, 40), "b": mid, "u": lambda g: g.num(2, 40)}),
        (40, "failed to send out heartbeat on time (exceeded the 100ms timeout for {d}ms, to {b})",
         {"d": lambda g: g.flt(3, 200), "b": mid}),
        (20, "finished scheduled compaction at {r} (took {d})", {"r": lambda g: g.num(100000, 999999), "d": Gen.dur}),
        # MongoDB 4.x text log
        (70, "[listener] connection accepted from {i}:{p} #{n} ({k} connections now open)",
         {"i": Gen.ip, "p": Gen.port, "n": lambda g: g.num(1, 90000), "k": lambda g: g.num(1, 400)}),
        (70, "[conn{n}] end connection {i}:{p} ({k} connections now open)",
         {"n": lambda g: g.num(1, 90000), "i": Gen.ip, "p": Gen.port, "k": lambda g: g.num(1, 400)}),
        (40, "[conn{n}] Successfully authenticated as principal {u} on {d} from client {i}:{p}",
         {"n": lambda g: g.num(1, 90000), "u": pick(["shop_app", "backup", "root"]), "d": pick(MONGO_DBS), "i": Gen.ip, "p": Gen.port}),
        (30, "[replexec-{n}] Member {h} is now in state {s}", {"n": lambda g: g.num(0, 9), "h": mhost, "s": pick(MONGO_STATES)}),
        (30, '[conn{n}] received client metadata from {i}:{p} conn{m}: {{ driver: {{ name: "{d}", version: "{v}" }} }}',
         {"n": lambda g: g.num(1, 90000), "i": Gen.ip, "p": Gen.port, "m": lambda g: g.num(1, 90000),
          "d": pick(MONGO_DRIVERS), "v": pick(["4.17.1", "6.3.0", "3.12.14"])}),
        # NATS server
        (60, "[{pid}] [INF] {i}:{p} - cid:{c} - Client connection closed: {r}",
         {"pid": lambda g: g.num(1, 9), "i": Gen.ip, "p": Gen.port, "c": lambda g: g.num(1, 9000), "r": pick(NATS_REASONS)}),
        (30, "[{pid}] [WRN] {i}:{p} - cid:{c} - Readloop processing time: {d}",
         {"pid": lambda g: g.num(1, 9), "i": Gen.ip, "p": Gen.port, "c": lambda g: g.num(1, 9000), "d": Gen.dur}),
        (20, "[{pid}] [INF] JetStream cluster new stream leader for '{a} > {s}'",
         {"pid": lambda g: g.num(1, 9), "a": pick(NATS_ACCOUNTS), "s": pick(NATS_STREAMS)}),
        # Consul (hclog)
        (50, "[INFO]  agent: Synced service: service={s}", {"s": pick(CONSUL_SVCS)}),
        (40, "[WARN]  agent: Check is now critical: check=service:{s}", {"s": pick(CONSUL_SVCS)}),
        (30, '[ERROR] agent.anti_entropy: failed to sync remote state: error="{e}"', {"e": pick(CONSUL_ERRORS)}),
        (20, "[INFO]  agent.server.serf.lan: serf: EventMemberJoin: {n} {i}",
         {"n": pick(["consul-server-0", "consul-server-1", "worker-7"]), "i": Gen.ip}),
        (15, "[INFO]  agent.server.serf.lan: serf: EventMemberFailed: {n} {i}",
         {"n": pick(["consul-server-0", "consul-server-1", "worker-7"]), "i": Gen.ip}),
        # Airflow
        (40, "Marking task as {s}. dag_id={d}, task_id={t}, execution_date={e}, start_date={a}, end_date={b}",
         {"s": pick(AIRFLOW_STATES), "d": pick(DAGS), "t": pick(AIRFLOW_TASKS), "e": adate, "a": adate, "b": adate}),
        (40, "Executing <Task({o}): {t}> on {d}", {"o": pick(OPERATORS), "t": pick(AIRFLOW_TASKS), "d": ts}),
        (30, "Dependencies all met for <TaskInstance: {d}.{t} scheduled__{e} [{s}]>",
         {"d": pick(DAGS), "t": pick(AIRFLOW_TASKS), "e": ts, "s": pick(["queued", "scheduled"])}),
        # Celery worker
        (60, "Task {t}[{u}] received", {"t": pick(CELERY_TASKS), "u": Gen.uuid}),
        (60, "Task {t}[{u}] succeeded in {s}s: {r}",
         {"t": pick(CELERY_TASKS), "u": Gen.uuid, "s": lambda g: g.flt(6, 30), "r": pick(["None", "True", "{'sent': 1}"])}),
        (30, "Task {t}[{u}] retry: Retry in {n}s: {e}",
         {"t": pick(CELERY_TASKS), "u": Gen.uuid, "n": pick(["10", "30", "60"]), "e": pick(CELERY_RETRY)}),
        # Spring Boot
        (20, "Started {a} in {s} seconds (process running for {p})",
         {"a": pick(SPRING_APPS), "s": lambda g: g.flt(3, 40), "p": lambda g: g.flt(3, 45)}),
        (20, "Tomcat started on port {p} (http) with context path '{c}'", {"p": pick(["8080", "8081"]), "c": pick(["/api", "/"])}),
        (15, "HikariPool-{n} - Starting...", {"n": pick(["1", "2"])}),
        (15, "HikariPool-{n} - Start completed.", {"n": pick(["1", "2"])}),
        (40, "Servlet.service() for servlet [dispatcherServlet] in context with path [] threw exception [Request processing failed: {e}] with root cause",
         {"e": pick(SPRING_EXC)}),
        (40, "Resolved [{e}]", {"e": pick(SPRING_RESOLVED)}),
        # kube-apiserver (klog structured)
        (90, '"HTTP" verb="{v}" URI="{u}?limit={l}" latency="{d}" userAgent="{a}" audit-ID="{i}" srcIP="{s}:{p}" resp={r}',
         {"v": pick(API_VERBS), "u": pick(API_URIS), "l": pick(["500", "0"]), "d": Gen.dur, "a": pick(API_AGENTS),
          "i": Gen.uuid, "s": Gen.ip, "p": Gen.port, "r": pick(["200", "403", "404", "409"])}),
        (40, '"Unable to authenticate the request" err="[{e}]"',
         {"e": pick(["invalid bearer token, service account token has expired", "x509: certificate has expired or is not yet valid",
                     "invalid bearer token"])}),
        (20, "watch chan error: etcdserver: mvcc: required revision has been compacted", {}),
        # Calico felix, Cilium agent
        (40, "Summarising {n} dataplane reconciliation loops over {d}: avg={a}ms longest={l}ms ({r})",
         {"n": lambda g: g.num(1, 30), "d": Gen.dur, "a": lambda g: g.num(1, 90), "l": lambda g: g.num(1, 900), "r": pick(CALICO_REASONS)}),
        (30, 'Received interface update msg=&intdataplane.ifaceStateUpdate{{Name:"{i}", State:"{s}", Index:{n}}}',
         {"i": pick(IFACES), "s": pick(["up", "down"]), "n": lambda g: g.num(2, 90)}),
        (50, 'level=info msg="Rewrote endpoint BPF program" containerID={c} datapathPolicyRevision={a} desiredPolicyRevision={b} endpointID={e} identity={i} ipv4={ip} k8sPodName={p} subsys={s}',
         {"c": lambda g: g.hexs(10), "a": lambda g: g.num(0, 30), "b": lambda g: g.num(0, 30), "e": lambda g: g.num(1, 4000),
          "i": lambda g: g.num(1, 70000), "ip": Gen.ip, "p": Gen.nspod, "s": pick(CILIUM_SUBSYS)}),
        # MinIO
        (30, "API: {a}(bucket={b}, object={o})", {"a": pick(MINIO_APIS), "b": pick(BUCKETS), "o": obj}),
        (20, "Healing drive '{d}' - 'mc admin heal alias/ --verbose' to check the current status.",
         {"d": pick(["/data1", "/data2", "/export/disk3"])}),
        # Loki (go-kit logfmt)
        (50, 'level=info ts={t} caller=flush.go:{l} component={c} msg="flushing stream" user={u} fp={f} immediate={i} num_chunks={n} labels="{{{lb}}}"',
         {"t": ts, "l": lambda g: g.num(100, 400), "c": pick(LOKI_COMPONENTS), "u": pick(LOKI_TENANTS), "f": lambda g: g.hexs(16),
          "i": pick(["true", "false"]), "n": lambda g: g.num(1, 9), "lb": labels}),
        (30, 'level=warn ts={t} caller=scheduler_processor.go:{l} msg="error contacting frontend" address={i}:9095 err="{e}"',
         {"t": ts, "l": lambda g: g.num(100, 300), "i": Gen.ip,
          "e": pick(["rpc error: code = Canceled desc = context canceled", "rpc error: code = Unavailable desc = connection error"])}),
    ]


# ToolingPlatform: written before any rule change of the third issue-15 pass (w-36), scored once.
AM_ALERTS = ["KubePodCrashLooping", "TargetDown", "KubeJobFailed", "NodeFilesystemSpaceFillingUp"]
AM_RECEIVERS = ["slack-critical", "pagerduty", "email-team"]
AM_INTEGRATIONS = ["slack", "pagerduty", "email"]
GRAFANA_USERS = ["admin", "viewer-bot", "dana"]
GRAFANA_PATHS = ["/api/ds/query", "/api/dashboards/uid/{uid}", "/api/search", "/api/live/ws"]
GRAFANA_HANDLERS = ["/api/ds/query", "/api/dashboards/uid/:uid", "/api/search", "/api/live/ws"]
TF_RESOURCES = ["aws_instance.web", "aws_security_group.db", "aws_s3_bucket.logs", "module.vpc.aws_subnet.private",
                "aws_iam_role.ci", "kubernetes_namespace.apps"]
FB_OUTPUTS = ["es.0", "loki.0", "forward.0"]
OTEL_EXPORTERS = ["otlp/jaeger", "otlphttp/tempo", "prometheusremotewrite"]
OTEL_TYPES = ["traces", "metrics", "logs"]
OTEL_ERRORS = ["rpc error: code = Unavailable desc = connection error: desc = \\\"transport: Error while dialing: dial tcp 10.0.4.17:4317: connect: connection refused\\\"",
               "context deadline exceeded", "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5242880 vs. 4194304)"]
KC_REALMS = ["master", "shop"]
KC_CLIENTS = ["account-console", "shop-web", "admin-cli"]
KC_ERRORS = ["invalid_user_credentials", "user_not_found", "user_disabled", "expired_code"]
KC_USERS = ["erin", "frank", "ops-admin"]
CASS_TABLES = ["system.local", "shop.orders", "shop.carts", "system.peers_v2"]
PGB_DBS = ["orders", "billing"]
PGB_USERS = ["svc_orders", "svc_billing", "pgbouncer"]
PGB_CLOSE = ["client close request", "server idle timeout", "client unexpected eof", "server lifetime over",
             "query_wait_timeout"]
SIDEKIQ_CLASSES = ["HardWorker", "Mailers::WelcomeJob", "ActiveStorage::AnalyzeJob"]
SIDEKIQ_ERRORS = ["Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>", "ActiveRecord::RecordNotFound: Couldn't find User with 'id'=42",
                  "Redis::CannotConnectError: Error connecting to Redis on redis:6379 (Errno::ECONNREFUSED)"]
JENKINS_JOBS = ["shop-api", "infra/terraform-apply", "nightly-e2e"]
JENKINS_RESULTS = ["SUCCESS", "FAILURE", "ABORTED", "UNSTABLE"]
VELERO_BACKUPS = ["daily-20261203", "weekly-20261129", "pre-upgrade"]
UVICORN_STATUS = ["200 OK", "201 Created", "404 Not Found", "422 Unprocessable Entity", "500 Internal Server Error"]
UVICORN_PATHS = ["/health", "/api/items/{id}", "/api/orders", "/docs"]


def tooling_events() -> list[tuple[float, str, dict]]:
    """Delivery and tooling software: Prometheus Alertmanager, Grafana, Terraform, Fluent Bit,
    OpenTelemetry Collector, gunicorn and uvicorn, Keycloak, Cassandra, PgBouncer, Sidekiq,
    dockerd, Jenkins, Velero. Written before any rule change of the third issue-15 pass
    (w-36) and scored once (held-out check)."""

    def am_alert(g: Gen) -> str:
        return f"{g.r.choice(AM_ALERTS)}[{g.hexs(7)}][{g.r.choice(['active', 'active', 'resolved'])}]"

    def am_alerts(g: Gen) -> str:
        return " ".join(am_alert(g) for _ in range(g.r.randint(1, 4)))

    def integration(g: Gen) -> str:
        return f"{g.r.choice(AM_INTEGRATIONS)}[{g.r.randint(0, 1)}]"

    def group(g: Gen) -> str:
        return '{}:{alertname=\\"' + g.r.choice(AM_ALERTS) + '\\"}'

    def gpath(g: Gen) -> str:
        return g.r.choice(GRAFANA_PATHS).replace("{uid}", g.hexs(9))

    def tf(g: Gen) -> str:
        res = g.r.choice(TF_RESOURCES)
        return res + (f"[{g.r.randint(0, 2)}]" if res == "aws_instance.web" else "")

    def tf_id(g: Gen) -> str:
        return g.r.choice([f"i-0{g.hexs(16)}", f"sg-0{g.hexs(16)}", "acme-logs", f"subnet-0{g.hexs(16)}", "apps"])

    def chunk(g: Gen) -> str:
        return f"{g.r.randint(1, 9)}-{g.r.randint(1701500000, 1701599999)}.{g.num(100000000, 999999999)}.flb"

    def ptr(g: Gen) -> str:
        return "0x" + g.hexs(12)

    def tid(g: Gen) -> str:
        return "".join(g.r.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(g.r.randint(3, 5)))

    def sstables(g: Gen) -> str:
        return ",".join(f"/var/lib/cassandra/data/shop/orders-{g.hexs(32)}/nb-{g.r.randint(1, 900)}-big"
                        for _ in range(g.r.randint(1, 3))) + ","

    def upath(g: Gen) -> str:
        return g.r.choice(UVICORN_PATHS).replace("{id}", g.num(1, 9999))

    def bytes_(g: Gen) -> str:
        return g.r.choice([f"{g.flt(3, 900)}KiB", f"{g.flt(3, 90)}MiB"])

    return [
        # Prometheus Alertmanager (go-kit logfmt)
        (90, 'level=debug ts={t} caller=dispatch.go:{l} component=dispatcher msg="Received alert" alert={a}',
         {"t": ts, "l": pick(["164", "165"]), "a": am_alert}),
        (60, 'level=debug ts={t} caller=dispatch.go:{l} component=dispatcher aggrGroup="{g}" msg=flushing alerts=[{a}]',
         {"t": ts, "l": pick(["516", "517"]), "g": group, "a": am_alerts}),
        (40, 'level=info ts={t} caller=notify.go:{l} component=dispatcher receiver={r} integration={i} aggrGroup="{g}" msg="Notify success" attempts={n} duration={d}',
         {"t": ts, "l": pick(["848"]), "r": pick(AM_RECEIVERS), "i": integration, "g": group, "n": pick(["1", "2"]), "d": Gen.dur}),
        (20, 'level=warn ts={t} caller=notify.go:{l} component=dispatcher receiver={r} integration={i} aggrGroup="{g}" msg="Notify attempt failed, will retry later" attempts={n} err="{e}"',
         {"t": ts, "l": pick(["745"]), "r": pick(AM_RECEIVERS), "i": integration, "g": group, "n": lambda g: g.num(1, 9),
          "e": pick(["unexpected status code 429", "context deadline exceeded", "Post \\\"https://hooks.slack.com/services/T000/B000/XXX\\\": dial tcp: lookup hooks.slack.com: no such host"])}),
        # Grafana (logfmt)
        (100, 'logger=context userId={u} orgId=1 uname={n} t={t} level=info msg="Request Completed" method={m} path={p} status={s} remote_addr={i} time_ms={ms} duration={d} size={z} referer= handler={h}',
         {"u": pick(["1", "2", "7"]), "n": pick(GRAFANA_USERS), "t": ts, "m": pick(["GET", "POST"]), "p": gpath,
          "s": pick(["200", "400", "401", "500"]), "i": Gen.ip, "ms": lambda g: g.num(0, 900), "d": Gen.dur,
          "z": lambda g: g.num(0, 90000), "h": pick(GRAFANA_HANDLERS)}),
        (30, 'logger=ngalert.scheduler rule_uid={r} org_id=1 version={v} fingerprint={f} now={t} t={t2} level=error msg="Failed to evaluate rule" error="{e}" duration={d}',
         {"r": lambda g: g.hexs(14), "v": lambda g: g.num(1, 40), "f": lambda g: g.hexs(16), "t": ts, "t2": ts,
          "e": pick(["failed to execute query A: context deadline exceeded", "data source not found", "[sse.readDataError] [A] got error: 502 Bad Gateway"]),
          "d": Gen.dur}),
        (15, 'logger=cleanup t={t} level=info msg="Completed cleanup jobs" duration={d}', {"t": ts, "d": Gen.dur}),
        # Terraform (CLI output)
        (40, "{r}: Still creating... [{s}s elapsed]", {"r": tf, "s": pick(["10", "20", "30", "40", "50", "1m0", "1m10"])}),
        (30, "{r}: Creation complete after {s}s [id={i}]", {"r": tf, "s": lambda g: g.num(1, 90), "i": tf_id}),
        (50, "{r}: Refreshing state... [id={i}]", {"r": tf, "i": tf_id}),
        (15, "{r}: Destroying... [id={i}]", {"r": tf, "i": tf_id}),
        (10, "Apply complete! Resources: {a} added, {c} changed, {d} destroyed.",
         {"a": lambda g: g.num(0, 12), "c": lambda g: g.num(0, 5), "d": lambda g: g.num(0, 4)}),
        (10, "Plan: {a} to add, {c} to change, {d} to destroy.",
         {"a": lambda g: g.num(0, 12), "c": lambda g: g.num(0, 5), "d": lambda g: g.num(0, 4)}),
        # Fluent Bit
        (60, "[ warn] [engine] failed to flush chunk '{c}', retry in {s} seconds: task_id={k}, input=tail.0 > output={o} (out_id={n})",
         {"c": chunk, "s": lambda g: g.num(6, 60), "k": lambda g: g.num(0, 40), "o": pick(FB_OUTPUTS), "n": pick(["0", "1", "2"])}),
        (30, "[ info] [engine] flush chunk '{c}' succeeded at retry {r}: task_id={k}, input=tail.0 > output={o} (out_id={n})",
         {"c": chunk, "r": pick(["1", "2", "3"]), "k": lambda g: g.num(0, 40), "o": pick(FB_OUTPUTS), "n": pick(["0", "1", "2"])}),
        (30, "[ info] [input:tail:tail.0] inotify_fs_add(): inode={i} watch_fd={w} name=/var/log/containers/{p}_{ns}_{c}-{h}.log",
         {"i": lambda g: g.num(100000, 9999999), "w": lambda g: g.num(1, 300), "p": Gen.pod, "ns": pick(NS), "c": pick(CONTAINERS),
          "h": lambda g: g.hexs(64)}),
        # OpenTelemetry Collector (zap console)
        (40, 'Exporting failed. Will retry the request after interval.\t{{"kind": "exporter", "data_type": "{k}", "name": "{n}", "error": "{e}", "interval": "{i}"}}',
         {"k": pick(OTEL_TYPES), "n": pick(OTEL_EXPORTERS), "e": pick(OTEL_ERRORS), "i": lambda g: f"{g.flt(9, 30)}s"}),
        (20, 'Dropping data because sending_queue is full. Try increasing queue_size.\t{{"kind": "exporter", "data_type": "{k}", "name": "{n}", "dropped_items": {d}}}',
         {"k": pick(OTEL_TYPES), "n": pick(OTEL_EXPORTERS), "d": lambda g: g.num(1, 8192)}),
        # gunicorn and uvicorn
        (15, "[{p}] [INFO] Booting worker with pid: {w}", {"p": pick(["1", "7"]), "w": lambda g: g.num(8, 9000)}),
        (10, "[{p}] [CRITICAL] WORKER TIMEOUT (pid:{w})", {"p": pick(["1", "7"]), "w": lambda g: g.num(8, 9000)}),
        (120, '{i}:{p} - "{m} {u} HTTP/1.1" {s}', {"i": Gen.ip, "p": Gen.port, "m": pick(METHODS), "u": upath, "s": pick(UVICORN_STATUS)}),
        # Keycloak event logger
        (40, "type=LOGIN_ERROR, realmId={r}, clientId={c}, userId=null, ipAddress={i}, error={e}, auth_method=openid-connect, auth_type=code, redirect_uri=https://{h}/callback, code_id={k}, username={u}",
         {"r": pick(KC_REALMS), "c": pick(KC_CLIENTS), "i": Gen.ip, "e": pick(KC_ERRORS), "h": pick(["shop.example.com", "admin.example.com"]),
          "k": Gen.uuid, "u": pick(KC_USERS)}),
        (50, "type=LOGIN, realmId={r}, clientId={c}, userId={k}, ipAddress={i}, auth_method=openid-connect, auth_type=code, redirect_uri=https://{h}/callback, consent=no_consent_required, code_id={q}, username={u}",
         {"r": pick(KC_REALMS), "c": pick(KC_CLIENTS), "k": Gen.uuid, "i": Gen.ip, "h": pick(["shop.example.com", "admin.example.com"]),
          "q": Gen.uuid, "u": pick(KC_USERS)}),
        # Cassandra
        (40, "Enqueuing flush of {t}: {a} ({p}%) on-heap, {b} ({q}%) off-heap",
         {"t": pick(["orders", "carts", "local", "peers_v2"]), "a": bytes_, "p": lambda g: g.num(0, 9), "b": bytes_, "q": lambda g: g.num(0, 9)}),
        (30, "Compacted (task id: {u}, compaction history id: {h}) {n} sstables to [{s}] to level={l}.  {a} to {b} (~{p}% of original) in {ms}ms.  Read Throughput = {r}/s, Write Throughput = {w}/s, Row Throughput = ~{rt}/s.  {k} total partitions merged to {m}.  Partition merge counts were {{{c}}}",
         {"u": Gen.uuid, "h": Gen.uuid, "n": lambda g: g.num(2, 8), "s": sstables, "l": pick(["0", "1"]), "a": bytes_, "b": bytes_,
          "p": lambda g: g.num(10, 99), "ms": lambda g: g.num(10, 9000), "r": bytes_, "w": bytes_, "rt": lambda g: g.num(10, 99000),
          "k": lambda g: g.num(10, 9000), "m": lambda g: g.num(10, 9000), "c": lambda g: ", ".join(f"{i}:{g.num(1, 900)}" for i in range(1, g.r.randint(2, 4)))}),
        (20, "InetAddress /{i} is now {s}", {"i": Gen.ip, "s": pick(["DOWN", "UP"])}),
        (25, "G1 Young Generation GC in {ms}ms.  G1 Eden Space: {a} -> {b}; G1 Old Gen: {c} -> {d}; G1 Survivor Space: {e} -> {f}",
         {"ms": lambda g: g.num(200, 900), "a": lambda g: g.num(10**8, 10**9), "b": lambda g: g.r.choice(["0", g.num(1, 10**7)]), "c": lambda g: g.num(10**8, 10**9),
          "d": lambda g: g.num(10**8, 10**9), "e": lambda g: g.num(10**6, 10**8), "f": lambda g: g.num(10**6, 10**8)}),
        # PgBouncer
        (60, "C-{p}: {d}/{u}@{i}:{o} login attempt: db={d2} user={u2} tls=no",
         {"p": ptr, "d": pick(PGB_DBS), "u": pick(PGB_USERS), "i": Gen.ip, "o": Gen.port, "d2": pick(PGB_DBS), "u2": pick(PGB_USERS)}),
        (60, "C-{p}: {d}/{u}@{i}:{o} closing because: {r} (age={a}s)",
         {"p": ptr, "d": pick(PGB_DBS), "u": pick(PGB_USERS), "i": Gen.ip, "o": Gen.port, "r": pick(PGB_CLOSE), "a": lambda g: g.num(0, 9000)}),
        (20, "stats: {x} xacts/s, {q} queries/s, in {a} B/s, out {b} B/s, xact {c} us, query {d} us, wait {w} us",
         {"x": lambda g: g.num(0, 900), "q": lambda g: g.num(0, 2000), "a": lambda g: g.num(0, 90000), "b": lambda g: g.num(0, 900000),
          "c": lambda g: g.num(100, 90000), "d": lambda g: g.num(100, 9000), "w": lambda g: g.num(0, 900)}),
        # Sidekiq 6
        (50, "pid={p} tid={t} class={c} jid={j} INFO: start", {"p": pick(["1", "9"]), "t": tid, "c": pick(SIDEKIQ_CLASSES), "j": lambda g: g.hexs(24)}),
        (50, "pid={p} tid={t} class={c} jid={j} elapsed={e} INFO: done",
         {"p": pick(["1", "9"]), "t": tid, "c": pick(SIDEKIQ_CLASSES), "j": lambda g: g.hexs(24), "e": lambda g: g.flt(3, 20)}),
        (20, "pid={p} tid={t} class={c} jid={j} WARN: {e}",
         {"p": pick(["1", "9"]), "t": tid, "c": pick(SIDEKIQ_CLASSES), "j": lambda g: g.hexs(24), "e": pick(SIDEKIQ_ERRORS)}),
        # dockerd
        (40, 'level=info msg="ignoring event" container={c} module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"',
         {"c": lambda g: g.hexs(64)}),
        (20, 'level=warning msg="cleaning up after shim disconnected" id={c} namespace=moby', {"c": lambda g: g.hexs(64)}),
        (10, 'level=error msg="Handler for POST /v1.43/containers/{c}/start returned error: driver failed programming external connectivity on endpoint {n} ({e}): Bind for 0.0.0.0:{p} failed: port is already allocated"',
         {"c": lambda g: g.hexs(12), "n": pick(["web-1", "redis-1", "db-1"]), "e": lambda g: g.hexs(64), "p": pick(["80", "6379", "5432"])}),
        # Jenkins
        (15, "Started by user {u}", {"u": pick(["admin", "ci-bot", "Grace Hopper"])}),
        (15, "Finished: {r}", {"r": pick(JENKINS_RESULTS)}),
        (15, "Building in workspace /var/jenkins_home/workspace/{j}", {"j": pick(JENKINS_JOBS)}),
        # Velero
        (20, 'level=info msg="Backup completed" backup=velero/{b} logSource="pkg/controller/backup_controller.go:{l}"',
         {"b": pick(VELERO_BACKUPS), "l": pick(["663", "750"])}),
        (20, 'level=info msg="Processing item" backup=velero/{b} logSource="pkg/backup/backup.go:{l}" name={n} namespace={ns} progress= resource={r}',
         {"b": pick(VELERO_BACKUPS), "l": pick(["404"]), "n": Gen.pod, "ns": pick(NS), "r": pick(["pods", "persistentvolumeclaims", "secrets", "configmaps"])}),
    ]


LINKERD_SVCS = ["api.payments.svc.cluster.local:8080", "web.shop.svc.cluster.local:80", "redis.cache.svc.cluster.local:6379"]
LINKERD_ERRORS = ["Connection refused (os error 111)", "connect timed out after 1s", "Connection reset by peer (os error 104)"]
ENVOY_CLUSTERS = ["outbound|8080||api.payments.svc.cluster.local", "outbound|80||web.shop.svc.cluster.local",
                  "inbound|9090||"]
KONG_PLUGINS = ["rate-limiting", "jwt", "cors"]
KONG_HOSTS = ["api.example.com", "shop.example.com"]
CADDY_HOSTS = ["shop.example.com", "grafana.example.com", "api.example.com"]
NOMAD_TASKS = ["web", "worker", "redis"]
NOMAD_EVENTS = [("Started", "Task started by client"), ("Killing", "Sent interrupt. Waiting 5s before force killing"),
                ("Terminated", "Exit Code: 137, Exit Message: \\\"Docker container exited with non-zero exit code: 137\\\""),
                ("Restarting", "Task restarting in 16.312s")]
NOMAD_IMAGES = ["redis:7.2", "ghcr.io/acme/web:1.8.2", "busybox:1.36"]
MAIL_USERS = ["alice@example.com", "ops@example.org", "billing@acme.io"]
MAIL_RELAYS = ["mx1.example.com", "aspmx.l.google.com", "mail.acme.io"]
MAIL_STATUS = [("sent", "250 2.0.0 OK"), ("deferred", "connect to mail.acme.io[10.9.8.7]:25: Connection timed out"),
               ("bounced", "host mx1.example.com[10.1.2.3] said: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table")]
DNS_ZONES = ["example.com", "internal.acme.io", "corp.local"]
DNS_TYPES = ["A", "AAAA", "MX", "TXT"]
VECTOR_SINKS = [("loki", "loki"), ("es_logs", "elasticsearch"), ("s3_archive", "aws_s3")]
VECTOR_ERRORS = ["Server responded with an error: 429 Too Many Requests", "Failed to make HTTP(S) request: connection closed before message completed",
                 "Request timed out."]
SQUID_CODES = ["TCP_MISS/200", "TCP_HIT/200", "TCP_DENIED/403", "TCP_TUNNEL/200", "TCP_MISS/503"]
SQUID_HIER = ["HIER_DIRECT", "HIER_NONE", "FIRSTUP_PARENT"]
SQUID_TYPES = ["text/html", "application/json", "-", "image/png"]
SQUID_URLS = ["http://deb.debian.org/debian/dists/bookworm/InRelease", "registry-1.docker.io:443", "http://example.com/",
              "https://pypi.org/simple/requests/"]
NTP_SOURCES = ["0.pool.ntp.org", "1.pool.ntp.org", "time.cloudflare.com"]
PATRONI_MEMBERS = ["pg-0", "pg-1", "pg-2"]
FALCO_PROGS = ["cat", "bash", "python3", "cp"]
FALCO_IMAGES = ["alpine", "ghcr.io/acme/web", "docker.io/library/nginx"]
REG_REPOS = ["library/nginx", "acme/web", "acme/worker"]
CH_TABLES = ["default.events", "analytics.sessions", "system.query_log"]
CH_ERRORS = [("60", "Table default.events_tmp does not exist", "UNKNOWN_TABLE"),
             ("241", "Memory limit (total) exceeded: would use 9.31 GiB (attempt to allocate chunk of 4194304 bytes), maximum: 9.31 GiB", "MEMORY_LIMIT_EXCEEDED"),
             ("159", "Timeout exceeded: elapsed 30.001 seconds, maximum: 30", "TIMEOUT_EXCEEDED")]
TOMCAT_APPS = ["/manager", "/shop", "/ROOT"]
CRDB_NODES = ["n1", "n2", "n3"]


def mesh_events() -> list[tuple[float, str, dict]]:
    """Mesh, edge and platform software none of the other corpora covers: Linkerd proxy and
    destination controller, Envoy's own (non-access) logs, Kong, Caddy (JSON), Nomad,
    Postfix, BIND named, Vector, Squid, chrony, Patroni, Falco, Docker registry, ClickHouse,
    Tomcat, CockroachDB. Written before any rule change of the fourth issue-15 pass and
    scored once (held-out check)."""

    def up(g: Gen) -> str:
        return f"[{g.r.randint(0, 99999):>6}.{g.num(100000, 999999)}s]"

    def hts(g: Gen) -> str:
        return f"2026-12-03 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(100, 999)}"

    def qid(g: Gen) -> str:
        return g.hexs(10).upper()

    def addr(g: Gen) -> str:
        return f"{g.ip()}:{g.r.choice(['8080', '80', '6379'])}"

    def mail(g: Gen) -> str:
        return g.r.choice(MAIL_USERS)

    def relay(g: Gen) -> str:
        return f"{g.r.choice(MAIL_RELAYS)}[{g.ip()}]:25"

    def delays(g: Gen) -> str:
        return "/".join(g.r.choice(["0", g.flt(2, 1), g.flt(1, 9)]) for _ in range(4))

    def vtag(g: Gen) -> str:
        return g.r.choice(["latest", "1.25.3", "v2.14.0", "sha256:" + g.hexs(64)])

    def caddy_ts(g: Gen) -> str:
        return f"{g.r.randint(1701500000, 1701599999)}.{g.num(1000000, 9999999)}"

    def crdb_ts(g: Gen) -> str:
        return f"261203 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(100000, 999999)}"

    def ch_ts(g: Gen) -> str:
        return f"2026.12.03 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(100000, 999999)}"

    def fts(g: Gen) -> str:
        return f"{g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(100000000, 999999999)}"

    def err_sources(g: Gen) -> str:
        return ", ".join(g.r.sample(["service unavailable", "buffer's worker closed", "client disconnected"], g.r.randint(1, 2)))

    return [
        # Linkerd2-proxy (Rust tracing)
        (120, "{u}  WARN ThreadId({t}) outbound:proxy{{addr={a}}}:service{{ns={ns} name={n} port={p}}}:endpoint{{addr={a2}}}: linkerd_reconnect: Failed to connect error={e}",
         {"u": up, "t": pick(["01", "02", "03"]), "a": addr, "ns": pick(["payments", "shop", "cache"]), "n": pick(["api", "web", "redis"]),
          "p": pick(["8080", "80", "6379"]), "a2": addr, "e": pick(LINKERD_ERRORS)}),
        (60, "{u}  INFO ThreadId({t}) inbound:server{{port={p}}}:rescue{{client.addr={c}}}: linkerd_app_core::errors::respond: gRPC request failed error=logical service {s}: service unavailable error.sources=[{es}]",
         {"u": up, "t": pick(["01", "02"]), "p": pick(["8080", "4143"]), "c": addr, "s": pick(LINKERD_SVCS), "es": err_sources}),
        (30, "{u}  INFO ThreadId({t}) inbound:server{{port={p}}}: linkerd_app_inbound::detect: Handling connection as opaque due to policy timeout={d}s",
         {"u": up, "t": pick(["01", "02"]), "p": pick(["8080", "4143", "6379"]), "d": pick(["10", "30"])}),
        # Linkerd destination controller (logrus)
        (50, 'time="{t}" level=info msg="Establishing watch on endpoint [{ns}/{s}:{p}]" addr=":8086" component=endpoints-watcher',
         {"t": ts, "ns": pick(["payments", "shop", "cache"]), "s": pick(["api", "web", "redis"]), "p": pick(["8080", "80", "6379"])}),
        (25, 'time="{t}" level=info msg="Stopping watch on endpoint [{ns}/{s}:{p}]" addr=":8086" component=endpoints-watcher',
         {"t": ts, "ns": pick(["payments", "shop", "cache"]), "s": pick(["api", "web", "redis"]), "p": pick(["8080", "80", "6379"])}),
        # Envoy's own log lines (not access lines)
        (50, "[{t}][{w}][warning][config] [source/extensions/config_subscription/grpc/grpc_stream.h:{l}] StreamAggregatedResources gRPC config stream to xds-grpc closed since {s}s ago: {c}, {m}",
         {"t": hts, "w": lambda g: g.num(1, 40), "l": pick(["152", "190"]), "s": lambda g: g.num(1, 9000), "c": pick(["14", "13", "2"]),
          "m": pick(["connection error: desc = \"transport: Error while dialing: dial tcp 10.96.0.15:15012: i/o timeout\"",
                     "upstream connect error or disconnect/reset before headers. reset reason: connection termination", ""])}),
        (40, "[{t}][{w}][info][upstream] [source/common/upstream/cds_api_helper.cc:{l}] cds: add {a} cluster(s), remove {r} cluster(s)",
         {"t": hts, "w": lambda g: g.num(1, 40), "l": pick(["32", "35"]), "a": lambda g: g.num(0, 80), "r": lambda g: g.num(0, 6)}),
        (20, "[{t}][{w}][info][upstream] [source/common/upstream/cluster_manager_impl.cc:{l}] cm init: all clusters initialized",
         {"t": hts, "w": lambda g: g.num(1, 40), "l": pick(["222"])}),
        (30, "[{t}][{w}][debug][pool] [source/common/conn_pool/conn_pool_base.cc:{l}] [C{c}] connection destroyed, cluster={k}",
         {"t": hts, "w": lambda g: g.num(1, 40), "l": pick(["484"]), "c": lambda g: g.num(1, 90000), "k": pick(ENVOY_CLUSTERS)}),
        # Kong (OpenResty error log)
        (50, '{t} [warn] {p}#0: *{c} [kong] handler.lua:{l} [{pl}] failed to get usage: {e}, client: {i}, server: kong, request: "{m} {u} HTTP/1.1", host: "{h}"',
         {"t": lambda g: f"2026/12/03 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}", "p": lambda g: g.num(1000, 1200),
          "c": lambda g: g.num(1, 900000), "l": pick(["91", "104"]), "pl": pick(KONG_PLUGINS), "e": pick(["connection refused", "timeout", "no memory"]),
          "i": Gen.ip, "m": pick(METHODS), "u": Gen.path, "h": pick(KONG_HOSTS)}),
        (20, "{t} [notice] {p}#0: signal {s} ({n}) received from {q}",
         {"t": lambda g: f"2026/12/03 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}", "p": pick(["1"]),
          "s": pick(["17", "1", "3"]), "n": pick(["SIGCHLD", "SIGHUP", "SIGQUIT"]), "q": lambda g: g.num(1000, 1200)}),
        # Caddy (structured JSON)
        (90, '{{"level":"info","ts":{t},"logger":"http.log.access.log0","msg":"handled request","request":{{"remote_ip":"{i}","proto":"{pr}","method":"{m}","host":"{h}","uri":"{u}"}},"bytes_read":0,"duration":{d},"size":{z},"status":{s}}}',
         {"t": caddy_ts, "i": Gen.ip, "pr": pick(["HTTP/1.1", "HTTP/2.0"]), "m": pick(METHODS), "h": pick(CADDY_HOSTS), "u": Gen.path,
          "d": lambda g: g.flt(6, 1), "z": lambda g: g.num(0, 90000), "s": pick(["200", "304", "404"])}),
        (20, '{{"level":"error","ts":{t},"logger":"tls.obtain","msg":"could not get certificate from issuer","identifier":"{h}","issuer":"acme-v02.api.letsencrypt.org-directory","error":"{e}"}}',
         {"t": caddy_ts, "h": pick(CADDY_HOSTS), "e": pick(["HTTP 429 urn:ietf:params:acme:error:rateLimited - too many certificates already issued",
                                                             "context deadline exceeded"])}),
        # Nomad (hclog)
        (60, "{t} [INFO]  client.alloc_runner.task_runner: Task event: alloc_id={a} task={k} type={e} msg=\"{m}\" failed={f}",
         {"t": ts, "a": Gen.uuid, "k": pick(NOMAD_TASKS), "e": lambda g: g.r.choice(NOMAD_EVENTS)[0], "m": lambda g: g.r.choice(NOMAD_EVENTS)[1], "f": pick(["false", "false", "true"])}),
        (25, "{t} [ERROR] client.driver_mgr.docker: failed pulling container: driver=docker image_ref={i} error=\"{e}\"",
         {"t": ts, "i": pick(NOMAD_IMAGES), "e": pick(["context deadline exceeded", "API error (404): manifest unknown"])}),
        (20, "{t} [WARN]  nomad.raft: heartbeat timeout reached, starting election: last-leader-addr={l} last-leader-id={i}",
         {"t": ts, "l": lambda g: g.r.choice(["", f"{g.ip()}:4647"]), "i": lambda g: g.r.choice(["", g.uuid()])}),
        # Postfix
        (80, "postfix/smtp[{p}]: {q}: to=<{t}>, relay={r}, delay={d}, delays={ds}, dsn={n}, status={st} ({sx})",
         {"p": lambda g: g.num(1000, 30000), "q": qid, "t": mail, "r": relay, "d": lambda g: g.flt(1, 30), "ds": delays,
          "n": pick(["2.0.0", "4.4.1", "5.1.1"]), "st": lambda g: g.r.choice(MAIL_STATUS)[0], "sx": lambda g: g.r.choice(MAIL_STATUS)[1]}),
        (60, "postfix/smtpd[{p}]: connect from {h}[{i}]",
         {"p": lambda g: g.num(1000, 30000), "h": pick(["unknown", "mail-wr1.google.com", "localhost"]), "i": Gen.ip}),
        (60, "postfix/smtpd[{p}]: disconnect from {h}[{i}] ehlo=1 mail=1 rcpt={r} data=1 quit=1 commands={c}",
         {"p": lambda g: g.num(1000, 30000), "h": pick(["unknown", "mail-wr1.google.com", "localhost"]), "i": Gen.ip,
          "r": pick(["1", "2", "0/1"]), "c": pick(["5", "6", "4/5"])}),
        (50, "postfix/qmgr[{p}]: {q}: from=<{f}>, size={s}, nrcpt={n} (queue active)",
         {"p": lambda g: g.num(1000, 30000), "q": qid, "f": mail, "s": lambda g: g.num(300, 90000), "n": pick(["1", "2", "3"])}),
        # BIND named
        (60, "client @0x{a} {i}#{p} ({z}): query: {z2} IN {t} +E(0)K ({s})",
         {"a": lambda g: g.hexs(12), "i": Gen.ip, "p": Gen.port, "z": pick(DNS_ZONES), "z2": pick(DNS_ZONES), "t": pick(DNS_TYPES), "s": Gen.ip}),
        (25, "client @0x{a} {i}#{p} ({z}): query (cache) '{z2}/{t}/IN' denied",
         {"a": lambda g: g.hexs(12), "i": Gen.ip, "p": Gen.port, "z": pick(DNS_ZONES), "z2": pick(DNS_ZONES), "t": pick(DNS_TYPES)}),
        (15, "zone {z}/IN: transferred serial {s}", {"z": pick(DNS_ZONES), "s": lambda g: g.num(2026120100, 2026120399)}),
        # Vector
        (50, "{t}  WARN sink{{component_kind=\"sink\" component_id={c} component_type={k}}}:request{{request_id={r}}}: vector::sinks::util::retries: Retrying after error. error={e} internal_log_rate_limit=true",
         {"t": ts, "c": lambda g: g.r.choice(VECTOR_SINKS)[0], "k": lambda g: g.r.choice(VECTOR_SINKS)[1], "r": lambda g: g.num(1, 90000),
          "e": pick(VECTOR_ERRORS)}),
        # Squid access log
        (90, "{t}    {e} {i} {c} {b} {m} {u} - {h}/{hi} {ty}",
         {"t": caddy_ts, "e": lambda g: g.num(0, 9000), "i": Gen.ip, "c": pick(SQUID_CODES), "b": lambda g: g.num(0, 900000),
          "m": pick(["GET", "CONNECT", "POST"]), "u": pick(SQUID_URLS), "h": pick(SQUID_HIER), "hi": lambda g: g.r.choice(["-", g.ip()]),
          "ty": pick(SQUID_TYPES)}),
        # chrony
        (30, "Selected source {i} ({n})", {"i": Gen.ip, "n": pick(NTP_SOURCES)}),
        (20, "System clock wrong by {s} seconds", {"s": lambda g: g.r.choice(["", "-"]) + g.flt(6, 3)}),
        (20, "Source {i} replaced with {j} ({n})", {"i": Gen.ip, "j": Gen.ip, "n": pick(NTP_SOURCES)}),
        # Patroni
        (60, "{t} INFO: no action. I am ({m}), a secondary, and following a leader ({l})",
         {"t": lambda g: hts(g).replace(".", ","), "m": pick(PATRONI_MEMBERS), "l": pick(PATRONI_MEMBERS)}),
        (30, "{t} INFO: no action. I am ({m}), the leader with the lock",
         {"t": lambda g: hts(g).replace(".", ","), "m": pick(PATRONI_MEMBERS)}),
        (15, "{t} WARNING: Request failed to {m}: GET http://{i}:8008/patroni ({e})",
         {"t": lambda g: hts(g).replace(".", ","), "m": pick(PATRONI_MEMBERS), "i": Gen.ip,
          "e": pick(["HTTPConnectionPool(host='10.0.3.4', port=8008): Read timed out. (read timeout=2)", "ConnectionRefusedError(111, 'Connection refused')"])}),
        # Falco
        (40, "{t}: Warning Sensitive file opened for reading by non-trusted program (user={u} user_loginuid=-1 program={p} command={p2} {a} file={fl} parent={pa} gparent={gp} container_id={c} image={im})",
         {"t": fts, "u": pick(["root", "www-data"]), "p": pick(FALCO_PROGS), "p2": pick(FALCO_PROGS),
          "a": pick(["/etc/shadow", "-c id", "/usr/bin/x"]), "fl": pick(["/etc/shadow", "/etc/sudoers", "/root/.ssh/id_rsa"]),
          "pa": pick(["bash", "sh", "containerd-shim"]), "gp": pick(["<NA>", "containerd-shim", "sshd"]), "c": lambda g: g.hexs(12), "im": pick(FALCO_IMAGES)}),
        (25, "{t}: Notice A shell was spawned in a container with an attached terminal (user={u} user_loginuid=-1 {k} (id={c}) shell={sh} parent={pa} cmdline={sh2} terminal={n} container_id={c2} image={im})",
         {"t": fts, "u": pick(["root", "www-data"]), "k": lambda g: g.r.choice(["k8s_api_web", "k8s_worker_shop", "redis"]) + "-" + g.hexs(5),
          "c": lambda g: g.hexs(12), "sh": pick(["bash", "sh"]), "pa": pick(["runc", "containerd-shim"]), "sh2": pick(["bash", "sh -i"]),
          "n": pick(["34816", "34817"]), "c2": lambda g: g.hexs(12), "im": pick(FALCO_IMAGES)}),
        # Docker registry (logrus)
        (60, 'time="{t}" level=info msg="response completed" go.version=go1.20.8 http.request.host={h} http.request.id={r} http.request.method={m} http.request.remoteaddr={i} http.request.uri="/v2/{repo}/manifests/{tag}" http.request.useragent="{ua}" http.response.contenttype="{ct}" http.response.duration={d} http.response.status={s} http.response.written={w}',
         {"t": ts, "h": pick(["registry.acme.io", "registry.internal:5000"]), "r": Gen.uuid, "m": pick(["GET", "HEAD"]), "i": Gen.ip, "repo": pick(REG_REPOS),
          "tag": vtag, "ua": pick(["docker/24.0.7 go/go1.20.10", "containerd/v1.7.11", "Go-http-client/1.1"]),
          "ct": pick(["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.index.v1+json"]),
          "d": lambda g: f"{g.flt(6, 90)}ms", "s": pick(["200", "404"]), "w": lambda g: g.num(0, 9000)}),
        # ClickHouse server
        (60, "{t} [ {th} ] {{{q}}} <Information> executeQuery: Read {r} rows, {b} in {s} sec., {rs} rows/sec., {bs}/sec.",
         {"t": ch_ts, "th": lambda g: g.num(100, 9999), "q": Gen.uuid, "r": lambda g: g.num(1, 9000000),
          "b": lambda g: g.r.choice([f"{g.flt(2, 900)} KiB", f"{g.flt(2, 900)} MiB", f"{g.num(1, 900)}.00 B"]), "s": lambda g: g.flt(6, 5),
          "rs": lambda g: f"{g.flt(2, 900)} million", "bs": lambda g: g.r.choice([f"{g.flt(2, 900)} MiB", f"{g.flt(2, 9)} GiB"])}),
        (30, "{t} [ {th} ] {{{q}}} <Error> TCPHandler: Code: {c}. DB::Exception: {e}. ({n})",
         {"t": ch_ts, "th": lambda g: g.num(100, 9999), "q": Gen.uuid, "c": lambda g: g.r.choice(CH_ERRORS)[0],
          "e": lambda g: g.r.choice(CH_ERRORS)[1], "n": lambda g: g.r.choice(CH_ERRORS)[2]}),
        (30, "{t} [ {th} ] {{}} <Debug> {tb} ({u}) (MergerMutator): Selected {n} parts from {a} to {b}",
         {"t": ch_ts, "th": lambda g: g.num(100, 9999), "tb": pick(CH_TABLES), "u": Gen.uuid, "n": lambda g: g.num(2, 12),
          "a": lambda g: f"{g.r.choice(['202612', 'all'])}_{g.num(1, 900)}_{g.num(1, 900)}_{g.num(0, 3)}",
          "b": lambda g: f"{g.r.choice(['202612', 'all'])}_{g.num(1, 900)}_{g.num(1, 900)}_{g.num(0, 3)}"}),
        # Tomcat (Catalina)
        (15, "03-Dec-2026 {t} INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [{n}] milliseconds",
         {"t": lambda g: hts(g).split(" ")[1], "n": lambda g: g.num(800, 40000)}),
        (20, "03-Dec-2026 {t} INFO [{th}] org.apache.catalina.startup.HostConfig.deployWAR Deployment of web application archive [/usr/local/tomcat/webapps/{a}.war] has finished in [{n}] ms",
         {"t": lambda g: hts(g).split(" ")[1], "th": pick(["main", "Catalina-utility-1", "Catalina-utility-2"]), "a": pick(["shop", "manager", "ROOT"]),
          "n": lambda g: g.num(100, 9000)}),
        # CockroachDB
        (40, "W{t} {g} kv/kvserver/replica_raft.go:{l} ⋮ [{n},s{s},r{r}/{rr}:{k}] {c}  slow range RPC: have been waiting {d}s (1 attempts) for RPC {rpc} to r{r2}:{k2} [(n{n2},s{s2}):{rr2}, next={nx}, gen={gn}]; resp: {res}",
         {"t": crdb_ts, "g": lambda g: g.num(100, 99999), "l": pick(["1387"]), "n": pick(CRDB_NODES), "s": pick(["1", "2", "3"]), "r": lambda g: g.num(1, 900),
          "rr": pick(["1", "2", "3"]), "k": pick(["/Table/5{3-4}", "/Table/10{6-7}", "\u2039/Min\u203a"]), "c": lambda g: g.num(1, 9000), "d": lambda g: g.flt(2, 90),
          "rpc": pick(["Get [/Table/53/1/42,/Min)", "Scan [/Table/106/1,/Table/106/2)", "EndTxn(commit)"]), "r2": lambda g: g.num(1, 900),
          "k2": pick(["/Table/5{3-4}", "/Table/10{6-7}"]), "n2": pick(["1", "2", "3"]), "s2": pick(["1", "2", "3"]), "rr2": pick(["1", "2", "3"]),
          "nx": pick(["4", "5"]), "gn": lambda g: g.num(1, 90), "res": pick(["\u2039(err: <nil>)\u203a", "\u2039(err: context deadline exceeded)\u203a"])}),
        (30, "I{t} {g} server/status/runtime.go:{l} ⋮ [{n}] {c}  runtime stats: {m} RSS, {gr} goroutines (stacks: {st}), {h}/{h2} Go alloc/total{x}",
         {"t": crdb_ts, "g": lambda g: g.num(100, 99999), "l": pick(["569"]), "n": pick(CRDB_NODES), "c": lambda g: g.num(1, 9000),
          "m": lambda g: f"{g.flt(1, 9)} GiB", "gr": lambda g: g.num(100, 9000), "st": lambda g: f"{g.flt(1, 90)} MiB",
          "h": lambda g: f"{g.flt(1, 900)} MiB", "h2": lambda g: f"{g.flt(1, 900)} MiB", "x": pick(["", " (stale)"])}),
    ]


RUNNER_IDS = ["xY12abCd", "q9Lm3nPz"]
GITLAB_REPOS = ["https://gitlab.acme.io/shop/web.git", "https://gitlab.acme.io/platform/infra.git", "https://gitlab.acme.io/data/etl.git"]
GITLAB_FAILS = ["exit code 1", "exit code 137", "execution took longer than 1h0m0s seconds",
                "failed to pull image \"node:20-alpine\" with specified policies [always]: image pull failed: rpc error: code = Unknown"]
CEPH_CHECKS = [("OSD_DOWN", "1 osds down"), ("PG_DEGRADED", "Degraded data redundancy: 212/9000 objects degraded (2.356%), 7 pgs degraded"),
               ("SLOW_OPS", "12 slow ops, oldest one blocked for 34 sec, osd.4 has slow ops"), ("MON_DOWN", "1/3 mons down, quorum a,b")]
PG_STATES = ["active+clean", "active+clean+scrubbing+deep", "active+undersized+degraded", "active+recovering", "peering"]
PINO_HOSTS = ["orders-api-6c9f8b7d4-x2k9p", "orders-api-6c9f8b7d4-q7m1z"]
PINO_ERRORS = ["connect ECONNREFUSED 10.0.4.12:5432", "Request failed with status code 503", "timeout of 5000ms exceeded",
               "invalid input syntax for type uuid: \\\"abc\\\""]
ZAP_KEYS = ["user", "session", "cart"]
ZAP_JOBS = ["reindex-products", "send-digest", "expire-carts"]
ZAP_ERRORS = ["context deadline exceeded", "dial tcp 10.0.7.3:6379: connect: connection refused", "EOF",
              "pq: duplicate key value violates unique constraint \\\"carts_pkey\\\""]
DJANGO_PATHS = ["/api/orders/", "/admin/login/", "/api/products/42/", "/favicon.ico"]
RAILS_CONTROLLERS = [("OrdersController", "index"), ("OrdersController", "show"), ("SessionsController", "create"), ("Api::V1::ProductsController", "index")]
RAILS_STATUS = [("200", "OK"), ("302", "Found"), ("404", "Not Found"), ("422", "Unprocessable Entity"), ("500", "Internal Server Error")]
RAILS_TEMPLATES = ["orders/index.html.erb", "orders/show.html.erb", "products/_product.html.erb"]
DOTNET_HOSTS = ["orders.acme.io", "localhost:8080"]
DOTNET_CTYPES = ["application/json;+charset=utf-8", "text/plain", "-"]
FLINK_TASKS = ["Source: orders-kafka -> Map", "Sink: clickhouse-sink", "Window(TumblingEventTimeWindows(60000), EventTimeTrigger, AggregateFunction) -> Sink: print",
               "Source: payments-kafka -> Filter -> Map"]
FLINK_STATES = ["CREATED", "SCHEDULED", "DEPLOYING", "INITIALIZING", "RUNNING", "FINISHED", "CANCELING", "FAILED"]
TEMPORAL_SERVICES = ["frontend", "history", "matching"]
TEMPORAL_NAMESPACES = ["default", "orders", "billing"]
MAIL_BOXES = ["alice", "bob@acme.io", "ops"]
VRRP = ["VI_1", "VI_EXT"]
DNS_NAMES = ["api.acme.lan", "grafana.acme.lan", "github.com", "registry-1.docker.io"]
DNS_QTYPES = ["A", "AAAA", "HTTPS", "PTR"]
VPN_CLIENTS = ["laptop-alice", "laptop-bob", "ci-runner"]
SUDO_USERS = ["alice", "deploy", "bob"]
SUDO_CMDS = ["/usr/bin/systemctl restart nginx", "/bin/cat /var/log/syslog", "/usr/bin/apt-get update", "/usr/bin/journalctl -u kubelet -n 200 --no-pager"]
CRON_CMDS = ["command -v debian-sa1 > /dev/null && debian-sa1 1 1", "/usr/local/bin/backup.sh", "cd / && run-parts --report /etc/cron.hourly",
             "[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi"]


def stack_events() -> list[tuple[float, str, dict]]:
    """CI, storage, application frameworks and network daemons none of the other corpora
    covers: GitLab Runner, Ceph, Node (pino JSON), Go (zap console), Django, Rails, ASP.NET
    Core, Apache Flink, Temporal, Dovecot, keepalived, dnsmasq, OpenVPN, sudo, cron.
    Written before any rule change of the fifth issue-15 pass and scored once."""

    def jts(g: Gen) -> str:
        return f"2026-12-03 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d},{g.num(100, 999)}"

    def ms_epoch(g: Gen) -> str:
        return str(g.r.randint(1764720000000, 1764806399999))

    def pad(text: str) -> str:
        # logrus text formatter pads the message to 44 characters before the fields
        return text.ljust(44)

    def fid(g: Gen) -> str:
        return g.hexs(32)

    def ceph_hdr(g: Gen) -> str:
        return f"{ts(g)[:-1]}+0000 7f{g.hexs(10)}"

    def pgstates(g: Gen) -> str:
        states = g.r.sample(PG_STATES, g.r.randint(1, 3))
        return ", ".join(f"{g.num(1, 577)} {s}" for s in states)

    def rails_params(g: Gen) -> str:
        keys = g.r.sample(["id", "page", "per_page", "q", "authenticity_token"], g.r.randint(1, 3))
        return "{" + ", ".join(f'"{k}"=>"{g.num(1, 900)}"' for k in keys) + "}"

    def rails_additions(g: Gen) -> str:
        parts = []
        if g.r.random() < 0.6:
            parts.append(f"Views: {g.flt(1, 90)}ms")
        parts.append(f"ActiveRecord: {g.flt(1, 40)}ms")
        parts.append(f"Allocations: {g.num(200, 90000)}")
        return " | ".join(parts)

    def pid(g: Gen) -> str:
        return g.num(300, 40000)

    def mac(g: Gen) -> str:
        return ":".join(g.hexs(2) for _ in range(6))

    def vpn_peer(g: Gen) -> str:
        return f"{g.r.choice(VPN_CLIENTS)}/{g.ip()}:{g.port()}"

    return [
        # GitLab Runner (logrus text formatter)
        (90, pad("Checking for jobs... received") + " job={j} repo_url={u} runner={r}",
         {"j": lambda g: g.num(100000, 999999), "u": pick(GITLAB_REPOS), "r": pick(RUNNER_IDS)}),
        (70, pad("Job succeeded") + " duration_s={d} job={j} project={p} runner={r}",
         {"d": lambda g: g.flt(6, 900), "j": lambda g: g.num(100000, 999999), "p": pick(["12", "57", "301"]), "r": pick(RUNNER_IDS)}),
        (30, "ERROR: Job failed: {e}".ljust(44) + " duration_s={d} job={j} project={p} runner={r}",
         {"e": pick(GITLAB_FAILS), "d": lambda g: g.flt(6, 900), "j": lambda g: g.num(100000, 999999), "p": pick(["12", "57", "301"]), "r": pick(RUNNER_IDS)}),
        (60, pad("Appending trace to coordinator...ok") + " code=202 job={j} job-log=0-{b} job-status=running runner={r} sent-log={a}-{b} status=202 Accepted update-interval={i}",
         {"j": lambda g: g.num(100000, 999999), "b": lambda g: g.num(4096, 90000), "r": pick(RUNNER_IDS), "a": lambda g: g.num(0, 4096), "i": pick(["3s", "30s"])}),
        # Ceph (mon / osd)
        (70, "{h}  0 log_channel(cluster) log [DBG] : pgmap v{v}: 577 pgs: {s}; {d} GiB data, {u} GiB used, {a} TiB / 1.3 TiB avail; {rd} KiB/s rd, {wr} MiB/s wr, {op} op/s",
         {"h": ceph_hdr, "v": lambda g: g.num(1000, 999999), "s": pgstates, "d": lambda g: g.num(10, 90), "u": lambda g: g.num(30, 270),
          "a": lambda g: g.flt(1, 1.3), "rd": lambda g: g.num(0, 9000), "wr": lambda g: g.flt(1, 90), "op": lambda g: g.num(0, 3000)}),
        (40, "{h} -1 osd.{n} {e} heartbeat_check: no reply from {i}:{p} osd.{m} ever on either front or back, first ping sent {t} (oldest deadline {t2})",
         {"h": ceph_hdr, "n": pick(["0", "1", "2", "4"]), "e": lambda g: g.num(1000, 9000), "i": Gen.ip, "p": pick(["6802", "6804", "6806"]),
          "m": pick(["3", "5"]), "t": ts, "t2": ts}),
        (25, "{h}  0 log_channel(cluster) log [WRN] : Health check failed: {t} ({c})",
         {"h": ceph_hdr, "t": first([(t, c) for c, t in CEPH_CHECKS]), "c": then(1)}),
        (25, "{h}  0 log_channel(cluster) log [INF] : Health check cleared: {c} (was: {t})",
         {"h": ceph_hdr, "c": first(CEPH_CHECKS), "t": then(1)}),
        (15, "{h}  0 log_channel(cluster) log [INF] : osd.{n} marked itself down and dead",
         {"h": ceph_hdr, "n": pick(["0", "1", "2", "4"])}),
        # Node service (pino JSON, one object per line)
        (90, '{{"level":30,"time":{t},"pid":{p},"hostname":"{h}","req":{{"id":{i},"method":"{m}","url":"{u}","remoteAddress":"::ffff:{a}","remotePort":{rp}}},"res":{{"statusCode":{s}}},"responseTime":{r},"msg":"request completed"}}',
         {"t": ms_epoch, "p": pick(["1", "17"]), "h": pick(PINO_HOSTS), "i": lambda g: g.num(1, 90000), "m": pick(METHODS), "u": Gen.path,
          "a": Gen.ip, "rp": Gen.port, "s": pick(["200", "201", "404", "500"]), "r": lambda g: g.flt(3, 90)}),
        (25, '{{"level":50,"time":{t},"pid":{p},"hostname":"{h}","err":{{"type":"Error","message":"{e}"}},"orderId":"{o}","msg":"failed to load order"}}',
         {"t": ms_epoch, "p": pick(["1", "17"]), "h": pick(PINO_HOSTS), "e": pick(PINO_ERRORS), "o": Gen.uuid}),
        # Go service (zap development console encoder, tab separated)
        (60, '{t}\tDEBUG\tcache/redis.go:{l}\tcache miss\t{{"key": "{k}:{i}", "latency": "{d}"}}',
         {"t": ts, "l": pick(["88"]), "k": pick(ZAP_KEYS), "i": lambda g: g.num(1, 99999), "d": Gen.dur}),
        (40, '{t}\tERROR\tworker/pool.go:{l}\tjob failed\t{{"job": "{j}", "attempt": {a}, "error": "{e}"}}',
         {"t": ts, "l": pick(["142"]), "j": pick(ZAP_JOBS), "a": pick(["1", "2", "3"]), "e": pick(ZAP_ERRORS)}),
        (15, '{t}\tINFO\tserver/http.go:{l}\tHTTP server listening\t{{"addr": "{a}", "tls": {b}}}',
         {"t": ts, "l": pick(["51"]), "a": pick([":8080", ":8443"]), "b": pick(["false", "true"])}),
        # Django (runserver access line, django.request)
        (50, '[03/Dec/2026 {t}] "{m} {u} HTTP/1.1" {s} {b}',
         {"t": lambda g: f"{g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}", "m": pick(["GET", "POST"]), "u": pick(DJANGO_PATHS),
          "s": pick(["200", "302", "404"]), "b": lambda g: g.num(0, 90000)}),
        (20, "Not Found: {u}", {"u": pick(DJANGO_PATHS)}),
        (15, "Internal Server Error: {u}", {"u": pick(DJANGO_PATHS)}),
        # Rails (ActionController / ActionView log subscribers)
        (50, 'Started {m} "{u}" for {i} at 2026-12-03 {t} +0000',
         {"m": pick(["GET", "POST", "PATCH"]), "u": Gen.path, "i": Gen.ip,
          "t": lambda g: f"{g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}"}),
        (50, "Processing by {c}#{a} as {f}",
         {"c": first(RAILS_CONTROLLERS), "a": then(1), "f": pick(["HTML", "JSON", "*/*"])}),
        (30, "  Parameters: {p}", {"p": rails_params}),
        (50, "Completed {s} {x} in {d}ms ({a})",
         {"s": first(RAILS_STATUS), "x": then(1), "d": lambda g: g.num(1, 900), "a": rails_additions}),
        (30, "  Rendered {t} within layouts/application (Duration: {d}ms | Allocations: {a})",
         {"t": pick(RAILS_TEMPLATES), "d": lambda g: g.flt(1, 90), "a": lambda g: g.num(100, 90000)}),
        # ASP.NET Core (console logger, single-line)
        (50, "info: Microsoft.AspNetCore.Hosting.Diagnostics[1] Request starting HTTP/1.1 {m} http://{h}{u} - - -",
         {"m": pick(METHODS), "h": pick(DOTNET_HOSTS), "u": Gen.path}),
        (50, "info: Microsoft.AspNetCore.Hosting.Diagnostics[2] Request finished HTTP/1.1 {m} http://{h}{u} - {s} {l} {c} {d}ms",
         {"m": pick(METHODS), "h": pick(DOTNET_HOSTS), "u": Gen.path, "s": pick(["200", "204", "404", "500"]), "l": lambda g: g.r.choice(["-", g.num(0, 9000)]),
          "c": pick(DOTNET_CTYPES), "d": lambda g: g.flt(4, 900)}),
        (20, "fail: Microsoft.EntityFrameworkCore.Database.Command[20102] Failed executing DbCommand ({d}ms) [Parameters=[{p}], CommandType='Text', CommandTimeout='30']",
         {"d": lambda g: g.num(1, 30000), "p": lambda g: ", ".join(f"@__p_{i}='?' (DbType = {g.r.choice(['Int32', 'Guid', 'String'])})" for i in range(g.r.randint(1, 3)))}),
        # Apache Flink (log4j)
        (60, "{t} INFO  org.apache.flink.runtime.executiongraph.ExecutionGraph       [] - {k} ({i}/4) ({a}) switched from {s1} to {s2}.",
         {"t": jts, "k": pick(FLINK_TASKS), "i": pick(["1", "2", "3", "4"]), "a": lambda g: f"{fid(g)}_{fid(g)}_{g.num(0, 3)}_0",
          "s1": pick(FLINK_STATES), "s2": pick(FLINK_STATES)}),
        (30, "{t} INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] - Triggering checkpoint {n} (type=CheckpointType{{name='Checkpoint', sharingFilesStrategy=FORWARD_BACKWARD}}) @ {e} for job {j}.",
         {"t": jts, "n": lambda g: g.num(1, 9000), "e": ms_epoch, "j": fid}),
        (30, "{t} INFO  org.apache.flink.runtime.checkpoint.CheckpointCoordinator    [] - Completed checkpoint {n} for job {j} ({b} bytes, checkpointDuration={d} ms, finalizationTime={f} ms).",
         {"t": jts, "n": lambda g: g.num(1, 9000), "j": fid, "b": lambda g: g.num(1000, 90000000), "d": lambda g: g.num(10, 9000), "f": lambda g: g.num(0, 20)}),
        # Temporal server (zap JSON)
        (40, '{{"level":"info","ts":"{t}","msg":"history client encountered error","service":"{s}","error":"{e}","service-error-type":"{k}","logging-call-at":"metric_client.go:{l}"}}',
         {"t": ts, "s": pick(TEMPORAL_SERVICES), "e": lambda g: g.r.choice(["Workflow execution already completed", "sql: no rows in result set", "Namespace orders is not found."]),
          "k": pick(["serviceerror.NotFound", "serviceerror.NamespaceNotFound"]), "l": pick(["639"])}),
        (30, '{{"level":"warn","ts":"{t}","msg":"Task processor ignoring task.","shard-id":{sh},"address":"{a}","component":"transfer-queue-processor","wf-namespace-id":"{n}","wf-id":"{w}","wf-run-id":"{r}","queue-task-type":"{q}","error":"{e}","logging-call-at":"task.go:{l}"}}',
         {"t": ts, "sh": lambda g: g.num(1, 512), "a": lambda g: f"{g.ip()}:7234", "n": Gen.uuid, "w": lambda g: f"order-{g.num(1, 99999)}", "r": Gen.uuid,
          "q": pick(["TransferActivityTask", "TransferWorkflowTask", "TransferCloseExecution"]), "e": pick(["Workflow execution already completed", "context deadline exceeded"]),
          "l": pick(["372"])}),
        # Dovecot
        (40, "imap-login: Login: user=<{u}>, method={m}, rip={r}, lip={l}, mpid={p}, TLS, session=<{s}>",
         {"u": pick(MAIL_BOXES), "m": pick(["PLAIN", "LOGIN"]), "r": Gen.ip, "l": Gen.ip, "p": pid, "s": lambda g: g.hexs(16)}),
        (40, "imap({u})<{p}><{s}>: Disconnected: Logged out in={i} out={o} deleted={d} expunged={e} trashed=0 hdr_count=0 hdr_bytes=0 body_count=0 body_bytes=0",
         {"u": pick(MAIL_BOXES), "p": pid, "s": lambda g: g.hexs(16), "i": lambda g: g.num(50, 9000), "o": lambda g: g.num(400, 900000),
          "d": pick(["0", "0", "2"]), "e": pick(["0", "1"])}),
        (20, "imap-login: Disconnected (auth failed, {n} attempts in {s} secs): user=<{u}>, method={m}, rip={r}, lip={l}, TLS, session=<{x}>",
         {"n": pick(["1", "2", "3"]), "s": lambda g: g.num(2, 30), "u": pick(MAIL_BOXES), "m": pick(["PLAIN", "LOGIN"]), "r": Gen.ip, "l": Gen.ip, "x": lambda g: g.hexs(16)}),
        # keepalived (VRRP)
        (15, "Keepalived_vrrp[{p}]: ({v}) Entering MASTER STATE", {"p": pid, "v": pick(VRRP)}),
        (15, "Keepalived_vrrp[{p}]: ({v}) Entering BACKUP STATE", {"p": pid, "v": pick(VRRP)}),
        (20, "Keepalived_vrrp[{p}]: ({v}) Received advert from {i} with lower priority {a}, ours {b}, forcing new election",
         {"p": pid, "v": pick(VRRP), "i": Gen.ip, "a": pick(["90", "100"]), "b": pick(["150", "200"])}),
        # dnsmasq
        (60, "dnsmasq[{p}]: query[{t}] {n} from {i}", {"p": pick(["811", "1204"]), "t": pick(DNS_QTYPES), "n": pick(DNS_NAMES), "i": Gen.ip}),
        (50, "dnsmasq[{p}]: forwarded {n} to {i}", {"p": pick(["811", "1204"]), "n": pick(DNS_NAMES), "i": pick(["1.1.1.1", "10.0.0.2", "8.8.8.8"])}),
        (50, "dnsmasq[{p}]: reply {n} is {i}", {"p": pick(["811", "1204"]), "n": pick(DNS_NAMES), "i": lambda g: g.r.choice([g.ip(), "<CNAME>", "NODATA-IPv6"])}),
        (25, "dnsmasq-dhcp[{p}]: DHCPACK({f}) {i} {m} {h}",
         {"p": pick(["811", "1204"]), "f": pick(["eth0", "br-lan"]), "i": Gen.ip, "m": mac, "h": pick(["laptop-alice", "printer", "nas"])}),
        # OpenVPN
        (30, "{c} MULTI_sva: pool returned IPv4={v}, IPv6=(Not enabled)", {"c": vpn_peer, "v": lambda g: f"10.8.0.{g.r.randint(2, 250)}"}),
        (25, "{c} SIGUSR1[soft,{r}] received, client-instance restarting", {"c": vpn_peer, "r": pick(["ping-restart", "connection-reset"])}),
        (20, "{i}:{p} TLS Error: TLS handshake failed", {"i": Gen.ip, "p": Gen.port}),
        (25, "{c} PUSH: Received control message: 'PUSH_REQUEST'", {"c": vpn_peer}),
        # sudo / PAM
        (40, "sudo:{s}{u} : TTY=pts/{t} ; PWD={w} ; USER=root ; COMMAND={c}",
         {"s": lambda g: " " * g.r.randint(1, 4), "u": pick(SUDO_USERS), "t": lambda g: g.num(0, 9), "w": pick(["/home/alice", "/root", "/srv/app"]), "c": pick(SUDO_CMDS)}),
        (30, "pam_unix(sudo:session): session opened for user root(uid=0) by {u}(uid={i})", {"u": pick(SUDO_USERS), "i": pick(["1000", "1001", "1002"])}),
        # cron
        (40, "CRON[{p}]: ({u}) CMD ({c})", {"p": pid, "u": pick(["root", "www-data"]), "c": pick(CRON_CMDS)}),
        (30, "pam_unix(cron:session): session closed for user {u}", {"u": pick(["root", "www-data"])}),
    ]


# CloudPlatform: written before any rule change of the seventh issue-15 pass, scored once.
PROXY_SVCS = [("default", "kubernetes", "https"), ("shop", "web", "http"), ("shop", "api", "grpc"), ("kube-system", "kube-dns", "dns-tcp")]
LB_POOLS = ["default", "public", "internal"]
LB_SVCS = ["shop/web", "ingress-nginx/ingress-nginx-controller", "monitoring/grafana"]
LB_NODES = ["worker-1", "worker-2", "worker-3"]
FLUX_KUSTOMIZATIONS = ["apps", "infrastructure", "flux-system"]
FLUX_OBJECTS = ["Deployment/shop/web", "Service/shop/web", "ConfigMap/shop/web-config", "HorizontalPodAutoscaler/shop/web",
                "Namespace/monitoring", "HelmRelease/monitoring/kube-prometheus-stack"]
FLUX_ACTIONS = ["configured", "unchanged", "created"]
FLUX_COMMITS = ["Merge pull request #412 from acme/bump-web", "chore: update podinfo to 6.5.4", "fix(apps): raise memory limit"]
GK_CONSTRAINTS = [("K8sRequiredLabels", "must-have-owner"), ("K8sAllowedRepos", "allowed-registries"),
                  ("K8sContainerLimits", "container-must-have-limits")]
GK_RESOURCES = [("Pod", "v1", ""), ("Deployment", "v1", "apps"), ("Namespace", "v1", "")]
GK_USERS = ["kubernetes-admin", "system:serviceaccount:argocd:argocd-application-controller", "alice@acme.io"]
ARGO_NS = ["argo", "ci"]
ARGO_WFS = ["build-image", "nightly-etl", "hello-world"]
ARGO_WF_PHASES = [("Pending", "Running"), ("Running", "Succeeded"), ("Running", "Failed"), ("Running", "Error")]
ARGO_NODE_PHASES = [("Pending", "Running"), ("Running", "Succeeded"), ("Running", "Failed"), ("Pending", "Error"), ("Running", "Error")]
ARGO_STEPS = ["checkout", "build", "push", "notify"]
TEKTON_KINDS = [("taskrun", "TaskRun"), ("pipelinerun", "PipelineRun")]
TEKTON_RUNS = ["build-web", "test-api", "release"]
TEKTON_ERRORS = ['failed to create task run pod \\"build-web-x2k9p-pod\\": pods \\"build-web-x2k9p-pod\\" is forbidden: exceeded quota: compute-resources',
                 "context deadline exceeded", 'Operation cannot be fulfilled on taskruns.tekton.dev \\"test-api-7fq2d\\": the object has been modified; please apply your changes to the latest version and try again']
ALB_GROUPS = ["shop/web", "shop/api", "monitoring/grafana"]
THANOS_CALLERS = ["fetcher.go:478", "fetcher.go:557"]
LOGSTASH_PIPELINES = ["main", "beats", "kafka-ingest"]
LOGSTASH_HOSTS = ["es-data-0", "es-data-1", "elasticsearch-master"]
FLUENTD_PLUGINS = ["out_es", "out_s3"]
FLUENTD_ERRORS = [("Fluent::Plugin::ElasticsearchOutput::RecoverableRequestFailure",
                   "could not push logs to Elasticsearch cluster ({:host=>\\\"elasticsearch\\\", :port=>9200, :scheme=>\\\"http\\\"}): read timeout reached"),
                  ("Errno::ECONNREFUSED", "Connection refused - connect(2) for 10.0.4.17:9200 (Errno::ECONNREFUSED)"),
                  ("Aws::S3::Errors::SlowDown", "Please reduce your request rate.")]
SENTINEL_MASTERS = ["mymaster", "cache"]
GALERA_NODES = ["galera-0", "galera-1", "galera-2"]
GALERA_SHIFTS = [("OPEN", "PRIMARY"), ("PRIMARY", "JOINER"), ("JOINER", "JOINED"), ("JOINED", "SYNCED"), ("SYNCED", "DONOR/DESYNCED"),
                 ("DONOR/DESYNCED", "JOINED")]
SOLR_CORES = [("products", "shard1", "1"), ("products", "shard2", "3"), ("logs", "shard1", "5")]
SOLR_PARAMS = ["q=*:*", "q=name:phone", "fq=category:books", "rows=10", "start=20", "wt=json", "sort=price+asc", "fl=id,name,price"]
NM_IFACES = ["eth0", "wlp2s0", "enp0s31f6"]
NM_STATES = ["unavailable", "disconnected", "prepare", "config", "ip-config", "ip-check", "secondaries", "activated", "deactivating", "disconnected"]
NM_CHANGES = [*pairwise(NM_STATES), ("ip-config", "failed"), ("failed", "disconnected")]
NM_REASONS = ["none", "user-requested", "carrier-changed", "dependency-failed"]
RESOLVED_SETS = ["UDP+EDNS0+DO", "UDP+EDNS0", "UDP", "TCP"]
PODMAN_EVENTS = ["create", "init", "start", "died", "cleanup", "remove"]
PODMAN_IMAGES = ["docker.io/library/nginx:1.25", "quay.io/prometheus/node-exporter:v1.7.0", "registry.acme.io/batch/etl:2.3.1"]
PODMAN_NAMES = ["web", "node-exporter", "etl-nightly"]
PODMAN_LABELS = ["PODMAN_SYSTEMD_UNIT=container-web.service", "io.buildah.version=1.33.2", "maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>",
                 "org.opencontainers.image.version=2.3.1"]
HARBOR_JOBS = ["GARBAGE_COLLECTION", "IMAGE_SCAN", "REPLICATION", "RETENTION"]


def cloud_events() -> list[tuple[float, str, dict]]:
    """Cloud-native controllers, agents and data services none of the other corpora covers:
    kube-proxy, MetalLB, Flux, OPA Gatekeeper, Argo Workflows, Tekton, AWS Load Balancer
    Controller, Thanos, Logstash, Fluentd, Redis Sentinel, MariaDB Galera, Apache Solr,
    NetworkManager, systemd-resolved, Podman, Harbor. Written before any rule change of the
    seventh issue-15 pass and scored once (held-out check)."""

    def klog_day(g: Gen) -> str:
        return g.r.choice(["1203", "1204"])

    def klog_time(g: Gen) -> str:
        return f"{hms(g)}.{g.num(0, 999999):0>6}"

    def godur(g: Gen) -> str:
        # Go's time.Duration.String(): µs below 1ms, ms below 1s, then seconds
        return g.r.choice([f"{g.flt(6, 999)}ms", f"{g.r.uniform(1, 9):.6f}s", f"{g.flt(3, 999)}µs"])

    def epoch_f(g: Gen) -> str:
        return f"1764{g.r.randint(720000, 806399)}.{g.num(0, 9999999):0>7}"

    def uid(g: Gen) -> str:
        return g.uuid()

    def ulid(g: Gen) -> str:
        return "01J" + "".join(g.r.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(23))

    def port_name(g: Gen) -> str:
        ns, svc, port = g.r.choice(PROXY_SVCS)
        return f"{ns}/{svc}:{port}"

    def svc_port(g: Gen) -> str:
        return f"10.96.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}:{g.r.choice(['443', '80', '9090', '53'])}/{g.r.choice(['TCP', 'UDP'])}"

    def lb_ips(g: Gen) -> str:
        ips = [f'"192.168.10.{g.r.randint(200, 250)}"']
        if g.r.random() < 0.4:
            ips.append(f'"fd00:10::{g.hexs(2)}"')
        return ",".join(ips)

    def flux_output(g: Gen) -> str:
        objs = g.r.sample(FLUX_OBJECTS, g.r.randint(1, 4))
        return ",".join(f'"{o}":"{g.r.choice(FLUX_ACTIONS)}"' for o in objs)

    def sha(g: Gen) -> str:
        return g.hexs(40)

    def gk_resource(g: Gen) -> str:
        g.drawn = g.r.choice(GK_RESOURCES)
        return g.drawn[2]

    def gk_resource_ns(g: Gen) -> str:
        return "" if g.drawn[0] == "Namespace" else g.r.choice(NS)

    wf: dict[str, str] = {}  # the workflow (and step) of the line being rendered

    def wf_name(g: Gen) -> str:
        wf["name"] = f"{g.r.choice(ARGO_WFS)}-{g.hexs(5)}"
        return wf["name"]

    def wf_node(g: Gen) -> str:
        return f"{wf_name(g)}-{g.num(100000000, 4294967295)}"

    def wf_pod(g: Gen) -> str:
        wf["step"] = g.r.choice(ARGO_STEPS)
        return f"{wf_name(g)}[{g.r.randint(0, 2)}].{wf['step']}"

    def wf_podname(g: Gen) -> str:
        return f"{wf['name']}-{wf['step']}-{g.num(100000000, 4294967295)}"

    def wf_same(g: Gen) -> str:
        return wf["name"]

    def tekton_key(g: Gen) -> str:
        return f"{g.r.choice(['default', 'ci'])}/{g.r.choice(TEKTON_RUNS)}-{g.hexs(5)}"

    def tg_arn(g: Gen) -> str:
        ns, svc = g.r.choice(ALB_GROUPS).split("/")
        return f"arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/k8s-{ns[:8]}-{svc[:8]}-{g.hexs(10)}/{g.hexs(16)}"

    def targets(g: Gen) -> str:
        port = g.r.choice(["8080", "3000"])
        return ",".join(f'{{"AvailabilityZone":null,"Id":"{g.ip()}","Port":{port}}}' for _ in range(g.r.randint(1, 4)))

    def ls_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)},{g.num(100, 999)}"

    def ls_pipelines(g: Gen) -> str:
        g.drawn = tuple(g.r.sample(LOGSTASH_PIPELINES, g.r.randint(1, 3)))
        return str(len(g.drawn))

    def ls_running(g: Gen) -> str:
        return ", ".join(f":{p}" for p in g.drawn)

    def container_log(g: Gen) -> str:
        c = g.r.choice(CONTAINERS)
        return f"/var/log/containers/{g.pod()}_{g.r.choice(NS)}_{c}-{g.hexs(64)}.log"

    def sentinel_master(g: Gen) -> str:
        g.drawn = (g.r.choice(SENTINEL_MASTERS), f"10.0.5.{g.r.randint(10, 14)}")
        return g.drawn[0]

    def galera_hdr(g: Gen) -> str:
        return f"2026-12-03 {hms(g)} {g.r.choice(['0', '2', g.num(3, 900)])}"

    def solr_hdr(g: Gen) -> str:
        col, shard, node = g.r.choice(SOLR_CORES)
        g.drawn = (f"{col}_{shard}_replica_n{int(node) + 1}",)
        return f"2026-12-03 {hms(g)}.{g.num(100, 999)} INFO  (qtp{g.r.choice(['1997287019', '611563982'])}-{g.num(10, 99)}) [c:{col} s:{shard} r:core_node{node} x:{g.drawn[0]}]"

    def solr_params(g: Gen) -> str:
        return "&".join(g.r.sample(SOLR_PARAMS, g.r.randint(1, 4)))

    def solr_docs(g: Gen) -> str:
        return ", ".join(f"{g.r.choice(['sku', 'doc'])}-{g.num(1, 99999)} (18{g.num(10**16, 10**17 - 1)})" for _ in range(g.r.randint(1, 4)))

    def nm_ts(g: Gen) -> str:
        return f"1764{g.r.randint(720000, 806399)}.{g.num(0, 9999):0>4}"

    def podman_labels(g: Gen) -> str:
        return ", ".join(g.r.sample(PODMAN_LABELS, g.r.randint(1, 3)))

    return [
        # kube-proxy (klog header, structured InfoS)
        (70, 'I{d} {t}       1 proxier.go:1519] "SyncProxyRules complete" elapsed="{e}"', {"d": klog_day, "t": klog_time, "e": godur}),
        (50, 'I{d} {t}       1 proxier.go:1491] "Reloading service iptables data" numServices={a} numEndpoints={b} numFilterChains={c} numFilterRules={f} numNATChains={h} numNATRules={k}',
         {"d": klog_day, "t": klog_time, "a": lambda g: g.num(10, 90), "b": lambda g: g.num(10, 300), "c": pick(["4", "6"]),
          "f": lambda g: g.num(3, 12), "h": lambda g: g.num(10, 400), "k": lambda g: g.num(20, 900)}),
        (30, 'I{d} {t}       1 servicechangetracker.go:166] "Adding new service port" portName="{p}" servicePort="{s}"',
         {"d": klog_day, "t": klog_time, "p": port_name, "s": svc_port}),
        (25, 'I{d} {t}       1 servicechangetracker.go:163] "Updating existing service port" portName="{p}" servicePort="{s}"',
         {"d": klog_day, "t": klog_time, "p": port_name, "s": svc_port}),
        (20, 'I{d} {t}       1 servicechangetracker.go:175] "Removing service port" portName="{p}"',
         {"d": klog_day, "t": klog_time, "p": port_name}),
        # MetalLB (go-kit JSON, keys sorted)
        (50, '{{"caller":"main.go:409","event":"serviceAnnounced","ips":[{i}],"level":"info","msg":"service has IP, announcing","pool":"{p}","protocol":"layer2","ts":"{t}"}}',
         {"i": lb_ips, "p": pick(LB_POOLS), "t": ts}),
        (25, '{{"caller":"main.go:446","event":"serviceWithdrawn","ip":[{i}],"level":"info","msg":"withdrawing service announcement","pool":"{p}","reason":"{r}","ts":"{t}"}}',
         {"i": lb_ips, "p": pick(LB_POOLS), "r": pick(["serviceDeleted", "notOwner", "noIPAllocated"]), "t": ts}),
        (25, '{{"caller":"service.go:151","event":"ipAllocated","ip":[{i}],"level":"info","msg":"IP address assigned by controller","service":"{s}","ts":"{t}"}}',
         {"i": lb_ips, "s": pick(LB_SVCS), "t": ts}),
        (15, '{{"caller":"logger.go:44","level":"info","msg":"memberlist: Suspect {n} has failed, no acks received","ts":"{t}"}}',
         {"n": pick(LB_NODES), "t": ts}),
        # Flux (controller-runtime zap JSON)
        (50, '{{"level":"info","ts":"{t}","msg":"Reconciliation finished in {d}, next run in {n}","controller":"kustomization","controllerGroup":"kustomize.toolkit.fluxcd.io","controllerKind":"Kustomization","Kustomization":{{"name":"{k}","namespace":"flux-system"}},"namespace":"flux-system","name":"{k2}","reconcileID":"{u}","revision":"main@sha1:{r}"}}',
         {"t": ts, "d": godur, "n": pick(["10m0s", "1h0m0s", "5m0s"]), "k": first([(k,) for k in FLUX_KUSTOMIZATIONS]), "k2": then(0), "u": uid, "r": sha}),
        (35, '{{"level":"info","ts":"{t}","msg":"server-side apply completed","controller":"kustomization","controllerGroup":"kustomize.toolkit.fluxcd.io","controllerKind":"Kustomization","Kustomization":{{"name":"{k}","namespace":"flux-system"}},"namespace":"flux-system","name":"{k2}","reconcileID":"{u}","output":{{{o}}}}}',
         {"t": ts, "k": first([(k,) for k in FLUX_KUSTOMIZATIONS]), "k2": then(0), "u": uid, "o": flux_output}),
        (25, '{{"level":"info","ts":"{t}","msg":"stored artifact for commit \'{c}\'","controller":"gitrepository","controllerGroup":"source.toolkit.fluxcd.io","controllerKind":"GitRepository","GitRepository":{{"name":"{k}","namespace":"flux-system"}},"namespace":"flux-system","name":"{k2}","reconcileID":"{u}"}}',
         {"t": ts, "c": pick(FLUX_COMMITS), "k": first([("flux-system",), ("platform-charts",)]), "k2": then(0), "u": uid}),
        (40, '{{"level":"info","ts":"{t}","msg":"no changes since last reconcilation: observed revision \'main@sha1:{r}\'","controller":"gitrepository","controllerGroup":"source.toolkit.fluxcd.io","controllerKind":"GitRepository","GitRepository":{{"name":"{k}","namespace":"flux-system"}},"namespace":"flux-system","name":"{k2}","reconcileID":"{u}"}}',
         {"t": ts, "r": sha, "k": first([("flux-system",), ("platform-charts",)]), "k2": then(0), "u": uid}),
        # OPA Gatekeeper (zap JSON)
        (45, '{{"level":"info","ts":{t},"logger":"webhook","msg":"denied admission","process":"admission","event_type":"violation","constraint_name":"{cn}","constraint_group":"constraints.gatekeeper.sh","constraint_api_version":"v1beta1","constraint_kind":"{ck}","constraint_action":"deny","resource_group":"{rg}","resource_api_version":"{rv}","resource_kind":"{rk}","resource_namespace":"{rn}","resource_name":"{nm}","request_username":"{u}"}}',
         {"t": epoch_f, "cn": first([(n, k) for k, n in GK_CONSTRAINTS]), "ck": then(1),
          "rg": gk_resource, "rv": then(1), "rk": then(0),
          "rn": gk_resource_ns, "nm": lambda g: g.pod() if g.drawn[0] == "Pod" else g.r.choice(APPS), "u": pick(GK_USERS)}),
        (20, '{{"level":"info","ts":{t},"logger":"controller","msg":"audit results for constraint","process":"audit","audit_id":"{a}","event_type":"constraint_audited","constraint_group":"constraints.gatekeeper.sh","constraint_api_version":"v1beta1","constraint_kind":"{ck}","constraint_name":"{cn}","constraint_action":"{ac}","constraint_status":"enforced","constraint_violations":"{v}"}}',
         {"t": epoch_f, "a": lambda g: f"2026-12-03T{hms(g)}Z", "ck": first(GK_CONSTRAINTS), "cn": then(1), "ac": pick(["deny", "warn", "dryrun"]),
          "v": lambda g: g.num(0, 40)}),
        # Argo Workflows controller (logrus text, fields sorted)
        (50, 'time="{t}" level=info msg="Processing workflow" Phase={p} ResourceVersion={r} namespace={ns} workflow={w}',
         {"t": lambda g: f"2026-12-03T{hms(g)}.{g.num(100, 999)}Z", "p": pick(["", "Pending", "Running"]), "r": lambda g: g.num(100000, 9999999),
          "ns": pick(ARGO_NS), "w": lambda g: f"{g.r.choice(ARGO_WFS)}-{g.hexs(5)}"}),
        (35, 'time="{t}" level=info msg="Updated phase {a} -> {b}" namespace={ns} workflow={w}',
         {"t": lambda g: f"2026-12-03T{hms(g)}.{g.num(100, 999)}Z", "a": first(ARGO_WF_PHASES), "b": then(1),
          "ns": pick(ARGO_NS), "w": lambda g: f"{g.r.choice(ARGO_WFS)}-{g.hexs(5)}"}),
        (40, 'time="{t}" level=info msg="node {n} phase {a} -> {b}" namespace={ns} workflow={w}',
         {"t": lambda g: f"2026-12-03T{hms(g)}.{g.num(100, 999)}Z", "n": wf_node,
          "a": first(ARGO_NODE_PHASES), "b": then(1), "ns": pick(ARGO_NS), "w": wf_same}),
        (30, 'time="{t}" level=info msg="Created pod: {n} ({p})" namespace={ns} workflow={w}',
         {"t": lambda g: f"2026-12-03T{hms(g)}.{g.num(100, 999)}Z", "n": wf_pod,
          "p": wf_podname, "ns": pick(ARGO_NS), "w": wf_same}),
        # Tekton Pipelines controller (knative zap JSON)
        (45, '{{"severity":"info","timestamp":"{t}","logger":"tekton-pipelines-controller","caller":"controller/controller.go:550","message":"Reconcile succeeded","commit":"3f8b9e1","knative.dev/pod":"tekton-pipelines-controller-7c9d8f6b5-{p}","knative.dev/controller":"github.com.tektoncd.pipeline.pkg.reconciler.{k}.Reconciler","knative.dev/kind":"tekton.dev.{K}","knative.dev/traceid":"{u}","knative.dev/key":"{key}","duration":{d}}}',
         {"t": ts, "p": pick(["x2k9p", "q7m1z"]), "k": first(TEKTON_KINDS), "K": then(1), "u": uid, "key": tekton_key, "d": lambda g: g.flt(9, 2)}),
        (20, '{{"severity":"error","timestamp":"{t}","logger":"tekton-pipelines-controller","caller":"controller/controller.go:566","message":"Reconcile error","commit":"3f8b9e1","knative.dev/pod":"tekton-pipelines-controller-7c9d8f6b5-{p}","knative.dev/controller":"github.com.tektoncd.pipeline.pkg.reconciler.{k}.Reconciler","knative.dev/kind":"tekton.dev.{K}","knative.dev/traceid":"{u}","knative.dev/key":"{key}","duration":{d},"error":"{e}"}}',
         {"t": ts, "p": pick(["x2k9p", "q7m1z"]), "k": first(TEKTON_KINDS), "K": then(1), "u": uid, "key": tekton_key, "d": lambda g: g.flt(9, 2),
          "e": pick(TEKTON_ERRORS)}),
        # AWS Load Balancer Controller (zap JSON)
        (40, '{{"level":"info","ts":"{t}","logger":"controllers.ingress","msg":"successfully deployed model","ingressGroup":"{i}"}}',
         {"t": ts, "i": pick(ALB_GROUPS)}),
        (30, '{{"level":"info","ts":"{t}","msg":"registering targets","arn":"{a}","targets":[{x}]}}', {"t": ts, "a": tg_arn, "x": targets}),
        (25, '{{"level":"info","ts":"{t}","msg":"deregistering targets","arn":"{a}","targets":[{x}]}}', {"t": ts, "a": tg_arn, "x": targets}),
        (15, '{{"level":"info","ts":"{t}","logger":"controllers.ingress","msg":"creating targetGroup","stackID":"{s}","resourceID":"{s2}-{v}:{p}"}}',
         {"t": ts, "s": first([(a,) for a in ALB_GROUPS]), "s2": then(0), "v": pick(["web", "api", "grafana"]), "p": pick(["80", "8080", "http"])}),
        # Thanos (go-kit logfmt)
        (45, 'level=info ts={t} caller={c} component=block.BaseFetcher msg="successfully synchronized block metadata" duration={d} duration_ms={m} cached={a} returned={b} partial={p}',
         {"t": ts, "c": pick(THANOS_CALLERS), "d": godur, "m": lambda g: g.num(0, 9000), "a": lambda g: g.num(10, 900), "b": lambda g: g.num(10, 900),
          "p": lambda g: g.num(0, 3)}),
        (25, 'level=info ts={t} caller=shipper.go:334 msg="upload new block" id={u}', {"t": ts, "u": ulid}),
        (15, 'level=info ts={t} caller=compact.go:1298 msg="start sync of metas"', {"t": ts}),
        (15, 'level=info ts={t} caller=clean.go:34 msg="deleted aborted partial upload" block={u} thresholdAge=48h0m0s', {"t": ts, "u": ulid}),
        # Logstash (log4j2 pattern)
        (30, "[{t}][INFO ][logstash.agent           ] Pipelines running {{:count=>{n}, :running_pipelines=>[{r}], :non_running_pipelines=>[]}}",
         {"t": ls_ts, "n": ls_pipelines, "r": ls_running}),
        (30, '[{t}][WARN ][logstash.outputs.elasticsearch][{p}] Attempted to resurrect connection to dead ES instance, but got an error {{:url=>"http://{h}:9200/", :exception=>LogStash::Outputs::ElasticSearch::HttpClient::Pool::HostUnreachableError, :message=>"Elasticsearch Unreachable: [http://{h2}:9200/][Manticore::SocketException] Connection refused"}}',
         {"t": ls_ts, "p": pick(LOGSTASH_PIPELINES), "h": first([(h,) for h in LOGSTASH_HOSTS]), "h2": then(0)}),
        (20, '[{t}][INFO ][logstash.outputs.elasticsearch][{p}] Restored connection to ES instance {{:url=>"http://{h}:9200/"}}',
         {"t": ls_ts, "p": pick(LOGSTASH_PIPELINES), "h": pick(LOGSTASH_HOSTS)}),
        # Fluentd (td-agent)
        (40, '2026-12-03 {t} +0000 [warn]: #0 [{p}] failed to flush the buffer. retry_times={n} next_retry_time=2026-12-03 {t2} +0000 chunk="{c}" error_class={ec} error="{e}"',
         {"t": hms, "p": pick(FLUENTD_PLUGINS), "n": lambda g: g.num(0, 12), "t2": hms, "c": lambda g: g.hexs(32), "ec": first(FLUENTD_ERRORS), "e": then(1)}),
        (30, "2026-12-03 {t} +0000 [info]: #0 [in_tail_container_logs] following tail of {f}", {"t": hms, "f": container_log}),
        (15, '2026-12-03 {t} +0000 [warn]: #0 [{p}] retry succeeded. chunk_id="{c}"', {"t": hms, "p": pick(FLUENTD_PLUGINS), "c": lambda g: g.hexs(32)}),
        (15, "2026-12-03 {t} +0000 [info]: #0 [in_tail_container_logs] detected rotation of {f}; waiting 5 seconds", {"t": hms, "f": container_log}),
        # Redis Sentinel
        (20, "1:X 03 Dec 2026 {t} # +sdown master {m} {i} 6379", {"t": lambda g: f"{hms(g)}.{g.num(100, 999)}", "m": sentinel_master, "i": then(1)}),
        (15, "1:X 03 Dec 2026 {t} # -sdown master {m} {i} 6379", {"t": lambda g: f"{hms(g)}.{g.num(100, 999)}", "m": sentinel_master, "i": then(1)}),
        (10, "1:X 03 Dec 2026 {t} # +odown master {m} {i} 6379 #quorum {a}/{b}",
         {"t": lambda g: f"{hms(g)}.{g.num(100, 999)}", "m": sentinel_master, "i": then(1), "a": pick(["2", "3"]), "b": pick(["2"])}),
        (10, "1:X 03 Dec 2026 {t} # +switch-master {m} {i} 6379 {j} 6379",
         {"t": lambda g: f"{hms(g)}.{g.num(100, 999)}", "m": sentinel_master, "i": then(1), "j": lambda g: f"10.0.5.{g.r.randint(10, 14)}"}),
        # MariaDB Galera (wsrep)
        (25, "{h} [Note] WSREP: Shifting {a} -> {b} (TO: {n})", {"h": galera_hdr, "a": first(GALERA_SHIFTS), "b": then(1), "n": lambda g: g.num(1000, 9999999)}),
        (15, "{h} [Note] WSREP: Member {i}.0 ({n}) synced with group.", {"h": galera_hdr, "i": pick(["0", "1", "2"]), "n": pick(GALERA_NODES)}),
        (20, "{h} [Note] WSREP: New cluster view: global state: {u}:{s}, view# {v}: {p}, number of nodes: {n}, my index: {i}, protocol version 3",
         {"h": galera_hdr, "u": uid, "s": lambda g: g.num(1000, 9999999), "v": lambda g: g.num(1, 90), "p": pick(["Primary", "Primary", "non-Primary"]),
          "n": pick(["1", "2", "3"]), "i": pick(["0", "1", "2"])}),
        (10, "{h} [Warning] WSREP: last inactive check more than PT1.5S (3*evs.inactive_check_period) ago (PT{x}S), skipping check",
         {"h": galera_hdr, "x": lambda g: g.flt(5, 9)}),
        # Apache Solr (request and update log)
        (55, "{h} o.a.s.c.S.Request [{c}]  webapp=/solr path=/select params={{{p}}} hits={n} status=0 QTime={q}",
         {"h": solr_hdr, "c": then(0), "p": solr_params, "n": lambda g: g.num(0, 90000), "q": lambda g: g.num(0, 400)}),
        (25, "{h} o.a.s.u.p.LogUpdateProcessorFactory [{c}]  webapp=/solr path=/update params={{wt=javabin&version=2}}{{add=[{d}]}} 0 {q}",
         {"h": solr_hdr, "c": then(0), "d": solr_docs, "q": lambda g: g.num(0, 400)}),
        # NetworkManager
        (25, "<info>  [{t}] device ({i}): state change: {a} -> {b} (reason '{r}', sys-iface-state: '{s}')",
         {"t": nm_ts, "i": pick(NM_IFACES), "a": first(NM_CHANGES), "b": then(1), "r": pick(NM_REASONS), "s": pick(["managed", "external", "assume"])}),
        (15, "<info>  [{t}] dhcp4 ({i}): state changed new lease, address={a}", {"t": nm_ts, "i": pick(NM_IFACES), "a": Gen.ip}),
        (10, "<warn>  [{t}] dhcp4 ({i}): request timed out", {"t": nm_ts, "i": pick(NM_IFACES)}),
        # systemd-resolved
        (15, "Using degraded feature set {a} instead of {b} for DNS server {i}.",
         {"a": pick(RESOLVED_SETS[1:]), "b": pick(RESOLVED_SETS[:3]), "i": pick(["10.0.0.2", "1.1.1.1", "192.168.1.1"])}),
        (10, "Grace period over, resuming full feature set ({a}) for DNS server {i}.",
         {"a": pick(RESOLVED_SETS[:2]), "i": pick(["10.0.0.2", "1.1.1.1", "192.168.1.1"])}),
        # Podman (journald events backend)
        (45, "2026-12-03 {t} +0000 UTC m=+{m} container {e} {c} (image={i}, name={n}, {l})",
         {"t": lambda g: f"{hms(g)}.{g.num(0, 999999999):0>9}", "m": lambda g: g.flt(9, 90), "e": pick(PODMAN_EVENTS), "c": lambda g: g.hexs(64),
          "i": pick(PODMAN_IMAGES), "n": pick(PODMAN_NAMES), "l": podman_labels}),
        # Harbor jobservice
        (20, '{t} [INFO] [/jobservice/worker/cworker/c_worker.go:73]: Job incoming: {{"name":"{j}","id":"{i}","t":{e},"args":null}}',
         {"t": lambda g: f"2026-12-03T{hms(g)}Z", "j": pick(HARBOR_JOBS), "i": lambda g: g.hexs(24), "e": lambda g: str(g.r.randint(1764720000, 1764806399))}),
    ]


# RuntimePlatform: written before any rule change of the eighth issue-15 pass, scored once.
# Ground truth, as in the other corpora: one event type per log statement of the software,
# in the format its logger prints; every argument of the statement is one <*> (a list, a map
# or an optional field is one <*>, an empty value is still its <*>); fields of an object
# the statement prints (Go structs, Java toString, JSON/logfmt fields) are one <*> each with
# their keys constant; header fields that vary (time, pid, thread, level when one statement
# logs at several levels, MDC values) are one <*> each; padding a format adds to a value
# (Go's %13v, %-7s) belongs to that value.
RT_NS = ["shop", "payments", "kube-system"]
RT_APPS = ["checkout", "cart", "redis"]
RT_IMAGES = ["registry.k8s.io/pause:3.9", "ghcr.io/acme/checkout:2.4.0", "docker.io/library/redis:7.2.4",
             "quay.io/prometheus/node-exporter:v1.8.1"]
OLLAMA_ROUTES = [("POST", "/api/chat"), ("POST", "/api/chat"), ("POST", "/api/generate"), ("POST", "/api/embed"),
                 ("GET", "/api/tags"), ("GET", "/api/ps"), ("HEAD", "/"), ("POST", "/api/show")]
OLLAMA_MODELS = ["sha256-6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa",
                 "sha256-dde5aa3fc5ffc17176b5e8bdc82f587b24b2678c6c66101bf7da77af9f7ccdff",
                 "sha256-970aa74c0a90ef7482477cf803618e776e173c007bf957f635f1015bfcfef0e6"]
OLLAMA_GPUS = [("GPU-5b1f3c1e-8d2a-4e0b-9f3a-0c6d7e8f9a1b", "9.0", "NVIDIA H100 80GB HBM3", "79.1"),
               ("GPU-a7c2e9d4-1f3b-4c5d-8e6f-7a8b9c0d1e2f", "8.9", "NVIDIA L4", "22.0")]
DAPR_APPS = ["checkout", "cart", "notifier"]
DAPR_COMPONENTS = [("statestore", "state.redis"), ("pubsub", "pubsub.kafka"), ("kubernetes", "secretstores.kubernetes"),
                   ("nightly-cron", "bindings.cron")]
DAPR_TOPICS = ["orders", "payments", "refunds", "inventory-changed"]
KEDA_OBJECTS = [("orders-consumer", "payments", "orders-consumer", "1"), ("email-worker", "shop", "email-worker", "1"),
                ("cart-api-so", "shop", "cart-api", "2")]
ROLLOUTS = [("checkout", "shop"), ("cart-api", "shop"), ("ledger", "payments")]
FPM_POOLS = ["www", "api"]
FPM_SCRIPTS = [("/var/www/html/index.php", "GET", "/index.php"), ("/var/www/html/index.php", "POST", "/index.php?route=checkout/confirm"),
               ("/var/www/html/wp-cron.php", "GET", "/wp-cron.php?doing_wp_cron=1764756733.1234560337066650390625"),
               ("/srv/api/public/index.php", "POST", "/index.php")]
FPM_SIGNALS = [("9", "SIGKILL"), ("11", "SIGSEGV"), ("15", "SIGTERM"), ("3", "SIGQUIT")]
FPM_STDERR = ["NOTICE: PHP message: PHP Warning:  Undefined array key \"HTTP_X_FORWARDED_PROTO\" in /var/www/html/wp-config.php on line 91",
              "NOTICE: PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/html/wp-includes/class-wpdb.php on line 2340",
              "NOTICE: PHP message: PHP Deprecated:  Creation of dynamic property Acme\\Cart::$total is deprecated in /srv/api/src/Cart.php on line 57"]
LARAVEL_JOBS = ["App\\Jobs\\SendOrderConfirmation", "App\\Jobs\\GenerateInvoicePdf", "App\\Listeners\\SyncStockLevels",
                "Illuminate\\Notifications\\SendQueuedNotifications"]
MC_KEYS = ["user:{n}", "session:{h}", "cart:{n}", "product:{n}:price"]
PY_HOSTS = ["api.stripe.com", "hooks.slack.com", "s3.eu-west-1.amazonaws.com"]
PY_INTERNAL = [("orders-api.shop.svc.cluster.local", "8080"), ("localhost", "9200")]
PY_ROUTES = [("https", "api.stripe.com", "443", [("POST", "/v1/charges"), ("GET", "/v1/payment_intents/pi_{h}"), ("POST", "/v1/refunds")]),
             ("https", "hooks.slack.com", "443", [("POST", "/services/T0A1B2C3D/B4E5F6G7H/q8Zk2LwYx3Vb")]),
             ("https", "s3.eu-west-1.amazonaws.com", "443", [("PUT", "/acme-invoices/invoices/{n}.pdf"), ("GET", "/acme-invoices/invoices/{n}.pdf")]),
             ("http", "orders-api.shop.svc.cluster.local", "8080", [("GET", "/api/v1/orders/{n}"), ("PATCH", "/api/v1/orders/{n}")]),
             ("http", "localhost", "9200", [("POST", "/_bulk"), ("POST", "/logs-2026.12.03/_search?size=100")])]
PY_ERRORS = ["NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f{h}>: Failed to establish a new connection: [Errno 111] Connection refused')",
             "ReadTimeoutError(\"{pool}(host='{host}', port={port}): Read timed out. (read timeout=10)\")",
             "ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"]
WERKZEUG_PATHS = ["GET /health", "POST /api/predict", "POST /api/predict", "GET /metrics", "GET /static/app.js"]
SERILOG_PATHS = ["/api/orders", "/api/orders/{id}", "/health/ready", "/api/customers/{id}/addresses"]
RUST_PATHS = ["/api/v1/items", "/api/v1/items/{id}", "/health", "/api/v1/items?page={id}"]
DBZ_CONNECTORS = [("MySQL", "dbserver1", "inventory-connector"), ("Postgres", "orders", "orders-cdc")]
TRINO_FAILURES = ["", "", "", " (SYNTAX_ERROR)", " (TABLE_NOT_FOUND)", " (EXCEEDED_TIME_LIMIT)"]
RAY_REQUESTS = ["{'CPU': 1.0}", "{'CPU': 2.0, 'GPU': 1.0}", "{'CPU': 1.0, 'memory': 2147483648.0}", "{'GPU': 1.0}"]
PULSAR_TOPICS = ["persistent://public/default/orders", "persistent://public/default/payments",
                 "persistent://tenant-a/events/clicks-partition-0", "persistent://tenant-a/events/clicks-partition-3"]
PULSAR_SUBS = ["orders-sub", "fraud-check", "clicks-sink"]
XP_RESOURCES = [("vpc.ec2.aws.upbound.io", "vpc-0{h}", "shop-vpc"), ("securitygroup.ec2.aws.upbound.io", "sg-0{h}", "shop-db-sg"),
                ("bucket.s3.aws.upbound.io", "acme-shop-assets-{n}", "shop-assets"), ("instance.rds.aws.upbound.io", "shop-db-{n}", "shop-db")]


def runtime_events() -> list[tuple[float, str, dict]]:
    """Container runtimes, application runtimes and their frameworks none of the other corpora
    covers: CRI-O, Ollama (Gin access lines and slog text), Dapr, KEDA, Argo Rollouts,
    PHP-FPM, Laravel's queue worker, memcached -vv, Python logging (urllib3, werkzeug),
    Serilog (console and rendered compact JSON), Rust tracing-subscriber (tower-http),
    Kafka Connect and Debezium (log4j with MDC), Trino, Ray, Apache Pulsar, Jaeger,
    Crossplane. Written before any rule change of the eighth issue-15 pass and scored once."""

    def ts_ms(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999):0>3}Z"

    def ts_s(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def ts_ns(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999999):0>9}Z"

    def kpod(app: str, g: Gen) -> str:
        alnum = "bcdfghjklmnpqrstvwxz2456789"
        return f"{app}-{''.join(g.r.choice(alnum) for _ in range(g.r.choice([9, 10])))}-{''.join(g.r.choice(alnum) for _ in range(5))}"

    def go_duration(ns: int) -> str:
        # Go's time.Duration.String(): trailing zeros trimmed, µs below 1ms, ms below 1s
        def frac(v: int, unit: int) -> str:
            whole, rest = divmod(v, unit)
            digits = f"{rest:0>{len(str(unit)) - 1}}".rstrip("0")
            return f"{whole}.{digits}" if digits else str(whole)
        if ns < 1_000_000:
            return frac(ns, 1000) + "µs"
        if ns < 1_000_000_000:
            return frac(ns, 1_000_000) + "ms"
        minutes, rest = divmod(ns, 60_000_000_000)
        return (f"{minutes}m" if minutes else "") + frac(rest, 1_000_000_000) + "s"

    # CRI-O (logrus text, fields sorted)
    def crio_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999999999):0>9}Z"

    def crio_desc(suffix: str | None):
        def f(g: Gen) -> str:
            ns, app = g.r.choice(RT_NS), g.r.choice(RT_APPS)
            c = suffix or g.r.choice([app, app, "istio-proxy", "daprd"])
            return f"{ns}/{kpod(app, g)}/{c}"
        return f

    def hex64(g: Gen) -> str:
        return g.hexs(64)

    # Ollama (Gin's default formatter without colours, slog text handler)
    def gin_route(g: Gen) -> str:
        g.drawn = g.r.choice(OLLAMA_ROUTES)
        p = g.drawn[1]
        status = g.r.choice(["200"] * 8 + ["400", "500"] + (["404"] * 4 if p == "/api/show" else []))
        slow = p in ("/api/chat", "/api/generate")
        ns = g.r.randint(200_000_000, 95_000_000_000) if slow and g.r.random() < 0.8 else g.r.randint(20_000, 900_000_000)
        lat = go_duration(ns)
        return f"{status:>3} | {lat:>13}"

    def gin_ip(g: Gen) -> str:
        return f"{g.r.choice(['127.0.0.1', '127.0.0.1', g.ip()]):>15}"

    def gin_method(g: Gen) -> str:
        return f"{g.drawn[0]:<7}"

    def ollama_gpu(g: Gen) -> str:
        if g.r.random() < 0.3:
            g.drawn = ("0", "cpu", "avx2", '""', "0.0", "", f"{g.r.uniform(30, 250):.1f}")
        else:
            gid, cc, name, total = g.r.choice(OLLAMA_GPUS)
            g.drawn = (gid, "cuda", "v12", cc, "12.4", name, total)
        return g.drawn[0]

    # Dapr (logrus text)
    def dapr_topics(g: Gen) -> str:
        return " ".join(g.r.sample(DAPR_TOPICS, g.r.choice([0, 1, 1, 2, 2, 3, 4])))

    def dapr_app(g: Gen) -> str:
        g.drawn = (g.r.choice(DAPR_APPS),)
        return g.drawn[0]

    def dapr_instance(g: Gen) -> str:
        return kpod(g.drawn[0], g)

    # Argo Rollouts: Go's time.Time String() with the monotonic reading
    clock: dict[str, str] = {}  # the time of the line being rendered, for fields that repeat it

    def ts_s_kept(g: Gen) -> str:
        clock["hms"] = hms(g)
        return f"2026-12-03T{clock['hms']}Z"

    def go_now(g: Gen) -> str:
        return f"2026-12-03 {clock['hms']}.{g.num(0, 999999999):0>9} +0000 UTC m=+{g.r.uniform(10, 900000):.9f}"

    def go_float(g: Gen) -> str:
        # strconv's shortest form, as logrus prints a float64 field
        return repr(round(g.r.uniform(1, 300), 6))

    def rollout_now(g: Gen) -> str:
        g.drawn = g.r.choice(ROLLOUTS)
        return go_now(g)

    # PHP-FPM
    def fpm_ts(g: Gen) -> str:
        return f"03-Dec-2026 {hms(g)}"

    def fpm_uptime(g: Gen) -> str:
        # "%ld.%06d": one time value printed in two parts, one <*>
        return f"{g.r.randint(0, 90000)}.{g.num(0, 999999):0>6}"

    def fpm_exit(g: Gen) -> str:
        # fpm_children.c builds "with code %d" or "on signal %d (%s%s)" and logs it as one %s;
        # NOTICE for a clean exit or SIGQUIT, WARNING otherwise
        if g.r.random() < 0.75:
            code = g.r.choice(["0", "0", "0", "255"])
            g.drawn = ("NOTICE" if code == "0" else "WARNING", f"with code {code}")
        else:
            n, name = g.r.choice(FPM_SIGNALS)
            core = " - core dumped" if name == "SIGSEGV" and g.r.random() < 0.5 else ""
            g.drawn = ("NOTICE" if name == "SIGQUIT" else "WARNING", f"on signal {n} ({name}{core})")
        return g.drawn[0]

    # memcached -vv
    def mc_fd(g: Gen) -> str:
        return str(g.r.randint(26, 41))

    def mc_key(g: Gen) -> str:
        return g.r.choice(MC_KEYS).replace("{n}", g.num(1, 99999)).replace("{h}", g.hexs(16))

    # Python logging
    def py_route(g: Gen) -> str:
        scheme, host, port, calls = g.r.choice(PY_ROUTES)
        method, url = g.r.choice(calls)
        g.drawn = (scheme, host, port, method, url.replace("{h}", g.hexs(24)).replace("{n}", g.num(1000, 99999)))
        return scheme


    def py_err(g: Gen) -> str:
        py_route(g)
        pool = "HTTPSConnectionPool" if g.drawn[0] == "https" else "HTTPConnectionPool"
        conn = "HTTPSConnection" if g.drawn[0] == "https" else "HTTPConnection"
        return (g.r.choice(PY_ERRORS).replace("{h}", g.hexs(9)).replace("{host}", g.drawn[1]).replace("{port}", g.drawn[2])
                .replace("{pool}", pool).replace("HTTPSConnection object", f"{conn} object"))

    def retry(g: Gen) -> str:
        return f"Retry(total={g.r.randint(0, 2)}, connect=None, read=None, redirect=None, status=None)"

    # Serilog
    def serilog_path(g: Gen) -> str:
        return g.r.choice(SERILOG_PATHS).replace("{id}", g.num(1, 99999))

    def serilog_level(g: Gen) -> str:
        g.drawn = (g.r.choice(["200", "200", "200", "201", "204", "400", "404", "500"]),)
        return "ERR" if g.drawn[0] == "500" else "INF"

    def elapsed4(g: Gen) -> str:
        g.drawn = (*g.drawn, f"{g.r.uniform(0.2, 900):.7f}")
        return f"{float(g.drawn[-1]):.4f}"

    def clef_request(g: Gen) -> str:
        g.drawn = (g.r.choice(METHODS), serilog_path(g), g.r.choice(["200", "200", "201", "204", "404", "500"]), f"{g.r.uniform(0.2, 900):.7f}")
        return g.drawn[0]

    def connection_id(g: Gen) -> str:
        g.drawn = ("0HN8" + "".join(g.r.choice("0123456789ABCDEFGHIJKLMNOPQRSTUV") for _ in range(9)),)
        return g.drawn[0]

    # Rust tower-http under tracing-subscriber's default fmt layer
    def rust_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def rust_span(g: Gen) -> str:
        g.drawn = (g.r.choice(["GET", "GET", "GET", "POST", "DELETE"]),)
        return g.drawn[0]

    def rust_status(g: Gen) -> str:
        return g.r.choice({"GET": ["200", "200", "200", "404"], "POST": ["201", "201", "422"], "DELETE": ["204", "404"]}[g.drawn[0]])

    def rust_uri(g: Gen) -> str:
        return g.r.choice(RUST_PATHS).replace("{id}", g.num(1, 9999))

    # Debezium image (log4j: %d %-5p  %X{dbz.connectorType}|%X{dbz.connectorName}|%X{dbz.connectorContext}  %m   [%c])
    def dbz_mdc(context_odds: float, contexts: list[str]):
        # dbz.connectorType, dbz.connectorName, dbz.connectorContext: set on Debezium's threads only
        def f(g: Gen) -> str:
            kind, server, connector = g.r.choice(DBZ_CONNECTORS)
            mdc = (kind, server, g.r.choice(contexts)) if g.r.random() < context_odds else ("", "", "")
            g.drawn = (kind, server, connector, *mdc)
            return mdc[0]
        return f

    def dbz_offset(g: Gen) -> str:
        if g.drawn[0] == "MySQL":
            keys = [f"ts_sec={g.r.randint(1764720000, 1764806399)}", f"file=mysql-bin.{g.num(1, 12):0>6}", f"pos={g.num(100, 9000000)}"]
            if g.r.random() < 0.6:
                keys += ["row=1", "server_id=223344", f"event={g.r.randint(1, 4)}"]
            if g.r.random() < 0.3:
                keys.insert(0, "transaction_id=null")
            return "{" + ", ".join(keys) + "}"
        lsn = g.num(20000000, 90000000)
        return f"{{lsn_proc={lsn}, messageType={g.r.choice(['INSERT', 'UPDATE', 'DELETE'])}, lsn_commit={lsn}, lsn={lsn}, txId={g.num(500, 9000)}, ts_usec={g.r.randint(1764720000, 1764806399)}{g.num(0, 999999):0>6}}}"

    def hhmmss_ms(g: Gen) -> str:
        return f"00:{g.r.randint(0, 20):02d}:{g.r.randint(0, 59):02d}.{g.num(0, 999):0>3}"

    # Trino: one query's timeline (begin + elapsed = end = the line's time; phases add up to elapsed)
    query: dict[str, str] = {}

    def trino_ts(g: Gen) -> str:
        end_ms = g.r.randint(3_600_000, 86_399_999)
        elapsed = g.r.choice([g.r.randint(8, 900), g.r.randint(900, 90_000), g.r.randint(90_000, 1_800_000)])
        cuts = sorted(g.r.randint(0, elapsed) for _ in range(4))
        planning, waiting, scheduling, running, finishing = (b - a for a, b in pairwise([0, *cuts, elapsed]))

        def iso(ms: int) -> str:
            return f"2026-12-03T{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}Z"

        begin = end_ms - elapsed
        query.update(elapsed=str(elapsed), planning=str(planning), waiting=str(waiting), scheduling=str(scheduling),
                     running=str(running), finishing=str(finishing), begin=iso(begin), end=iso(end_ms),
                     qid=f"20261203_{iso(begin)[11:19].replace(':', '')}_{g.num(0, 99999):0>5}_"
                         + "".join(g.r.choice("abcdefghijkmnpqrstuvwxyz23456789") for _ in range(5)))
        return iso(end_ms + g.r.randint(0, 40))

    def q(field: str):
        return lambda g: query[field]

    def trino_state(g: Gen) -> str:
        g.drawn = (g.r.choice(TRINO_FAILURES),)
        return "FAILED" if g.drawn[0] else "FINISHED"

    # Ray
    def ray_hdr(g: Gen) -> str:
        p = g.num(300, 9000)
        return f"[{java_ts(g)} I {p} {p}]"

    def ray_since(g: Gen) -> str:
        s = g.r.randint(5, 900)
        return f"+{s}s" if s < 60 else f"+{s // 60}m{s % 60}s"

    # Pulsar
    def pulsar_client(g: Gen) -> str:
        g.drawn = (f"/{g.ip()}:{g.port()}",)
        return g.drawn[0]

    # Crossplane (crossplane-runtime managed reconciler, zap console)
    def xp_controller(g: Gen) -> str:
        kind, ext, name = g.r.choice(XP_RESOURCES)
        g.drawn = (kind, ext.replace("{h}", g.hexs(16)).replace("{n}", g.num(1000, 9999)), name)
        return kind

    def xp_requeue(g: Gen) -> str:
        h, m, sec = (int(x) for x in clock["hms"].split(":"))
        total = (h * 3600 + m * 60 + sec + g.r.choice([60, 600])) % 86400
        return f"2026-12-03T{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}Z"

    def xp_ext(empty_odds: float):
        return lambda g: "" if g.r.random() < empty_odds else g.drawn[1]

    hdr = ' id={u} name=/runtime.v1.'
    return [
        # CRI-O
        (90, 'time="{t}" level=info msg="Checking image status: {i}"' + hdr + 'ImageService/ImageStatus',
         {"t": crio_ts, "i": pick(RT_IMAGES), "u": Gen.uuid}),
        (25, 'time="{t}" level=info msg="Running pod sandbox: {d}"' + hdr + 'RuntimeService/RunPodSandbox',
         {"t": crio_ts, "d": crio_desc("POD"), "u": Gen.uuid}),
        (25, 'time="{t}" level=info msg="Ran pod sandbox {h} with infra container: {d}"' + hdr + 'RuntimeService/RunPodSandbox',
         {"t": crio_ts, "h": hex64, "d": crio_desc("POD"), "u": Gen.uuid}),
        (35, 'time="{t}" level=info msg="Creating container: {d}"' + hdr + 'RuntimeService/CreateContainer',
         {"t": crio_ts, "d": crio_desc(None), "u": Gen.uuid}),
        (35, 'time="{t}" level=info msg="Created container {h}: {d}"' + hdr + 'RuntimeService/CreateContainer',
         {"t": crio_ts, "h": hex64, "d": crio_desc(None), "u": Gen.uuid}),
        (35, 'time="{t}" level=info msg="Started container" PID={p} containerID={h} description={d}' + hdr + 'RuntimeService/StartContainer sandboxID={s}',
         {"t": crio_ts, "p": lambda g: g.num(900, 250000), "h": hex64, "d": crio_desc(None), "u": Gen.uuid, "s": hex64}),
        # Ollama
        (150, '[GIN] 2026/12/03 - {t} | {s} | {i} | {m}  "{p}"',
         {"t": hms, "s": gin_route, "i": gin_ip, "m": gin_method, "p": then(1)}),
        (25, 'time={t} level=INFO source=server.go:601 msg="llama runner started in {x} seconds"',
         {"t": ts_ms, "x": lambda g: f"{g.r.uniform(0.8, 40):.2f}"}),
        (12, 'time={t} level=INFO source=types.go:131 msg="inference compute" id={i} library={l} variant={v} compute={c} driver={d} name="{n}" total="{a} GiB" available="{b} GiB"',
         {"t": ts_ms, "i": ollama_gpu, "l": then(1), "v": then(2), "c": then(3), "d": then(4), "n": then(5), "a": then(6),
          "b": lambda g: f"{float(g.drawn[6]) * g.r.uniform(0.6, 0.99):.1f}"}),
        (20, 'time={t} level=INFO source=sched.go:714 msg="new model will fit in available VRAM in single GPU, loading" model=/root/.ollama/models/blobs/{m} gpu={gpu} parallel={p} available={a} required="{r} GiB"',
         {"t": ts_ms, "m": pick(OLLAMA_MODELS), "gpu": lambda g: g.r.choice(OLLAMA_GPUS)[0], "p": pick(["1", "4"]),
          "a": lambda g: str(g.r.randint(20000000000, 84000000000)), "r": lambda g: f"{g.r.uniform(1, 48):.1f}"}),
        # Dapr sidecar
        (20, 'time="{t}" level=info msg="component loaded. name: {n}, type: {k}/v1" app_id={a} instance={i} scope=dapr.runtime type=log ver=1.9.6',
         {"t": ts_ns, "n": first(DAPR_COMPONENTS), "k": then(1), "a": dapr_app, "i": dapr_instance}),
        (20, 'time="{t}" level=info msg="app is subscribed to the following topics: [{l}] through pubsub={p}" app_id={a} instance={i} scope=dapr.runtime type=log ver=1.9.6',
         {"t": ts_ns, "l": dapr_topics, "p": pick(["pubsub", "orders-pubsub"]), "a": dapr_app, "i": dapr_instance}),
        (10, 'time="{t}" level=info msg="dapr initialized. Status: Running. Init Elapsed {x}ms" app_id={a} instance={i} scope=dapr.runtime type=log ver=1.9.6',
         {"t": ts_ns, "x": lambda g: g.num(40, 9000), "a": dapr_app, "i": dapr_instance}),
        # KEDA operator (zap console)
        (35, '{t}\tINFO\tscaleexecutor\tSuccessfully updated ScaleTarget\t{{"scaledobject.Name": "{o}", "scaledObject.Namespace": "{n}", "scaleTarget.Name": "{s}", "Original Replicas Count": {a}, "New Replicas Count": {b}}}',
         {"t": ts_s, "o": first(KEDA_OBJECTS), "n": then(1), "s": then(2), "a": pick(["0"]), "b": then(3)}),
        (45, '{t}\tINFO\tcontroller.scaledobject\tReconciling ScaledObject\t{{"reconciler group": "keda.sh", "reconciler kind": "ScaledObject", "name": "{o}", "namespace": "{n}"}}',
         {"t": ts_s, "o": first(KEDA_OBJECTS), "n": then(1)}),
        # Argo Rollouts controller (logrus text, fields sorted)
        (40, 'time="{t}" level=info msg="Started syncing rollout at ({s})" generation={g} namespace={n} resourceVersion={v} rollout={r}',
         {"t": ts_s_kept, "s": rollout_now, "g": lambda g: g.num(1, 60), "n": then(1), "v": lambda g: g.num(100000, 9999999), "r": then(0)}),
        (40, 'time="{t}" level=info msg="Reconciliation completed" generation={g} namespace={n} resourceVersion={v} rollout={r} time_ms={x}',
         {"t": ts_s, "g": lambda g: g.num(1, 60), "n": first([(n, r) for r, n in ROLLOUTS]), "v": lambda g: g.num(100000, 9999999), "r": then(1),
          "x": go_float}),
        # PHP-FPM master (error_log)
        (40, "[{t}] NOTICE: [pool {p}] child {c} started", {"t": fpm_ts, "p": pick(FPM_POOLS), "c": lambda g: g.num(100, 32000)}),
        (47, "[{t}] {l}: [pool {p}] child {c} exited {x} after {s} seconds from start",
         {"t": fpm_ts, "l": fpm_exit, "p": pick(FPM_POOLS), "c": lambda g: g.num(100, 32000), "x": then(1), "s": fpm_uptime}),
        (20, '[{t}] WARNING: [pool {p}] child {c} said into stderr: "{m}"',
         {"t": fpm_ts, "p": pick(FPM_POOLS), "c": lambda g: g.num(100, 32000), "m": pick(FPM_STDERR)}),
        (15, "[{t}] WARNING: [pool {p}] server reached pm.max_children setting ({n}), consider raising it",
         {"t": fpm_ts, "p": pick(FPM_POOLS), "n": pick(["5", "20", "50"])}),
        (15, "[{t}] WARNING: [pool {p}] seems busy (you may need to increase pm.start_servers, or pm.min/max_spare_servers), spawning {n} children, there are {i} idle, and {a} total children",
         {"t": fpm_ts, "p": pick(FPM_POOLS), "n": pick(["8", "16", "32"]), "i": pick(["0", "0", "1"]), "a": lambda g: g.num(5, 48)}),
        (25, "[{t}] WARNING: [pool {p}] child {c}, script '{s}' (request: \"{m} {u}\") executing too slow ({x} sec), logging",
         {"t": fpm_ts, "p": pick(FPM_POOLS), "c": lambda g: g.num(100, 32000), "s": first(FPM_SCRIPTS), "m": then(1), "u": then(2),
          "x": lambda g: f"{g.r.randint(5, 30)}.{g.num(0, 999999):0>6}"}),
        # Laravel queue worker (php artisan queue:work, Laravel 8 output)
        (55, "[2026-12-03 {t}][{i}] Processing: {j}", {"t": hms, "i": lambda g: g.num(1, 999999), "j": pick(LARAVEL_JOBS)}),
        (50, "[2026-12-03 {t}][{i}] Processed:  {j}", {"t": hms, "i": lambda g: g.num(1, 999999), "j": pick(LARAVEL_JOBS)}),
        (10, "[2026-12-03 {t}][{i}] Failed:     {j}", {"t": hms, "i": lambda g: g.num(1, 999999), "j": pick(LARAVEL_JOBS)}),
        # memcached -vv
        (25, "<{f} new auto-negotiating client connection", {"f": mc_fd}),
        (25, "{f}: Client using the {p} protocol", {"f": mc_fd, "p": pick(["ascii", "ascii", "ascii", "binary"])}),
        (90, ">{f} sending key {k}", {"f": mc_fd, "k": mc_key}),
        (60, ">{f} END", {"f": mc_fd}),
        (25, "<{f} connection closed.", {"f": mc_fd}),
        # Python logging, basicConfig's default format (urllib3, werkzeug)
        (25, "DEBUG:urllib3.connectionpool:Starting new HTTPS connection ({n}): {h}:{p}",
         {"n": pick(["1", "1", "1", "2", "3"]), "h": pick(PY_HOSTS), "p": pick(["443"])}),
        (15, "DEBUG:urllib3.connectionpool:Starting new HTTP connection ({n}): {h}:{p}",
         {"n": pick(["1", "1", "2"]), "h": first(PY_INTERNAL), "p": then(1)}),
        (100, 'DEBUG:urllib3.connectionpool:{s}://{h}:{p} "{m} {u} {v}" {c} {n}',
         {"s": py_route, "h": then(1), "p": then(2), "m": then(3), "u": then(4), "v": pick(["HTTP/1.1"]),
          "c": pick(["200", "200", "200", "201", "400", "402", "404", "429", "503"]),
          "n": lambda g: g.r.choice(["None", g.num(2, 90000)])}),
        (20, "WARNING:urllib3.connectionpool:Retrying ({r}) after connection broken by '{e}': {u}", {"r": retry, "e": py_err, "u": then(4)}),
        (60, 'INFO:werkzeug:{i} - - [03/Dec/2026 {t}] "{q}" {c} {s}',
         {"i": lambda g: g.r.choice(["127.0.0.1", g.ip()]), "t": hms,
          "q": lambda g: f"{g.r.choice(WERKZEUG_PATHS)} HTTP/1.1", "c": pick(["200", "200", "200", "304", "400", "500"]),
          "s": pick(["-"])}),
        # Serilog: console sink (default output template) and the rendered compact JSON formatter
        (80, "[{t} {l}] HTTP {m} {p} responded {s} in {e} ms",
         {"t": hms, "l": serilog_level, "m": pick(METHODS), "p": serilog_path, "s": then(0), "e": elapsed4}),
        (60, '{{"@t":"{t}","@m":"HTTP \\"{m}\\" \\"{p}\\" responded {s} in {e} ms","@i":"62d0885c",{l}"RequestMethod":"{m2}","RequestPath":"{p2}","StatusCode":{s2},"Elapsed":{x},"SourceContext":"Serilog.AspNetCore.RequestLoggingMiddleware","RequestId":"{r}:{n}","ConnectionId":"{c}"}}',
         {"t": lambda g: f"2026-12-03T{hms(g)}.{g.num(0, 9999999):0>7}Z", "m": clef_request,
          "p": then(1), "s": then(2), "e": lambda g: f"{float(g.drawn[3]):.4f}",
          "l": lambda g: '"@l":"Error",' if g.drawn[2] == "500" else "", "m2": then(0), "p2": then(1), "s2": then(2), "x": then(3),
          "r": connection_id, "n": lambda g: f"{g.r.randint(1, 40):0>8X}", "c": then(0)}),
        (8, "[{t} WRN] Failed to determine the https port for redirect.", {"t": hms}),
        # Rust service: tower-http TraceLayer, tracing-subscriber fmt (no ANSI)
        (60, "{t} DEBUG request{{method={m} uri={u} version={v}}}: tower_http::trace::on_request: started processing request",
         {"t": rust_ts, "m": rust_span, "u": rust_uri, "v": pick(["HTTP/1.1", "HTTP/1.1", "HTTP/2.0"])}),
        (60, "{t} DEBUG request{{method={m} uri={u} version={v}}}: tower_http::trace::on_response: finished processing request latency={l} ms status={s}",
         {"t": rust_ts, "m": rust_span, "u": rust_uri, "v": pick(["HTTP/1.1", "HTTP/1.1", "HTTP/2.0"]), "l": lambda g: g.num(0, 900),
          "s": rust_status}),
        (15, "{t} ERROR request{{method={m} uri={u} version={v}}}: tower_http::trace::on_failure: response failed classification=Status code: {c} latency={l} ms",
         {"t": rust_ts, "m": rust_span, "u": rust_uri, "v": pick(["HTTP/1.1", "HTTP/2.0"]),
          "c": pick(["500 Internal Server Error", "502 Bad Gateway", "503 Service Unavailable"]), "l": lambda g: g.num(0, 30000)}),
        # Kafka Connect and Debezium (Debezium image's log4j layout)
        (40, "{t} INFO   {x}|{y}|{z}  WorkerSourceTask{{id={c}-{n}}} Committing offsets for {k} acknowledged messages   [org.apache.kafka.connect.runtime.WorkerSourceTask]",
         {"t": java_ts, "x": dbz_mdc(0.3, ["task"]), "y": then(4), "z": then(5), "c": then(2), "n": pick(["0", "0", "1"]), "k": lambda g: g.num(0, 9000)}),
        (30, "{t} INFO   {x}|{y}|{z}  {k} records sent during previous {d}, last recorded offset of {{server={s}}} partition is {o}   [io.debezium.connector.common.BaseSourceTask]",
         {"t": java_ts, "x": dbz_mdc(0.7, ["streaming", "binlog", "snapshot"]), "y": then(4), "z": then(5), "k": lambda g: g.num(1, 9000), "d": hhmmss_ms, "s": then(1), "o": dbz_offset}),
        (10, "{t} INFO   {x}|{y}|{z}  [Worker clientId=connect-1, groupId={g}] Starting connector {c}   [org.apache.kafka.connect.runtime.distributed.DistributedHerder]",
         {"t": java_ts, "x": dbz_mdc(0.0, []), "y": then(4), "z": then(5), "g": pick(["connect-cluster", "1"]), "c": then(2)}),
        # Trino coordinator (airlift log layout)
        (40, "{t}\tINFO\tdispatcher-query-{n}\tio.trino.event.QueryMonitor\tTIMELINE: Query {q} :: {s}{f} :: elapsed {e}ms :: planning {p}ms :: waiting {w}ms :: scheduling {c}ms :: running {r}ms :: finishing {x}ms :: begin {b} :: end {d}",
         {"t": trino_ts, "n": lambda g: g.num(1, 400), "q": q("qid"),
          "s": trino_state, "f": then(0),
          "e": q("elapsed"), "p": q("planning"), "w": q("waiting"), "c": q("scheduling"), "r": q("running"), "x": q("finishing"),
          "b": q("begin"), "d": q("end")}),
        # Ray (raylet log file; autoscaler message on the driver)
        (15, "{h} local_object_manager.cc:490: Spilled {m} MiB, {n} objects, write throughput {t} MiB/s.",
         {"h": ray_hdr, "m": lambda g: g.num(50, 90000), "n": lambda g: g.num(1, 4000), "t": lambda g: g.num(40, 2000)}),
        (15, "(autoscaler {s}) Warning: The following resource request cannot be scheduled right now: {r}. This is likely due to all cluster resources being claimed by actors. Consider creating fewer actors or adding more nodes to this Ray cluster.",
         {"s": ray_since, "r": pick(RAY_REQUESTS)}),
        # Apache Pulsar broker
        (30, "2026-12-03T{t}+0000 [pulsar-io-4-{n}] INFO  org.apache.pulsar.broker.service.ServerCnx - [{c}] Subscribing on topic {p} / {s}",
         {"t": lambda g: f"{hms(g)},{g.num(0, 999):0>3}", "n": lambda g: str(g.r.randint(1, 8)), "c": pulsar_client, "p": pick(PULSAR_TOPICS), "s": pick(PULSAR_SUBS)}),
        (25, "2026-12-03T{t}+0000 [pulsar-io-4-{n}] INFO  org.apache.pulsar.broker.service.ServerCnx - [{c}] Created subscription on topic {p} / {s}",
         {"t": lambda g: f"{hms(g)},{g.num(0, 999):0>3}", "n": lambda g: str(g.r.randint(1, 8)), "c": pulsar_client, "p": pick(PULSAR_TOPICS), "s": pick(PULSAR_SUBS)}),
        (25, "2026-12-03T{t}+0000 [pulsar-io-4-{n}] INFO  org.apache.pulsar.broker.service.ServerCnx - [{c}] Created new producer: Producer{{topic=PersistentTopic{{topic={p}}}, client={c2}, producerName={pn}, producerId={i}}}",
         {"t": lambda g: f"{hms(g)},{g.num(0, 999):0>3}", "n": lambda g: str(g.r.randint(1, 8)), "c": pulsar_client, "p": pick(PULSAR_TOPICS), "c2": then(0),
          "pn": lambda g: f"pulsar-prod-{g.r.randint(0, 2)}-{g.num(0, 900)}", "i": lambda g: g.num(0, 12)}),
        # Jaeger (zap JSON, gRPC's logs routed through zap)
        (30, '{{"level":"info","ts":{t},"caller":"grpc@v1.59.0/clientconn.go:1209","msg":"[core][Channel #{c} SubChannel #{s}] Subchannel Connectivity change to {k}","system":"grpc","grpc_log":true}}',
         {"t": lambda g: f"1764{g.r.randint(720000, 806399)}.{g.num(0, 9999999):0>7}", "c": pick(["1", "4"]), "s": lambda g: g.num(2, 40), "k": pick(GRPC_STATES)}),
        # Crossplane provider (crossplane-runtime managed reconciler, debug)
        (12, '{t}\tDEBUG\tprovider-aws\tSuccessfully requested creation of external resource\t{{"controller": "managed/{k}", "request": {{"name":"{n}"}}, "uid": "{u}", "version": "{v}", "external-name": "{e}"}}',
         {"t": ts_s, "k": xp_controller, "n": then(2), "u": Gen.uuid, "v": lambda g: g.num(1000, 999999), "e": xp_ext(0.6)}),
        (20, '{t}\tDEBUG\tprovider-aws\tSuccessfully requested update of external resource\t{{"controller": "managed/{k}", "request": {{"name":"{n}"}}, "uid": "{u}", "version": "{v}", "external-name": "{e}", "requeue-after": "{r}"}}',
         {"t": ts_s_kept, "k": xp_controller, "n": then(2), "u": Gen.uuid, "v": lambda g: g.num(1000, 999999), "e": xp_ext(0.0), "r": xp_requeue}),
        (50, '{t}\tDEBUG\tprovider-aws\tExternal resource is up to date\t{{"controller": "managed/{k}", "request": {{"name":"{n}"}}, "uid": "{u}", "version": "{v}", "external-name": "{e}", "requeue-after": "{r}"}}',
         {"t": ts_s_kept, "k": xp_controller, "n": then(2), "u": Gen.uuid, "v": lambda g: g.num(1000, 999999), "e": xp_ext(0.0), "r": xp_requeue}),
    ]


# InfraPlatform: written before any rule change of the ninth issue-15 pass, scored once.
# Ground truth as in RuntimePlatform (one event type per log statement, each argument one
# <*>, object fields one <*> each with their keys constant, varying header fields one <*>
# each, padding belongs to its value). Added here:
# - a statement whose format prints one of several tails chosen by a branch of the code
#   (netfilter's LOG target: a TCP tail or a UDP tail) is one event type per tail;
# - a flag the format prints or omits together with its separator ("DF ", " major",
#   " (all)", the TCP flag list "SYN " / "ACK PSH ") is one <*>, glued to what follows
#   or precedes it exactly as printed, and is still its <*> when empty;
# - the kernel's "%s: Killed process" prefix, the bridge's port state, the promiscuous
#   "entered"/"left", auditd's PAM record type with its op, and log prefixes set by
#   configuration ("[UFW BLOCK] ") are arguments of one statement, so one <*> each,
#   however few their values and however many words they hold;
# - a netdev name the kernel prints as the message's prefix (netdev_info: "cni0: ...") is
#   an argument; uptime stamps ("[%5lu.%06lu]") keep their padding inside the value;
# - a value that the software prints twice in one line (auditd's hostname= and addr=) is
#   two <*>.
INFRA_HOSTS = ["worker-1", "worker-2", "worker-3"]
INFRA_MACS = ["0e:5f:1a:2b:3c:4d:0e:9a:8b:7c:6d:5e:08:00", "0a:11:22:33:44:55:0a:66:77:88:99:aa:08:00",
              "02:42:ac:11:00:02:02:42:5e:1d:3a:01:08:00"]
UFW_PREFIXES = ["[UFW BLOCK] ", "[UFW BLOCK] ", "[UFW BLOCK] ", "[UFW AUDIT] "]
TCP_FLAGS = ["SYN ", "SYN ", "SYN ", "ACK PSH ", "ACK FIN ", "RST ", "ACK RST "]
TCP_PORTS = ["22", "443", "6443", "10250", "3306", "23", "8080"]
OOM_COMMS = ["java", "python3", "postgres", "node", "ruby"]
OOM_GFP = [("cc0", "GFP_KERNEL"), ("cc0", "GFP_KERNEL"), ("140dca", "GFP_HIGHUSER_MOVABLE|__GFP_COMP|__GFP_ZERO"),
           ("100cca", "GFP_HIGHUSER_MOVABLE"), ("400dc0", "GFP_KERNEL_ACCOUNT|__GFP_ZERO")]
OOM_ADJ = ["-997", "936", "984", "1000"]
OOM_MESSAGES = ["Memory cgroup out of memory", "Memory cgroup out of memory", "Memory cgroup out of memory", "Out of memory"]
BRIDGE_STATES = ["blocking", "disabled", "forwarding", "forwarding"]
AVC_PERMS = ["read", "write", "open", "read write", "getattr", "read open", "execute", "connectto"]
AVC_COMMS = ["nginx", "postgres", "python3", "runc:[2:INIT]"]
AVC_NAMES = ["index.html", "config.yaml", "ld.so.cache", "docker.sock", "pg_hba.conf"]
AVC_DEVS = ["dm-0", "sda1", "overlay", "tmpfs"]
AVC_SCONTEXTS = ["system_u:system_r:httpd_t:s0", "system_u:system_r:postgresql_t:s0", "system_u:system_r:container_t:s0:c{a},c{b}"]
AVC_TCONTEXTS = ["unconfined_u:object_r:user_home_t:s0", "system_u:object_r:container_runtime_exec_t:s0",
                 "system_u:object_r:var_run_t:s0", "system_u:object_r:etc_t:s0"]
AVC_CLASSES = ["file", "dir", "sock_file", "unix_stream_socket"]
AUDIT_EXES = [("sshd", "/usr/sbin/sshd", "59"), ("sudo", "/usr/bin/sudo", "59"), ("runc", "/usr/bin/runc", "257"),
              ("cat", "/usr/bin/cat", "257"), ("chmod", "/usr/bin/chmod", "268")]
AUDIT_KEYS = ["(null)", '"identity"', '"exec"', '"docker"', '"perm_mod"']
EXECVE_ARGS = [["/bin/sh", "-c", "date"], ["ls", "-la", "/etc"], ["kubectl", "get", "pods", "-n", "shop", "-o", "wide"],
               ["systemctl", "restart", "nginx"], ["cat", "/etc/shadow"], ["curl", "-s", "http://169.254.169.254/latest/meta-data/"],
               ["whoami"], ["runc", "--root", "/run/containerd/runc/k8s.io", "init"]]
PAM_RECORDS = [("USER_ACCT", "accounting", "pam_unix,pam_localuser"), ("CRED_ACQ", "setcred", "pam_env,pam_unix"),
               ("USER_START", "session_open", "pam_selinux,pam_loginuid,pam_selinux,pam_namespace,pam_keyinit,pam_keyinit,pam_limits,pam_systemd,pam_unix,pam_umask,pam_lastlog"),
               ("USER_END", "session_close", "pam_selinux,pam_loginuid,pam_selinux,pam_namespace,pam_keyinit,pam_keyinit,pam_limits,pam_systemd,pam_unix,pam_umask,pam_lastlog"),
               ("CRED_DISP", "setcred", "pam_env,pam_unix"), ("USER_AUTH", "authentication", "?")]
PAM_ACCTS = ["root", "deploy", "alice"]
MQTT_CLIENTS = ["zigbee2mqtt", "sensor-livingroom", "homeassistant", "nodered-7f3a", "shelly-plug-b4e62d"]
MQTT_USERS = ["zigbee", "sensors", "hass"]
MQTT_TOPICS = ["zigbee2mqtt/kitchen_plug", "home/livingroom/temperature", "homeassistant/sensor/power/state",
               "shellies/shelly-plug-b4e62d/relay/0/power", "zigbee2mqtt/bridge/state"]
RSYSLOG_ACTIONS = [("action-0-builtin:omfwd", "builtin:omfwd"), ("action-3-builtin:omfwd", "builtin:omfwd"),
                   ("action-1-omelasticsearch", "omelasticsearch")]
ZBX_HOSTS = ["web-01", "db-primary", "Zabbix server", "edge-router"]
ZBX_KEYS = ["vfs.fs.size[/,pfree]", "system.cpu.load[all,avg1]", "net.if.in[eth0]", "proc.num[nginx]", "agent.ping",
            "vfs.fs.size[/var/lib/docker,pused]", "web.page.get[localhost,/status,8080]"]
ZBX_ERRORS = ["Cannot obtain filesystem information: [2] No such file or directory", "Unsupported item key.",
              "Timeout while executing a shell script.", "Cannot find information for this network interface in /proc/net/dev."]
HIVE_SQL = ["SELECT count(*) FROM web_logs WHERE dt='2026-12-02'", "show databases", "use analytics",
            "INSERT OVERWRITE TABLE daily_orders PARTITION (dt='2026-12-02') SELECT customer_id, sum(total) FROM orders WHERE dt='2026-12-02' GROUP BY customer_id",
            "DESCRIBE FORMATTED orders", "SELECT * FROM customers LIMIT 100", "MSCK REPAIR TABLE web_logs"]
HBASE_RS = ["hbase-rs-0", "hbase-rs-1", "hbase-rs-2"]
HBASE_TABLES = ["usertable", "events", "hbase:meta"]
HBASE_CFS = ["cf", "d", "info"]
OS_NODES = ["opensearch-node1", "opensearch-node2", "opensearch-cluster-master-0"]
OS_INDICES = ["logs-2026.12.03", "metrics-2026.12.03", ".opendistro-job-scheduler-lock", "security-auditlog-2026.12.03"]
OS_CAUSES = ["auto(bulk api)", "auto(bulk api)", "api", "rollover_index"]
OS_TEMPLATES = ["", "logs-template", "logs-template, default", "metrics"]
OS_HEALTH = [("RED", "YELLOW"), ("YELLOW", "GREEN"), ("GREEN", "YELLOW"), ("YELLOW", "RED")]
KN_KEYS = ["default/hello-00001", "shop/checkout-00012", "shop/cart-00003"]
KY_POLICIES = [("require-labels", ["check-for-labels"]), ("disallow-privileged-containers", ["privileged-containers", "autogen-privileged-containers"]),
               ("restrict-image-registries", ["validate-registries", "autogen-validate-registries", "autogen-cronjob-validate-registries"])]
KY_MUTATE = [("add-default-resources", ["add-default-requests"]), ("add-labels", ["add-team", "add-cost-center"]),
             ("inject-sidecar", ["inject", "autogen-inject"])]
KY_KINDS = [("Pod", "/v1, Kind=Pod"), ("Deployment", "apps/v1, Kind=Deployment"), ("CronJob", "batch/v1, Kind=CronJob")]
ROOK_MONS = ["a", "b", "c", "d", "e"]
ROOK_OSD_STATES = ["starting", "computingDiff", "orchestrating", "completed", "completed", "failed"]
ROOK_MODULES = ["prometheus", "pg_autoscaler", "balancer", "dashboard", "rook"]
NC_USERS = ["alice", "admin", "bob@acme.io", "backup-svc"]
NC_URLS = ["/login", "/remote.php/dav/files/{u}/", "/ocs/v2.php/core/getapppassword", "/index.php/login?redirect_url=/apps/files/"]
NC_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
             "Mozilla/5.0 (Linux) mirall/3.11.0 (Nextcloud, ubuntu-6.5.0 ClientArchitecture: x86_64 OsArchitecture: x86_64)",
             "curl/8.5.0", "--"]
NC_HOSTS = ["cloud.acme.io", "10.0.0.15", "nextcloud.local"]
DJ_PATHS = [("GET", "/api/orders/"), ("GET", "/api/orders/{n}/"), ("POST", "/api/orders/"), ("GET", "/admin/"), ("GET", "/healthz")]
DJ_AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15", "kube-probe/1.29", "python-httpx/0.25.2"]
PHX_ROUTES = [("GET", "/api/orders"), ("GET", "/api/orders/{n}"), ("POST", "/api/orders"), ("GET", "/live/websocket"), ("DELETE", "/api/cart/items/{n}")]


def infra_events() -> list[tuple[float, str, dict]]:
    """Host and platform software none of the other corpora covers: the Linux kernel
    (netfilter LOG through UFW, the OOM killer, bridge and veth messages) through rsyslog,
    auditd (SELinux AVC, SYSCALL, EXECVE, PAM records), Mosquitto, rsyslog's own messages,
    Zabbix server, Apache Hive and HBase (log4j), OpenSearch, the Knative autoscaler (zap
    JSON), Kyverno (klogr), Rook (capnslog), Nextcloud (JSON log), django-structlog
    (structlog ConsoleRenderer) and Phoenix (Elixir Logger). Written before any rule change
    of the ninth issue-15 pass and scored once."""

    def epoch(g: Gen) -> str:
        return str(g.r.randint(1764720000, 1764806399))

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def uptime(g: Gen) -> str:
        sec = g.r.randint(3, 9999) if g.r.random() < 0.1 else g.r.randint(10000, 3000000)
        return f"{sec:>5}.{g.num(0, 999999):0>6}"

    def veth(g: Gen) -> str:
        return "veth" + g.hexs(8)

    # netfilter LOG (UFW)
    def df(g: Gen) -> str:
        return g.r.choice(["DF ", "DF ", ""])

    # OOM killer
    def pod_slice(g: Gen) -> str:
        qos = g.r.choice(["burstable", "burstable", "besteffort"])
        return f"/kubepods.slice/kubepods-{qos}.slice/kubepods-{qos}-pod{g.uuid().replace('-', '_')}.slice"

    def memcg(g: Gen) -> str:
        g.drawn = (pod_slice(g), "cri-containerd-" + g.hexs(64) + ".scope")
        return g.drawn[0]

    def rss(g: Gen) -> str:
        return g.r.choice(["0", "0", g.num(4, 80000)])

    # auditd
    def audit_id(g: Gen) -> str:
        return f"{epoch(g)}.{g.num(0, 999):0>3}:{g.num(1000, 999999)}"

    def scontext(g: Gen) -> str:
        c = g.r.choice(AVC_SCONTEXTS)
        return c.replace("{a}", str(g.r.randint(0, 511))).replace("{b}", str(g.r.randint(512, 1023)))

    def audit_exe(g: Gen) -> str:
        g.drawn = g.r.choice(AUDIT_EXES)
        return g.drawn[2]

    def audit_uid(g: Gen) -> str:
        return g.r.choice(["0", "0", "1000"])

    def execve(g: Gen) -> str:
        args = g.r.choice(EXECVE_ARGS)
        g.drawn = (" ".join(f'a{i}="{a}"' for i, a in enumerate(args)),)
        return str(len(args))

    def pam_record(g: Gen) -> str:
        g.drawn = (*g.r.choice(PAM_RECORDS), g.ip())
        return g.drawn[0]

    # Mosquitto
    def mqtt_client(g: Gen) -> str:
        return g.r.choice([*MQTT_CLIENTS, f"auto-{g.uuid().upper()}"])

    # Zabbix server
    def zbx_hdr(g: Gen) -> str:
        pid = g.r.choice(["1042", "1057", "1061", "1063", "1070", "1088"])
        return f"{pid:>6}:20261203:{hms(g).replace(':', '')}.{g.num(0, 999):0>3}"

    # Hive / HBase (log4j ISO8601)
    def iso_ms(g: Gen) -> str:
        return f"2026-12-03T{hms(g)},{g.num(0, 999):0>3}"

    def hive_qid(g: Gen) -> str:
        return f"hive_20261203{hms(g).replace(':', '')}_{g.uuid()}"

    def hive_secs(hi: float):
        # Driver prints a double of seconds (ms / 1000.0), so trailing zeros are dropped
        return lambda g: str(g.r.randint(2, int(hi * 1000)) / 1000.0)

    def byte_desc(n: int) -> str:
        # Hadoop StringUtils.byteDesc: two decimals and a unit after a space
        for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
            if n >= size:
                return f"{n / size:.2f} {unit}"
        return f"{n} B"

    def hb_flush(g: Gen) -> str:
        data = g.r.randint(2000, 140_000_000)
        heap = int(data * g.r.uniform(1.05, 1.4))
        g.drawn = (f"{byte_desc(data)}/{data}", f"{byte_desc(heap)}/{heap}")
        return g.drawn[0]

    def long2string(n: int) -> str:
        # Hadoop TraditionalBinaryPrefix.long2String(n, "", 1)
        for unit, size in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
            if n >= size:
                return f"{n / size:.1f} {unit}"
        return str(n)

    def time_diff(g: Gen) -> str:
        s = g.r.choice([0, 0, 1, 2, 14, 75, 190])
        return f"{s // 60}mins, {s % 60}sec" if s >= 60 else f"{s}sec"

    def hb_region(g: Gen) -> str:
        t = g.r.choice(HBASE_TABLES)
        start = "" if g.r.random() < 0.3 else f"user{g.num(1000, 9999)}"
        return f"{t},{start},{g.r.randint(1764000000000, 1764806399000)}.{g.hexs(32)}."

    # Knative autoscaler
    def kn_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999999):0>9}Z"

    def f3(hi: float):
        return lambda g: f"{g.r.uniform(0, hi):.3f}"

    # Kyverno (klog header)
    def klog_ts(g: Gen) -> str:
        return f"{hms(g)}.{g.num(0, 999999):0>6}"

    def ky_policy(pool):
        def f(g: Gen) -> str:
            name, rules = g.r.choice(pool)
            g.drawn = (name, ",".join(f'"{r}"' for r in rules[:g.r.randint(1, len(rules))]))
            return name
        return f

    def ky_resource(g: Gen) -> str:
        kind, gvk = g.r.choice(KY_KINDS)
        ns = g.r.choice(["shop", "payments", "default"])
        name = g.r.choice(["web", "worker", "nightly-report"]) + ("-" + g.hexs(5) if kind == "Pod" else "")
        g.drawn = (f"{ns}/{kind}/{name}", gvk, kind, ns, name)
        return g.drawn[0]

    # Rook (capnslog)
    def capn_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999999):0>6}"

    def rook_mons(g: Gen) -> str:
        return " ".join(ROOK_MONS[:g.r.choice([1, 3, 3, 3, 5])])

    def rook_modules(g: Gen) -> str:
        return ", ".join(g.r.sample(ROOK_MODULES, g.r.randint(1, 4)))

    # Nextcloud
    def nc_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}+00:00"

    def nc_req(g: Gen) -> str:
        alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "".join(g.r.choice(alnum) for _ in range(20))

    def nc_url(g: Gen) -> str:
        return g.r.choice(NC_URLS).replace("{u}", g.r.choice(NC_USERS).replace("@", "%40"))

    def nc_ip(g: Gen) -> str:
        g.drawn = (g.r.choice(["10.0.0.1", g.ip(), f"203.0.113.{g.r.randint(1, 254)}"]),)
        return g.drawn[0]

    # django-structlog
    def iso_us(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def dj_request(g: Gen) -> str:
        m, p = g.r.choice(DJ_PATHS)
        return f"<WSGIRequest: {m} '{p.replace('{n}', g.num(1, 99999))}'>"

    def dj_code_level(g: Gen) -> str:
        code = g.r.choice(["200"] * 8 + ["201", "302", "400", "403", "404", "500"])
        g.drawn = (code,)
        return "error    " if code >= "500" else "warning  " if code >= "400" else "info     "

    def dj_user(g: Gen) -> str:
        return g.r.choice(["None", "None", g.num(1, 4000)])

    # Phoenix (Plug.Logger)
    def phx_ts(g: Gen) -> str:
        return f"{hms(g)}.{g.num(0, 999):0>3}"

    def phx_reqid(g: Gen) -> str:
        alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
        return "F" + "".join(g.r.choice(alnum) for _ in range(19))

    def phx_route(g: Gen) -> str:
        m, p = g.r.choice(PHX_ROUTES)
        g.drawn = (m, p.replace("{n}", g.num(1, 99999)))
        return m

    def phx_duration(g: Gen) -> str:
        us = g.r.randint(90, 240000)
        return f"{us}µs" if us < 1000 else f"{us // 1000}ms"

    kern = "{t} {h} kernel: [{u}] "
    kslots = {"t": syslog_ts, "h": pick(INFRA_HOSTS), "u": uptime}
    audit_hdr = "type={ty} msg=audit({a}): "
    return [
        # Linux kernel: netfilter LOG target (UFW prefixes), one event type per protocol tail
        (150, kern + "{x}IN={i} OUT= MAC={m} SRC={s} DST={d} LEN={l} TOS=0x00 PREC=0x00 TTL={ttl} ID={id} {df}PROTO=TCP SPT={sp} DPT={dp} WINDOW={w} RES=0x00 {f}URGP=0",
         {**kslots, "x": pick(UFW_PREFIXES), "i": pick(["eth0", "eth0", "ens5"]), "m": pick(INFRA_MACS),
          "s": lambda g: f"{g.r.randint(1, 223)}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}",
          "d": lambda g: g.r.choice(["10.0.1.23", "10.0.2.41", "10.0.3.7"]), "l": pick(["40", "44", "52", "60", "60"]),
          "ttl": pick(["46", "50", "54", "117", "241", "243"]), "id": lambda g: g.num(0, 65535), "df": df,
          "sp": lambda g: g.num(1024, 65535), "dp": pick(TCP_PORTS), "w": pick(["1024", "29200", "64240", "65535", "0"]), "f": pick(TCP_FLAGS)}),
        (45, kern + "{x}IN={i} OUT= MAC={m} SRC={s} DST={d} LEN={l} TOS=0x00 PREC=0x00 TTL={ttl} ID={id} {df}PROTO=UDP SPT={sp} DPT={dp} LEN={l2}",
         {**kslots, "x": pick(UFW_PREFIXES), "i": pick(["eth0", "eth0", "ens5"]), "m": pick(INFRA_MACS),
          "s": lambda g: f"{g.r.randint(1, 223)}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}",
          "d": lambda g: g.r.choice(["10.0.1.23", "10.0.2.41", "224.0.0.251"]), "l": pick(["56", "76", "148", "330"]),
          "ttl": pick(["1", "64", "255"]), "id": lambda g: g.num(0, 65535), "df": df,
          "sp": pick(["5353", "123", "137", "68"]), "dp": pick(["5353", "123", "137", "67", "1900"]), "l2": pick(["36", "56", "128", "310"])}),
        # Linux kernel: OOM killer (oom_kill.c, memcontrol.c)
        (12, kern + "{c} invoked oom-killer: gfp_mask=0x{gm}({gf}), order={o}, oom_score_adj={adj}",
         {**kslots, "c": pick(OOM_COMMS), "gm": first(OOM_GFP), "gf": then(1), "o": pick(["0", "0", "0", "2"]), "adj": pick(OOM_ADJ)}),
        (12, kern + "oom-kill:constraint={k},nodemask={n},cpuset={cs},mems_allowed={ma},oom_memcg={om},task_memcg={om2}/{tm},task={c},pid={p},uid={uid}",
         {**kslots, "k": pick(["CONSTRAINT_MEMCG"]), "n": pick(["(null)"]), "cs": lambda g: "cri-containerd-" + g.hexs(64) + ".scope",
          "ma": pick(["0", "0-1"]), "om": memcg, "om2": then(0), "tm": then(1), "c": pick(OOM_COMMS), "p": lambda g: g.num(900, 4000000),
          "uid": pick(["0", "1000", "65532", "999"])}),
        (14, kern + "{msg}: Killed process {p} ({c}) total-vm:{vm}kB, anon-rss:{a}kB, file-rss:{f}kB, shmem-rss:{s}kB, UID:{uid} pgtables:{pt}kB oom_score_adj:{adj}",
         {**kslots, "msg": pick(OOM_MESSAGES), "p": lambda g: g.num(900, 4000000), "c": pick(OOM_COMMS), "vm": lambda g: g.num(200000, 40000000),
          "a": lambda g: g.num(100000, 8000000), "f": lambda g: g.num(0, 90000), "s": rss, "uid": pick(["0", "1000", "65532", "999"]),
          "pt": lambda g: g.num(400, 20000), "adj": pick(OOM_ADJ)}),
        (10, kern + "oom_reaper: reaped process {p} ({c}), now anon-rss:{a}kB, file-rss:{f}kB, shmem-rss:{s}kB",
         {**kslots, "p": lambda g: g.num(900, 4000000), "c": pick(OOM_COMMS), "a": pick(["0", "0", "0", "4"]), "f": rss, "s": pick(["0"])}),
        # Linux kernel: bridge ports and veth pairs of pods starting and stopping
        (80, kern + "{b}: port {n}({v}) entered {s} state",
         {**kslots, "b": pick(["cni0", "cni0", "cni0", "docker0"]), "n": lambda g: str(g.r.randint(1, 40)), "v": veth, "s": pick(BRIDGE_STATES)}),
        (40, kern + "device {v} {s} promiscuous mode", {**kslots, "v": veth, "s": pick(["entered", "left"])}),
        (30, kern + "IPv6: ADDRCONF(NETDEV_CHANGE): {v}: link becomes ready", {**kslots, "v": veth}),
        # auditd (/var/log/audit/audit.log, raw format)
        (30, "type=AVC msg=audit({a}): avc:  denied  {{ {p} }} for  pid={pid} comm=\"{c}\" name=\"{n}\" dev=\"{d}\" ino={i} scontext={s} tcontext={tc} tclass={cl} permissive={pm}",
         {"a": audit_id, "p": pick(AVC_PERMS), "pid": lambda g: g.num(300, 4000000), "c": pick(AVC_COMMS), "n": pick(AVC_NAMES),
          "d": pick(AVC_DEVS), "i": lambda g: g.num(100, 9000000), "s": scontext, "tc": pick(AVC_TCONTEXTS), "cl": pick(AVC_CLASSES),
          "pm": pick(["0", "0", "0", "1"])}),
        (90, "type=SYSCALL msg=audit({a}): arch={ar} syscall={sc} success={ok} exit={ex} a0={a0} a1={a1} a2={a2} a3={a3} items={it} ppid={pp} pid={pid} auid={au} uid={u1} gid={u2} euid={u3} suid={u4} fsuid={u5} egid={u6} sgid={u7} fsgid={u8} tty={tty} ses={ses} comm=\"{c}\" exe=\"{e}\" subj={sj} key={k}",
         {"a": audit_id, "ar": pick(["c000003e"]), "sc": audit_exe, "ok": pick(["yes", "yes", "no"]), "ex": pick(["0", "3", "-13", "-2"]),
          "a0": lambda g: g.hexs(g.r.choice([1, 2, 8, 12])).lstrip("0") or "0", "a1": lambda g: g.hexs(12).lstrip("0"), "a2": lambda g: g.hexs(g.r.choice([1, 3, 12])).lstrip("0") or "0",
          "a3": pick(["0", "8", "7ffd1c2e8a10"]), "it": pick(["0", "1", "2", "3"]), "pp": lambda g: g.num(1, 90000), "pid": lambda g: g.num(300, 4000000),
          "au": pick(["4294967295", "1000", "1001"]), "u1": audit_uid, "u2": audit_uid, "u3": audit_uid, "u4": audit_uid, "u5": audit_uid,
          "u6": audit_uid, "u7": audit_uid, "u8": audit_uid, "tty": pick(["(none)", "(none)", "pts0", "pts1"]),
          "ses": pick(["4294967295", "3", "7", "12"]), "c": then(0), "e": then(1),
          "sj": pick(["unconfined", "system_u:system_r:sshd_t:s0-s0:c0.c1023", "system_u:system_r:container_runtime_t:s0"]), "k": pick(AUDIT_KEYS)}),
        (50, "type=EXECVE msg=audit({a}): argc={n} {l}", {"a": audit_id, "n": execve, "l": then(0)}),
        (45, audit_hdr + "pid={pid} uid={u} auid={au} ses={ses} subj={sj} msg='op=PAM:{op} grantors={gr} acct=\"{ac}\" exe=\"{e}\" hostname={hn} addr={ad} terminal={te} res={r}'",
         {"ty": pam_record, "a": audit_id, "pid": lambda g: g.num(300, 4000000), "u": pick(["0"]), "au": pick(["4294967295", "1000", "1001"]),
          "ses": pick(["4294967295", "3", "7", "12"]), "sj": pick(["system_u:system_r:sshd_t:s0-s0:c0.c1023", "unconfined"]),
          "op": then(1), "gr": then(2), "ac": pick(PAM_ACCTS), "e": pick(["/usr/sbin/sshd", "/usr/sbin/sshd", "/usr/bin/sudo"]),
          "hn": then(3), "ad": then(3), "te": pick(["ssh", "ssh", "/dev/pts/0"]), "r": pick(["success", "success", "success", "failed"])}),
        # Mosquitto 2.0 (log_timestamp epoch; log_type all)
        (35, "{e}: New connection from {i}:{p} on port {lp}.", {"e": epoch, "i": lambda g: g.ip(), "p": lambda g: g.port(), "lp": pick(["1883", "1883", "8883"])}),
        (25, "{e}: New client connected from {i}:{p} as {c} (p{v}, c{cs}, k{k}, u'{u}').",
         {"e": epoch, "i": lambda g: g.ip(), "p": lambda g: g.port(), "c": mqtt_client, "v": pick(["2", "2", "5"]), "cs": pick(["1", "1", "0"]),
          "k": pick(["60", "60", "30", "15"]), "u": pick(MQTT_USERS)}),
        (10, "{e}: New client connected from {i}:{p} as {c} (p{v}, c{cs}, k{k}).",
         {"e": epoch, "i": lambda g: g.ip(), "p": lambda g: g.port(), "c": mqtt_client, "v": pick(["2", "5"]), "cs": pick(["1", "0"]),
          "k": pick(["60", "30", "15"])}),
        (20, "{e}: Client {c} disconnected.", {"e": epoch, "c": mqtt_client}),
        (15, "{e}: Client {c} closed its connection.", {"e": epoch, "c": mqtt_client}),
        (10, "{e}: Client {c} has exceeded timeout, disconnecting.", {"e": epoch, "c": mqtt_client}),
        (160, "{e}: Received PUBLISH from {c} (d{d}, q{q}, r{r}, m{m}, '{t}', ... ({n} bytes))",
         {"e": epoch, "c": mqtt_client, "d": pick(["0", "0", "0", "1"]), "q": pick(["0", "0", "1", "2"]), "r": pick(["0", "0", "1"]),
          "m": lambda g: g.num(0, 65535), "t": pick(MQTT_TOPICS), "n": lambda g: g.num(1, 900)}),
        (100, "{e}: Sending PUBLISH to {c} (d{d}, q{q}, r{r}, m{m}, '{t}', ... ({n} bytes))",
         {"e": epoch, "c": mqtt_client, "d": pick(["0"]), "q": pick(["0", "0", "1"]), "r": pick(["0", "0", "1"]),
          "m": lambda g: g.num(0, 65535), "t": pick(MQTT_TOPICS), "n": lambda g: g.num(1, 900)}),
        # rsyslog's own messages
        (4, '{t} {h} rsyslogd: [origin software="rsyslogd" swVersion="{v}" x-pid="{p}" x-info="https://www.rsyslog.com"] start',
         {"t": syslog_ts, "h": pick(INFRA_HOSTS), "v": pick(["8.2312.0"]), "p": lambda g: g.num(500, 2000)}),
        (14, '{t} {h} rsyslogd: [origin software="rsyslogd" swVersion="{v}" x-pid="{p}" x-info="https://www.rsyslog.com"] rsyslogd was HUPed',
         {"t": syslog_ts, "h": pick(INFRA_HOSTS), "v": pick(["8.2312.0"]), "p": lambda g: g.num(500, 2000)}),
        (20, "{t} {h} rsyslogd[{p}]: {n}: {k} messages lost due to rate-limiting ({a} allowed within {w} seconds)",
         {"t": syslog_ts, "h": pick(INFRA_HOSTS), "p": lambda g: g.num(500, 2000), "n": pick(["imjournal", "imjournal", "imuxsock"]),
          "k": lambda g: g.num(1, 90000), "a": pick(["20000"]), "w": pick(["600"])}),
        (12, "{t} {h} rsyslogd[{p}]: action '{a}' suspended (module '{m}'), retry {r}. There should be messages before this one giving the reason for suspension. [v{v} try https://www.rsyslog.com/e/2007 ]",
         {"t": syslog_ts, "h": pick(INFRA_HOSTS), "p": lambda g: g.num(500, 2000), "a": first(RSYSLOG_ACTIONS), "m": then(1),
          "r": pick(["0", "0", "1", "2"]), "v": pick(["8.2312.0"])}),
        (10, "{t} {h} rsyslogd[{p}]: action '{a}' resumed (module '{m}') [v{v} try https://www.rsyslog.com/e/2359 ]",
         {"t": syslog_ts, "h": pick(INFRA_HOSTS), "p": lambda g: g.num(500, 2000), "a": first(RSYSLOG_ACTIONS), "m": then(1), "v": pick(["8.2312.0"])}),
        # Zabbix server
        (25, '{z} item "{h}:{k}" became not supported: {e}', {"z": zbx_hdr, "h": pick(ZBX_HOSTS), "k": pick(ZBX_KEYS), "e": pick(ZBX_ERRORS)}),
        (20, '{z} item "{h}:{k}" became supported', {"z": zbx_hdr, "h": pick(ZBX_HOSTS), "k": pick(ZBX_KEYS)}),
        (15, '{z} Zabbix agent item "{k}" on host "{h}" failed: first network error, wait for {n} seconds',
         {"z": zbx_hdr, "k": pick(ZBX_KEYS), "h": pick(ZBX_HOSTS), "n": pick(["15"])}),
        (12, '{z} resuming Zabbix agent checks on host "{h}": connection restored', {"z": zbx_hdr, "h": pick(ZBX_HOSTS)}),
        (10, '{z} temporarily disabling Zabbix agent checks on host "{h}": interface unavailable', {"z": zbx_hdr, "h": pick(ZBX_HOSTS)}),
        # Apache Hive (HiveServer2, log4j2 "%d{ISO8601} %5p [%t] %c{2}: %m")
        (25, "{t}  INFO [HiveServer2-Handler-Pool: Thread-{n}] ql.Driver: Compiling command(queryId={q}): {s}",
         {"t": iso_ms, "n": lambda g: g.num(40, 400), "q": hive_qid, "s": pick(HIVE_SQL)}),
        (25, "{t}  INFO [HiveServer2-Handler-Pool: Thread-{n}] ql.Driver: Completed compiling command(queryId={q}); Time taken: {x} seconds",
         {"t": iso_ms, "n": lambda g: g.num(40, 400), "q": hive_qid, "x": hive_secs(3)}),
        (22, "{t}  INFO [HiveServer2-Background-Pool: Thread-{n}] ql.Driver: Executing command(queryId={q}): {s}",
         {"t": iso_ms, "n": lambda g: g.num(40, 400), "q": hive_qid, "s": pick(HIVE_SQL)}),
        (22, "{t}  INFO [HiveServer2-Background-Pool: Thread-{n}] ql.Driver: Completed executing command(queryId={q}); Time taken: {x} seconds",
         {"t": iso_ms, "n": lambda g: g.num(40, 400), "q": hive_qid, "x": hive_secs(600)}),
        # Apache HBase region server (log4j "%d{ISO8601} %-5p [%t] %c{2}: %m")
        (30, "{t} INFO  [MemStoreFlusher.{n}] regionserver.HRegion: Finished flush of dataSize ~{d}, heapSize ~{h}, currentSize={c} for {r} in {ms}ms, sequenceid={s}, compaction requested={cr}",
         {"t": java_ts, "n": pick(["0", "1"]), "d": hb_flush, "h": then(1), "c": pick(["0 B/0", "0 B/0", "0 B/0", "1.02 KB/1048", "2.05 KB/2096"]),
          "r": lambda g: g.hexs(32), "ms": lambda g: g.num(3, 9000), "s": lambda g: g.num(2, 9000000), "cr": pick(["false", "false", "true"])}),
        (20, "{t} INFO  [regionserver/{rs}:16020-{q}Compactions-{n}] regionserver.HStore: Completed{mj} compaction of {k}{al} file(s) in {cf} of {r} into {h}(size={sz}), total size for store is {tot}. This selection was in queue for {qt}, and took {d} to execute.",
         {"t": java_ts, "rs": pick(HBASE_RS), "q": pick(["short", "short", "long"]), "n": pick(["0", "1"]), "mj": pick(["", "", " major"]),
          "k": pick(["2", "3", "3", "4", "10"]), "al": pick(["", " (all)"]), "cf": pick(HBASE_CFS), "r": hb_region, "h": lambda g: g.hexs(32),
          "sz": lambda g: long2string(g.r.randint(4000, 9_000_000_000)), "tot": lambda g: long2string(g.r.randint(4000, 20_000_000_000)),
          "qt": time_diff, "d": time_diff}),
        # OpenSearch (log4j2 "[%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m")
        (15, "[{t}][INFO ][o.o.c.m.MetadataCreateIndexService] [{n}] [{i}] creating index, cause [{c}], templates [{tp}], shards [{s}]/[{r}]",
         {"t": iso_ms, "n": pick(OS_NODES), "i": pick(OS_INDICES), "c": pick(OS_CAUSES), "tp": pick(OS_TEMPLATES), "s": pick(["1", "1", "3", "5"]), "r": pick(["0", "1", "1"])}),
        (30, "[{t}][INFO ][o.o.c.m.MetadataMappingService] [{n}] [{i}/{u}] update_mapping [_doc]",
         {"t": iso_ms, "n": pick(OS_NODES), "i": pick(OS_INDICES),
          "u": lambda g: "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(22))}),
        (10, "[{t}][INFO ][o.o.c.r.a.AllocationService] [{n}] Cluster health status changed from [{a}] to [{b}] (reason: [{w}]).",
         {"t": iso_ms, "n": pick(OS_NODES), "a": first(OS_HEALTH), "b": then(1),
          "w": lambda g: g.r.choice([f"shards started [[{g.r.choice(OS_INDICES)}][{g.r.randint(0, 4)}]]", f"index [{g.r.choice(OS_INDICES)}] created",
                                     "{opensearch-node2}{Xk2pQ9r1T3uW0yZ8bC4dEf}{10.0.2.41} reason: disconnected", "cluster_reroute(reroute after starting shards)"])}),
        # Knative Serving autoscaler (zap JSON with knative's encoder keys)
        (40, '{{"severity":"DEBUG","timestamp":"{t}","logger":"autoscaler","caller":"scaling/autoscaler.go:286","message":"PodCount={pc} Total1PodCapacity={c} ObsStableValue={s} ObsPanicValue={p} TargetBC={b} ExcessBC={e}","commit":"{cm}","knative.dev/key":"{k}"}}',
         {"t": kn_ts, "pc": pick(["0", "1", "1", "2", "3", "5"]), "c": pick(["100.000", "70.000", "10.000"]), "s": f3(40), "p": f3(60),
          "b": pick(["200.000", "0.000", "-1.000"]), "e": lambda g: f"{g.r.uniform(-400, 300):.3f}", "cm": pick(["4b5a2f8"]), "k": pick(KN_KEYS)}),
        (15, '{{"severity":"INFO","timestamp":"{t}","logger":"autoscaler","caller":"kpa/scaler.go:373","message":"Scaling from {a} to {b}","commit":"{cm}","knative.dev/key":"{k}"}}',
         {"t": kn_ts, "a": pick(["0", "1", "2", "3"]), "b": pick(["1", "0", "2", "4"]), "cm": pick(["4b5a2f8"]), "k": pick(KN_KEYS)}),
        # Kyverno (logr through klog text)
        (35, 'I1203 {t}       1 validation.go:144] webhooks/resource/validate "msg"="validation failed" "action"="{ac}" "resource"="{r}" "operation"="{op}" "gvk"="{gvk}" "policy"="{p}" "rules"=[{ru}]',
         {"t": klog_ts, "ac": pick(["Enforce", "Audit"]), "r": ky_resource, "op": pick(["CREATE", "CREATE", "UPDATE"]), "gvk": then(1),
          "p": ky_policy(KY_POLICIES), "ru": then(1)}),
        (30, 'I1203 {t}       1 mutation.go:103] webhooks/resource/mutate "msg"="mutation rules from policy applied successfully" "kind"="{k}" "namespace"="{ns}" "name"="{n}" "operation"="{op}" "policy"="{p}" "rules"=[{ru}]',
         {"t": klog_ts, "k": lambda g: ky_resource(g) and g.drawn[2], "ns": then(3), "n": then(4), "op": pick(["CREATE", "UPDATE"]),
          "p": ky_policy(KY_MUTATE), "ru": then(1)}),
        # Rook operator (capnslog)
        (20, "{t} I | op-mon: mons running: [{l}]", {"t": capn_ts, "l": rook_mons}),
        (30, '{t} I | op-osd: OSD orchestration status for node {n} is "{s}"', {"t": capn_ts, "n": pick(INFRA_HOSTS), "s": pick(ROOK_OSD_STATES)}),
        (15, '{t} I | ceph-cluster-controller: reconciling ceph cluster in namespace "{n}"', {"t": capn_ts, "n": pick(["rook-ceph", "rook-ceph", "rook-ceph-external"])}),
        (10, "{t} I | op-mgr: successful modules: {m}", {"t": capn_ts, "m": rook_modules}),
        # Nextcloud (nextcloud.log, JSON)
        (20, '{{"reqId":"{r}","level":2,"time":"{t}","remoteAddr":"{ip}","user":"--","app":"core","method":"POST","url":"{u}","message":"Login failed: {n} (Remote IP: {ip2})","userAgent":"{ua}","version":"28.0.4.1","data":{{"app":"core"}}}}',
         {"r": nc_req, "t": nc_ts, "ip": nc_ip, "u": nc_url, "n": pick(NC_USERS), "ip2": then(0), "ua": pick(NC_AGENTS)}),
        (15, '{{"reqId":"{r}","level":2,"time":"{t}","remoteAddr":"{ip}","user":"{us}","app":"core","method":"{m}","url":"{u}","message":"Trusted domain error. \\"{ip2}\\" tried to access using \\"{h}\\" as host.","userAgent":"{ua}","version":"28.0.4.1","data":{{"app":"core"}}}}',
         {"r": nc_req, "t": nc_ts, "ip": nc_ip, "us": pick(["--", "--", "alice"]), "m": pick(["GET", "GET", "PROPFIND"]), "u": nc_url,
          "ip2": then(0), "h": pick(NC_HOSTS), "ua": pick(NC_AGENTS)}),
        # django-structlog (structlog ConsoleRenderer, colours off)
        (70, "{t} [info     ] request_started                [django_structlog.middlewares.request] ip={ip} request={r} request_id={u} user_agent={ua} user_id={us}",
         {"t": iso_us, "ip": lambda g: g.ip(), "r": dj_request, "u": Gen.uuid, "ua": pick(DJ_AGENTS), "us": dj_user}),
        (70, "{t} [{l}] request_finished               [django_structlog.middlewares.request] code={c} ip={ip} request={r} request_id={u} user_id={us}",
         {"t": iso_us, "l": dj_code_level, "c": then(0), "ip": lambda g: g.ip(), "r": dj_request, "u": Gen.uuid, "us": dj_user}),
        # Phoenix (Plug.Logger through Elixir's default console format)
        (70, "{t} request_id={r} [info] {m} {p}", {"t": phx_ts, "r": phx_reqid, "m": phx_route, "p": then(1)}),
        (70, "{t} request_id={r} [info] Sent {s} in {d}",
         {"t": phx_ts, "r": phx_reqid, "s": pick(["200"] * 8 + ["201", "204", "302", "404", "422", "500"]), "d": phx_duration}),
    ]


ENT_LDAP_HOSTS = [("ldap-01", "1187"), ("ldap-02", "1203")]
ENT_SUFFIX = "dc=corp,dc=example,dc=com"
ENT_USERS = ["jsmith", "amartin", "lchen", "okafor", "mrossi", "svc-jenkins", "svc-gitea", "pnowak", "hkim", "dgarcia",
             "eweber", "tnguyen", "rpatel", "backup"]
ENT_LDAP_ATTRS = ["uid", "cn", "mail", "uidNumber", "gidNumber", "homeDirectory", "loginShell", "memberOf", "objectClass",
                  "sn", "givenName", "shadowLastChange", "entryUUID", "modifyTimestamp", "memberUid", "displayName"]
ENT_LDAP_MOD_ATTRS = [["pwdFailureTime"], ["userPassword", "pwdChangedTime"], ["pwdFailureTime", "pwdAccountLockedTime"],
                      ["description"], ["mail", "displayName", "modifyTimestamp"], ["memberUid"]]
ENT_LDAP_RESULTS = [("97", "0", ""), ("97", "0", ""), ("97", "0", ""), ("97", "0", ""), ("97", "0", ""), ("97", "49", ""),
                    ("97", "49", ""), ("97", "34", "invalid DN"), ("103", "0", ""), ("103", "0", "")]
ENT_LDAP_TLS = [("TLSv1.3", "TLS_AES_256_GCM_SHA384"), ("TLSv1.3", "TLS_AES_256_GCM_SHA384"), ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384")]
ENT_KDCS = [("kdc-01.corp.example.com", "812"), ("kdc-02.corp.example.com", "799")]
ENT_REALM = "CORP.EXAMPLE.COM"
ENT_KRB_KTYPES = [
    "4 etypes {aes256-cts-hmac-sha1-96(18), aes128-cts-hmac-sha1-96(17), aes256-cts-hmac-sha384-192(20), aes128-cts-hmac-sha256-128(19)}",
    "4 etypes {aes256-cts-hmac-sha1-96(18), aes128-cts-hmac-sha1-96(17), aes256-cts-hmac-sha384-192(20), aes128-cts-hmac-sha256-128(19)}",
    "2 etypes {aes256-cts-hmac-sha1-96(18), aes128-cts-hmac-sha1-96(17)}",
    "6 etypes {aes256-cts-hmac-sha1-96(18), aes128-cts-hmac-sha1-96(17), DEPRECATED:arcfour-hmac(23), DEPRECATED:arcfour-hmac-exp(24), UNSUPPORTED:(-135), DEPRECATED:des-cbc-md5(3)}",
]
ENT_KRB_SERVICES = ["HTTP/intranet.corp.example.com", "ldap/ldap-01.corp.example.com", "ldap/ldap-02.corp.example.com",
                    "cifs/fs-01.corp.example.com", "HTTP/gitea.corp.example.com", "host/bastion.corp.example.com"]
ENT_KRB_FAILURES = [("NEEDED_PREAUTH", "Additional pre-authentication required"), ("NEEDED_PREAUTH", "Additional pre-authentication required"),
                    ("NEEDED_PREAUTH", "Additional pre-authentication required"), ("PREAUTH_FAILED", "Preauthentication failed"),
                    ("CLIENT_NOT_FOUND", "Client not found in Kerberos database")]
ENT_NAS = [("wlc-01", "mac"), ("wlc-02", "mac"), ("vpn-gw", "ip")]
ENT_RADIUS_REJECTS = ["", "", " (mschap: MS-CHAP2-Response is incorrect)", ' (rlm_pap: Cleartext password does not match "known good" password)']
ENT_DHCP_HOSTS = [("dhcp-01", "1432"), ("dhcp-02", "1388")]
ENT_DHCP_VIA = [("eth0", "10.0.0"), ("10.20.0.1", "10.20.1"), ("10.30.0.1", "10.30.4")]
ENT_DHCP_NAMES = ["iPhone", "DESKTOP-7H2K9Q1", "LAPTOP-JSMITH", "printer-3f-hp", "Galaxy-S23", "MacBook-Pro"]
ENT_DNS_NAMES = ["intranet.corp.example.com.", "ldap-01.corp.example.com.", "gitea.corp.example.com.", "outlook.office365.com.",
                 "github.com.", "api.github.com.", "www.google.com.", "time.cloudflare.com.", "_ldap._tcp.corp.example.com.",
                 "_kerberos._udp.corp.example.com.", "wpad.corp.example.com.", "registry-1.docker.io."]
ENT_F2B_JAILS = ["sshd", "sshd", "sshd", "nginx-http-auth", "freeradius"]
ENT_EXIM_FROM = ["alerts@corp.example.com", "noreply@github.com", "billing@vendor.io", "jsmith@partner.org", "newsletter@shop.example.net"]
ENT_EXIM_RCPT = ["jsmith@corp.example.com", "amartin@corp.example.com", "it-ops@corp.example.com", "lchen@corp.example.com"]
ENT_EXIM_REMOTE = [("bob@acme.io", "mx.acme.io", "10.9.8.7"), ("k.ito@partner.org", "mail.partner.org", "10.44.1.25"),
                   ("orders@vendor.io", "aspmx.l.google.com", "142.250.102.27")]
ENT_EXIM_HELO = ["mail-ej1-f54.google.com", "smtp.partner.org", "(localhost)", "mx1.vendor.io (mx1.vendor.io)"]
ENT_EXIM_DEFER = [("-44", "SMTP error from remote mail server after RCPT TO:<{r}>: 451 4.7.1 Greylisted, please try again later"),
                  ("-45", "SMTP error from remote mail server after end of data: 421 4.7.0 Try again later, closing connection."),
                  ("110", "Connection timed out")]
ENT_EXIM_REJECT = ["relay not permitted", "Unrouteable address", "relay not permitted", "Sender verify failed"]
ENT_TLS = ["TLS1.3:TLS_AES_256_GCM_SHA384:256", "TLS1.3:TLS_AES_256_GCM_SHA384:256", "TLS1.2:ECDHE-RSA-AES128-GCM-SHA256:128"]
ENT_UWSGI_PIDS = ["41", "42", "43", "44"]
ENT_UWSGI_ROUTES = [("GET", "/api/v1/tickets?page={n}"), ("GET", "/api/v1/tickets/{n}"), ("POST", "/api/v1/tickets"),
                    ("GET", "/healthz"), ("GET", "/static/css/app.{h}.css"), ("PATCH", "/api/v1/tickets/{n}")]
ENT_GITEA_ROUTES = [("GET", "/{o}/{r}", "repo/view.go:757(repo.Home)"),
                    ("GET", "/{o}/{r}/pulls/{n}", "repo/pull.go:319(repo.ViewPullCommits)"),
                    ("GET", "/{o}/{r}.git/info/refs?service=git-upload-pack", "repo/githttp.go:540(repo.GetInfoRefs)"),
                    ("POST", "/{o}/{r}.git/git-upload-pack", "repo/githttp.go:532(repo.ServiceUploadPack)"),
                    ("GET", "/api/v1/repos/{o}/{r}/pulls?state=open", "repo/pull.go:97(repo.ListPullRequests)"),
                    ("GET", "/api/healthz", "healthcheck/check.go:67(healthcheck.Check)"),
                    ("GET", "/user/login", "auth/auth.go:160(auth.SignIn)")]
ENT_GITEA_REPOS = [("platform", "infra"), ("platform", "ansible-roles"), ("shop", "frontend"), ("shop", "orders-api"), ("jsmith", "dotfiles")]
ENT_WF_DEPLOYMENTS = [("shop.war", "/shop"), ("billing.war", "/billing"), ("admin-console.war", "/admin")]
ENT_WF_ERRORS = ['java.lang.NullPointerException: Cannot invoke "com.acme.shop.cart.Cart.getItems()" because "cart" is null',
                 "jakarta.ws.rs.ProcessingException: RESTEASY004655: Unable to invoke request: java.net.ConnectException: Connection refused",
                 "org.hibernate.exception.JDBCConnectionException: Unable to acquire JDBC Connection"]
ENT_QUARKUS_APPS = [("orders-service", "1.4.2", "3.6.4", "agroal, cdi, hibernate-orm, hibernate-orm-panache, jdbc-postgresql, narayana-jta, rest, rest-jackson, smallrye-context-propagation, smallrye-health, vertx"),
                    ("inventory", "0.9.17", "3.6.4", "cdi, kafka-client, messaging-kafka, rest, rest-jackson, smallrye-context-propagation, smallrye-health, vertx"),
                    ("notification-gateway", "2.1.0", "3.2.9.Final", "cdi, qute, rest-client-reactive, resteasy-reactive, smallrye-context-propagation, vertx")]
ENT_QUARKUS_URIS = ["/api/orders", "/api/orders/{n}", "/api/stock/{n}/reserve", "/q/health/ready"]
ENT_AGROAL = ["Datasource '<default>': Connection to postgres-primary:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.",
              "Datasource '<default>': FATAL: remaining connection slots are reserved for non-replication superuser connections"]
ENT_TELEGRAF_OUTPUTS = ["influxdb_v2", "influxdb_v2", "influxdb_v2", "kafka", "file"]
ENT_TELEGRAF_ERRORS = [("snmp", "agent 10.0.9.1: performing get on field sysUpTime: request timeout (after 3 retries)"),
                       ("snmp", "agent 10.0.9.2: performing get on field sysUpTime: request timeout (after 3 retries)"),
                       ("docker", "Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/info\": dial unix /var/run/docker.sock: connect: permission denied"),
                       ("http_response", "Get \"https://intranet.corp.example.com/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)")]
ENT_INFLUX_BUCKETS = ["7a2e1c9d4b8f6031", "c41d09e5a3b72f18", "0f6b3e2a9d1c4857"]


def enterprise_events() -> list[tuple[float, str, dict]]:
    """On-premises enterprise services none of the other corpora covers: OpenLDAP slapd
    (stats log through rsyslog), the MIT Kerberos KDC, FreeRADIUS, ISC dhcpd, unbound,
    fail2ban, Exim, uWSGI, Gitea, WildFly, Quarkus, Telegraf and InfluxDB 2. Written before
    any rule change of the tenth issue-15 pass and scored once."""

    def rfc3339(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}+00:00"

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def epoch(g: Gen) -> str:
        return str(g.r.randint(1764720000, 1764806399))

    def user(g: Gen) -> str:
        return g.r.choice(ENT_USERS)

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice([45, 61, 103, 141, 185, 193, 194, 218])}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    def mac(g: Gen) -> str:
        return ":".join(g.hexs(2) for _ in range(6))

    # OpenLDAP slapd
    def conn(g: Gen) -> str:
        return g.num(1000, 48000)

    def op(g: Gen) -> str:
        return str(min(g.r.randint(0, 3), g.r.randint(0, 12)))

    def fd(g: Gen) -> str:
        return g.num(12, 64)

    def secs6(hi: float):
        return lambda g: f"{g.r.uniform(0, hi):.6f}"

    def bind_dn(g: Gen) -> str:
        return g.r.choice([f"cn=admin,{ENT_SUFFIX}", f"cn=sssd-reader,ou=services,{ENT_SUFFIX}", f"cn=sssd-reader,ou=services,{ENT_SUFFIX}",
                           f"uid={user(g)},ou=people,{ENT_SUFFIX}", f"uid={user(g)},ou=people,{ENT_SUFFIX}", ""])

    def srch_base(g: Gen) -> str:
        kind = g.r.choice(["user", "user", "user", "group", "group", "root", "suffix"])
        u = user(g)
        g.drawn = {"user": ("2", f"(&(objectClass=posixAccount)(uid={u}))"), "group": ("2", f"(&(objectClass=posixGroup)(memberUid={u}))"),
                   "root": ("0", "(objectClass=*)"), "suffix": ("2", f"(uid={u})")}[kind]
        return {"user": f"ou=people,{ENT_SUFFIX}", "group": f"ou=groups,{ENT_SUFFIX}", "root": "", "suffix": ENT_SUFFIX}[kind]

    def srch_attrs(g: Gen) -> str:
        k = g.r.choice([1, 1, 2, 3, 4, 6, 9])
        return " ".join(g.r.sample(ENT_LDAP_ATTRS, k)) if g.r.random() < 0.9 else g.r.choice(["1.1", "+", "* +"])

    def search_err(g: Gen) -> str:
        e = g.r.choice(["0"] * 12 + ["32", "4"])
        g.drawn = ({"0": g.r.choice(["1", "1", "1", "0", "2", g.num(3, 40)]), "32": "0", "4": "500"}[e],)
        return e

    # Kerberos KDC
    def krb_user(g: Gen) -> str:
        return g.r.choice([f"{user(g)}@{ENT_REALM}"] * 4 + [f"host/ws-{g.num(100, 480)}.corp.example.com@{ENT_REALM}"])

    def krb_rep(g: Gen) -> str:
        e = g.r.choice(["aes256-cts-hmac-sha1-96(18)"] * 5 + ["aes256-cts-hmac-sha384-192(20)"])
        return f"etypes {{rep={e}, tkt=aes256-cts-hmac-sha1-96(18), ses={e}}}"

    def as_sname(g: Gen) -> str:
        return g.r.choice([f"krbtgt/{ENT_REALM}@{ENT_REALM}"] * 12 + [f"kadmin/changepw@{ENT_REALM}"])

    # FreeRADIUS
    def radius_ts(g: Gen) -> str:
        return f"Thu Dec  3 {hms(g)} 2026"

    def nas(g: Gen) -> str:
        name, kind = g.r.choice(ENT_NAS)
        cli = "-".join(g.hexs(2).upper() for _ in range(6)) if kind == "mac" else public_ip(g)
        g.drawn = (name, "0" if kind == "mac" else g.num(1, 4095), cli, g.r.choice(["", " via TLS tunnel"]) if kind == "mac" else "")
        return name

    def radius_user(g: Gen) -> str:
        return g.r.choice([user(g)] * 6 + [f"{user(g)}@corp.example.com", "anonymous@corp.example.com", f"host/ws-{g.num(100, 480)}.corp.example.com"])

    # ISC dhcpd
    def lease_ip(g: Gen) -> str:
        return f"{g.drawn[1]}.{g.r.randint(20, 250)}"

    def via(g: Gen) -> str:
        g.drawn = g.r.choice(ENT_DHCP_VIA)
        return g.drawn[0]

    def dhcp_client(g: Gen) -> str:
        # the client's MAC, then its hostname option ("(name) ") when it sent one
        via(g)
        m = mac(g)
        name = g.r.choice(["", "", f"({g.r.choice(ENT_DHCP_NAMES)}) ", f"(android-{g.hexs(16)}) "])
        g.drawn = (*g.drawn, name, m)
        return m

    def dhcp_lease(g: Gen) -> str:
        via(g)
        ip = lease_ip(g)
        name = g.r.choice(["", "", f"({g.r.choice(ENT_DHCP_NAMES)}) ", f"(android-{g.hexs(16)}) "])
        g.drawn = (*g.drawn, name, mac(g))
        return ip

    # unbound
    def ub_thread(g: Gen) -> str:
        return g.r.choice(["0", "1"])

    def ub_query(g: Gen) -> str:
        qtype = g.r.choice(["A"] * 8 + ["AAAA"] * 4 + ["PTR", "PTR", "SRV", "TXT"])
        if qtype == "PTR":
            name = f"{g.r.randint(1, 254)}.{g.r.randint(0, 9)}.{g.r.choice(['0', '20', '30'])}.10.in-addr.arpa."
        elif qtype == "SRV":
            name = g.r.choice(["_ldap._tcp.corp.example.com.", "_kerberos._udp.corp.example.com."])
        else:
            name = g.r.choice([*ENT_DNS_NAMES, f"ws-{g.num(100, 480)}.corp.example.com."])
        cached = g.r.random() < 0.6
        rcode = g.r.choice(["NOERROR"] * 12 + ["NXDOMAIN", "NXDOMAIN", "SERVFAIL"])
        g.drawn = (qtype, rcode, "0.000000" if cached else f"{g.r.uniform(0.0005, 0.4):.6f}", "1" if cached else "0",
                   g.num(40, 140) if qtype != "TXT" else g.num(200, 900))
        return name

    def ub_stats(g: Gen) -> str:
        q = g.r.randint(2000, 90000)
        c = int(q * g.r.uniform(0.5, 0.8))
        g.drawn = (str(c), str(q - c), str(int(c * g.r.uniform(0, 0.05))))
        return str(q)

    # fail2ban
    def f2b_ts(g: Gen) -> str:
        t = hms(g)
        g.drawn = (t,)
        return f"2026-12-03 {t},{g.num(0, 999):0>3}"

    # Exim
    def exim_id(g: Gen) -> str:
        b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return ("1t" + "".join(g.r.choice(b62) for _ in range(4)) + "-" + "".join(g.r.choice(b62) for _ in range(6)) + "-"
                + "".join(g.r.choice(b62) for _ in range(2)))

    def exim_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def exim_defer(g: Gen) -> str:
        rcpt, host, ip = g.r.choice(ENT_EXIM_REMOTE)
        code, text = g.r.choice(ENT_EXIM_DEFER)
        g.drawn = (host, ip, text.replace("{r}", rcpt), code)
        return rcpt

    # uWSGI
    def ctime(g: Gen) -> str:
        return f"Thu Dec  3 {hms(g)} 2026"

    def uwsgi_req(g: Gen) -> str:
        total = g.r.randint(1, 60000)
        g.drawn = (str(total),)
        return str(g.r.randint(1, total))

    def uwsgi_route(g: Gen) -> str:
        m, path = g.r.choice(ENT_UWSGI_ROUTES)
        status = {"GET": g.r.choice(["200"] * 8 + ["304", "404"]), "POST": g.r.choice(["201", "201", "400"]),
                  "PATCH": g.r.choice(["200", "200", "409"])}[m]
        if path == "/healthz":
            status = "200"
        g.drawn = (path.replace("{n}", g.num(1, 48000)).replace("{h}", g.hexs(8)), status)
        return m

    # Gitea
    def gitea_route(g: Gen) -> str:
        m, path, handler = g.r.choice(ENT_GITEA_ROUTES)
        o, r = g.r.choice(ENT_GITEA_REPOS)
        status = g.r.choice(["200 OK"] * 10 + ["304 Not Modified", "404 Not Found"])
        if handler.startswith("repo/githttp") and g.r.random() < 0.2:
            status = "401 Unauthorized"
        g.drawn = (path.replace("{o}", o).replace("{r}", r).replace("{n}", g.num(1, 900)), handler, *status.split(" ", 1))
        return m

    def gitea_ms(g: Gen) -> str:
        return f"{g.r.choice([g.r.uniform(0.2, 20), g.r.uniform(0.2, 20), g.r.uniform(20, 900)]):.1f}ms"

    # WildFly and Quarkus
    def wf_ts(g: Gen) -> str:
        return f"{hms(g)},{g.num(0, 999):0>3}"

    # Telegraf
    def go_duration(g: Gen) -> str:
        ns = g.r.choice([g.r.randint(300_000, 30_000_000), g.r.randint(300_000, 30_000_000), g.r.randint(30_000_000, 4_000_000_000)])
        if ns >= 1_000_000_000:
            return f"{ns / 1e9:.9f}".rstrip("0").rstrip(".") + "s"
        return f"{ns / 1e6:.6f}".rstrip("0").rstrip(".") + "ms"

    def tg_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    # InfluxDB 2
    def log_id(g: Gen) -> str:
        return "0" + "".join(g.r.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_~") for _ in range(7)) + "000"

    def influx_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def influx_ms(g: Gen) -> str:
        return f"{g.r.uniform(0.4, 900):.3f}ms"

    slapd = "{t} {h} slapd[{p}]: "
    slapd_hdr = {"t": rfc3339, "h": first(ENT_LDAP_HOSTS), "p": then(1)}
    kdc = "{t} {h} krb5kdc[{p}](info): "
    kdc_hdr = {"t": lambda g: f"Dec 03 {hms(g)}", "h": first(ENT_KDCS), "p": then(1)}
    dhcpd = "{t} {h} dhcpd[{p}]: "
    dhcpd_hdr = {"t": syslog_ts, "h": first(ENT_DHCP_HOSTS), "p": then(1)}
    return [
        # OpenLDAP slapd 2.6 (loglevel stats)
        (45, slapd + "conn={c} fd={fd} ACCEPT from {peer} ({lis})",
         {**slapd_hdr, "c": conn, "fd": fd, "peer": lambda g: f"IP={g.ip()}:{g.port()}", "lis": pick(["IP=0.0.0.0:389", "IP=0.0.0.0:389", "IP=0.0.0.0:389", "IP=0.0.0.0:636"])}),
        (12, slapd + "conn={c} op={o} EXT oid={oid}",
         {**slapd_hdr, "c": conn, "o": pick(["0"]), "oid": pick(["1.3.6.1.4.1.1466.20037", "1.3.6.1.4.1.1466.20037", "1.3.6.1.4.1.4203.1.11.3"])}),
        (15, slapd + "conn={c} fd={fd} TLS established tls_ssf={s} ssf={s2} tls_proto={tp} tls_cipher={tc}",
         {**slapd_hdr, "c": conn, "fd": fd, "s": pick(["256"]), "s2": pick(["256"]), "tp": first(ENT_LDAP_TLS), "tc": then(1)}),
        (40, slapd + 'conn={c} op={o} BIND dn="{dn}" method={m}', {**slapd_hdr, "c": conn, "o": op, "dn": bind_dn, "m": pick(["128"])}),
        (36, slapd + 'conn={c} op={o} BIND dn="{dn}" mech={m} bind_ssf=0 ssf={s}',
         {**slapd_hdr, "c": conn, "o": op, "dn": lambda g: bind_dn(g) or f"cn=admin,{ENT_SUFFIX}", "m": pick(["SIMPLE"]), "s": pick(["0", "256", "256"])}),
        (80, slapd + "conn={c} op={o} RESULT tag={tag} err={e} qtime={q} etime={et} text={x}",
         {**slapd_hdr, "c": conn, "o": op, "tag": first(ENT_LDAP_RESULTS), "e": then(1), "q": secs6(0.0002), "et": secs6(0.004), "x": then(2)}),
        (12, slapd + "conn={c} op={o} RESULT oid={oid} err={e} qtime={q} etime={et} text={x}",
         {**slapd_hdr, "c": conn, "o": pick(["0"]), "oid": pick([""]), "e": pick(["0"]), "q": secs6(0.0002), "et": secs6(0.004), "x": pick([""])}),
        (130, slapd + 'conn={c} op={o} SRCH base="{b}" scope={s} deref={d} filter="{f}"',
         {**slapd_hdr, "c": conn, "o": op, "b": srch_base, "s": then(0), "d": pick(["0"]), "f": then(1)}),
        (70, slapd + "conn={c} op={o} SRCH attr={a}", {**slapd_hdr, "c": conn, "o": op, "a": srch_attrs}),
        (130, slapd + "conn={c} op={o} SEARCH RESULT tag={tag} err={e} qtime={q} etime={et} nentries={n} text={x}",
         {**slapd_hdr, "c": conn, "o": op, "tag": pick(["101"]), "e": search_err, "q": secs6(0.0002), "et": secs6(0.02), "n": then(0),
          "x": pick([""])}),
        (12, slapd + 'conn={c} op={o} MOD dn="{dn}"', {**slapd_hdr, "c": conn, "o": op, "dn": lambda g: f"uid={user(g)},ou=people,{ENT_SUFFIX}"}),
        (12, slapd + "conn={c} op={o} MOD attr={a}", {**slapd_hdr, "c": conn, "o": op, "a": lambda g: " ".join(g.r.choice(ENT_LDAP_MOD_ATTRS))}),
        (40, slapd + "conn={c} op={o} UNBIND", {**slapd_hdr, "c": conn, "o": op}),
        (45, slapd + "conn={c} fd={fd} closed{w}",
         {**slapd_hdr, "c": conn, "fd": fd, "w": pick(["", "", "", "", " (connection lost)", " (idletimeout)"])}),
        # MIT Kerberos KDC (kdc_log.c; krb5kdc.log file target)
        (35, kdc + "AS_REQ ({k}) {ip}: ISSUE: authtime {a}, {r}, {c} for {s}",
         {**kdc_hdr, "k": pick(ENT_KRB_KTYPES), "ip": lambda g: g.ip(), "a": epoch, "r": krb_rep, "c": krb_user, "s": as_sname}),
        (60, kdc + "TGS_REQ ({k}) {ip}: ISSUE: authtime {a}, {r}, {c} for {s}",
         {**kdc_hdr, "k": pick(ENT_KRB_KTYPES), "ip": lambda g: g.ip(), "a": epoch, "r": krb_rep, "c": krb_user,
          "s": lambda g: f"{g.r.choice(ENT_KRB_SERVICES)}@{ENT_REALM}"}),
        (25, kdc + "AS_REQ ({k}) {ip}: {st}: {c} for {s}, {e}",
         {**kdc_hdr, "k": pick(ENT_KRB_KTYPES), "ip": lambda g: g.ip(), "st": first(ENT_KRB_FAILURES), "c": krb_user,
          "s": pick([f"krbtgt/{ENT_REALM}@{ENT_REALM}"]), "e": then(1)}),
        # FreeRADIUS 3 (radius.log, auth = yes)
        (50, "{t} : Auth: ({n}) Login OK: [{u}] (from client {c} port {p} cli {cli}{tls})",
         {"t": radius_ts, "n": lambda g: g.num(1, 900000), "u": radius_user, "c": nas, "p": then(1), "cli": then(2), "tls": then(3)}),
        (15, "{t} : Auth: ({n}) Login incorrect{why}: [{u}] (from client {c} port {p} cli {cli}{tls})",
         {"t": radius_ts, "n": lambda g: g.num(1, 900000), "why": pick(ENT_RADIUS_REJECTS), "u": radius_user, "c": nas, "p": then(1),
          "cli": then(2), "tls": then(3)}),
        # ISC dhcpd 4.4
        (40, dhcpd + "DHCPDISCOVER from {m} {hn}via {v}", {**dhcpd_hdr, "m": dhcp_client, "hn": then(2), "v": then(0)}),
        (35, dhcpd + "DHCPOFFER on {ip} to {m} {hn}via {v}", {**dhcpd_hdr, "ip": dhcp_lease, "m": then(3), "hn": then(2), "v": then(0)}),
        (45, dhcpd + "DHCPREQUEST for {ip}{sid} from {m} {hn}via {v}",
         {**dhcpd_hdr, "ip": dhcp_lease, "sid": lambda g: g.r.choice(["", f" ({g.r.choice(['10.0.0.2', '10.0.0.3'])})"]), "m": then(3),
          "hn": then(2), "v": then(0)}),
        (45, dhcpd + "DHCPACK on {ip} to {m} {hn}via {v}", {**dhcpd_hdr, "ip": dhcp_lease, "m": then(3), "hn": then(2), "v": then(0)}),
        (6, dhcpd + "DHCPRELEASE of {ip} from {m} {hn}via {v} ({f})",
         {**dhcpd_hdr, "ip": dhcp_lease, "m": then(3), "hn": then(2), "v": then(0), "f": pick(["found", "found", "found", "not found"])}),
        (12, dhcpd + "reuse_lease: lease age {a} (secs) under 25% threshold, reply with unaltered, existing lease for {ip}",
         {**dhcpd_hdr, "a": lambda g: g.num(1, 21000), "ip": lambda g: via(g) and lease_ip(g)}),
        (4, dhcpd + "DHCPDISCOVER from {m} via {v}: network {n}: no free leases",
         {**dhcpd_hdr, "m": mac, "v": pick(["10.30.0.1"]), "n": pick(["10.30.4.0/24"])}),
        # unbound 1.17 (log-replies, log-time-ascii)
        (140, "Dec 03 {t} unbound[{p}:{th}] info: {ip} {q} {qt} {cl} {rc} {tm} {ca} {sz}",
         {"t": hms, "p": pick(["2318"]), "th": ub_thread, "ip": lambda g: g.ip(), "q": ub_query, "qt": then(0), "cl": pick(["IN"]), "rc": then(1), "tm": then(2),
          "ca": then(3), "sz": then(4)}),
        (6, "Dec 03 {t} unbound[{p}:{th}] info: server stats for thread {th2}: {q} queries, {c} answers from cache, {r} recursions, {pf} prefetch, {rl} rejected by ip ratelimiting",
         {"t": hms, "p": pick(["2318"]), "th": ub_thread, "th2": ub_thread, "q": ub_stats, "c": then(0), "r": then(1), "pf": then(2), "rl": pick(["0"])}),
        (6, "Dec 03 {t} unbound[{p}:{th}] info: server stats for thread {th2}: requestlist max {m} avg {a} exceeded {e} jostled {j}",
         {"t": hms, "p": pick(["2318"]), "th": ub_thread, "th2": ub_thread, "m": lambda g: g.num(4, 60), "a": lambda g: f"{g.r.uniform(0, 6):.5g}",
          "e": pick(["0", "0", "0", "3"]), "j": pick(["0"])}),
        # fail2ban 1.0 (fail2ban.log)
        (45, "{t} fail2ban.filter         [{p}]: INFO    [{j}] Found {ip} - 2026-12-03 {t2}",
         {"t": f2b_ts, "p": pick(["917"]), "j": pick(ENT_F2B_JAILS), "ip": public_ip, "t2": then(0)}),
        (12, "{t} fail2ban.actions        [{p}]: NOTICE  [{j}] Ban {ip}", {"t": f2b_ts, "p": pick(["917"]), "j": pick(ENT_F2B_JAILS), "ip": public_ip}),
        (10, "{t} fail2ban.actions        [{p}]: NOTICE  [{j}] Unban {ip}", {"t": f2b_ts, "p": pick(["917"]), "j": pick(ENT_F2B_JAILS), "ip": public_ip}),
        (4, "{t} fail2ban.actions        [{p}]: WARNING [{j}] {ip} already banned", {"t": f2b_ts, "p": pick(["917"]), "j": pick(ENT_F2B_JAILS), "ip": public_ip}),
        # Exim 4.96 (mainlog, default log_selector)
        (30, "{t} {i} <= {f} H={h} [{ip}] P={p} X={x} CV={cv} S={s} id={mid}",
         {"t": exim_ts, "i": exim_id, "f": pick(ENT_EXIM_FROM), "h": pick(ENT_EXIM_HELO), "ip": public_ip, "p": pick(["esmtps", "esmtps", "esmtpsa"]),
          "x": pick(ENT_TLS), "cv": pick(["no"]), "s": lambda g: g.num(900, 900000), "mid": lambda g: f"{g.hexs(16)}@{g.r.choice(['mail.gmail.com', 'partner.org', 'vendor.io'])}"}),
        (30, '{t} {i} => {r} R={rt} T={tr} H={h} [{ip}] X={x} CV={cv} C="{c}"',
         {"t": exim_ts, "i": exim_id, "r": first(ENT_EXIM_REMOTE), "rt": pick(["dnslookup"]), "tr": pick(["remote_smtp"]), "h": then(1), "ip": then(2),
          "x": pick(ENT_TLS), "cv": pick(["yes", "yes", "yes", "no"]), "c": lambda g: g.r.choice([f"250 2.0.0 OK  {epoch(g)} {g.hexs(12)}.{g.num(1, 999)} - gsmtp", f"250 2.0.0 Ok: queued as {g.hexs(10).upper()}",
                                                        f"250 OK id={exim_id(g)}"])}),
        (30, "{t} {i} Completed", {"t": exim_ts, "i": exim_id}),
        (8, "{t} {i} == {r} R={rt} T={tr} defer ({c}) H={h} [{ip}]: {e}",
         {"t": exim_ts, "i": exim_id, "r": exim_defer, "rt": pick(["dnslookup"]), "tr": pick(["remote_smtp"]), "c": lambda g: g.drawn[3],
          "h": then(0), "ip": then(1), "e": then(2)}),
        (10, "{t} H=({helo}) [{ip}] F=<{f}> rejected RCPT <{r}>: {why}",
         {"t": exim_ts, "helo": pick(["localhost", "User", "ylmf-pc", "win-a8fq3l2"]), "ip": public_ip,
          "f": lambda g: f"{g.r.choice(['info', 'admin', 'support', 'no-reply'])}@{g.r.choice(['mail.ru', 'spam.example', 'qq.com'])}",
          "r": pick([*ENT_EXIM_RCPT, "test@gmail.com"]), "why": pick(ENT_EXIM_REJECT)}),
        # uWSGI 2.0 (default request logging)
        (80, "[pid: {p}|app: {ap}|req: {ra}/{rb}] {ip} ({u}) {{{v} vars in {b} bytes}} [{t}] {m} {uri} => generated {g} bytes in {ms} msecs ({pr} {s}) {hd} headers in {hb} bytes ({sw} switches on core {co})",
         {"p": pick(ENT_UWSGI_PIDS), "ap": pick(["0"]), "ra": uwsgi_req, "rb": then(0), "ip": lambda g: g.ip(), "u": pick([""] * 9 + ["svc-jenkins"]), "v": lambda g: g.num(28, 46),
          "b": lambda g: g.num(420, 1400), "t": ctime, "m": uwsgi_route, "uri": then(0), "g": lambda g: g.num(0, 90000),
          "ms": lambda g: g.r.choice([g.num(0, 40), g.num(0, 40), g.num(0, 40), g.num(40, 2400)]), "pr": pick(["HTTP/1.1", "HTTP/1.1", "HTTP/1.0"]), "s": then(1), "hd": lambda g: g.num(2, 7),
          "hb": lambda g: g.num(70, 420), "sw": pick(["1", "1", "1", "2"]), "co": pick(["0"])}),
        (4, "spawned uWSGI worker {w} (pid: {p}, cores: {c})", {"w": first([(str(i), p) for i, p in enumerate(ENT_UWSGI_PIDS, 1)]), "p": then(1), "c": pick(["1"])}),
        # Gitea 1.21 router log
        (60, "2026/12/03 {t} ...eb/routing/logger.go:102:func1() [I] router: completed {m} {uri} for {ip}:{port}, {sc} {sx} in {ms} @ {hd}",
         {"t": hms, "m": gitea_route, "uri": then(0), "ip": lambda g: g.ip(), "port": lambda g: g.port(), "sc": then(2),
          "sx": then(3), "ms": gitea_ms, "hd": then(1)}),
        (10, "2026/12/03 {t} ...eb/routing/logger.go:68:func1() [{l}] router: {w} {m} {uri} for {ip}:{port}, elapsed {ms} @ {hd}",
         {"t": hms, "l": first([("I", "long-polling", "GET", "/user/events", "events/events.go:18(events.Events)")] * 3
                               + [("W", "still-executing", "POST", "/shop/orders-api.git/git-upload-pack", "repo/githttp.go:532(repo.ServiceUploadPack)")]),
          "w": then(1), "m": then(2), "uri": then(3), "ip": lambda g: g.ip(), "port": lambda g: g.port(),
          "ms": lambda g: f"{g.r.uniform(3000, 60000):.1f}ms", "hd": then(4)}),
        # WildFly 30 (console handler)
        (3, '{t} INFO  [org.jboss.as.server.deployment] (MSC service thread 1-{n}) WFLYSRV0027: Starting deployment of "{d}" (runtime-name: "{d2}")',
         {"t": wf_ts, "n": lambda g: g.num(1, 8), "d": first(ENT_WF_DEPLOYMENTS), "d2": then(0)}),
        (3, "{t} INFO  [org.wildfly.extension.undertow] (ServerService Thread Pool -- {n}) WFLYUT0021: Registered web context: '{c}' for server '{s}'",
         {"t": wf_ts, "n": lambda g: g.num(40, 90), "c": lambda g: g.r.choice(ENT_WF_DEPLOYMENTS)[1], "s": pick(["default-server"])}),
        (3, '{t} INFO  [org.jboss.as.server] (ServerService Thread Pool -- {n}) WFLYSRV0010: Deployed "{d}" (runtime-name : "{d2}")',
         {"t": wf_ts, "n": lambda g: g.num(40, 90), "d": first(ENT_WF_DEPLOYMENTS), "d2": then(0)}),
        (10, "{t} ERROR [io.undertow.request] (default task-{n}) UT005023: Exception handling request to {u}: {e}",
         {"t": wf_ts, "n": lambda g: g.num(1, 128), "u": lambda g: g.r.choice(["/shop/api/cart", "/shop/api/cart/checkout", f"/billing/invoices/{g.num(1000, 99999)}"]),
          "e": pick(ENT_WF_ERRORS)}),
        # Quarkus 3 (default console format)
        (3, "2026-12-03 {t} INFO  [io.quarkus] (main) {a} {v} on JVM (powered by Quarkus {q}) started in {s}s. Listening on: http://0.0.0.0:8080",
         {"t": wf_ts, "a": first(ENT_QUARKUS_APPS), "v": then(1), "q": then(2), "s": lambda g: f"{g.r.uniform(0.8, 9):.3f}"}),
        (3, "2026-12-03 {t} INFO  [io.quarkus] (main) Installed features: [{f}]", {"t": wf_ts, "f": lambda g: g.r.choice(ENT_QUARKUS_APPS)[3]}),
        (3, "2026-12-03 {t} INFO  [io.quarkus] (Shutdown thread) {a} stopped in {s}s",
         {"t": wf_ts, "a": lambda g: g.r.choice(ENT_QUARKUS_APPS)[0], "s": lambda g: f"{g.r.uniform(0.01, 2):.3f}"}),
        (10, "2026-12-03 {t} ERROR [io.qua.ver.htt.run.QuarkusErrorHandler] (executor-thread-{n}) HTTP Request to {u} failed, error id: {e}",
         {"t": wf_ts, "n": lambda g: g.num(1, 200), "u": lambda g: g.r.choice(ENT_QUARKUS_URIS).replace("{n}", g.num(1, 99999)), "e": lambda g: f"{g.uuid()}-{g.num(1, 40)}"}),
        (5, "2026-12-03 {t} WARN  [io.agr.pool] (agroal-{n}) {m}", {"t": wf_ts, "n": lambda g: g.num(1, 40), "m": pick(ENT_AGROAL)}),
        # Telegraf 1.29
        (70, "{t} D! [outputs.{o}] Wrote batch of {n} metrics in {d}",
         {"t": tg_ts, "o": pick(ENT_TELEGRAF_OUTPUTS), "n": lambda g: g.r.choice(["1000", "1000", g.num(1, 999)]), "d": go_duration}),
        (45, "{t} D! [outputs.{o}] Buffer fullness: {n} / {lim} metrics",
         {"t": tg_ts, "o": pick(ENT_TELEGRAF_OUTPUTS), "n": lambda g: g.r.choice(["0", "0", g.num(1, 10000)]), "lim": pick(["10000", "10000", "50000"])}),
        (5, "{t} W! [outputs.{o}] Metric buffer overflow; {n} metrics have been dropped",
         {"t": tg_ts, "o": pick(["influxdb_v2", "kafka"]), "n": lambda g: g.num(1, 40000)}),
        (12, "{t} E! [inputs.{i}] Error in plugin: {e}", {"t": tg_ts, "i": first(ENT_TELEGRAF_ERRORS), "e": then(1)}),
        # InfluxDB 2.7 (logfmt)
        (12, 'ts={t} lvl=info msg="Cache snapshot (start)" log_id={l} service=storage-engine engine=tsm1 op_name=tsm1_cache_snapshot op_event=start',
         {"t": influx_ts, "l": log_id}),
        (12, 'ts={t} lvl=info msg="Snapshot for path written" log_id={l} service=storage-engine engine=tsm1 op_name=tsm1_cache_snapshot path={pa} duration={d}',
         {"t": influx_ts, "l": log_id, "pa": lambda g: f"/var/lib/influxdb2/engine/data/{g.r.choice(ENT_INFLUX_BUCKETS)}/autogen/{g.num(1, 900)}", "d": influx_ms}),
        (12, 'ts={t} lvl=info msg="Cache snapshot (end)" log_id={l} service=storage-engine engine=tsm1 op_name=tsm1_cache_snapshot op_event=end op_elapsed={d}',
         {"t": influx_ts, "l": log_id, "d": influx_ms}),
        (6, 'ts={t} lvl=info msg="TSM compaction (start)" log_id={l} service=storage-engine engine=tsm1 tsm1_level={lv} tsm1_strategy={st} op_name=tsm1_compact_group db_shard_id={s} op_event=start',
         {"t": influx_ts, "l": log_id, "lv": first([("1", "level"), ("1", "level"), ("2", "level"), ("3", "level"), ("4", "full")]), "st": then(1),
          "s": lambda g: g.num(1, 900)}),
    ]


HY_VPN_GWS = ["vpn-gw1", "vpn-gw2"]
HY_VPN_CONNS = ["rw-eap", "rw-eap", "rw-eap", "site-fra", "site-ams"]
HY_VPN_USERS = ["alice@corp.example.com", "bob@corp.example.com", "carol@corp.example.com", "dave@corp.example.com"]
HY_IKE_PAYLOADS = {"INFORMATIONAL": [[], [], ["D"], ["N(AUTH_LFT)"]],
                   "IKE_AUTH": [["EAP/REQ/ID"], ["EAP/RES/ID"], ["EAP/REQ/MSCHAPV2"], ["EAP/RES/MSCHAPV2"], ["EAP/SUCC"], ["AUTH"],
                                ["IDr", "CERT", "AUTH", "EAP/REQ/ID"], ["AUTH", "CPRP(ADDR DNS DNS)", "SA", "TSi", "TSr", "N(MOBIKE_SUP)", "N(ADD_4_ADDR)"]],
                   "CREATE_CHILD_SA": [["N(REKEY_SA)", "SA", "No", "TSi", "TSr"], ["SA", "No", "TSi", "TSr"]],
                   "IKE_SA_INIT": [["SA", "KE", "No", "N(NATD_S_IP)", "N(NATD_D_IP)", "N(FRAG_SUP)", "N(HASH_ALG)", "N(REDIR_SUP)"],
                                   ["SA", "KE", "No", "N(NATD_S_IP)", "N(NATD_D_IP)", "CERTREQ", "N(FRAG_SUP)", "N(HASH_ALG)", "N(CHDLESS_SUP)", "N(MULT_AUTH)"]]}
HY_PBX_HOST = "pbx-01"
HY_PBX_EXTS = ["101", "102", "104", "110", "200"]
HY_PBX_TRUNKS = ["sipgate", "twilio-eu"]
HY_SIP_REJECTS = ["No matching endpoint found", "No matching endpoint found", "No matching endpoint found", "Failed to authenticate",
                  "Failed to authenticate", "No matching endpoint found after 5 tries in 0.005 ms"]
HY_SIP_SCANNERS = ["sipvicious", "friendly-scanner", "pplsip", "sipcli/v1.8"]
HY_NAGIOS_HOSTS = ["web-01", "web-02", "db-01", "backup-01", "fw-core"]
HY_NAGIOS_SVCS = [("HTTP", "check_http"), ("Disk /", "check_disk"), ("PING", "check_ping"), ("SSH", "check_ssh"), ("Load", "check_load"),
                  ("MySQL replication", "check_mysql_slave")]
HY_NAGIOS_CONTACTS = ["oncall", "netops"]
HY_CACHES = [("cache-1", "812"), ("cache-2", "799")]
HY_VARNISH_URLS = ["/", "/", "/assets/app.{h}.js", "/assets/app.{h}.css", "/news/{n}", "/news/{n}", "/api/v2/articles?page={p}",
                   "/img/{h}.webp", "/favicon.ico", "/search?q=election+results", "/wp-login.php"]
HY_REFERERS = ["-", "-", "-", "https://www.example-news.com/", "https://www.google.com/", "https://www.example-news.com/news/{n}"]
HY_BROWSERS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
               "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
               "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
               "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "curl/8.5.0"]
HY_VMS = ["win2022-ad1", "ubuntu-build", "pfsense-edge"]
HY_LIBVIRT_JOBS = [("query", "none", "none"), ("modify", "none", "none"), ("none", "migration out", "none"), ("none", "none", "snapshot")]
HY_LIBVIRT_OWNERS = ["remoteDispatchDomainGetBlockInfo", "remoteDispatchDomainBlockJobAbort", "remoteDispatchDomainMemoryStats",
                     "qemuProcessReconnect"]
HY_HZ_MEMBERS = ["10.40.2.11", "10.40.2.12", "10.40.2.13"]
HY_HZ_REASONS = ["Connection closed by the other side", "Connection closed by the other side", "Exception in TcpServerConnection{id=0}",
                 "Member left event received from master"]
HY_JETTY_APPS = [("Shop", "/shop", "shop"), ("Admin", "/admin", "admin"), ("ROOT", "/", "root")]
HY_JETTY_URIS = ["/shop/api/cart", "/shop/api/orders/{n}", "/shop/checkout", "/admin/reports/export"]
HY_TIDB_USERS = ["app_rw", "app_ro", "etl"]
HY_TIDB_DBS = ["shop", "ledger"]
HY_TIDB_SQL = ["SELECT * FROM `orders` WHERE `customer_id` = ? ORDER BY `created_at` DESC LIMIT ?",
               "UPDATE `stock` SET `qty` = `qty` - ? WHERE `sku` = ?", "INSERT INTO `ledger_entries` (`account_id`,`amount`,`ts`) VALUES (?,?,?)",
               "SELECT `sku`, SUM(`qty`) FROM `order_items` JOIN `orders` ON `orders`.`id` = `order_items`.`order_id` GROUP BY `sku`",
               "DELETE FROM `sessions` WHERE `expires_at` < ?"]
HY_TIDB_ERRORS = ["[kv:9007]Write conflict, txnStartTS=%s, conflictStartTS=%s, conflictCommitTS=%s, key={tableID=%s, handle=%s} primary={tableID=%s, handle=%s} [try again later]",
                  "[executor:1205]Lock wait timeout exceeded; try restarting transaction",
                  "[kv:1062]Duplicate entry '%s' for key 'orders.PRIMARY'",
                  "[executor:8175]Your query has been cancelled due to exceeding the allowed memory limit for a single SQL query. Please try narrowing your query scope or increase the tidb_mem_quota_query limit and try again.[conn=%s]"]
HY_SYNAPSE_ROUTES = [("GET", "/_matrix/client/v3/sync?filter={f}&timeout=30000&since=s{n}_{m}_0_1_1_1_1_{k}_0_1", "client"),
                     ("GET", "/_matrix/client/v3/sync?filter={f}&timeout=30000&since=s{n}_{m}_0_1_1_1_1_{k}_0_1", "client"),
                     ("GET", "/_matrix/client/v3/sync?filter={f}&timeout=30000&since=s{n}_{m}_0_1_1_1_1_{k}_0_1", "client"),
                     ("PUT", "/_matrix/client/v3/rooms/!{r}:matrix.example.org/send/m.room.message/{t}", "client"),
                     ("POST", "/_matrix/client/v3/keys/query", "client"), ("GET", "/_matrix/client/v3/pushrules/", "client"),
                     ("PUT", "/_matrix/client/v3/rooms/!{r}:matrix.example.org/typing/@{u}:matrix.example.org", "client"),
                     ("PUT", "/_matrix/federation/v1/send/{t}", "federation"), ("PUT", "/_matrix/federation/v1/send/{t}", "federation"),
                     ("GET", "/_matrix/key/v2/server", "federation"), ("GET", "/_matrix/federation/v1/query/profile?user_id=%40{u}%3Amatrix.example.org&field=displayname", "federation")]
HY_MATRIX_USERS = ["alice", "bob", "carol", "ops-bot"]
HY_MATRIX_SERVERS = ["matrix.org", "mozilla.org", "kde.org", "fosdem.org"]
HY_MATRIX_CLIENTS = ["Element/1.11.85 (Linux; Android 14; Pixel 8)", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Element/1.11.85 Chrome/130.0.6723.137 Electron/33.2.0 Safari/537.36",
                     "mautrix-go/v0.22.0"]
HY_COUCH_DBS = ["orders", "_users", "sessions"]
HY_COUCH_NODES = ["couchdb@couch-0.couch.data.svc", "couchdb@couch-1.couch.data.svc", "couchdb@couch-2.couch.data.svc"]
HY_COUCH_USERS = ["admin", "app", "undefined"]


def hybrid_events() -> list[tuple[float, str, dict]]:
    """Self-hosted communication, edge, virtualisation and data services none of the other
    corpora covers: Matrix Synapse, Asterisk, strongSwan charon, Varnish (varnishd and
    varnishncsa), Jetty, Nagios Core, libvirtd, Hazelcast, Apache CouchDB, TiDB and vLLM.
    Written before any rule change of the eleventh issue-15 pass and scored once."""

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice([31, 77, 89, 109, 176, 188, 213])}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    # strongSwan charon (syslog)
    def ike_thread(g: Gen) -> str:
        return f"{g.r.randint(1, 16):02d}"

    def ike_sa(g: Gen) -> str:
        conn = g.r.choice(HY_VPN_CONNS)
        peer = public_ip(g)
        remote_id = g.r.choice(HY_VPN_USERS) if conn == "rw-eap" else {"site-fra": "fra-gw.corp.example.com", "site-ams": "ams-gw.corp.example.com"}[conn]
        local_ip = g.r.choice(["198.51.100.10", "198.51.100.11"])
        g.drawn = (conn, g.num(1, 4800), local_ip, "vpn.corp.example.com", peer, remote_id, "10.8.0.0/16", g.r.choice(["10.250.0.0/16", f"10.10.{g.r.randint(1, 200)}.{g.r.randint(2, 254)}/32"]))
        return conn

    def ike_exchange(g: Gen) -> str:
        ex = g.r.choice(["INFORMATIONAL"] * 6 + ["IKE_AUTH"] * 4 + ["CREATE_CHILD_SA", "IKE_SA_INIT", "IKE_SA_INIT"])
        payloads = g.r.choice(HY_IKE_PAYLOADS[ex])
        g.drawn = (*g.drawn, ex, g.r.choice(["request", "response"]), g.num(0, 400) if ex != "IKE_SA_INIT" else "0", "".join(f"{p} " for p in payloads))
        return ex

    def spi(g: Gen) -> str:
        return g.hexs(8)

    # Asterisk (FreePBX-style dateformat %F %T)
    def ast_ts(g: Gen) -> str:
        return f"[2026-12-03 {hms(g)}]"

    def call_id(g: Gen) -> str:
        return f"C-{g.r.randint(0, 0x3ff):08x}"

    def chan(g: Gen) -> str:
        if g.r.random() < 0.3:
            return f"PJSIP/{g.r.choice(HY_PBX_TRUNKS)}-{g.r.randint(0, 0xfff):08x}"
        return f"PJSIP/{g.r.choice(HY_PBX_EXTS)}-{g.r.randint(0, 0xfff):08x}"

    def dialplan_step(g: Gen) -> str:
        ext, ctx, prio, app, data = g.r.choice([
            ("s", "macro-dial-one", "1", "Set", "DEXTEN={x}"), ("s", "macro-dial-one", "2", "Set", "DIALSTATUS_CW="),
            ("s", "macro-dial-one", "3", "GotoIf", "1?initialize"), ("{x}", "from-internal", "1", "Macro", "exten-vm,novm,{x},0,0,0"),
            ("s", "macro-exten-vm", "1", "Macro", "user-callerid,"), ("s", "macro-user-callerid", "1", "Set", "TOUCH_MONITOR={e}.{k}"),
            ("s", "macro-user-callerid", "2", "Set", "AMPUSER={x}"), ("s", "macro-dial-one", "40", "Dial", "PJSIP/{x}/sip:{x}@{ip}:{p},20,HhTtrM(auto-blkvm)b(func-apply-sipheaders^s^1,({x}))"),
            ("{d}", "from-trunk", "1", "Set", "__FROM_DID=${{EXTEN}}"), ("{d}", "from-trunk", "2", "Goto", "from-did-direct,{x},1"),
            ("h", "macro-dial-one", "1", "Macro", "hangupcall,"), ("s", "macro-hangupcall", "3", "Hangup", ""),
            ("*97", "from-internal", "1", "VoiceMailMain", "{x}@default"), ("{x}", "ext-local", "2", "Playback", "custom/closed&vm-goodbye")])
        x = g.r.choice(HY_PBX_EXTS)
        d = g.r.choice(["4930123456", "4930123457"])
        fill = {"x": x, "d": d, "e": str(1764720000 + g.r.randint(0, 86399)), "k": g.num(1, 900), "ip": g.ip(), "p": g.port()}
        g.drawn = (ext.format(**fill), ctx, prio, app, chan(g), data.format(**fill))
        return g.drawn[0]

    # Nagios Core
    def nagios_check(g: Gen) -> str:
        host = g.r.choice(HY_NAGIOS_HOSTS)
        svc, cmd = g.r.choice(HY_NAGIOS_SVCS)
        state = g.r.choice(["CRITICAL", "CRITICAL", "WARNING", "OK", "OK", "UNKNOWN"])
        out = {
            "check_http": {"OK": f"HTTP OK: HTTP/1.1 200 OK - {g.num(900, 90000)} bytes in {g.r.uniform(0.002, 0.9):.3f} second response time",
                           "CRITICAL": g.r.choice(["CRITICAL - Socket timeout after 10 seconds", "connect to address 10.20.0.11 and port 80: Connection refused"]),
                           "WARNING": f"HTTP WARNING: HTTP/1.1 404 Not Found - {g.num(300, 900)} bytes in {g.r.uniform(0.002, 0.9):.3f} second response time"},
            "check_disk": {"OK": f"DISK OK - free space: / {g.num(9000, 90000)} MB ({g.num(20, 80)}% inode={g.num(80, 99)}%);",
                           "CRITICAL": f"DISK CRITICAL - free space: / {g.num(10, 900)} MB ({g.num(1, 4)}% inode={g.num(80, 99)}%);",
                           "WARNING": f"DISK WARNING - free space: / {g.num(900, 3000)} MB ({g.num(5, 9)}% inode={g.num(80, 99)}%);"},
            "check_ping": {"OK": f"PING OK - Packet loss = 0%, RTA = {g.r.uniform(0.1, 3):.2f} ms", "CRITICAL": "PING CRITICAL - Packet loss = 100%",
                           "WARNING": f"PING WARNING - Packet loss = {g.r.choice(['20', '40'])}%, RTA = {g.r.uniform(90, 300):.2f} ms"},
            "check_ssh": {"OK": "SSH OK - OpenSSH_9.6p1 Ubuntu-3ubuntu13.5 (protocol 2.0)", "CRITICAL": "CRITICAL - Socket timeout after 10 seconds",
                          "WARNING": "CRITICAL - Socket timeout after 10 seconds"},
            "check_load": {"OK": f"OK - load average: {g.r.uniform(0, 2):.2f}, {g.r.uniform(0, 2):.2f}, {g.r.uniform(0, 2):.2f}",
                           "CRITICAL": f"CRITICAL - load average: {g.r.uniform(20, 40):.2f}, {g.r.uniform(15, 30):.2f}, {g.r.uniform(10, 20):.2f}",
                           "WARNING": f"WARNING - load average: {g.r.uniform(8, 15):.2f}, {g.r.uniform(6, 12):.2f}, {g.r.uniform(4, 9):.2f}"},
            "check_mysql_slave": {"OK": f"Uptime: {g.num(9000, 900000)}  Replicating: Yes  Seconds Behind Master: 0",
                                  "CRITICAL": "Slave IO thread not running", "WARNING": f"Slow query log: Seconds Behind Master: {g.num(60, 900)}"},
        }[cmd]
        if state == "UNKNOWN":
            text = f"(Return code of {g.r.choice(['127', '126'])} is out of bounds - plugin may be missing)"
        else:
            text = out[state]
        attempt = "1" if state == "OK" else g.r.choice(["1", "2", "3"])
        kind = "HARD" if attempt == "3" or (state == "OK" and g.r.random() < 0.5) else "SOFT"
        g.drawn = (svc, state, kind, attempt, text, cmd)
        return host

    # Varnish
    def varnish_req(g: Gen) -> str:
        url = g.r.choice(HY_VARNISH_URLS)
        url = url.replace("{h}", g.hexs(8)).replace("{n}", g.num(1000, 98000)).replace("{p}", g.num(1, 40))
        method = "POST" if url == "/wp-login.php" and g.r.random() < 0.7 else g.r.choice(["GET"] * 12 + ["HEAD"])
        status = g.r.choice(["200"] * 12 + ["304", "304", "301", "404", "503"])
        if url == "/wp-login.php":
            status = "404"
        ref = g.r.choice(HY_REFERERS).replace("{n}", g.num(1000, 98000))
        g.drawn = (f"{method} http://www.example-news.com{url} HTTP/{g.r.choice(['1.1', '1.1', '2.0'])}", status,
                   "0" if status == "304" else g.num(120, 400000), ref, g.r.choice(HY_BROWSERS))
        return g.drawn[0]

    # libvirtd
    def lv_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}+0000"

    def lv_job(g: Gen) -> str:
        job = g.r.choice(HY_LIBVIRT_JOBS)
        cur = g.r.choice([j for j in HY_LIBVIRT_JOBS if j != job])
        g.drawn = (*job, *cur)
        return job[0]

    # Hazelcast (docker image log4j2 pattern)
    def hz_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{g.num(0, 999):0>3}"

    def hz_member(g: Gen) -> str:
        me = g.r.choice(HY_HZ_MEMBERS)
        other = g.r.choice([m for m in HY_HZ_MEMBERS if m != me])
        g.drawn = (me, other)
        return me

    # Jetty 9.4 (StdErrLog)
    def jetty_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}"

    def jetty_ctx(g: Gen) -> str:
        name, path, war = g.r.choice(HY_JETTY_APPS)
        return f"o.e.j.w.WebAppContext@{g.hexs(8)}{{{name},{path},file:///tmp/jetty-0_0_0_0-8080-{war}_war-_{war}-any-{g.num(10**17, 10**18)}/webapp/,AVAILABLE}}{{/var/lib/jetty/webapps/{war}.war}}"

    # vLLM
    def vllm_ts(g: Gen) -> str:
        return f"12-03 {hms(g)}"

    def vllm_stats(g: Gen) -> str:
        running = g.r.choice([0, 0, g.r.randint(1, 8), g.r.randint(1, 48), g.r.randint(1, 48)])
        pending = 0 if running < 40 else g.r.randint(0, 30)
        gen = 0.0 if running == 0 else g.r.uniform(20, 900)
        prompt = 0.0 if running == 0 or g.r.random() < 0.4 else g.r.uniform(50, 9000)
        g.drawn = (f"{gen:.1f}", str(running), g.r.choice(["0"] * 9 + [str(g.r.randint(1, 4))]), str(pending),
                   f"{0 if running == 0 else g.r.uniform(0.1, 99):.1f}", "0.0")
        return f"{prompt:.1f}"

    # TiDB
    def tidb_ts(g: Gen) -> str:
        return f"[2026/12/03 {hms(g)}.{g.num(0, 999):0>3} +00:00]"

    def tso(g: Gen) -> str:
        return str(454_000_000_000_000_000 + g.r.randint(0, 10**15))

    def tidb_conn(g: Gen) -> str:
        return str(g.r.choice([2199023255552, 1099511627776]) + g.r.randint(1, 9000))

    def tidb_err(g: Gen) -> str:
        e = g.r.choice(HY_TIDB_ERRORS)
        args = iter([tso(g), tso(g), tso(g), g.num(100, 180), g.num(1, 10**6), g.num(100, 180), g.num(1, 10**6)])
        if "Duplicate" in e:
            args = iter([g.num(1, 10**6)])
        if "memory limit" in e:
            args = iter([tidb_conn(g)])
        while "%s" in e:
            e = e.replace("%s", next(args), 1)
        return e

    # Synapse
    def syn_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{g.num(0, 999):0>3}"

    def syn_route(g: Gen) -> str:
        m, uri, site = g.r.choice(HY_SYNAPSE_ROUTES)
        uri = (uri.replace("{f}", g.r.choice(["0", "1", "2"])).replace("{n}", g.num(10**6, 9 * 10**6)).replace("{m}", g.num(10**5, 9 * 10**5))
               .replace("{k}", g.num(1000, 99999)).replace("{r}", "".join(g.r.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(18)))
               .replace("{t}", g.r.choice([f"m{1764720000000 + g.r.randint(0, 86399999)}.{g.num(0, 40)}", str(1764720000000 + g.r.randint(0, 86399999))]))
               .replace("{u}", g.r.choice(HY_MATRIX_USERS)))
        port = "8008" if site == "client" else "8448"
        requester = f"@{g.r.choice(HY_MATRIX_USERS)}:matrix.example.org" if site == "client" else g.r.choice(HY_MATRIX_SERVERS)
        if uri.startswith("/_matrix/key"):
            requester = "None"
        status = g.r.choice(["200"] * 14 + ["401", "404", "429"])
        if "sync" in uri and g.r.random() < 0.1:
            status = "200!"
        agent = g.r.choice(HY_MATRIX_CLIENTS) if site == "client" else f"Synapse/{g.r.choice(['1.120.2', '1.119.0', '1.121.1'])}"
        g.drawn = (port, m, g.num(1, 400000), g.ip() if site == "client" else public_ip(g), port, requester, uri, status, agent)
        return port

    def secs(hi: float):
        return lambda g: f"{g.r.choice([g.r.uniform(0, hi / 30), g.r.uniform(0, hi)]):.3f}"

    def couch_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def couch_req(g: Gen) -> str:
        db = g.r.choice(HY_COUCH_DBS)
        m, uri, code = g.r.choice([
            ("GET", f"/{db}/_all_docs?include_docs=true&limit={g.r.choice(['50', '100'])}", "200"),
            ("GET", f"/{db}/{g.uuid().replace('-', '')}", g.r.choice(["200", "200", "404"])),
            ("PUT", f"/{db}/{g.uuid().replace('-', '')}", g.r.choice(["201", "201", "409"])),
            ("POST", f"/{db}/_bulk_docs", "201"), ("GET", f"/{db}/_changes?feed=longpoll&since=now&heartbeat=10000", "200"),
            ("GET", "/_up", "200"), ("POST", "/_session", g.r.choice(["200", "401"]))])
        g.drawn = (g.r.choice(["couchdb.data.svc:5984", "10.40.3.20:5984"]), g.ip(), g.r.choice(HY_COUCH_USERS), m, uri, code,
                   "ok", g.num(1, 60) if "longpoll" not in uri else g.num(100, 10000))
        return g.drawn[0]

    charon = "{t} {h} charon: {th}"
    charon_hdr = {"t": syslog_ts, "h": pick(HY_VPN_GWS), "th": ike_thread}
    varnishd = "{t} {h} varnishd[{p}]: "
    varnishd_hdr = {"t": syslog_ts, "h": first(HY_CACHES), "p": then(1)}
    def hz(logger: str) -> str:
        return "{t} [ INFO] [hz.{inst}.{thr}] [" + logger + "]: [{me}]:5701 [prod] [5.5.2] "

    return [
        # strongSwan charon 5.9 (syslog, ike_name = yes)
        (70, charon + "[NET] <{c}|{i}> received packet: from {ip}[{port}] to {lip}[4500] ({n} bytes)",
         {**charon_hdr, "c": ike_sa, "i": then(1), "ip": then(4), "port": lambda g: g.r.choice(["4500", "4500", g.port()]), "lip": then(2),
          "n": lambda g: g.r.choice(["80", "80", "96", g.num(100, 1500)])}),
        (70, charon + "[NET] <{c}|{i}> sending packet: from {lip}[4500] to {ip}[{port}] ({n} bytes)",
         {**charon_hdr, "c": ike_sa, "i": then(1), "lip": then(2), "ip": then(4), "port": lambda g: g.r.choice(["4500", "4500", g.port()]),
          "n": lambda g: g.r.choice(["80", "80", "96", g.num(100, 1500)])}),
        (60, charon + "[ENC] <{c}|{i}> parsed {ex} {rr} {mid} [ {pl}]",
         {**charon_hdr, "c": lambda g: ike_sa(g) and ike_exchange(g) and g.drawn[0], "i": then(1), "ex": then(8), "rr": then(9), "mid": then(10), "pl": then(11)}),
        (60, charon + "[ENC] <{c}|{i}> generating {ex} {rr} {mid} [ {pl}]",
         {**charon_hdr, "c": lambda g: ike_sa(g) and ike_exchange(g) and g.drawn[0], "i": then(1), "ex": then(8), "rr": then(9), "mid": then(10), "pl": then(11)}),
        (14, charon + "[IKE] <{c}|{i}> {ip} is initiating an IKE_SA", {**charon_hdr, "c": ike_sa, "i": then(1), "ip": then(4)}),
        (14, charon + "[IKE] <{c}|{i}> IKE_SA {c2}[{i2}] established between {lip}[{lid}]...{ip}[{rid}]",
         {**charon_hdr, "c": ike_sa, "i": then(1), "c2": then(0), "i2": then(1), "lip": then(2), "lid": then(3), "ip": then(4), "rid": then(5)}),
        (14, charon + "[CHD] <{c}|{i}> CHILD_SA {c2}{{{n}}} established with SPIs {a}_i {b}_o and TS {ts1} === {ts2}",
         {**charon_hdr, "c": ike_sa, "i": then(1), "c2": then(0), "n": lambda g: g.num(1, 9000), "a": spi, "b": spi, "ts1": lambda g: g.drawn[6],
          "ts2": lambda g: g.drawn[7]}),
        (12, charon + "[IKE] <{c}|{i}> deleting IKE_SA {c2}[{i2}] between {lip}[{lid}]...{ip}[{rid}]",
         {**charon_hdr, "c": ike_sa, "i": then(1), "c2": then(0), "i2": then(1), "lip": then(2), "lid": then(3), "ip": then(4), "rid": then(5)}),
        # Asterisk 20 (full log, FreePBX dateformat)
        (190, "{t} VERBOSE[{tid}][{cid}] pbx.c: Executing [{ext}@{ctx}:{pr}] {app}(\"{ch}\", \"{data}\") in new stack",
         {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "cid": call_id, "ext": dialplan_step, "ctx": then(1), "pr": then(2), "app": then(3),
          "ch": then(4), "data": then(5)}),
        (25, "{t} VERBOSE[{tid}][{cid}] app_dial.c: Called {d}",
         {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "cid": call_id, "d": lambda g: f"PJSIP/{g.r.choice(HY_PBX_EXTS)}/sip:{g.r.choice(HY_PBX_EXTS)}@{g.ip()}:{g.port()}"}),
        (22, "{t} VERBOSE[{tid}][{cid}] app_dial.c: {ch} is ringing", {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "cid": call_id, "ch": chan}),
        (16, "{t} VERBOSE[{tid}][{cid}] app_dial.c: {ch} answered {ch2}",
         {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "cid": call_id, "ch": chan, "ch2": chan}),
        (16, "{t} VERBOSE[{tid}][{cid}] pbx.c: Spawn extension ({ctx}, {ext}, {pr}) exited non-zero on '{ch}'",
         {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "cid": call_id, "ctx": pick(["macro-dial-one", "from-internal", "from-trunk"]),
          "ext": lambda g: g.r.choice(["s", "s", *HY_PBX_EXTS]), "pr": lambda g: g.r.choice(["1", "40", "52", "7"]), "ch": chan}),
        (10, "{t} VERBOSE[{tid}] res_pjsip/pjsip_configuration.c: Endpoint {ep} is now {st}",
         {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "ep": lambda g: g.r.choice([*HY_PBX_EXTS, *HY_PBX_TRUNKS]), "st": pick(["Reachable", "Reachable", "Unreachable"])}),
        (30, "{t} NOTICE[{tid}] res_pjsip/pjsip_distributor.c: Request '{m}' from '\"{n}\" <sip:{u}@{h}>' failed for '{ip}:{p}' (callid: {c}) - {why}",
         {"t": ast_ts, "tid": lambda g: g.num(2000, 32000), "m": pick(["REGISTER", "REGISTER", "INVITE", "OPTIONS"]), "n": lambda g: g.r.choice(["100", "1001", "admin", "sipvicious"]),
          "u": lambda g: g.r.choice(["100", "1001", "admin", "201"]), "h": lambda g: g.r.choice(["198.51.100.20", "pbx.corp.example.com"]), "ip": public_ip,
          "p": lambda g: g.r.choice(["5060", "5060", g.port()]), "c": lambda g: g.r.choice([g.hexs(32), f"{g.num(10**9, 4 * 10**9)}{g.num(10**9, 4 * 10**9)}"]),
          "why": pick(HY_SIP_REJECTS)}),
        # Varnish 7 (varnishncsa default format; varnishd management process through syslog)
        (240, '{ip} - {u} [03/Dec/2026:{t} +0000] "{r}" {s} {b} "{ref}" "{ua}"',
         {"ip": public_ip, "u": pick(["-"] * 30 + ["editor"]), "t": hms, "r": varnish_req, "s": then(1), "b": then(2), "ref": then(3), "ua": then(4)}),
        (3, varnishd + "Child ({c}) Started", {**varnishd_hdr, "c": lambda g: g.num(800, 40000)}),
        (4, varnishd + "Child ({c}) said {m}", {**varnishd_hdr, "c": lambda g: g.num(800, 40000), "m": pick(["Child starts", "Child starts", "SMF.s0 mmap'ed 1073741824 bytes of 1073741824"])}),
        (2, varnishd + "Child ({c}) not responding to CLI, killed it.", {**varnishd_hdr, "c": lambda g: g.num(800, 40000)}),
        (2, varnishd + "Child ({c}) died signal={s}{core}", {**varnishd_hdr, "c": lambda g: g.num(800, 40000), "s": pick(["6", "9"]), "core": pick([" (core dumped)", ""])}),
        # Jetty 9.4 (StdErrLog)
        (3, "{t}:INFO:oejs.Server:main: Started @{n}ms", {"t": jetty_ts, "n": lambda g: g.num(900, 9000)}),
        (4, "{t}:INFO:oejsh.ContextHandler:main: Started {c}", {"t": jetty_ts, "c": jetty_ctx}),
        (3, "{t}:INFO:oejs.AbstractConnector:main: Started ServerConnector@{h}{{HTTP/1.1, (http/1.1)}}{{0.0.0.0:{p}}}",
         {"t": jetty_ts, "h": lambda g: g.hexs(8), "p": pick(["8080", "8443"])}),
        (3, "{t}:INFO:oejs.session:main: {w} Scavenging every {n}ms", {"t": jetty_ts, "w": pick(["node0"]), "n": pick(["600000", "660000"])}),
        (14, "{t}:WARN:oejs.HttpChannel:qtp{q}-{n}: {u}",
         {"t": jetty_ts, "q": pick(["1297685781", "1297685781", "2054798982"]), "n": lambda g: g.num(14, 220),
          "u": lambda g: g.r.choice(HY_JETTY_URIS).replace("{n}", g.num(1000, 99999))}),
        # Nagios Core 4 (nagios.log)
        (50, "[{e}] SERVICE ALERT: {h};{s};{st};{k};{a};{o}",
         {"e": lambda g: str(1764720000 + g.r.randint(0, 86399)), "h": nagios_check, "s": then(0), "st": then(1), "k": then(2), "a": then(3), "o": then(4)}),
        (14, "[{e}] HOST ALERT: {h};{st};{k};{a};{o}",
         {"e": lambda g: str(1764720000 + g.r.randint(0, 86399)), "h": first([(h,) for h in HY_NAGIOS_HOSTS]),
          "st": first([("DOWN", "SOFT", "1", "CRITICAL - Host Unreachable (10.20.0.{x})"), ("DOWN", "HARD", "3", "PING CRITICAL - Packet loss = 100%"),
                       ("UP", "HARD", "1", "PING OK - Packet loss = 0%, RTA = {r} ms"), ("UP", "SOFT", "2", "PING OK - Packet loss = 0%, RTA = {r} ms")]),
          "k": then(1), "a": then(2), "o": lambda g: g.drawn[3].replace("{x}", g.num(2, 250)).replace("{r}", f"{g.r.uniform(0.1, 3):.2f}")}),
        (22, "[{e}] SERVICE NOTIFICATION: {c};{h};{s};{st};notify-service-by-{via};{o}",
         {"e": lambda g: str(1764720000 + g.r.randint(0, 86399)), "c": pick(HY_NAGIOS_CONTACTS), "h": nagios_check, "s": then(0), "st": then(1),
          "via": pick(["email", "email", "slack"]), "o": then(4)}),
        (6, "[{e}] SERVICE FLAPPING ALERT: {h};{s};STARTED; Service appears to have started flapping ({a}% change >= {b}% threshold)",
         {"e": lambda g: str(1764720000 + g.r.randint(0, 86399)), "h": nagios_check, "s": then(0), "a": lambda g: f"{g.r.uniform(20, 60):.1f}", "b": pick(["20.0"])}),
        (5, "[{e}] Warning: Return code of {rc} for check of service '{s}' on host '{h}' was out of bounds.{x}",
         {"e": lambda g: str(1764720000 + g.r.randint(0, 86399)),
          "rc": first([("127", " Make sure the plugin you're trying to run actually exists."), ("126", " Make sure the plugin you're trying to run actually exists."), ("255", "")]),
          "s": pick([s for s, _ in HY_NAGIOS_SVCS]), "h": pick(HY_NAGIOS_HOSTS), "x": then(1)}),
        (4, "[{e}] Auto-save of retention data completed successfully.", {"e": lambda g: str(1764720000 + g.r.randint(0, 86399))}),
        # libvirtd 10 (log_outputs="3:file:/var/log/libvirt/libvirtd.log")
        (6, "{t}: {tid}: error : qemuMonitorIO:578 : internal error: End of file from qemu monitor (vm='{vm}')",
         {"t": lv_ts, "tid": lambda g: g.num(1500, 9000), "vm": pick(HY_VMS)}),
        (10, "{t}: {tid}: error : virNetSocketReadWire:1782 : End of file while reading data: Input/output error",
         {"t": lv_ts, "tid": lambda g: g.num(1500, 9000)}),
        (6, "{t}: {tid}: warning : virDomainObjBeginJobInternal:354 : Cannot start job ({a}, {b}, {c}) for domain {vm}; current job is ({d}, {e}, {f}) owned by ({o} {on}, {ao} {an}, {so} {sn} (flags=0x{fl})) for ({s}s, {s2}s, {s3}s)",
         {"t": lv_ts, "tid": lambda g: g.num(1500, 9000), "a": lv_job, "b": then(1), "c": then(2), "vm": pick(HY_VMS), "d": then(3), "e": then(4),
          "f": then(5), "o": lambda g: g.num(1500, 9000), "on": pick(HY_LIBVIRT_OWNERS), "ao": pick(["0"]), "an": pick(["<null>"]),
          "so": first([("0", "<null>", "0")] * 3 + [("4312", "remoteDispatchDomainMigratePerform3Params", "1")]), "sn": then(1), "fl": then(2),
          "s": lambda g: g.num(30, 900), "s2": pick(["0"]), "s3": lambda g: g.r.choice(["0", "0", g.num(30, 900)])}),
        (6, "{t}: {tid}: error : virDomainObjBeginJobInternal:395 : Timed out during operation: cannot acquire state change lock (held by monitor={on})",
         {"t": lv_ts, "tid": lambda g: g.num(1500, 9000), "on": pick(HY_LIBVIRT_OWNERS)}),
        # Hazelcast 5.5 (docker image log4j2 pattern)
        (12, hz("c.h.i.s.t.TcpServerConnection") + "Connection[id={n}, /{me2}:5701->/{peer}:{p}, qualifier=null, endpoint=[{peer2}]:5701, remoteUuid={u}, alive=false, connectionType=MEMBER, planeIndex={pi}] closed. Reason: {r}",
         {"t": hz_ts, "inst": pick(["brave_hertz", "quirky_turing"]), "thr": lambda g: f"IO.thread-in-{g.r.randint(0, 2)}",
          "me": hz_member, "n": lambda g: g.num(1, 400), "me2": then(0), "peer": then(1), "p": Gen.port, "peer2": then(1), "u": Gen.uuid, "pi": pick(["0", "1", "2"]), "r": pick(HY_HZ_REASONS)}),
        (12, hz("c.h.i.s.t.TcpServerConnectionManager") + "Initialized new cluster connection between /{me2}:5701 and /{peer}:{p}",
         {"t": hz_ts, "inst": pick(["brave_hertz", "quirky_turing"]), "thr": lambda g: f"IO.thread-in-{g.r.randint(0, 2)}",
          "me": hz_member, "me2": then(0), "peer": then(1), "p": Gen.port}),
        (4, hz("c.h.i.p.i.MigrationManager") + "Repartitioning cluster data. Migration tasks count: {n}",
         {"t": hz_ts, "inst": pick(["brave_hertz", "quirky_turing"]), "thr": pick(["migration"]), "me": hz_member,
          "n": lambda g: g.num(90, 271)}),
        (4, hz("c.h.i.p.i.MigrationManager") + "All migration tasks have been completed. (repartitionTime=Thu Dec 03 {rt} UTC 2026, plannedMigrations={a}, completedMigrations={b}, remainingMigrations=0, totalCompletedMigrations={c})",
         {"t": hz_ts, "inst": pick(["brave_hertz", "quirky_turing"]), "thr": pick(["migration"]), "me": hz_member,
          "rt": hms, "a": first([(str(n),) for n in (90, 136, 204, 271)]), "b": then(0),
          "c": lambda g: g.num(271, 9000)}),
        # Apache CouchDB 3.3 (couch_log default format)
        (130, "[notice] {t} {node} <0.{pa}.0> {nonce} {host} {peer} {u} {m} {uri} {code} {st} {ms}",
         {"t": couch_ts, "node": pick(HY_COUCH_NODES), "pa": lambda g: g.num(200, 40000), "nonce": lambda g: g.hexs(10), "host": couch_req, "peer": then(1),
          "u": then(2), "m": then(3), "uri": then(4), "code": then(5), "st": then(6), "ms": then(7)}),
        (6, '[info] {t} {node} <0.{pa}.0> -------- Starting compaction for db "shards/{r}/{db}.{e}" at {n}',
         {"t": couch_ts, "node": pick(HY_COUCH_NODES), "pa": lambda g: g.num(200, 40000), "r": pick(["00000000-7fffffff", "80000000-ffffffff"]),
          "db": pick(HY_COUCH_DBS), "e": pick(["1701432219", "1712009844"]), "n": lambda g: g.num(1000, 9 * 10**6)}),
        # TiDB 8 (unified log format)
        (30, '{t} [INFO] [server.go:740] ["new connection"] [conn={c}] [remoteAddr={ip}:{p}]',
         {"t": tidb_ts, "c": tidb_conn, "ip": lambda g: g.ip(), "p": Gen.port}),
        (6, '{t} [INFO] [gc_worker.go:764] ["[gc worker] starts the whole job"] [uuid={u}] [safePoint={sp}] [concurrency={n}]',
         {"t": tidb_ts, "u": lambda g: g.hexs(16), "sp": tso, "n": pick(["3"])}),
        (6, '{t} [INFO] [gc_worker.go:1182] ["[gc worker] finish resolve locks"] [uuid={u}] [safePoint={sp}] [try-resolve-locks-ts={ts}] [regions={n}]',
         {"t": tidb_ts, "u": lambda g: g.hexs(16), "sp": tso, "ts": tso, "n": lambda g: g.num(10, 9000)}),
        (8, '{t} [WARN] [expensivequery.go:145] [expensive_query] [cost_time={c}s] [conn={cn}] [user={u}] [database={db}] [table_ids="[{ids}]"] [txn_start_ts={ts}] [mem_max="{m} Bytes ({mm} MB)"] [sql="{sql}"]',
         {"t": tidb_ts, "c": lambda g: f"{g.r.uniform(60, 600):.9f}".rstrip("0"), "cn": tidb_conn, "u": pick(HY_TIDB_USERS), "db": pick(HY_TIDB_DBS),
          "ids": lambda g: ",".join(str(g.r.randint(100, 180)) for _ in range(g.r.randint(1, 3))), "ts": tso,
          "m": first([(str(n), f"{n / 2**20:.2f}") for n in (183738, 40960123, 1073741824)]), "mm": then(1), "sql": pick(HY_TIDB_SQL)}),
        (16, '{t} [INFO] [conn.go:1100] ["command dispatched failed"] [conn={c}] [connInfo="id:{c2}, addr:{ip}:{p} status:{s}, collation:utf8mb4_general_ci, user:{u}"] [command=Query] [status="inTxn:{tx}, autocommit:1"] [sql="{sql}"] [txn_mode=PESSIMISTIC] [timestamp={ts}] [err="{e}"]',
         {"t": tidb_ts, "c": first([(str(2199023255552 + n),) for n in range(1, 40)]), "c2": then(0), "ip": lambda g: g.ip(), "p": Gen.port,
          "s": pick(["10", "11"]), "u": pick(HY_TIDB_USERS), "tx": pick(["0", "1"]), "sql": pick(HY_TIDB_SQL), "ts": tso, "e": tidb_err}),
        # vLLM 0.6 (OpenAI-compatible server, V0 engine)
        (70, "INFO {t} metrics.py:351] Avg prompt throughput: {a} tokens/s, Avg generation throughput: {b} tokens/s, Running: {r} reqs, Swapped: {s} reqs, Pending: {p} reqs, GPU KV cache usage: {g}%, CPU KV cache usage: {c}%.",
         {"t": vllm_ts, "a": vllm_stats, "b": then(0), "r": then(1), "s": then(2), "p": then(3), "g": then(4), "c": then(5)}),
        (90, "INFO {t} async_llm_engine.py:208] Added request {rid}.",
         {"t": vllm_ts, "rid": lambda g: g.r.choice([f"chat-{g.hexs(32)}", f"chat-{g.hexs(32)}", f"cmpl-{g.hexs(32)}-0"])}),
        (80, "INFO {t} async_llm_engine.py:176] Finished request {rid}.",
         {"t": vllm_ts, "rid": lambda g: g.r.choice([f"chat-{g.hexs(32)}", f"chat-{g.hexs(32)}", f"cmpl-{g.hexs(32)}-0"])}),
        (5, "WARNING {t} scheduler.py:1089] Sequence group {sg} is preempted by PreemptionMode.{mode} mode because there is not enough KV cache space. This can affect the end-to-end performance. Increase gpu_memory_utilization or tensor_parallel_size to provide more KV cache memory. total_num_cumulative_preemption={n}",
         {"t": vllm_ts, "sg": lambda g: f"chat-{g.hexs(32)}", "mode": pick(["RECOMPUTE", "RECOMPUTE", "SWAP"]), "n": lambda g: g.num(1, 400)}),
        # Matrix Synapse 1.120 (default log config)
        (190, "{t} - synapse.access.http.{port} - 473 - INFO - {m}-{n} - {ip} - {p2} - {{{who}}} Processed request: {a}sec/{b}sec ({c}sec, {d}sec) ({e}sec/{f}sec/{k}) {len}B {code} \"{m2} {uri} HTTP/1.1\" \"{ua}\" [{ev} dbevts]",
         {"t": syn_ts, "port": syn_route, "m": then(1), "n": then(2), "ip": then(3), "p2": then(4), "who": then(5), "a": secs(30), "b": secs(0.01),
          "c": secs(0.3), "d": secs(0.05), "e": secs(0.05), "f": secs(0.2), "k": lambda g: g.num(0, 12), "len": lambda g: g.num(2, 40000),
          "code": lambda g: g.drawn[7], "m2": then(1), "uri": lambda g: g.drawn[6], "ua": lambda g: g.drawn[8], "ev": pick(["0", "0", "0", "1", "3"])}),
        (25, "{t} - synapse.http.matrixfederationclient - 1287 - INFO - {req} - {{{m}-O-{n}}} [{d}] Got response headers: {code} {ph}",
         {"t": syn_ts, "req": lambda g: g.r.choice([f"federation_transaction_transmission_loop-{g.num(1, 90000)}", f"PUT-{g.num(1, 400000)}", f"GET-{g.num(1, 400000)}"]),
          "m": pick(["PUT", "PUT", "GET"]), "n": lambda g: g.num(1, 90000), "d": pick(HY_MATRIX_SERVERS),
          "code": first([("200", "OK")] * 8 + [("404", "Not Found"), ("403", "Forbidden"), ("502", "Bad Gateway")]), "ph": then(1)}),
    ]


RS_PARTITIONS = ["normal", "gpu", "long"]
RS_SLURM_USERS = [("alice", "10231"), ("bkumar", "10487"), ("cwei", "11002"), ("dmueller", "10876")]
RS_NODE_PREFIXES = ["cn", "gpu"]
RS_SHARES = ["projects", "scratch", "homes"]
RS_DOMAIN_USERS = ["alice", "bkumar", "cwei", "svc-backup"]
RS_WORKSTATIONS = ["LAB-PC-014", "LAB-PC-022", "WS-IMAGING"]
RS_NFS_SERVERS = ["nfs01", "nfs02"]
RS_EXPORTS = ["/export/home", "/export/scratch", "/export/datasets"]
RS_KEA_IFACES = ["eth1", "eth2"]
RS_MODELS = ["resnet50", "bert_qa", "whisper_small"]
RS_HUB_USERS = ["alice", "bkumar", "cwei", "dmueller", "eosei"]
RS_PUPPET_HOSTS = ["cn017.hpc.example.edu", "gpu03.hpc.example.edu", "login01.hpc.example.edu"]
RS_PROXYSQL_BACKENDS = ["10.30.0.11", "10.30.0.12", "10.30.0.13"]
RS_MYSQL_ERRORS = [("1205", "Lock wait timeout exceeded; try restarting transaction"),
                   ("1213", "Deadlock found when trying to get lock; try restarting transaction"),
                   ("1062", "Duplicate entry '{n}' for key 'PRIMARY'"),
                   ("2013", "Lost connection to MySQL server during query")]
RS_ADMIN_COMMANDS = ["LOAD MYSQL SERVERS TO RUNTIME", "SAVE MYSQL SERVERS TO DISK", "LOAD MYSQL USERS TO RUNTIME",
                     "LOAD MYSQL QUERY RULES TO RUNTIME", "SAVE MYSQL VARIABLES TO DISK"]


def research_events() -> list[tuple[float, str, dict]]:
    """Research-computing services none of the other corpora covers: Slurm (slurmctld, slurmd,
    slurmstepd), Jupyter Server and JupyterHub, NVIDIA Triton Inference Server (glog), Samba
    (smbd, auth audit, vfs_full_audit), NFS (kernel client and server, rpc.mountd), ISC Kea
    DHCPv4, the Puppet agent and ProxySQL. Written before any rule change of the eleventh
    issue-15 pass reached main and scored once on the tenth-pass engine (held-out check)."""

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def slurm_ts(g: Gen) -> str:
        return f"[2026-12-03T{hms(g)}.{g.num(0, 999):0>3}]"

    def job(g: Gen) -> str:
        # %pJ: a plain job, or an array task with its own job id
        n = g.r.randint(4_180_000, 4_199_999)
        return g.r.choice([f"JobId={n}"] * 5 + [f"JobId={n}_{g.r.randint(0, 99)}({n + g.r.randint(1, 400)})"])

    def nodelist(g: Gen) -> str:
        p = g.r.choice(RS_NODE_PREFIXES)
        k = g.r.choice([1, 1, 1, 2, 4, 8])
        if k == 1:
            return f"{p}{g.r.randint(1, 64):03d}"
        a = g.r.randint(1, 56)
        return g.r.choice([f"{p}[{a:03d}-{a + k - 1:03d}]", f"{p}[{a:03d},{a + 3:03d}]" if k == 2 else f"{p}[{a:03d}-{a + k - 2:03d},{a + k + 2:03d}]"])

    def step(g: Gen) -> str:
        return f"StepId={g.r.randint(4_180_000, 4_199_999)}.{g.r.choice(['0', '0', '1', 'batch', 'extern'])}"

    def jup_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}"

    def jup_req(g: Gen) -> str:
        kid = g.uuid()
        user = g.r.choice(RS_HUB_USERS)
        m, uri, code = g.r.choice([
            ("GET", f"/user/{user}/api/kernels?{1764720000000 + g.r.randint(0, 86399999)}", "200"),
            ("GET", f"/user/{user}/api/contents/{g.r.choice(['analysis', 'thesis/figures', 'notebooks'])}?content=1&{1764720000000 + g.r.randint(0, 86399999)}", "200"),
            ("PUT", f"/user/{user}/api/contents/{g.r.choice(['analysis', 'notebooks'])}/{g.r.choice(['train.ipynb', 'eda.ipynb', 'Untitled1.ipynb'])}", "200"),
            ("GET", f"/user/{user}/api/kernels/{kid}/channels?session_id={g.uuid()}", "101"),
            ("POST", f"/user/{user}/api/sessions", "201"),
            ("GET", f"/user/{user}/api/metrics/v1", "200"),
            ("GET", f"/user/{user}/api/kernels/{kid}", g.r.choice(["200", "404"])),
            ("DELETE", f"/user/{user}/api/sessions/{g.uuid()}", "204"),
            ("GET", f"/user/{user}/lab/api/workspaces/auto-{g.r.choice('abcdefgh')}", g.r.choice(["200", "403"])),
            ("PATCH", f"/user/{user}/api/sessions/{g.uuid()}", "500")])
        level = "I" if code < "300" else ("W" if code < "500" else "E")
        ref = f" referer=https://hub.hpc.example.edu/user/{user}/lab" if code >= "400" else ""
        g.drawn = (level, code, m, uri, user, g.ip(), f"{g.r.choice([g.r.uniform(0.3, 9), g.r.uniform(0.3, 400)]):.2f}", ref)
        return level

    def hub_req(g: Gen) -> str:
        user = g.r.choice(RS_HUB_USERS)
        m, uri, code, who = g.r.choice([
            ("GET", "/hub/api/users?state=ready&offset=0&limit=200", "200", "cull-idle"),
            ("GET", f"/hub/api/users/{user}", "200", "cull-idle"),
            ("POST", f"/hub/api/users/{user}/activity", "200", user),
            ("GET", f"/hub/spawn-pending/{user}", "200", user),
            ("GET", f"/hub/api/users/{user}/server/progress", "200", user),
            ("GET", "/hub/home", "200", user),
            ("GET", f"/hub/user/{user}/api/kernels", "424", user),
            ("POST", "/hub/login?next=%2Fhub%2F", g.r.choice(["302", "302", "403"]), "unknown"),
            ("DELETE", f"/hub/api/users/{user}/server", "204", "cull-idle")])
        level = "I" if code < "400" else "W"
        g.drawn = (level, code, m, uri, who, g.r.choice(["10.60.0.4", "127.0.0.1", g.ip()]), f"{g.r.uniform(0.8, 90):.2f}")
        return level

    def glog_ts(g: Gen) -> str:
        return f"1203 {hms(g)}.{g.num(0, 999999):0>6}"

    def kea_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}"

    def kea_thread(g: Gen) -> str:
        return f"{g.r.choice(['2817', '2817', '40311'])}.{g.r.choice(['140244196931392', '140243960813248', '140243952420544', '140243944027840'])}"

    def mac(g: Gen) -> str:
        return ":".join(g.hexs(2) for _ in range(6))

    def kea_client(g: Gen) -> str:
        m = mac(g)
        cid = g.r.choice(["no info", f"01:{m}", f"ff:{g.hexs(2)}:{g.hexs(2)}:{g.hexs(2)}:{g.hexs(2)}:00:01:00:01:{g.hexs(2)}:{g.hexs(2)}:{g.hexs(2)}:{g.hexs(2)}:{m}"])
        return f"[hwtype=1 {m}], cid=[{cid}], tid=0x{g.hexs(8)}"

    def lab_ip(g: Gen) -> str:
        return f"10.{g.r.choice(['40', '41'])}.{g.r.randint(0, 3)}.{g.r.randint(10, 250)}"

    def puppet_change(g: Gen) -> str:
        kind = g.r.choice(["svc", "file", "file", "pkg", "cron"])
        if kind == "svc":
            s = g.r.choice(["chronyd", "slurmd", "munge", "node_exporter"])
            g.drawn = (f"/Stage[main]/Profile::{s.capitalize()}/Service[{s}]/ensure", "ensure", "'stopped'", "'running'", g.r.choice([" (corrective)", ""]))
        elif kind == "file":
            f = g.r.choice(["/etc/slurm/slurm.conf", "/etc/munge/munge.key", "/etc/security/limits.d/90-hpc.conf", "/scratch"])
            g.drawn = (f"/Stage[main]/Profile::Base/File[{f}]/mode", "mode", g.r.choice(["'0664'", "'0755'", "'1777'"]), g.r.choice(["'0400'", "'0644'"]), g.r.choice([" (corrective)", "", ""]))
        elif kind == "pkg":
            p = g.r.choice(["slurm-slurmd", "openmpi4", "cuda-drivers"])
            g.drawn = (f"/Stage[main]/Profile::Hpc/Package[{p}]/ensure", "ensure", f"'{g.r.randint(22, 24)}.{g.r.randint(1, 11)}.{g.r.randint(0, 9)}-1.el9'",
                       f"'{g.r.randint(23, 25)}.{g.r.randint(1, 11)}.{g.r.randint(0, 9)}-1.el9'", "")
        else:
            g.drawn = ("/Stage[main]/Profile::Scratch/Cron[purge-scratch]/minute", "minute", "['15']", "['45']", "")
        return g.drawn[0]

    def proxysql_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def mysql_err(g: Gen) -> str:
        code, msg = g.r.choice(RS_MYSQL_ERRORS)
        g.drawn = (code, msg.replace("{n}", g.num(1, 10**7)))
        return code

    def audit_op(g: Gen) -> str:
        u, share = g.r.choice(RS_DOMAIN_USERS), g.r.choice(RS_SHARES)
        d = g.r.choice(["2026/run-14", "microscopy/raw", "thesis", "backups/weekly", "team/shared docs"])
        f = g.r.choice(["sample_0412.tif", "results.csv", "chapter3.docx", f"frame_{g.num(0, 9999):0>5}.tif", "notes.txt"])
        op, res, arg = g.r.choice([
            ("openat", "ok", f"r|{d}/{f}"), ("openat", "ok", f"w|{d}/{f}"), ("openat", "fail (No such file or directory)", f"r|{d}/{f}"),
            ("close", "ok", f"{d}/{f}"), ("close", "ok", f"{d}/{f}"), ("unlinkat", "ok", f"{d}/{f}"), ("mkdirat", "ok", d),
            ("renameat", "ok", f"{d}/{f}.tmp|{d}/{f}"), ("connect_to", "ok", share), ("disconnect", "ok", share)])
        g.drawn = (f"{u}|{lab_ip(g)}|{share}", op, res, arg)
        return g.drawn[0]

    def smb_client(g: Gen) -> str:
        ip = lab_ip(g)
        g.drawn = (g.r.choice([w.lower() for w in RS_WORKSTATIONS] + [ip]), f"ipv4:{ip}:{g.port()}")
        return g.drawn[0]

    def smb_auth(g: Gen) -> str:
        u = g.r.choice(RS_DOMAIN_USERS)
        st = g.r.choice(["NT_STATUS_OK"] * 6 + ["NT_STATUS_WRONG_PASSWORD", "NT_STATUS_NO_SUCH_USER", "NT_STATUS_ACCOUNT_LOCKED_OUT"])
        logon = f" became [RESEARCH]\\[{u}] [S-1-5-21-2718281828-3141592653-1618033988-{g.r.randint(1100, 1400)}]." if st == "NT_STATUS_OK" else f" mapped to [RESEARCH]\\[{u}]."
        g.drawn = (g.r.choice(["SMB2", "SMB2", "SMB2", "SamLogon"]), g.r.choice(["(null)", "(null)", "network"]), "RESEARCH", u,
                   f"Thu, 03 Dec 2026 {hms(g)}.{g.num(0, 999999):0>6} UTC", g.r.choice(["NTLMv2", "NTLMv2", "Kerberos"]), st,
                   g.r.choice(RS_WORKSTATIONS), f"ipv4:{lab_ip(g)}:{g.port()}", logon)
        return g.drawn[0]

    def kea(level: str, logger: str) -> str:
        return "{t} " + f"{level:<5} [kea-dhcp4.{logger}/" + "{th}] "

    kea_hdr = {"t": kea_ts, "th": kea_thread}
    def jup(level: str) -> str:
        return f"[{level} " + "{t} ServerApp] "

    pupp = "{t} {h} puppet-agent[{pid}]: "
    pupp_hdr = {"t": syslog_ts, "h": pick(RS_PUPPET_HOSTS), "pid": lambda g: g.num(1000, 60000)}
    smbd = "{t} fs01 smbd[{pid}]: "
    smbd_hdr = {"t": syslog_ts, "pid": lambda g: g.num(2000, 90000)}
    kern = "{t} {h} kernel: [{up}] "
    kern_hdr = {"t": syslog_ts, "h": lambda g: g.r.choice([f"cn{g.r.randint(1, 64):03d}", f"gpu{g.r.randint(1, 8):03d}", "login01", "login02"]),
                "up": lambda g: f"{g.r.uniform(100, 3_000_000):12.6f}"}
    mountd = "{t} {h} rpc.mountd[{pid}]: "
    mountd_hdr = {"t": syslog_ts, "h": pick(RS_NFS_SERVERS), "pid": pick(["1187", "1203"])}
    def psql(src: str, level: str) -> str:
        return "{t} " + f"{src}: [{level}] "

    return [
        # Slurm 23.11 slurmctld (SlurmctldLogFile, %pJ job prints)
        (100, "{t} _slurm_rpc_submit_batch_job: {j} InitPrio={p} usec={u}",
         {"t": slurm_ts, "j": job, "p": lambda g: g.r.choice(["4294901759", str(g.r.randint(1000, 90000))]), "u": lambda g: g.num(200, 30000)}),
        (90, "{t} sched: Allocate {j} NodeList={n} #CPUs={c} Partition={p}",
         {"t": slurm_ts, "j": job, "n": nodelist, "c": pick(["1", "4", "8", "16", "32", "64", "128"]), "p": pick(RS_PARTITIONS)}),
        (30, "{t} sched/backfill: _start_job: Started {j} in {p} on {n}", {"t": slurm_ts, "j": job, "p": pick(RS_PARTITIONS), "n": nodelist}),
        (85, "{t} _job_complete: {j} WEXITSTATUS {s}", {"t": slurm_ts, "j": job, "s": pick(["0"] * 8 + ["1", "2", "127", "137"])}),
        (85, "{t} _job_complete: {j} done", {"t": slurm_ts, "j": job}),
        (14, "{t} Time limit exhausted for {j}", {"t": slurm_ts, "j": job}),
        (16, "{t} _slurm_rpc_kill_job: REQUEST_KILL_JOB {j} uid {u}", {"t": slurm_ts, "j": job, "u": lambda g: g.r.choice(RS_SLURM_USERS)[1]}),
        (6, "{t} error: Nodes {n} not responding", {"t": slurm_ts, "n": nodelist}),
        (6, "{t} Node {n} now responding", {"t": slurm_ts, "n": lambda g: f"{g.r.choice(RS_NODE_PREFIXES)}{g.r.randint(1, 64):03d}"}),
        # slurmd and slurmstepd (syslog)
        (45, "{t} {h} slurmd[{pid}]: launch task {s} request from UID:{u} GID:{gid} HOST:{ip} PORT:{p}",
         {"t": syslog_ts, "h": lambda g: f"{g.r.choice(RS_NODE_PREFIXES)}{g.r.randint(1, 64):03d}", "pid": lambda g: g.num(900, 4000), "s": step,
          "u": lambda g: g.r.choice(RS_SLURM_USERS)[1], "gid": pick(["10000", "10000", "20412"]), "ip": lab_ip, "p": Gen.port}),
        (40, "{t} {h} slurmstepd[{pid}]: [{s}] done with job",
         {"t": syslog_ts, "h": lambda g: f"{g.r.choice(RS_NODE_PREFIXES)}{g.r.randint(1, 64):03d}", "pid": lambda g: g.num(4000, 900000),
          "s": lambda g: f"{g.r.randint(4_180_000, 4_199_999)}.{g.r.choice(['0', 'batch', 'extern'])}"}),
        (10, "{t} {h} slurmstepd[{pid}]: error: Detected {n} oom-kill event(s) in {s}. Some of your processes may have been killed by the cgroup out-of-memory handler.",
         {"t": syslog_ts, "h": lambda g: f"{g.r.choice(RS_NODE_PREFIXES)}{g.r.randint(1, 64):03d}", "pid": lambda g: g.num(4000, 900000),
          "n": pick(["1", "1", "1", "2", "3"]), "s": step}),
        # Jupyter Server 2 (single-user servers behind JupyterHub) and JupyterHub 4
        (170, "[{lv} {t} ServerApp] {code} {m} {uri} ({u}@{ip}) {ms}ms{ref}",
         {"lv": jup_req, "t": jup_ts, "code": then(1), "m": then(2), "uri": then(3), "u": then(4), "ip": then(5), "ms": then(6), "ref": then(7)}),
        (18, jup("I") + "Kernel started: {k}", {"t": jup_ts, "k": Gen.uuid}),
        (12, jup("I") + "Kernel shutdown: {k}", {"t": jup_ts, "k": Gen.uuid}),
        (30, jup("I") + "Saving file at /{p}", {"t": jup_ts, "p": lambda g: f"{g.r.choice(['analysis', 'notebooks', 'thesis/figures'])}/{g.r.choice(['train.ipynb', 'eda.ipynb', 'Untitled1.ipynb', 'plots.py'])}"}),
        (8, jup("W") + "AsyncIOLoopKernelRestarter: restarting kernel ({a}/{b}), {how} random ports", {"t": jup_ts, "a": pick(["1", "1", "2", "3"]), "b": pick(["5"]), "how": pick(["keep", "keep", "new"])}),
        (16, jup("I") + "Starting buffering for {k}:{s}", {"t": jup_ts, "k": Gen.uuid, "s": Gen.uuid}),
        (110, "[{lv} {t} JupyterHub log:192] {code} {m} {uri} ({u}@{ip}) {ms}ms",
         {"lv": hub_req, "t": jup_ts, "code": then(1), "m": then(2), "uri": then(3), "u": then(4), "ip": then(5), "ms": then(6)}),
        (14, "[I {t} JupyterHub base:1090] User {u} took {s} seconds to start",
         {"t": jup_ts, "u": pick(RS_HUB_USERS), "s": lambda g: f"{g.r.uniform(2, 180):.3f}"}),
        (14, "[I {t} JupyterHub proxy:331] Adding user {u} to proxy /user/{u2}/ => http://{ip}:8888",
         {"t": jup_ts, "u": first([(u,) for u in RS_HUB_USERS]), "u2": then(0), "ip": lambda g: f"10.42.{g.r.randint(0, 7)}.{g.r.randint(2, 250)}"}),
        (10, "[I {t} JupyterHub base:837] User logged in: {u}", {"t": jup_ts, "u": pick(RS_HUB_USERS)}),
        # NVIDIA Triton Inference Server 24.x (glog)
        (8, "I{t} 1 model_lifecycle.cc:472] loading: {m}:{v}", {"t": glog_ts, "m": pick(RS_MODELS), "v": pick(["1", "1", "2", "3"])}),
        (8, "I{t} 1 model_lifecycle.cc:838] successfully loaded '{m}' version {v}", {"t": glog_ts, "m": pick(RS_MODELS), "v": pick(["1", "1", "2", "3"])}),
        (3, "E{t} 1 model_lifecycle.cc:641] failed to load '{m}' version {v}: {why}",
         {"t": glog_ts, "m": pick(RS_MODELS), "v": pick(["1", "2"]),
          "why": pick(["Invalid argument: model 'whisper_small_0_0', tensor 'input_features': the model expects 3 dimensions (shape [-1,80,3000]) but the model configuration specifies 3 dimensions (shape [-1,80,-1])",
                       "Internal: unable to create stream: out of memory", "Not found: unable to load shared library: libcudnn.so.9: cannot open shared object file: No such file or directory"])}),
        (5, "I{t} 1 model_lifecycle.cc:623] successfully unloaded '{m}' version {v}", {"t": glog_ts, "m": pick(RS_MODELS), "v": pick(["1", "2"])}),
        (2, "I{t} 1 grpc_server.cc:2463] Started GRPCInferenceService at 0.0.0.0:{p}", {"t": glog_ts, "p": pick(["8001"])}),
        (2, "I{t} 1 http_server.cc:4692] Started HTTPService at 0.0.0.0:{p}", {"t": glog_ts, "p": pick(["8000"])}),
        (3, "I{t} 1 server.cc:307] Timeout {n}: Found {k} model versions that have in-flight inferences",
         {"t": glog_ts, "n": pick(["30", "29", "28"]), "k": pick(["0", "0", "1", "2"])}),
        # Samba 4.19 smbd (syslog: session lines, auth audit, vfs_full_audit)
        (40, smbd + "  {c} ({a}) connect to service {s} initially as user {u} (uid={uid}, gid={gid}) (pid {p})",
         {**smbd_hdr, "c": smb_client, "a": then(1), "s": pick(RS_SHARES), "u": first([(u, str(10230 + i)) for i, u in enumerate(RS_DOMAIN_USERS)]),
          "uid": then(1), "gid": pick(["10000"]), "p": lambda g: g.num(2000, 90000)}),
        (35, smbd + "  {c} ({a}) closed connection to service {s}", {**smbd_hdr, "c": smb_client, "a": then(1), "s": pick(RS_SHARES)}),
        (45, smbd + "Auth: [{svc},{ty}] user [{d}]\\[{u}] at [{at}] with [{how}] status [{st}] workstation [{ws}] remote host [{rh}]{logon} local host [ipv4:10.40.0.5:445]",
         {**smbd_hdr, "svc": smb_auth, "ty": then(1), "d": then(2), "u": then(3), "at": then(4), "how": then(5), "st": then(6), "ws": then(7), "rh": then(8),
          "logon": then(9)}),
        (220, "{t} fs01 smbd_audit: {pre}|{op}|{res}|{arg}", {"t": syslog_ts, "pre": audit_op, "op": then(1), "res": then(2), "arg": then(3)}),
        # NFS: Linux client and server (kernel), nfs-utils rpc.mountd
        (12, kern + "nfs: server {s} not responding, still trying", {**kern_hdr, "s": pick(RS_NFS_SERVERS)}),
        (4, kern + "nfs: server {s} not responding, timed out", {**kern_hdr, "s": pick(RS_NFS_SERVERS)}),
        (12, kern + "nfs: server {s} OK", {**kern_hdr, "s": pick(RS_NFS_SERVERS)}),
        (2, kern + "NFSD: starting {n}-second grace period (net {ns})", {**kern_hdr, "h": pick(RS_NFS_SERVERS), "n": pick(["90"]), "ns": pick(["f0000000", "f00000a8"])}),
        (40, mountd + "authenticated mount request from {ip}:{p} for {e} ({e2})",
         {**mountd_hdr, "ip": lab_ip, "p": lambda g: g.num(600, 1023), "e": first([(e,) for e in RS_EXPORTS]), "e2": then(0)}),
        (25, mountd + "authenticated unmount request from {ip}:{p} for {e} ({e2})",
         {**mountd_hdr, "ip": lab_ip, "p": lambda g: g.num(600, 1023), "e": first([(e,) for e in RS_EXPORTS]), "e2": then(0)}),
        (8, mountd + "refused mount request from {ip} for {e} ({e2}): {why}",
         {**mountd_hdr, "ip": lambda g: g.r.choice([g.ip(), lab_ip(g)]), "e": first([(e, e) for e in RS_EXPORTS] + [("/export/home/alice", "/export/home"), ("/srv", "/")]),
          "e2": then(1), "why": pick(["unmatched host", "unmatched host", "not exported", "illegal port 41022"])}),
        # ISC Kea 2.4 DHCPv4 (default logger layout)
        (120, kea("DEBUG", "packets") + "DHCP4_PACKET_RECEIVED {c}: {ty} (type {n}) received from {src} to {dst} on interface {i}",
         {**kea_hdr, "c": kea_client,
          "ty": first([("DHCPDISCOVER", "1"), ("DHCPREQUEST", "3"), ("DHCPREQUEST", "3"), ("DHCPRELEASE", "7"), ("DHCPINFORM", "8")]), "n": then(1),
          "src": lambda g: g.r.choice(["0.0.0.0", "10.40.0.1", "10.41.0.1", lab_ip(g)]), "dst": pick(["255.255.255.255", "10.40.0.2"]), "i": pick(RS_KEA_IFACES)}),
        (110, kea("DEBUG", "packets") + "DHCP4_PACKET_SEND {c}: trying to send packet {ty} (type {n}) from {a}:{p} to {b}:{q} on interface {i}",
         {**kea_hdr, "c": kea_client,
          "ty": first([("DHCPOFFER", "2"), ("DHCPACK", "5"), ("DHCPACK", "5"), ("DHCPNAK", "6")]), "n": then(1), "a": pick(["10.40.0.2"]), "p": pick(["67"]),
          "b": lambda g: g.r.choice(["10.40.0.1", "10.41.0.1", lab_ip(g)]), "q": pick(["67", "68"]), "i": pick(RS_KEA_IFACES)}),
        (80, kea("INFO", "leases") + "DHCP4_LEASE_ALLOC {c}: lease {ip} has been allocated for {s} seconds",
         {**kea_hdr, "c": kea_client, "ip": lab_ip, "s": pick(["3600", "3600", "86400", "300"])}),
        (35, kea("INFO", "leases") + "DHCP4_LEASE_ADVERT {c}: lease {ip} will be advertised",
         {**kea_hdr, "c": kea_client, "ip": lab_ip}),
        (12, kea("INFO", "leases") + "DHCP4_RELEASE {c}: address {ip} was released properly.",
         {**kea_hdr, "c": kea_client, "ip": lab_ip}),
        (10, kea("INFO", "dhcp4") + "DHCP4_INIT_REBOOT {c}: client is in INIT-REBOOT state and requests address {ip}",
         {**kea_hdr, "c": kea_client, "ip": lab_ip}),
        (6, kea("WARN", "alloc-engine") + "ALLOC_ENGINE_V4_ALLOC_FAIL {c}: failed to allocate an IPv4 address after {n} attempt(s)",
         {**kea_hdr, "c": kea_client, "n": pick(["0", "1", "252", "508"])}),
        (6, kea("INFO", "commands") + "COMMAND_RECEIVED Received command '{cmd}'",
         {**kea_hdr, "cmd": pick(["lease4-get", "statistic-get-all", "config-get", "status-get"])}),
        # Puppet agent 8 (syslog)
        (40, pupp + "({r}) {prop} changed {a} to {b}{corr}", {**pupp_hdr, "r": puppet_change, "prop": then(1), "a": then(2), "b": then(3), "corr": then(4)}),
        (14, pupp + "Applied catalog in {s} seconds", {**pupp_hdr, "s": lambda g: f"{g.r.uniform(3, 90):.2f}"}),
        (12, pupp + "Applying configuration version '{v}'", {**pupp_hdr, "v": lambda g: g.r.choice([str(1764720000 + g.r.randint(0, 86399)), g.hexs(40)])}),
        (10, pupp + "({r}) Scheduling refresh of {svc}",
         {**pupp_hdr, "r": first([("/Stage[main]/Profile::Base/File[/etc/slurm/slurm.conf]", "Service[slurmd]"),
                                  ("/Stage[main]/Profile::Base/File[/etc/chrony.conf]", "Service[chronyd]")]), "svc": then(1)}),
        (10, pupp + "({r}) Triggered '{cb}' from {n} event{s}", {**pupp_hdr, "r": pick(["/Stage[main]/Profile::Slurmd/Service[slurmd]", "/Stage[main]/Profile::Chrony/Service[chronyd]"]),
                                                                     "cb": pick(["refresh"]), "n": first([("1", ""), ("1", ""), ("2", "s"), ("3", "s")]), "s": then(1)}),
        # ProxySQL 2.6 (in front of the lab's MySQL replicas)
        (20, psql("Admin_Handler.cpp:286:admin_handler_command_load_or_save()", "INFO") + "Received {cmd} command", {"t": proxysql_ts, "cmd": pick(RS_ADMIN_COMMANDS)}),
        (14, psql("MySQL_HostGroups_Manager.cpp:1009:connect_error()", "ERROR") + "Shunning server {h}:{p} from HG {hg} with {n} errors/sec. Shunning for {s} seconds",
         {"t": proxysql_ts, "h": pick(RS_PROXYSQL_BACKENDS), "p": pick(["3306"]),
          "hg": pick(["10", "20"]), "n": pick(["5", "6", "11"]), "s": pick(["10"])}),
        (6, psql("MySQL_Monitor.cpp:2889:monitor_ping()", "ERROR") + "Server {h}:{p} missed {n} heartbeats, shunning it and killing all the connections. Disabling other checks until the node comes back online.",
         {"t": proxysql_ts, "h": pick(RS_PROXYSQL_BACKENDS), "p": pick(["3306"]), "n": pick(["3"])}),
        (30, psql("MySQL_Session.cpp:4741:handler_minus1_LogErrorDuringQuery()", "WARNING") + "Error during query on ({hg},{h},{p},{tid}): {code}, {msg}",
         {"t": proxysql_ts, "hg": pick(["10", "20"]),
          "h": pick(RS_PROXYSQL_BACKENDS), "p": pick(["3306"]), "tid": lambda g: g.num(100, 900000), "code": mysql_err, "msg": then(1)}),
        (12, psql("MySQL_Thread.cpp:3980:process_all_sessions()", "WARNING") + "Closing unhealthy client connection {ip}:{p}",
         {"t": proxysql_ts, "ip": lab_ip, "p": Gen.port}),
    ]


CO_NODES = ["cp-1", "worker-a1", "worker-a2", "worker-b1"]
CO_NODE_IPS = {"cp-1": "10.20.0.10", "worker-a1": "10.20.1.21", "worker-a2": "10.20.1.22", "worker-b1": "10.20.2.31"}
CO_NS = ["prod", "staging", "monitoring"]
CO_APPS = ["checkout", "search", "grafana"]
CO_CLUSTERS = ["edge-eu", "edge-us"]
CO_STORAGE_CLASSES = ["ebs-gp3", "efs-shared"]
CO_PVCS = ["data-search-0", "data-search-1", "grafana-storage", "uploads"]
CO_KUBEADM_CERTS = ["ca", "apiserver", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client", "etcd/ca",
                    "etcd/server", "etcd/peer", "etcd/healthcheck-client", "apiserver-etcd-client"]
CO_DEX_CONNECTORS = ["ldap", "github", "okta"]
CO_DEX_USERS = [("alice", "alice@example.com"), ("bob", "bob@example.com"), ("carol", "carol@example.com"), ("deploy-bot", "deploy-bot@example.com")]
CO_DEX_GROUPS = ["platform", "sre", "payments-dev", "auditors"]
CO_PROXY_HOSTS = ["grafana.ops.example.com", "alerts.ops.example.com", "dash.ops.example.com"]
CO_IMAGES = ["golang:1.22-alpine", "node:20-slim", "alpine:3.19", "gcr.io/distroless/static:nonroot"]
CO_DESTS = ["registry.example.com/shop/checkout", "registry.example.com/shop/search", "registry.example.com/tools/report-gen"]
CO_STRATEGIES = ["RemoveDuplicates", "RemovePodsViolatingNodeTaints", "LowNodeUtilization", "RemovePodsHavingTooManyRestarts"]
CO_VMS = ["win2022-build", "fedora-ci-runner", "pfsense-lab"]


def clusterops_events() -> list[tuple[float, str, dict]]:
    """Kubernetes distributions, add-ons and cloud-native tools none of the other corpora covers:
    k3s (journald, logrus text), kubeadm init output, metrics-server and the descheduler
    (klog structured), Cluster API's core controller (controller-runtime through klog), the CSI
    external-provisioner and external-attacher sidecars, flannel (klog), Multus CNI, the
    Prometheus Operator (go-kit logfmt), Dex (logrus text), oauth2-proxy (request and auth log),
    kaniko (logrus without timestamps) and KubeVirt's virt-handler (JSON). Written before any
    rule change of the twelfth issue-15 pass and scored once (held-out check)."""
    clock = {"hms": "00:00:00"}

    def syslog_ts(g: Gen) -> str:
        clock["hms"] = hms(g)
        return f"Dec  3 {clock['hms']}"

    def logrus_ts(g: Gen) -> str:
        # the journald prefix and logrus' own time come from one clock reading
        return f"2026-12-03T{clock['hms']}Z"

    def klog_ts(g: Gen) -> str:
        return f"1203 {hms(g)}.{g.num(0, 999999):0>6}"

    def klog(level: str, src: str) -> str:
        return level + "{kt}       1 " + src + "] "

    def rfc_nano(g: Gen) -> str:
        # RFC3339Nano trims trailing zeros of the fraction
        return f"2026-12-03T{hms(g)}.{g.num(1, 999999999):0>9}".rstrip("0") + "Z"

    def node_ip(g: Gen) -> str:
        return CO_NODE_IPS[g.r.choice(CO_NODES)]

    def pod(g: Gen) -> str:
        return f"{g.r.choice(CO_APPS)}-{g.hexs(9)}-{g.hexs(5)}"

    def pv(g: Gen) -> str:
        return f"pvc-{g.uuid()}"

    def k3s_server(g: Gen) -> str:
        g.drawn = g.r.choice([("cp-1", "1892"), ("cp-2", "1904"), ("cp-3", "2011")])
        return g.drawn[0]

    def remotedialer_error(g: Gen) -> str:
        return g.r.choice(["websocket: close 1006 (abnormal closure): unexpected EOF",
                           f"read tcp {CO_NODE_IPS['cp-1']}:6443->{node_ip(g)}:{g.port()}: i/o timeout",
                           "websocket: close 1000 (normal)",
                           "context canceled"])

    def dns_names(g: Gen) -> str:
        host = g.r.choice(["cp-1", "cp-2", "cp-3"])
        extra = g.r.sample(["k8s-api.edge.example.com", "10.20.0.5.sslip.io", "api.edge.internal"], g.r.randint(0, 2))
        return " ".join(["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", host, *extra])

    def ip_list(g: Gen) -> str:
        return " ".join(["10.96.0.1", CO_NODE_IPS["cp-1"], *(["10.20.0.5"] if g.r.random() < 0.4 else [])])

    def serving_cert(g: Gen) -> str:
        host, ip = g.r.choice([("cp-1", "10.20.0.10"), ("cp-2", "10.20.0.11"), ("cp-3", "10.20.0.12")])
        cert = g.r.choice(["apiserver", "apiserver", "etcd/server", "etcd/peer"])
        if cert == "apiserver":
            g.drawn = (cert, dns_names(g), ip_list(g))
        else:
            g.drawn = (cert, f"{host} localhost", f"{ip} 127.0.0.1 ::1")
        return cert

    def scrape_failure(g: Gen) -> str:
        node = g.r.choice(CO_NODES)
        ip = CO_NODE_IPS[node]
        g.drawn = (node,)
        return g.r.choice([
            f'Get \\"https://{ip}:10250/metrics/resource\\": dial tcp {ip}:10250: connect: connection refused',
            f'Get \\"https://{ip}:10250/metrics/resource\\": tls: failed to verify certificate: x509: cannot validate certificate for {ip} because it doesn\'t contain any IP SANs',
            'request failed, status: \\"403 Forbidden\\"',
            f'Get \\"https://{ip}:10250/metrics/resource\\": dial tcp {ip}:10250: connect: no route to host'])

    def scraped_nodes(g: Gen) -> str:
        nodes = sorted(g.r.sample(CO_NODES, g.r.randint(1, 4)))
        g.drawn = (" ".join(f'"{n}"' for n in nodes), str(len(nodes)))
        return g.drawn[0]

    def go_duration(g: Gen) -> str:
        return g.r.choice([f"{g.r.randint(20, 999)}.{g.num(0, 999999):0>6}ms", f"{g.r.randint(1, 4)}.{g.num(0, 999999999):0>9}s"]).rstrip("0")

    def usage(g: Gen, over: bool) -> str:
        # thresholds 20% (under) and 50% (over) of 4 CPUs, 16000Mi and 110 pods
        if over:
            cpu, mem, pods = g.r.randint(2100, 3900), g.r.randint(8100, 15500), g.r.randint(56, 108)
        else:
            cpu, mem, pods = g.r.randint(100, 790), g.r.randint(200, 3150), g.r.randint(3, 21)
        g.drawn = (f'{{"cpu":"{cpu}m","memory":"{mem}Mi","pods":"{pods}"}}',
                   f'{{"cpu":{cpu / 40:g},"memory":{round(mem / 160, 2):g},"pods":{round(pods / 1.1, 2):g}}}')
        return g.drawn[0]

    def capi_machine(g: Gen) -> str:
        cl = g.r.choice(CO_CLUSTERS)
        md = f"{cl}-md-{g.r.choice(['0', '0', '1'])}"
        ms = f"{md}-{g.hexs(5)}"
        m = f"{ms}-{g.hexs(5)}"
        g.drawn = ("default/" + m, m, g.uuid(), "default/" + ms, "default/" + md, "default/" + cl)
        return g.drawn[0]

    capi_tail = (' controller="machine" controllerGroup="cluster.x-k8s.io" controllerKind="Machine" Machine="{m}" namespace="default"'
                 ' name="{mn}" reconcileID="{rid}" MachineSet="{ms}" MachineDeployment="{md}" Cluster="{cl}"')
    capi_slots = {"kt": klog_ts, "m": capi_machine, "mn": then(1), "rid": then(2), "ms": then(3), "md": then(4), "cl": then(5)}

    def claim(g: Gen) -> str:
        return f"{g.r.choice(CO_NS)}/{g.r.choice(CO_PVCS)}"

    def va_name(g: Gen) -> str:
        return f"csi-{g.hexs(64)}"

    def subnet(g: Gen) -> str:
        return f"10.42.{g.r.randint(0, 40)}.0/24"

    def multus_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def multus_net(g: Gen) -> str:
        g.drawn = g.r.choice([("k8s-pod-network", "calico", "eth0"), ("k8s-pod-network", "calico", "eth0"),
                              ("prod/macvlan-storage", "macvlan", "net1"), ("prod/sriov-dpdk", "sriov", "net2")])
        return g.drawn[0]

    def multus_result(g: Gen) -> str:
        ip = f"10.42.{g.r.randint(0, 40)}.{g.r.randint(2, 250)}"
        mac = ":".join(g.hexs(2) for _ in range(6))
        return (f'{{"cniVersion":"0.3.1","interfaces":[{{"name":"{g.drawn[2]}","mac":"{mac}","sandbox":"/var/run/netns/cni-{g.uuid()}"}}],'
                f'"ips":[{{"version":"4","interface":0,"address":"{ip}/32"}}],"dns":{{}}}}')

    def skipped_monitor(g: Gen) -> str:
        return g.r.choice([
            "it accesses file system via bearer token file which Prometheus specification prohibits",
            'failed to get CA: unable to get secret \\"etcd-client-cert\\": secrets \\"etcd-client-cert\\" not found',
            "endpoints[0]: relabel configs are invalid: replacement is empty",
            'scrapeTimeout \\"45s\\" greater than scrapeInterval \\"30s\\"'])

    def dex_login(g: Gen) -> str:
        user, email = g.r.choice(CO_DEX_USERS)
        groups = g.r.sample(CO_DEX_GROUPS, g.r.choice([0, 1, 1, 2, 3]))
        g.drawn = (g.r.choice(CO_DEX_CONNECTORS), user, g.r.choice([user, ""]),
                   email + (" (unverified)" if g.r.random() < 0.15 else ""), " ".join(f'\\"{x}\\"' for x in groups))
        return g.drawn[0]

    def proxy_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}"

    def proxy_client(g: Gen) -> str:
        return f"10.{g.r.choice(['8', '9'])}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    def proxy_user(g: Gen) -> str:
        return g.r.choice(["-", "-"] + [e for _, e in CO_DEX_USERS])

    def proxy_request(g: Gen) -> str:
        host = g.r.choice(CO_PROXY_HOSTS)
        m, uri, st, up = g.r.choice([
            ("GET", f"/api/datasources/proxy/uid/{g.hexs(9)}/api/v1/query_range?query=rate%28http_requests_total%5B5m%5D%29&start={1764720000 + g.r.randint(0, 86399)}&step=30", "200", f"http://{host.split('.')[0]}.monitoring.svc:3000/"),
            ("GET", "/oauth2/start?rd=%2F", "302", "-"),
            ("GET", f"/oauth2/callback?code={g.hexs(20)}&state={g.hexs(32)}%3A%2F", g.r.choice(["302", "302", "500"]), "-"),
            ("GET", "/ping", "200", "-"),
            ("POST", "/api/v2/silences", g.r.choice(["200", "400"]), "http://alertmanager.monitoring.svc:9093/"),
            ("GET", f"/api/dashboards/uid/{g.hexs(9)}", g.r.choice(["200", "200", "404"]), f"http://{host.split('.')[0]}.monitoring.svc:3000/"),
            ("GET", "/static/js/main.8f2e1c.js", "304", f"http://{host.split('.')[0]}.monitoring.svc:3000/")])
        ua = g.r.choice(["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "kube-probe/1.30", "curl/8.5.0", "Grafana/11.3.1"])
        g.drawn = (host, m, up, uri, "HTTP/1.1", ua, st, g.num(0, 48000), f"{g.r.uniform(0, 2.5):.3f}")
        return g.drawn[0]

    def session_email(g: Gen) -> str:
        g.drawn = g.r.choice(CO_DEX_USERS)
        return g.drawn[1]

    def session(g: Gen) -> str:
        # SessionState.String(): groups only when the provider returned some
        user, email = g.drawn
        hour, rest = g.r.randint(0, 22), f"{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}"
        groups = g.r.sample(CO_DEX_GROUPS, g.r.choice([0, 0, 1, 2]))
        return (f"Session{{email:{email} user:{user} PreferredUsername:{user} token:true id_token:true "
                f"created:2026-12-03 {hour:02d}:{rest}.{g.num(0, 999999999):0>9} +0000 UTC expires:2026-12-03 {hour + 1:02d}:{rest} +0000 UTC "
                "refresh_token:true" + (f" groups:[{' '.join(groups)}]" if groups else "") + "}")

    def kaniko_s(g: Gen) -> str:
        return f"{g.r.randint(0, 240):04d}"

    def kaniko_run(g: Gen) -> str:
        return g.r.choice([
            "/bin/sh -c apk add --no-cache git ca-certificates",
            "/bin/sh -c go mod download",
            f"/bin/sh -c CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /out/{g.r.choice(['checkout', 'search'])} ./cmd/{g.r.choice(['checkout', 'search'])}",
            "/bin/sh -c npm ci --omit=dev",
            "/bin/sh -c npm run build",
            "/bin/sh -c addgroup -S app && adduser -S app -G app"])

    def kaniko_cmd(g: Gen) -> str:
        return g.r.choice([
            "RUN apk add --no-cache git ca-certificates",
            "RUN go mod download",
            "COPY --from=builder /out/checkout /usr/local/bin/checkout",
            "RUN npm ci --omit=dev",
            "COPY . ."])

    def stage_deps(g: Gen) -> str:
        return g.r.choice(["", "", "0:[/out/checkout]", "0:[/out/search /out/migrate]", "0:[/app/dist] 1:[/app/node_modules]"])

    def virt_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    virt = '{{"component":"virt-handler","kind":"","level":"info","msg":"'
    def virt_obj(pos: str) -> str:
        return '","name":"{vm}","namespace":"{ns}","pos":"' + pos + '","timestamp":"{t}","uid":"{u}"}}'

    virt_slots = {"vm": pick(CO_VMS), "ns": pick(["labs", "ci"]), "t": virt_ts, "u": Gen.uuid}

    def k3s(level: str) -> str:
        return '{st} {h} k3s[{pid}]: time="{lt}" level=' + level + ' msg="'

    k3s_hdr = {"st": syslog_ts, "h": k3s_server, "pid": then(1), "lt": logrus_ts}
    dex = 'time="{lt}" level='
    dex_hdr = {"lt": lambda g: f"2026-12-03T{hms(g)}Z"}
    def promop(level: str, caller: str) -> str:
        return f"level={level} ts=" + "{t} caller=" + caller

    return [
        # k3s server (journald; logrus text with the remotedialer tunnel of its agents)
        (26, k3s("info") + 'Handling backend connection request [{n}]"', {**k3s_hdr, "n": pick([*CO_NODES[1:], "worker-b2"])}),
        (16, k3s("info") + 'Remotedialer connected to proxy" url="wss://{ip}:6443/v1-k3s/connect"',
         {**k3s_hdr, "ip": pick(["10.20.0.10", "10.20.0.11", "10.20.0.12"])}),
        (11, k3s("info") + 'error in remotedialer server [{code}]: {err}"', {**k3s_hdr, "code": pick(["400", "400", "500"]), "err": remotedialer_error}),
        (6, k3s("info") + 'Updated coredns node hosts entry [{e}]"', {**k3s_hdr, "e": lambda g: " ".join(g.r.choice([(ip, n) for n, ip in CO_NODE_IPS.items()]))}),
        # kubeadm init on the edge control planes (cloud-init output)
        (8, '[certs] Generating "{c}" certificate and key', {"c": pick(CO_KUBEADM_CERTS)}),
        (6, "[certs] {c} serving cert is signed for DNS names [{d}] and IPs [{i}]", {"c": serving_cert, "d": then(1), "i": then(2)}),
        (5, '[kubeconfig] Writing "{f}" kubeconfig file', {"f": pick(["admin.conf", "super-admin.conf", "kubelet.conf", "controller-manager.conf", "scheduler.conf"])}),
        (4, '[control-plane] Creating static Pod manifest for "{c}"', {"c": pick(["kube-apiserver", "kube-controller-manager", "kube-scheduler"])}),
        (2, "[mark-control-plane] Marking the node {n} as control-plane by adding the labels: [{l}]",
         {"n": pick(["cp-1", "cp-2", "cp-3"]), "l": pick(["node-role.kubernetes.io/control-plane node.kubernetes.io/exclude-from-external-load-balancers"])}),
        (2, "[mark-control-plane] Marking the node {n} as control-plane by adding the taints [{t}]",
         {"n": pick(["cp-1", "cp-2", "cp-3"]), "t": pick(["node-role.kubernetes.io/control-plane:NoSchedule"])}),
        (3, "[addons] Applied essential addon: {a}", {"a": pick(["CoreDNS", "kube-proxy"])}),
        (2, "[apiclient] All control plane components are healthy after {s} seconds", {"s": lambda g: f"{g.r.uniform(4, 40):.6f}"}),
        # metrics-server (klog structured)
        (45, klog("E", "scraper.go:149") + '"Failed to scrape node" err="{e}" node="{n}"', {"kt": klog_ts, "e": scrape_failure, "n": then(0)}),
        (10, klog("E", "scraper.go:147") + '"Failed to scrape node, timeout to access kubelet" err="Get \\"https://{ip}:10250/metrics/resource\\": context deadline exceeded" node="{n}" timeout="{to}"',
         {"kt": klog_ts, "ip": first([(ip, n) for n, ip in CO_NODE_IPS.items()]), "n": then(1), "to": pick(["10s"])}),
        (9, klog("I", "server.go:191") + '"Failed probe" probe="metric-storage-ready" err="no metrics to serve"', {"kt": klog_ts}),
        (14, klog("I", "scraper.go:115") + '"Scraping metrics from nodes" nodes=[{l}] nodeCount={c} nodeSelector=""', {"kt": klog_ts, "l": scraped_nodes, "c": then(1)}),
        (14, klog("I", "scraper.go:137") + '"Scrape finished" duration="{d}" nodeCount={c} podCount={p}',
         {"kt": klog_ts, "d": go_duration, "c": pick(["3", "4", "4"]), "p": lambda g: g.num(40, 160)}),
        # descheduler (klog structured)
        (40, klog("I", "evictions.go:171") + '"Evicted pod" pod="{ns}/{p}" reason="{r}" strategy="{s}" node="{n}"',
         {"kt": klog_ts, "ns": pick(CO_NS), "p": pod, "r": pick(["", "", "", "NodeTaint"]), "s": pick(CO_STRATEGIES), "n": pick(CO_NODES[1:])}),
        (28, klog("I", "node_affinity.go:138") + '"Evicting pod" pod="{ns}/{p}"', {"kt": klog_ts, "ns": pick(CO_NS), "p": pod}),
        (12, klog("I", "descheduler.go:408") + '"Number of evicted pods" totalEvicted={n}', {"kt": klog_ts, "n": pick(["0", "0", "1", "2", "5", "11"])}),
        (9, klog("I", "nodeutilization.go:164") + '"Node is underutilized" node="{n}" usage={u} usagePercentage={p}',
         {"kt": klog_ts, "n": pick(CO_NODES[1:]), "u": lambda g: usage(g, False), "p": then(1)}),
        (7, klog("I", "nodeutilization.go:167") + '"Node is overutilized" node="{n}" usage={u} usagePercentage={p}',
         {"kt": klog_ts, "n": pick(CO_NODES[1:]), "u": lambda g: usage(g, True), "p": then(1)}),
        # Cluster API core controller (controller-runtime logr through klog)
        (22, klog("I", "machine_controller_phases.go:306") + '"Waiting for infrastructure provider to create machine infrastructure and report status.ready"' + capi_tail
         + ' DockerMachine="default/{im}"', {**capi_slots, "im": lambda g: g.drawn[1]}),
        (16, klog("I", "machine_controller_phases.go:193") + '"Waiting for bootstrap provider to generate data secret and report status.ready"' + capi_tail
         + ' KubeadmConfig="default/{bc}"', {**capi_slots, "bc": lambda g: g.drawn[1]}),
        (8, klog("I", "machine_controller.go:417") + '"Draining node"' + capi_tail + ' Node="{n}"', {**capi_slots, "n": pick(CO_NODES[1:])}),
        # CSI external-provisioner and external-attacher sidecars (klog printf)
        (20, klog("I", "controller.go:1366") + 'provision "{c}" class "{sc}": started', {"kt": klog_ts, "c": claim, "sc": pick(CO_STORAGE_CLASSES)}),
        (16, klog("I", "controller.go:923") + "successfully created PV {pv} for PVC {pvc} and csi volume name {v}",
         {"kt": klog_ts, "pv": pv, "pvc": pick(CO_PVCS), "v": lambda g: g.r.choice([f"vol-0{g.hexs(16)}", f"fs-{g.hexs(8)}::fsap-0{g.hexs(16)}"])}),
        (16, klog("I", "controller.go:1449") + 'provision "{c}" class "{sc}": volume "{pv}" provisioned', {"kt": klog_ts, "c": claim, "sc": pick(CO_STORAGE_CLASSES), "pv": pv}),
        (18, klog("I", "controller.go:1456") + 'provision "{c}" class "{sc}": succeeded', {"kt": klog_ts, "c": claim, "sc": pick(CO_STORAGE_CLASSES)}),
        (8, klog("I", "controller.go:1482") + 'delete "{pv}": started', {"kt": klog_ts, "pv": pv}),
        (7, klog("I", "controller.go:1529") + 'delete "{pv}": succeeded', {"kt": klog_ts, "pv": pv}),
        (22, klog("I", "csi_handler.go:234") + 'Attaching "{va}"', {"kt": klog_ts, "va": va_name}),
        (20, klog("I", "csi_handler.go:261") + 'Attached "{va}"', {"kt": klog_ts, "va": va_name}),
        (12, klog("I", "csi_handler.go:470") + 'Detaching "{va}"', {"kt": klog_ts, "va": va_name}),
        (11, klog("I", "csi_handler.go:503") + 'Detached "{va}"', {"kt": klog_ts, "va": va_name}),
        # flannel (klog)
        (20, klog("I", "vxlan_network.go:145") + "Subnet added: {s} via {ip}", {"kt": klog_ts, "s": subnet, "ip": node_ip}),
        (9, klog("I", "vxlan_network.go:169") + "Subnet removed: {s}", {"kt": klog_ts, "s": subnet}),
        (5, klog("I", "iptables.go:290") + "Some iptables rules are missing; deleting and recreating rules", {"kt": klog_ts}),
        (3, klog("I", "main.go:417") + "Wrote subnet file to /run/flannel/subnet.env", {"kt": klog_ts}),
        # Multus CNI (its own logging package, verbose level)
        (30, "{t} [verbose] Add: {ns}:{p}:{u}:{net}({plugin}):{if} {res}",
         {"t": multus_ts, "ns": pick(CO_NS), "p": pod, "u": Gen.uuid, "net": multus_net, "plugin": then(1), "if": then(2), "res": multus_result}),
        (20, "{t} [verbose] Del: {ns}:{p}:{u}:{net}:{if} {conf}",
         {"t": multus_ts, "ns": pick(CO_NS), "p": pod, "u": Gen.uuid, "net": multus_net, "if": then(2),
          "conf": lambda g: f'{{"cniVersion":"0.3.1","name":"{g.drawn[0].split("/")[-1]}","type":"{g.drawn[1]}"}}'}),
        (6, "{t} [error] Multus: [{ns}/{p}/{u}]: error getting pod: {e}",
         {"t": multus_ts, "ns": pick(CO_NS), "p": first([(f"{a}-{h}",) for a in CO_APPS for h in ("7d9f8b6c5d-x2k8q", "5f7c9d8b4-mn2rt")]), "u": Gen.uuid,
          "e": lambda g: g.r.choice([f'pods "{g.drawn[0]}" not found',
                                     f'Get "https://10.43.0.1:443/api/v1/namespaces/prod/pods/{g.drawn[0]}?timeout=1m0s": dial tcp 10.43.0.1:443: connect: connection refused',
                                     "Unauthorized"])}),
        # Prometheus Operator (go-kit logfmt)
        (40, promop("info", "operator.go:1181") + " component=prometheusoperator key={k} msg=\"sync prometheus\"",
         {"t": rfc_nano, "k": pick(["monitoring/k8s", "monitoring/edge-agent", "prod/app-metrics"])}),
        (22, promop("info", "operator.go:742") + " component=alertmanageroperator key={k} msg=\"sync alertmanager\"",
         {"t": rfc_nano, "k": pick(["monitoring/main", "prod/oncall"])}),
        (16, promop("info", "operator.go:1330") + " component=prometheusoperator key={k} msg=\"update prometheus status\"",
         {"t": rfc_nano, "k": pick(["monitoring/k8s", "monitoring/edge-agent", "prod/app-metrics"])}),
        (9, promop("warn", "resource_selector.go:171") + ' component=prometheusoperator msg="skipping servicemonitor" error="{e}" servicemonitor={sm} namespace={ns} prometheus={p}',
         {"t": rfc_nano, "e": skipped_monitor, "sm": pick(["monitoring/etcd", "prod/checkout", "staging/search-exporter"]),
          "ns": pick(["monitoring", "prod"]), "p": pick(["k8s", "app-metrics"])}),
        # Dex (logrus text)
        (30, dex + 'info msg="login successful: connector \\"{c}\\", username=\\"{u}\\", preferred_username=\\"{pu}\\", email=\\"{e}\\", groups=[{gr}]"',
         {**dex_hdr, "c": dex_login, "u": then(1), "pu": then(2), "e": then(3), "gr": then(4)}),
        (14, dex + 'info msg="performing ldap search ou=people,dc=example,dc=com sub (uid={u})"', {**dex_hdr, "u": lambda g: g.r.choice(CO_DEX_USERS)[0]}),
        (13, dex + 'info msg="username \\"{u}\\" mapped to entry uid={u2},ou=people,dc=example,dc=com"',
         {**dex_hdr, "u": first([(u,) for u, _ in CO_DEX_USERS]), "u2": then(0)}),
        (6, dex + 'info msg="keys expired, rotating"', dex_hdr),
        (6, dex + 'info msg="keys rotated, next rotation: {h}"', {**dex_hdr, "h": lambda g: f"2026-12-03 {hms(g)}.{g.num(0, 999999999):0>9} +0000 UTC"}),
        (9, dex + 'error msg="Failed to login user: {e}"',
         {**dex_hdr, "e": pick(['ldap: failed to connect: LDAP Result Code 200 \\"Network Error\\": dial tcp 10.20.5.4:636: i/o timeout',
                                "github: get user: unexpected status 401 Unauthorized",
                                'ldap: search with filter \\"(uid=mallory)\\" failed: LDAP Result Code 32 \\"No Such Object\\": ',
                                "oidc: failed to get token: oauth2: cannot fetch token: 400 Bad Request"])}),
        # oauth2-proxy (default request and auth log formats)
        (150, "{c} - {rid} - {u} [{t}] {h} {m} {up} \"{uri}\" {pr} \"{ua}\" {st} {sz} {d}",
         {"c": proxy_client, "rid": Gen.uuid, "u": proxy_user, "t": proxy_ts, "h": proxy_request, "m": then(1), "up": then(2), "uri": then(3),
          "pr": then(4), "ua": then(5), "st": then(6), "sz": then(7), "d": then(8)}),
        (22, "{c} - {rid} - {u} [{t}] [AuthSuccess] Authenticated via OAuth2: {s}",
         {"c": proxy_client, "rid": Gen.uuid, "u": session_email, "t": proxy_ts, "s": session}),
        (6, "{c} - {rid} - {u} [{t}] [AuthFailure] Invalid authentication via OAuth2: unauthorized",
         {"c": proxy_client, "rid": Gen.uuid, "u": lambda g: g.r.choice(CO_DEX_USERS)[1], "t": proxy_ts}),
        (5, "[{t}] [oauthproxy.go:856] Error redeeming code during OAuth2 callback: {e}",
         {"t": proxy_ts,
          "e": pick(["email in id_token (mallory@example.net) isn't verified", 'token exchange failed: oauth2: "invalid_grant" "expired code"', "context deadline exceeded"])}),
        # kaniko executor (logrus colour formatter; trailing padding trimmed by the collector)
        (10, "INFO[{s}] Retrieving image manifest {i}", {"s": kaniko_s, "i": pick(CO_IMAGES)}),
        (9, "INFO[{s}] Retrieving image {i} from registry {r}", {"s": kaniko_s, "i": pick(CO_IMAGES), "r": pick(["index.docker.io", "gcr.io"])}),
        (5, "INFO[{s}] Built cross stage deps: map[{d}]", {"s": kaniko_s, "d": stage_deps}),
        (22, "INFO[{s}] Running: [{a}]", {"s": kaniko_s, "a": kaniko_run}),
        (16, "INFO[{s}] Taking snapshot of full filesystem...", {"s": kaniko_s}),
        (8, "INFO[{s}] Unpacking rootfs as cmd {c} requires it.", {"s": kaniko_s, "c": kaniko_cmd}),
        (7, "INFO[{s}] Pushing image to {d}", {"s": kaniko_s, "d": lambda g: f"{g.r.choice(CO_DESTS)}:{g.r.choice(['latest', f'v1.{g.r.randint(0, 30)}.{g.r.randint(0, 9)}', g.hexs(7)])}"}),
        (7, "INFO[{s}] Pushed {d}", {"s": kaniko_s, "d": lambda g: f"{g.r.choice(CO_DESTS)}@sha256:{g.hexs(64)}"}),
        # KubeVirt virt-handler (go-kit JSON, keys sorted)
        (24, virt + "VMI is in phase: {ph} | Domain status: {ds}, reason: {r}" + virt_obj("vm.go:1469"),
         {"ph": pick(["Running", "Running", "Scheduled"]), "ds": pick(["Running", "Running", "Paused", "Shutoff"]), "r": pick(["Unknown", "Unknown", "Booted", "Migrated"]),
          **virt_slots}),
        (8, virt + "VMI is in phase: {ph} | Domain does not exist" + virt_obj("vm.go:1471"), {"ph": pick(["Scheduled", "Failed", "Succeeded"]), **virt_slots}),
        (24, virt + "Synchronization loop succeeded." + virt_obj("vm.go:1789"), virt_slots),
    ]


DA_SCYLLA_TABLES = [("shop", "orders", "3a1f7c20-8b2e-11ef-9c4d-5f2b1e0a7c31"), ("shop", "carts", "41c9e2d0-8b2e-11ef-a1b7-2c8d5e3f9a04"),
                    ("events", "clicks", "5d02b8a0-8b2e-11ef-8e63-7a4c1f2d6b58")]
DA_SCYLLA_NODES = ["10.42.1.17", "10.42.2.9", "10.42.3.24"]
DA_RP_TOPICS = [("41", "orders", "0"), ("42", "orders", "1"), ("43", "orders", "2"), ("47", "payments", "0"),
                ("48", "payments", "1"), ("52", "inventory-events", "0")]
# (port, enabled protocols) of the broker chart's acceptors: artemis, amqp, mqtt, stomp, hornetq
DA_ARTEMIS_ACCEPTORS = [("61616", "CORE,MQTT,AMQP,STOMP,HORNETQ,OPENWIRE"), ("5672", "AMQP"), ("1883", "MQTT"), ("61613", "STOMP"),
                        ("5445", "HORNETQ,STOMP")]
DA_ARTEMIS_QUEUES = [("ANYCAST", "DLQ", "DLQ"), ("ANYCAST", "ExpiryQueue", "ExpiryQueue"), ("ANYCAST", "orders.created", "orders"),
                     ("MULTICAST", "orders.audit", "orders"), ("ANYCAST", "payments.settled", "payments")]
DA_ARTEMIS_ADDRESSES = [("DLQ", "[ANYCAST]"), ("ExpiryQueue", "[ANYCAST]"), ("orders", "[ANYCAST, MULTICAST]"),
                        ("payments", "[ANYCAST]"), ("notifications", "[MULTICAST]")]
DA_ARTEMIS_USERS = ["orders-svc", "admin", "null", "billing"]
DA_PGPOOL_APPS = ["orders-api", "orders-api", "psql", "metabase"]
DA_PGPOOL_SQL = ["SELECT 1", "BEGIN", "COMMIT", "ROLLBACK",
                 "SELECT id, status, total FROM orders WHERE customer_id = {n} ORDER BY created_at DESC LIMIT 20",
                 "UPDATE inventory SET reserved = reserved + 1 WHERE sku = 'SKU-{n}'",
                 "INSERT INTO order_items (order_id, sku, qty) VALUES ({n}, 'SKU-{m}', 2)",
                 "SET application_name = 'orders-api'", "DISCARD ALL"]
DA_PG_HOSTS = ["pg-0.pg-headless.data.svc", "pg-1.pg-headless.data.svc", "pg-2.pg-headless.data.svc"]
DA_NEO4J_USERS = ["neo4j", "recommender", "alice"]
DA_NEO4J_QUERIES = [("MATCH (p:Product {sku: $sku})<-[:BOUGHT]-(:Customer)-[:BOUGHT]->(r:Product) RETURN r.sku, count(*) AS score ORDER BY score DESC LIMIT 10", "{sku: 'SKU-{n}'}"),
                    ("MATCH (c:Customer {id: $id}) RETURN c", "{id: {n}}"),
                    ("MERGE (c:Customer {id: $id}) MERGE (p:Product {sku: $sku}) MERGE (c)-[:BOUGHT {at: datetime()}]->(p)", "{id: {n}, sku: 'SKU-{m}'}"),
                    ("CALL db.ping()", "{}"), ("RETURN 1", "{}")]
DA_NEO4J_DRIVERS = ["neo4j-java/5.15.0-5a7f4b3e", "neo4j-python/5.16.0", "neo4j-javascript/5.17.0"]
DA_NEO4J_CHECKPOINTS = ["Scheduled checkpoint for every 15 minutes threshold", "Scheduled checkpoint for every 100000 transactions threshold",
                        "Database shutdown"]
DA_MEILI_ROUTES = [("POST", "/indexes/products/search", "200"), ("POST", "/indexes/products/search", "200"), ("POST", "/multi-search", "200"),
                   ("PUT", "/indexes/products/documents", "202"), ("GET", "/tasks/{n}", "200"), ("GET", "/health", "200"),
                   ("POST", "/indexes/articles/search", "400"), ("DELETE", "/indexes/products/documents/{n}", "202"), ("GET", "/indexes/unknown/search", "404")]
DA_MEILI_AGENTS = ["Meilisearch JavaScript (v0.37.0)", "Meilisearch Python (v0.31.0)", "kube-probe/1.29", "Meilisearch Ruby (v0.26.0) ; Meilisearch Rails (v0.10.1)"]
DA_TYPESENSE_ERRORS = ["Doing another configuration change", "Not leader", "Is transferring leadership", "[E1]Unable to contact peer 10.42.2.31:8107:8108"]
DA_NEST_ROUTES = [("/api/orders", "GET"), ("/api/orders/:id", "GET"), ("/api/orders", "POST"), ("/api/orders/:id/cancel", "PATCH"),
                  ("/api/health", "GET"), ("/api/carts/:id/items", "PUT")]
DA_NEST_MODULES = ["AppModule", "TypeOrmModule", "ConfigModule", "OrdersModule", "TerminusModule", "HttpModule"]
DA_NEST_CONTROLLERS = [("OrdersController", "/api/orders"), ("CartsController", "/api/carts"), ("HealthController", "/api/health")]
DA_NEST_ERRORS = ["Cannot read properties of undefined (reading 'id')", "connect ECONNREFUSED 10.43.12.7:6379",
                  "Request failed with status code 503", 'duplicate key value violates unique constraint "UQ_orders_number"',
                  "timeout", "Connection terminated unexpectedly"]
DA_SF_ROUTES = [("app_order_show", "App\\\\Controller\\\\OrderController::show", '"id":"{n}"', "/orders/{n}", "GET"),
                ("app_order_index", "App\\\\Controller\\\\OrderController::index", "", "/orders", "GET"),
                ("app_cart_add", "App\\\\Controller\\\\CartController::add", '"sku":"SKU-{n}"', "/cart/add/SKU-{n}", "POST"),
                ("app_login", "App\\\\Controller\\\\SecurityController::login", "", "/login", "POST"),
                ("api_products_get_collection", "api_platform.action.placeholder",
                 '"_api_resource_class":"App\\\\Entity\\\\Product","_api_operation_name":"_api_/products{._format}_get_collection","_format":null', "/api/products?page={m}", "GET")]
DA_SF_EXCEPTIONS = [("ERROR", "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException", 'No route found for "GET https://shop.example.com/{p}"', "RouterListener.php", "127", "0",
                     "/app/vendor/symfony/http-kernel/EventListener/RouterListener.php"),
                    ("ERROR", "Symfony\\Component\\HttpKernel\\Exception\\AccessDeniedHttpException", "Access Denied.", "ExceptionListener.php", "126", "0",
                     "/app/vendor/symfony/security-http/Firewall/ExceptionListener.php"),
                    ("CRITICAL", "Doctrine\\DBAL\\Exception\\ConnectionException", "An exception occurred in the driver: SQLSTATE[HY000] [2002] Connection refused", "ExceptionConverter.php", "101", "2002",
                     "/app/vendor/doctrine/dbal/src/Driver/API/MySQL/ExceptionConverter.php"),
                    ("CRITICAL", "Doctrine\\DBAL\\Exception\\DeadlockException", "An exception occurred while executing a query: SQLSTATE[40001]: Serialization failure: 1213 Deadlock found when trying to get lock; try restarting transaction",
                     "ExceptionConverter.php", "56", "1213", "/app/vendor/doctrine/dbal/src/Driver/API/MySQL/ExceptionConverter.php"),
                    ("CRITICAL", "Error", "Call to a member function getCustomer() on null", "OrderController.php", "88", "0", "/app/src/Controller/OrderController.php")]
DA_SF_SQL = [("SELECT t0.id AS id_1, t0.number AS number_2, t0.status AS status_3 FROM `order` t0 WHERE t0.id = ?", ["{n}"], ["1"]),
             ("SELECT p0_.id AS id_0, p0_.sku AS sku_1, p0_.stock AS stock_2 FROM product p0_ WHERE p0_.sku IN (?, ?, ?)", ['"SKU-{n}"', '"SKU-{m}"', '"SKU-{k}"'], ["2", "2", "2"]),
             ("UPDATE product SET stock = ? WHERE id = ?", ["{m}", "{n}"], ["1", "1"]),
             ("SELECT 1", [], [])]
DA_SF_MESSAGES = [("App\\Message\\SendOrderConfirmation", "App\\MessageHandler\\SendOrderConfirmationHandler::__invoke"),
                  ("App\\Message\\GenerateInvoicePdf", "App\\MessageHandler\\GenerateInvoicePdfHandler::__invoke"),
                  ("App\\Message\\SyncStock", "App\\MessageHandler\\SyncStockHandler::__invoke")]
DA_SF_RETRY_ERRORS = ["Connection refused", "Expected response code \"250\" but got code \"421\", with message \"421 4.7.0 Try again later\".",
                      "cURL error 28: Operation timed out after 30001 milliseconds with 0 bytes received"]
DA_MN_ERRORS = ["Connection refused: orders-db/10.43.0.12:5432", "Read Timeout",
                "Client 'inventory': Connect Error: Connection refused: inventory/10.43.7.4:8080", "Index 0 out of bounds for length 0",
                'Cannot invoke "com.acme.orders.Order.getCustomer()" because "order" is null']
DA_MN_ENVS = ["[k8s, cloud]", "[k8s, cloud, prod]", "[k8s]", "[k8s, cloud, ec2]"]
DA_MN_MIGRATIONS = [("12", "add order index"), ("13", "create outbox table"), ("14", "backfill order totals from items"), ("14.1", "fix")]
DA_ODOO_DBS = ["shop", "shop", "hr"]
DA_ODOO_ROUTES = [("POST", "/web/dataset/call_kw/sale.order/web_search_read", "200"), ("POST", "/web/dataset/call_kw/res.partner/read", "200"),
                  ("GET", "/web/image/product.template/{n}/image_128", "200"), ("POST", "/mail/init_messaging", "200"), ("GET", "/websocket", "101"),
                  ("GET", "/web/login", "200"), ("POST", "/web/dataset/call_button", "500"), ("GET", "/odoo/action-{n}", "404")]
DA_ODOO_LOGINS = ["admin", "sales@shop.example", "j.doe@shop.example"]
DA_ODOO_CRONS = [("Mail: Email Queue Manager", "3"), ("Base: Auto-vacuum internal data", "1"), ("Sales: Send quotation reminders", "27"),
                 ("Inventory: Run Scheduler", "14")]
DA_ODOO_PG_ERRORS = ["could not serialize access due to concurrent update", "canceling statement due to lock timeout",
                     'duplicate key value violates unique constraint "sale_order_name_uniq"']
DA_CNPG_PODS = ["pg-orders-1", "pg-orders-2", "pg-orders-3"]


def dataapp_events() -> list[tuple[float, str, dict]]:
    """Databases, brokers, search engines, caches and application frameworks on Kubernetes that
    none of the other corpora covers: ScyllaDB (Seastar logger), Redpanda, ActiveMQ Artemis,
    Pgpool-II, Neo4j (query, security and debug logs), Meilisearch (actix-web), Typesense
    (glog), NestJS, Symfony (Monolog), Micronaut with Flyway (Logback), Puma, Odoo and
    CloudNativePG's instance manager. Written for the blind check of the template engine and
    scored once; 66 event types."""

    def seastar_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{g.num(0, 999):0>3}"

    def shard(g: Gen) -> str:
        return str(g.r.randint(0, 7))

    def table(g: Gen) -> str:
        g.drawn = g.r.choice(DA_SCYLLA_TABLES)
        return g.drawn[0]

    def sstable(g: Gen, origin: str | None = None) -> str:
        ks, cf, tid = g.drawn
        gen = f"3g{g.r.choice('ds')}{g.hexs(1)}_{g.hexs(4)}_{g.hexs(18)}"
        where = f"/var/lib/scylla/data/{ks}/{cf}-{tid.replace('-', '')}/me-{gen}-big-Data.db:level=0"
        return where + (f":origin={origin}" if origin else "")

    def sstables_in(g: Gen) -> str:
        return ",".join(sstable(g, g.r.choice(["memtable", "memtable", "compaction", "repair"])) for _ in range(g.r.choice([1, 2, 2, 3, 4, 4])))

    def sstables_out(g: Gen) -> str:
        return ",".join(sstable(g) for _ in range(g.r.choice([1, 1, 1, 2])))

    def size(g: Gen) -> str:
        return g.r.choice([f"{g.r.randint(2, 999)}kB", f"{g.r.randint(1, 900)}MB", f"{g.r.randint(1, 12)}GB"])

    def rate_limited(g: Gen) -> str:
        return g.r.choice(["", "", "", f"(rate limiting dropped {g.r.randint(1, 4000)} similar messages) "])

    def rp_topic(g: Gen) -> str:
        g.drawn = g.r.choice(DA_RP_TOPICS)
        return g.drawn[1]

    def java_time(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{g.num(0, 999):0>3}"

    def grouped(lo: int, hi: int):
        return lambda g: f"{g.r.randint(lo, hi):,}"

    def pgpool_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}"

    def pgpool_sql(g: Gen) -> str:
        return g.r.choice(DA_PGPOOL_SQL).replace("{n}", g.num(1, 99999)).replace("{m}", g.num(1, 9999))

    def neo4j_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}+0000"

    def neo4j_query(g: Gen) -> str:
        q, params = g.r.choice(DA_NEO4J_QUERIES)
        g.drawn = (q, params.replace("{n}", g.num(1, 99999)).replace("{m}", g.num(1, 9999)))
        return q

    def meili_route(g: Gen) -> str:
        m, path, status = g.r.choice(DA_MEILI_ROUTES)
        g.drawn = (m, path.replace("{n}", g.num(1, 90000)), status)
        return m

    def glog_ts(g: Gen) -> str:
        return f"20261203 {hms(g)}.{g.num(0, 999999):0>6}"

    def glog_tid(g: Gen) -> str:
        return f"{g.r.choice([97, 98, 141, 163, 164]):>5}"

    def nest_time(g: Gen) -> str:
        h = g.r.randint(0, 23)
        return f"12/3/2026, {h % 12 or 12}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d} {'AM' if h < 12 else 'PM'}"

    def monolog_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}+00:00"

    def sf_route(g: Gen) -> str:
        name, controller, params, uri, method = g.r.choice(DA_SF_ROUTES)
        n, m = g.num(1, 99999), g.num(1, 40)
        extra = "," + params.replace("{n}", n) if params else ""
        g.drawn = (name, f'{{"_route":"{name}","_controller":"{controller}"{extra}}}', f"https://shop.example.com{uri.replace('{n}', n).replace('{m}', m)}", method)
        return name

    def sf_exception(g: Gen) -> str:
        level, cls, msg, file, line, code, path = g.r.choice(DA_SF_EXCEPTIONS)
        msg = msg.replace("{p}", g.r.choice(["wp-login.php", "favicon.ico", ".env", "orders/abc"]))
        as_json = f"[object] ({cls}(code: {code}): {msg} at {path}:{line})".replace("\\", "\\\\").replace('"', '\\"')
        g.drawn = (level, cls, msg, file, line, as_json)
        return level

    def sf_sql(g: Gen) -> str:
        sql, params, types = g.r.choice(DA_SF_SQL)
        values = [p.replace("{n}", g.num(1, 99999)).replace("{m}", g.num(0, 500)).replace("{k}", g.num(1, 9999)) for p in params]
        as_object = "{" + ",".join(f'"{i}":{v}' for i, v in enumerate(values, 1)) + "}" if values else "[]"
        types_object = "{" + ",".join(f'"{i}":{t}' for i, t in enumerate(types, 1)) + "}" if types else "[]"
        g.drawn = (sql, f"array{as_object}", f"array{types_object}", sql, as_object, types_object)
        return sql

    def sf_message(g: Gen) -> str:
        cls, handler = g.r.choice(DA_SF_MESSAGES)
        g.drawn = (cls, handler, cls.replace("\\", "\\\\"), handler.replace("\\", "\\\\"))
        return cls

    def sf_retry(g: Gen) -> str:
        cls, _ = g.r.choice(DA_SF_MESSAGES)
        n = g.r.choice([1, 1, 1, 2, 3])
        err = g.r.choice(DA_SF_RETRY_ERRORS)
        g.drawn = (cls, str(n), str(1000 * 2 ** (n - 1)), err.replace('"', '\\"'), cls.replace("\\", "\\\\"))
        return cls

    def mn_time(g: Gen) -> str:
        return f"{hms(g)}.{g.num(0, 999):0>3}"

    def puma_timeout(g: Gen) -> str:
        i = g.r.randint(0, 3)
        return g.r.choice([f"(Worker {i} failed to check in within 60 seconds)"] * 3 + [f"(Worker {i} failed to boot within 60 seconds)"])

    def odoo_request(g: Gen) -> str:
        m, path, status = g.r.choice(DA_ODOO_ROUTES)
        perf = "" if path == "/websocket" or g.r.random() < 0.1 else f" {g.r.randint(1, 60)} {g.r.uniform(0, 0.3):.3f} {g.r.uniform(0.002, 0.9):.3f}"
        g.drawn = (m, path.replace("{n}", g.num(1, 4000)), status, perf)
        return m

    def odoo_clf(g: Gen) -> str:
        return f"03/Dec/2026 {hms(g)}"

    def cnpg_wal(g: Gen) -> str:
        return f"/var/lib/postgresql/data/pgdata/pg_wal/00000001000000{g.r.randint(0, 0x2f):02X}000000{g.r.randint(0, 0xff):02X}"

    def cnpg_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999999):0>9}Z"

    scylla = "{t} [shard {s}:"
    scylla_hdr = {"t": seastar_ts, "s": shard}
    def artemis(level: str) -> str:
        return "{t} " + f"{level:<5} [org.apache.activemq.artemis.core.server] "

    pgpool = "{t}: {app} pid {pid}: "
    pgpool_hdr = {"t": pgpool_ts, "app": pick(DA_PGPOOL_APPS), "pid": lambda g: g.num(100, 9000)}
    health = "{t}: {app} pid {pid}: "
    health_hdr = {"t": pgpool_ts, "app": pick(["health_check0", "health_check1", "health_check2"]), "pid": pick(["152", "153", "154"])}
    def typesense(level: str) -> str:
        return level + "{t} {tid} "

    nest = "[Nest] {pid}  - {dt} "
    nest_hdr = {"pid": pick(["1", "1", "1", "27"]), "dt": nest_time}
    odoo = "{t} {pid} "
    odoo_hdr = {"t": java_time, "pid": pick(["7", "21", "22", "23", "24"])}
    ms = lambda g: str(g.r.choice([0, 0, 1, 1, 2, 3, 5, 12, 48]))  # noqa: E731

    return [
        # ScyllaDB 5.4 (Seastar logger: level, time, shard and scheduling group, logger)
        (70, "INFO  " + scylla + "comp] compaction - [Compact {ks}.{cf} {id}] Compacting [{ssts}]",
         {**scylla_hdr, "ks": table, "cf": then(1), "id": then(2), "ssts": sstables_in}),
        (60, "INFO  " + scylla + "comp] compaction - [Compact {ks}.{cf} {id}] Compacted {n} sstables to [{out}]. {a} to {b} (~{p}% of original) in {ms}ms = {r}/s. ~{k} total partitions merged to {m}.",
         {**scylla_hdr, "ks": table, "cf": then(1), "id": then(2), "n": pick(["1", "2", "2", "3", "4"]), "out": sstables_out, "a": size, "b": size,
          "p": lambda g: g.num(20, 100), "ms": lambda g: g.num(3, 90000), "r": size, "k": lambda g: g.num(1, 900000), "m": lambda g: g.num(1, 900000)}),
        (20, "INFO  {t} [shard 0:main] gossip - InetAddress {ip} is now UP, status = {st}",
         {"t": seastar_ts, "ip": pick(DA_SCYLLA_NODES), "st": pick(["NORMAL", "NORMAL", "NORMAL", "UNKNOWN"])}),
        (14, "INFO  {t} [shard 0:main] gossip - InetAddress {ip} is now DOWN, status = {st}",
         {"t": seastar_ts, "ip": pick(DA_SCYLLA_NODES), "st": pick(["NORMAL", "shutdown", "shutdown"])}),
        (5, "INFO  {t} [shard 0:main] storage_service - Checking remote features with gossip, initial_contact_nodes={{{nodes}}}",
         {"t": seastar_ts, "nodes": lambda g: ", ".join(g.r.sample(DA_SCYLLA_NODES, g.r.choice([1, 2, 2, 3])))}),
        (9, "WARN  " + scylla + "comp] large_data - Writing large partition {ks}/{cf}: {pk} ({n} bytes) to {f}",
         {**scylla_hdr, "ks": table, "cf": then(1), "pk": lambda g: g.num(1000, 999999), "n": lambda g: g.num(104_857_600, 900_000_000),
          "f": lambda g: f"me-3gd{g.hexs(1)}_{g.hexs(4)}_{g.hexs(18)}-big-Data.db"}),
        (16, "WARN  " + scylla + "stmt] reader_concurrency_semaphore - {rl}Semaphore _read_concurrency_sem with {a}/100 count and {b}/{c} memory resources: {why}, dumping permit diagnostics:",
         {**scylla_hdr, "rl": rate_limited, "a": lambda g: g.num(1, 100), "b": lambda g: g.num(10_000, 149_078_835), "c": pick(["149078835", "74539417"]),
          "why": pick(["timed out", "timed out", "queue overload"])}),
        # Redpanda 23.3 (Seastar logger with the source location)
        (40, "INFO  " + scylla + "main] raft - [group_id:{gid}, {{kafka/{topic}/{p}}}] vote_stm.cc:264 - becoming the leader term:{term}",
         {**scylla_hdr, "gid": first(DA_RP_TOPICS), "topic": then(1), "p": then(2), "term": lambda g: g.num(1, 40)}),
        (30, "INFO  " + scylla + "main] storage - segment.cc:799 - Creating new segment /var/lib/redpanda/data/kafka/{topic}/{p}_{rev}/{off}-{term}-v1.log",
         {**scylla_hdr, "topic": rp_topic, "p": then(2), "rev": lambda g: g.num(20, 60),
          "off": lambda g: g.num(0, 90_000_000), "term": lambda g: g.num(1, 40)}),
        # ActiveMQ Artemis 2.31 (log4j2: time, level, logger; AMQ message ids)
        (8, artemis("INFO") + "AMQ221020: Started {kind} Acceptor at {h}:{p} for protocols [{protos}]",
         {"t": java_time, "kind": pick(["EPOLL", "EPOLL", "NIO"]), "h": pick(["0.0.0.0", "0.0.0.0", "artemis-0.artemis.data.svc"]),
          "p": first(DA_ARTEMIS_ACCEPTORS), "protos": then(1)}),
        (22, artemis("INFO") + "AMQ221003: Deploying {rt} queue {q} on address {a}",
         {"t": java_time, "rt": first(DA_ARTEMIS_QUEUES), "q": then(1), "a": then(2)}),
        (10, artemis("INFO") + "AMQ221080: Deploying address {a} supporting {rts}",
         {"t": java_time, "a": first(DA_ARTEMIS_ADDRESSES), "rts": then(1)}),
        (36, artemis("WARN") + "AMQ222061: Client connection failed, clearing up resources for session {s}",
         {"t": java_time, "s": Gen.uuid}),
        (34, artemis("WARN") + "AMQ222107: Cleared up resources for session {s}", {"t": java_time, "s": Gen.uuid}),
        (12, artemis("INFO") + "AMQ221048: Consumer {sess}:{cid} attached to queue '{q}' from /{ip}:{port} identified as 'slow.' Expected consumption rate: {e} msgs/second; actual consumption rate: {a} msgs/second.",
         {"t": java_time, "sess": Gen.uuid, "cid": pick(["0", "0", "1", "2"]), "q": lambda g: g.r.choice(DA_ARTEMIS_QUEUES)[1],
          "ip": Gen.ip, "port": Gen.port, "e": pick(["100", "50"]), "a": lambda g: g.r.choice([f"{g.r.uniform(0, 50):.2f}".rstrip("0").rstrip("."), "0"])}),
        (10, artemis("WARN") + "AMQ222038: Starting paging on address '{a}'; size is currently: {n} bytes; max-size-bytes: 10,485,760",
         {"t": java_time, "a": pick(["orders", "payments", "notifications"]), "n": grouped(10_000_000, 11_000_000)}),
        (6, artemis("INFO") + "AMQ221046: Unblocking message production on address '{a}'; size is currently: {n} bytes; max-size-bytes: 10,485,760",
         {"t": java_time, "a": pick(["orders", "payments", "notifications"]), "n": grouped(1_000, 9_000_000)}),
        (14, artemis("WARN") + "AMQ222216: Security problem while authenticating: AMQ229031: Unable to validate user from /{ip}:{port}. Username: {u}; SSL certificate subject DN: unavailable",
         {"t": java_time, "ip": Gen.ip, "port": Gen.port, "u": pick(DA_ARTEMIS_USERS)}),
        # Pgpool-II 4.5 (log_line_prefix '%m: %a pid %p: ')
        (55, pgpool + "LOG:  new connection received", {**pgpool_hdr, "app": pick(["child", "child", "[unknown]"])}),
        (55, pgpool + "DETAIL:  connecting host={ip} port={port}", {**pgpool_hdr, "app": pick(["child", "child", "[unknown]"]), "ip": Gen.ip, "port": Gen.port}),
        (100, pgpool + "LOG:  DB node id: {n} backend pid: {bpid} statement: {sql}",
         {**pgpool_hdr, "n": pick(["0", "0", "1", "2"]), "bpid": lambda g: g.num(200, 90000), "sql": pgpool_sql}),
        (14, health + "LOG:  health check retrying on DB node: {node} (round:{k})", {**health_hdr, "node": pick(["1", "2"]), "k": pick(["1", "2", "3"])}),
        (8, health + 'LOG:  failed to connect to PostgreSQL server on "{h}:5432", getsockopt() failed', {**health_hdr, "h": pick(DA_PG_HOSTS)}),
        (8, health + "DETAIL:  Operation now in progress", health_hdr),
        (5, health + "LOG:  received degenerate backend request for node_id: {node} from pid [{p}]", {**health_hdr, "node": pick(["1", "2"]), "p": pick(["152", "153", "154"])}),
        (4, "{t}: main pid {pid}: LOG:  Pgpool-II parent process has received failover request", {"t": pgpool_ts, "pid": pick(["1"])}),
        (4, "{t}: main pid {pid}: LOG:  failover: set new primary node: {n}", {"t": pgpool_ts, "pid": pick(["1"]), "n": pick(["0", "1", "2"])}),
        # Neo4j 5 (query.log, security.log, debug.log)
        (90, "{t} INFO  id:{id} - transaction id:{tx} - {ms} ms: {b} B - bolt-session\tbolt\t{drv}\t\tclient/{ip}:{port}\tserver/{sip}:7687>\t{db} - {u} - {q} - {params} - runtime={rt} - {{}}",
         {"t": neo4j_ts, "id": lambda g: g.num(1000, 9_999_999), "tx": lambda g: g.num(100, 999_999), "ms": lambda g: g.r.choice([g.num(0, 9), g.num(10, 4000)]),
          "b": lambda g: g.r.choice(["0", g.num(100, 900000)]), "drv": pick(DA_NEO4J_DRIVERS), "ip": Gen.ip, "port": Gen.port, "sip": pick(["10.42.5.11", "10.42.6.3"]),
          "db": pick(["neo4j", "neo4j", "recommendations"]), "u": pick(DA_NEO4J_USERS), "q": neo4j_query, "params": then(1), "rt": pick(["pipelined", "pipelined", "slotted"])}),
        (16, "{t} INFO  [{u}]: logged in", {"t": neo4j_ts, "u": pick(DA_NEO4J_USERS)}),
        (7, "{t} ERROR [{u}]: failed to log in: invalid principal or credentials", {"t": neo4j_ts, "u": pick([*DA_NEO4J_USERS, "admin"])}),
        (10, "{t} WARN  [o.n.k.i.c.VmPauseMonitorComponent] Detected VM stop-the-world pause: {{pauseTime={a}, gcTime={b}, gcCount={c}}}",
         {"t": neo4j_ts, "a": lambda g: g.num(100, 3000), "b": lambda g: g.num(90, 2900), "c": pick(["1", "1", "2"])}),
        (6, '{t} INFO  [o.n.k.i.t.l.c.CheckPointerImpl] [{db}] Checkpoint triggered by "{why}" @ txId: {tx} checkpoint started...',
         {"t": neo4j_ts, "db": pick(["neo4j", "system", "recommendations"]), "why": pick(DA_NEO4J_CHECKPOINTS), "tx": lambda g: g.num(100, 999_999)}),
        (6, '{t} INFO  [o.n.k.i.t.l.c.CheckPointerImpl] [{db}] Checkpoint triggered by "{why}" @ txId: {tx} checkpoint completed in {ms}ms',
         {"t": neo4j_ts, "db": pick(["neo4j", "system", "recommendations"]), "why": pick(DA_NEO4J_CHECKPOINTS), "tx": lambda g: g.num(100, 999_999), "ms": lambda g: g.num(2, 9000)}),
        # Meilisearch 1.5 (env_logger; actix-web's access logger)
        (110, '[{t} INFO  actix_web::middleware::logger] {ip} "{m} {path} HTTP/1.1" {st} {b} "-" "{ua}" {secs}',
         {"t": lambda g: f"2026-12-03T{hms(g)}Z", "ip": Gen.ip, "m": meili_route, "path": then(1), "st": then(2), "b": lambda g: g.num(2, 90000),
          "ua": pick(DA_MEILI_AGENTS), "secs": lambda g: f"{g.r.uniform(0.0001, 0.4):.6f}"}),
        (14, "[{t} INFO  index_scheduler] A batch of tasks was successfully completed.", {"t": lambda g: f"2026-12-03T{hms(g)}Z"}),
        # Typesense 0.25 (glog)
        (40, typesense("I") + "raft_server.cpp:546] Term: {term}, last_index index: {li}, committed_index: {ci}, known_applied_index: {ka}, applying_index: {ai}, pending_index: {pi}, disk_index: {di}, pending_queue_size: {q}, local_sequence: {seq}",
         {"t": glog_ts, "tid": glog_tid, "term": pick(["3", "4", "4", "5"]), "li": lambda g: g.num(10_000, 90_000),
          "ci": lambda g: g.num(10_000, 90_000), "ka": lambda g: g.num(10_000, 90_000), "ai": pick(["0", "0", "0", "1"]), "pi": pick(["0", "0", "0", "2"]),
          "di": lambda g: g.num(10_000, 90_000), "q": pick(["0", "0", "0", "1"]), "seq": lambda g: g.num(100_000, 9_000_000)}),
        (24, typesense("I") + "raft_server.h:60] Peer refresh succeeded!", {"t": glog_ts, "tid": glog_tid}),
        (5, typesense("E") + "raft_server.h:62] Peer refresh failed, error: {e}", {"t": glog_ts, "tid": glog_tid, "e": pick(DA_TYPESENSE_ERRORS)}),
        (10, typesense("I") + "batched_indexer.cpp:284] Running GC for aborted requests, req map size: {n}",
         {"t": glog_ts, "tid": glog_tid, "n": pick(["0", "0", "0", "1", "3"])}),
        # NestJS 10 (ConsoleLogger)
        (20, nest + "    LOG [RouterExplorer] Mapped {{{path}, {m}}} route +{n}ms", {**nest_hdr, "path": first(DA_NEST_ROUTES), "m": then(1), "n": ms}),
        (12, nest + "    LOG [InstanceLoader] {mod} dependencies initialized +{n}ms", {**nest_hdr, "mod": pick(DA_NEST_MODULES), "n": ms}),
        (8, nest + "    LOG [RoutesResolver] {c} {{{prefix}}}: +{n}ms", {**nest_hdr, "c": first(DA_NEST_CONTROLLERS), "prefix": then(1), "n": ms}),
        (4, nest + "    LOG [NestApplication] Nest application successfully started +{n}ms", {**nest_hdr, "n": ms}),
        (12, nest + "  ERROR [TypeOrmModule] Unable to connect to the database. Retrying ({k})...", {**nest_hdr, "k": pick(["1", "2", "3", "4", "5", "6", "7", "8", "9"])}),
        (26, nest + "  ERROR [ExceptionsHandler] {e}", {**nest_hdr, "e": pick(DA_NEST_ERRORS)}),
        # Symfony 6.4 (Monolog LineFormatter: message, context, extra)
        (60, '[{t}] request.INFO: Matched route "{r}". {{"route":"{r2}","route_parameters":{rp},"request_uri":"{uri}","method":"{m}"}} []',
         {"t": monolog_ts, "r": sf_route, "r2": then(0), "rp": then(1), "uri": then(2), "m": then(3)}),
        (12, '[{t}] request.{lv}: Uncaught PHP Exception {cls}: "{msg}" at {file} line {line} {{"exception":"{exc}"}} []',
         {"t": monolog_ts, "lv": sf_exception, "cls": then(1), "msg": then(2), "file": then(3), "line": then(4), "exc": then(5)}),
        (40, '[{t}] doctrine.DEBUG: Executing statement: {sql} (parameters: {params}, types: {types}) {{"sql":"{sql2}","params":{p2},"types":{t2}}} []',
         {"t": monolog_ts, "sql": sf_sql, "params": then(1), "types": then(2), "sql2": then(3), "p2": then(4), "t2": then(5)}),
        (18, '[{t}] messenger.INFO: Received message {cls} {{"class":"{c2}"}} []', {"t": monolog_ts, "cls": sf_message, "c2": then(2)}),
        (18, '[{t}] messenger.INFO: Message {cls} handled by {h} {{"class":"{c2}","handler":"{h2}"}} []',
         {"t": monolog_ts, "cls": sf_message, "h": then(1), "c2": then(2), "h2": then(3)}),
        (7, '[{t}] messenger.WARNING: Error thrown while handling message {cls}. Sending for retry #{n} using {d} ms delay. Error: "{e}" {{"class":"{c2}","retryCount":{n2},"delay":{d2},"error":"{e2}"}} []',
         {"t": monolog_ts, "cls": sf_retry, "n": then(1), "d": then(2), "e": lambda g: g.drawn[3].replace('\\"', '"'), "c2": then(4), "n2": then(1), "d2": then(2), "e2": then(3)}),
        # Micronaut 4 (Logback default pattern) with Flyway
        (4, "{t} [main] INFO  io.micronaut.runtime.Micronaut - Startup completed in {n}ms. Server Running: http://{pod}:8080",
         {"t": mn_time, "n": lambda g: g.num(300, 4000), "pod": lambda g: f"orders-{g.hexs(10)}-{g.hexs(5)}"}),
        (4, "{t} [main] INFO  i.m.c.DefaultApplicationContext$RuntimeConfiguredEnvironment - Established active environments: {envs}",
         {"t": mn_time, "envs": pick(DA_MN_ENVS)}),
        (30, "{t} [{th}] ERROR i.m.http.server.RouteExecutor - Unexpected error occurred: {e}",
         {"t": mn_time, "th": lambda g: f"default-nioEventLoopGroup-1-{g.r.randint(1, 8)}", "e": pick(DA_MN_ERRORS)}),
        (5, '{t} [main] INFO  o.f.core.internal.command.DbMigrate - Migrating schema "{s}" to version "{v} - {d}"',
         {"t": mn_time, "s": pick(["public", "public", "orders"]), "v": first(DA_MN_MIGRATIONS), "d": then(1)}),
        # Puma 6 (cluster mode)
        (10, "[{pid}] - Worker {i} (PID: {w}) booted in {s}s, phase: {ph}",
         {"pid": pick(["1", "1", "1", "7"]), "i": pick(["0", "1", "2", "3"]), "w": lambda g: g.num(8, 900), "s": lambda g: f"{g.r.uniform(0.2, 9):.2f}", "ph": pick(["0", "0", "1"])}),
        (4, "[{pid}] ! Terminating timed out worker {why}: {w}", {"pid": pick(["1", "1", "1", "7"]), "why": puma_timeout, "w": lambda g: g.num(8, 900)}),
        # Odoo 17 (werkzeug access line with query count and times, res_users, ir_cron, sql_db)
        (90, odoo + 'INFO {db} werkzeug: {ip} - - [{ct}] "{m} {path} HTTP/1.1" {st} -{perf}',
         {**odoo_hdr, "db": pick([*DA_ODOO_DBS, "?"]), "ip": Gen.ip, "ct": odoo_clf, "m": odoo_request, "path": then(1), "st": then(2), "perf": then(3)}),
        (16, odoo + "INFO {db} odoo.addons.base.models.res_users: Login successful for db:{db2} login:{u} from {ip}",
         {**odoo_hdr, "db": first([(d,) for d in DA_ODOO_DBS]), "db2": then(0), "u": pick(DA_ODOO_LOGINS), "ip": Gen.ip}),
        (7, odoo + "INFO {db} odoo.addons.base.models.res_users: Login failed for db:{db2} login:{u} from {ip}",
         {**odoo_hdr, "db": first([(d,) for d in DA_ODOO_DBS]), "db2": then(0), "u": pick([*DA_ODOO_LOGINS, "admin@example.com"]), "ip": Gen.ip}),
        (14, odoo + "INFO {db} odoo.addons.base.models.ir_cron: Job '{job}' ({id}) starting", {**odoo_hdr, "db": pick(DA_ODOO_DBS), "job": first(DA_ODOO_CRONS), "id": then(1)}),
        (14, odoo + "INFO {db} odoo.addons.base.models.ir_cron: Job '{job}' ({id}) done in {s}s",
         {**odoo_hdr, "db": pick(DA_ODOO_DBS), "job": first(DA_ODOO_CRONS), "id": then(1), "s": lambda g: f"{g.r.uniform(0.01, 40):.3f}"}),
        (5, odoo + "ERROR {db} odoo.sql_db: bad query: {sql}",
         {**odoo_hdr, "db": pick(DA_ODOO_DBS), "sql": lambda g: g.r.choice([f"UPDATE \"sale_order\" SET \"state\" = 'sale', \"write_uid\" = 2 WHERE id IN ({g.num(1, 9000)})",
                                                                             f"SELECT \"stock_quant\".\"id\" FROM \"stock_quant\" WHERE \"stock_quant\".\"product_id\" = {g.num(1, 900)} FOR NO KEY UPDATE NOWAIT"])}),
        (5, "ERROR: {e}", {"e": pick(DA_ODOO_PG_ERRORS)}),
        # CloudNativePG 1.22 instance manager (JSON)
        (30, '{{"level":"info","ts":"{ts}","logger":"wal-archive","msg":"Archived WAL file","logging_pod":"{pod}","walName":"{wal}","startTime":"{st}","endTime":"{et}","elapsedWalTime":{el}}}',
         {"ts": cnpg_ts, "pod": pick(DA_CNPG_PODS), "wal": cnpg_wal, "st": cnpg_ts, "et": cnpg_ts, "el": lambda g: f"{g.r.uniform(0.2, 9):.9f}"}),
        (10, '{{"level":"info","ts":"{ts}","logger":"wal-restore","msg":"Restored WAL file","logging_pod":"{pod}","walName":"{wal}","startTime":"{st}","endTime":"{et}","elapsedWalTime":{el}}}',
         {"ts": cnpg_ts, "pod": pick(DA_CNPG_PODS), "wal": lambda g: cnpg_wal(g).rsplit("/", 1)[1], "st": cnpg_ts, "et": cnpg_ts, "el": lambda g: f"{g.r.uniform(0.2, 9):.9f}"}),
    ]


WA_HTTPD_BACKENDS = [("orders-api", "10.43.18.7", "8080"), ("catalog", "10.43.2.115", "8080"), ("legacy-php", "10.43.9.40", "9000")]
WA_HTTPD_DENIED = ["/usr/local/apache2/htdocs/.env", "/usr/local/apache2/htdocs/.git/config", "/usr/local/apache2/htdocs/server-status",
                   "/usr/local/apache2/htdocs/wp-admin/install.php"]
WA_HTTPD_BAD_URIS = ["GET /..%2f..%2f..%2fetc/passwd HTTP/1.1", "GET /cgi-bin/.%2e/.%2e/.%2e/bin/sh HTTP/1.1", "GET /%%32%65%%32%65/etc/hosts HTTP/1.1"]
WA_HTTPD_VHOSTS = ["shop.example.com", "static.example.com"]
WA_HTTPD_REFERERS = ["https://shop.example.com/", "https://shop.example.com/cart", "https://shop.example.com/checkout/payment"]
WA_HTTPD_ERRNOS = ["(111)Connection refused", "(111)Connection refused", "(113)No route to host", "(110)Connection timed out"]
WA_ACCESS_PATHS = ["/", "/index.php", "/catalog/product/{n}", "/static/css/site.{h}.css", "/static/js/app.{h}.js", "/cart/add?product={n}&qty={q}",
                   "/checkout", "/server-status?auto", "/favicon.ico"]
WA_ACCESS_AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                    "kube-probe/1.30", "Prometheus/2.54.1", "curl/8.5.0"]
WA_SPRING_APPS = ["orders-api", "billing-api"]
WA_SQLSTATES = [("0", "23505", "ERROR: duplicate key value violates unique constraint \"orders_pkey\""),
                ("0", "40001", "ERROR: could not serialize access due to concurrent update"),
                ("0", "57014", "ERROR: canceling statement due to statement timeout"),
                ("0", "08006", "An I/O error occurred while sending to the backend."),
                ("0", "23503", "ERROR: insert or update on table \"order_items\" violates foreign key constraint \"order_items_order_id_fkey\"")]
WA_AKKA_NODES = ["10.42.1.31", "10.42.2.18", "10.42.3.6", "10.42.4.22"]
WA_AKKA_MESSAGES = ["com.example.orders.OrderEntity$Command$GetState", "akka.cluster.sharding.ShardRegion$StartEntity",
                    "com.example.orders.Inventory$Reserve", "akka.actor.Identify"]
WA_AKKA_ACTORS = ["user/orders-projection", "system/sharding/Order/12/{n}", "user/inventory-router/$b", "temp/$Jc"]
WA_AKKA_CAUSES = ["Handshake with [akka://ClusterSystem@{a}:25520] did not complete within 20000 ms (akka.remote.artery.OutboundHandshake$HandshakeTimeoutException: Handshake with [akka://ClusterSystem@{a}:25520] did not complete within 20000 ms)",
                  "Connection refused: /{a}:25520 (akka.remote.artery.tcp.TcpTransport$ConnectionRefusedException)",
                  "Broken pipe (java.io.IOException: Broken pipe)"]
WA_PLAY_ROUTES = [("GET", "/orders/{n}"), ("POST", "/orders"), ("GET", "/api/customers/{n}/invoices"), ("PUT", "/orders/{n}/status")]
WA_PLAY_ERRORS = ["NullPointerException: null", "CompletionException: java.net.ConnectException: Connection refused: orders-db/10.43.5.2:5432",
                  "IllegalArgumentException: requirement failed: quantity must be positive",
                  "AskTimeoutException: Ask timed out on [Actor[akka://application/user/inventory#-1734126801]] after [5000 ms]. Message of type [actors.InventoryActor$Reserve]. A typical reason for `AskTimeoutException` is that the recipient actor didn't send a reply."]
WA_FASTIFY_PODS = ["gateway-6c9f7d8b5-2xkqp", "gateway-6c9f7d8b5-h7wzt"]
WA_FASTIFY_ROUTES = [("GET", "/api/products?limit={q}&offset={n}", "200"), ("GET", "/api/products/{n}", "200"), ("POST", "/api/cart/items", "201"),
                     ("GET", "/api/products/{n}", "404"), ("DELETE", "/api/cart/items/{n}", "204"), ("GET", "/health", "200"),
                     ("POST", "/api/checkout", "500")]
WA_FASTIFY_ERRORS = [("Error", "connect ECONNREFUSED 10.43.7.19:6379"), ("FetchError", "request to http://pricing.default.svc:8080/quote failed, reason: socket hang up"),
                     ("TypeError", "Cannot read properties of undefined (reading 'sku')"), ("Error", "Payment provider returned 502")]
WA_NEXT_ERRORS = ["TypeError: fetch failed", "Error: connect ECONNREFUSED 10.43.12.4:443",
                  "TypeError: Cannot read properties of undefined (reading 'map')",
                  "Error: Dynamic server usage: Page couldn't be rendered statically because it used `cookies`.",
                  "SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON"]
WA_ECHO_ROUTES = [("GET", "/v1/rates?from={c}&to={d}", "200", ""), ("GET", "/v1/rates/{c}", "200", ""), ("POST", "/v1/convert", "200", ""),
                  ("POST", "/v1/convert", "400", "code=400, message=Syntax error: offset=14, error=invalid character '}' looking for beginning of value, internal=invalid character '}' looking for beginning of value"),
                  ("GET", "/v1/rates/{c}", "404", "code=404, message=Not Found"), ("GET", "/metrics", "200", "")]
WA_CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF"]
WA_RESQUE_QUEUES = ["critical", "default", "mailers"]
WA_RESQUE_JOBS = [("default", "ReindexProductJob", lambda g: f"[{g.num(1, 90000)}]"),
                  ("mailers", "OrderMailerJob", lambda g: f'[{g.num(1, 90000)}, "{g.r.choice(["confirmation", "shipped", "refund"])}"]'),
                  ("critical", "ChargeCardJob", lambda g: f'[{g.num(1, 90000)}, {g.num(100, 99999)}, "{g.r.choice(["EUR", "USD"])}", {{"retry"=>true}}]'),
                  ("default", "CleanupSessionsJob", lambda g: "[]")]
WA_RESQUE_EXC = ["#<Redis::TimeoutError: Connection timed out>", "#<ActiveRecord::RecordNotFound: Couldn't find Order with 'id'={n}>",
                 "#<Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>>", "#<Stripe::CardError: Your card was declined.>"]
WA_RQ_QUEUES = ["default", "high", "low"]
WA_RQ_FUNCS = [("reports.tasks.build_report", lambda g: f"{g.num(1, 900)}, 'monthly'"), ("mail.tasks.send_digest", lambda g: f"user_id={g.num(1, 90000)}"),
               ("etl.jobs.sync_customers", lambda g: ""), ("reports.tasks.export_csv", lambda g: f"{g.num(1, 900)}, '2026-12-0{g.r.randint(1, 3)}', compress=True")]
WA_DRAMATIQ_ACTORS = [("resize_image", lambda g: f"'uploads/{g.hexs(12)}.jpg', width={g.r.choice([320, 640, 1280])}"),
                      ("send_webhook", lambda g: f"{g.num(1, 9000)}, 'order.paid'"), ("refresh_token", lambda g: f"'{g.r.choice(['stripe', 'paypal'])}'")]
WA_OBAN_WORKERS = [("Shop.Workers.Mailer", "mailers", lambda g: f'{{"email":"{g.r.choice(["welcome", "receipt"])}","user_id":{g.num(1, 90000)}}}'),
                   ("Shop.Workers.StockSync", "default", lambda g: f'{{"sku":"SKU-{g.num(1000, 9999)}"}}'),
                   ("Shop.Workers.PurgeCarts", "maintenance", lambda g: "{}")]
WA_OBAN_ERRORS = ["** (DBConnection.ConnectionError) connection not available and request was dropped from queue after 2000ms",
                  "** (Mint.TransportError) timeout", "** (RuntimeError) SMTP relay refused: 421 4.7.0 Try again later",
                  "** (Ecto.NoResultsError) expected at least one result but got none in query"]
WA_SANIC_ROUTES = [("GET", "/feeds/{n}", "200"), ("GET", "/feeds/{n}/items?since={q}", "200"), ("POST", "/subscriptions", "201"),
                   ("GET", "/healthz", "200"), ("GET", "/feeds/{n}", "500")]
WA_UNICORN_SIGNALS = ["SIGKILL (signal 9)", "exit 0", "SIGKILL (signal 9)"]


def webapp_events() -> list[tuple[float, str, dict]]:
    """Web servers, application runtimes, frameworks and job runners on Kubernetes that none of
    the other corpora covers: Apache httpd (error log and combined access log), Hibernate ORM in
    a Spring Boot 3.2 Logback console, Akka 2.6 cluster (default logger), Play 2.8, Vert.x 4 with
    Netty, Fastify 4 (pino JSON), Next.js 14 (next start), Echo v4 (logger middleware JSON),
    Resque (very verbose), RQ, Dramatiq, Oban (default JSON logger through Elixir Logger), Sanic
    and Unicorn. Written for the blind check of the template engine, before reading the engine
    or any failure analysis, and scored once; 71 event types."""

    def httpd_ts(g: Gen) -> str:
        return f"Thu Dec 03 {hms(g)}.{g.num(0, 999999):0>6} 2026"

    def httpd_tid(g: Gen) -> str:
        return g.r.choice(["140371292514048", "140371284121344", "140371275728640", "140371267335936", "140371258943232"])

    def referer(g: Gen) -> str:
        # mod_log_config-style suffix ap_log_rerror adds only when the request carried a Referer
        return g.r.choice(["", "", "", f", referer: {g.r.choice(WA_HTTPD_REFERERS)}"])

    def backend(g: Gen) -> str:
        g.drawn = g.r.choice(WA_HTTPD_BACKENDS)
        return g.drawn[0]

    def backend_ip(g: Gen) -> str:
        g.drawn = g.r.choice(WA_HTTPD_BACKENDS)
        return g.drawn[1]

    def access_path(g: Gen) -> str:
        return g.r.choice(WA_ACCESS_PATHS).replace("{n}", g.num(1, 40000)).replace("{h}", g.hexs(8)).replace("{q}", g.num(1, 5))

    def access_status(g: Gen) -> str:
        g.drawn = (g.r.choice(["200"] * 12 + ["304", "304", "302", "404", "403", "500", "502"]),)
        return g.drawn[0]

    def access_bytes(g: Gen) -> str:
        return "-" if g.drawn[0] in ("304", "302") and g.r.random() < 0.8 else g.num(20, 250000)

    def spring_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999):0>3}Z"

    def spring_thread(g: Gen) -> str:
        return f"{'nio-8080-exec-' + str(g.r.randint(1, 10)):>15}"[-15:]

    def sqlstate(g: Gen) -> str:
        g.drawn = g.r.choice(WA_SQLSTATES)
        return g.drawn[0]

    def akka_ts(g: Gen) -> str:
        return f"12/03/2026 {hms(g)}.{g.num(0, 999):0>3}"

    def akka_dispatcher(g: Gen) -> str:
        return f"ClusterSystem-akka.actor.default-dispatcher-{g.r.randint(3, 18)}"

    def akka_addr(g: Gen) -> str:
        return f"akka://ClusterSystem@{g.r.choice(WA_AKKA_NODES)}:25520"

    def akka_member(g: Gen) -> str:
        # Member.toString names the data center and app version only when they are not the defaults
        dc = g.r.choice(["", "", "", ", dc-eu-west-1b"])
        return f"Member({akka_addr(g)}, {g.r.choice(['Up', 'Up', 'Up', 'WeaklyUp', 'Leaving'])}{dc})"

    def akka_actor(g: Gen) -> str:
        return f"Actor[akka://ClusterSystem/{g.r.choice(WA_AKKA_ACTORS).replace('{n}', g.num(1, 90000))}#{g.r.randint(-2**31, 2**31 - 1)}]"

    def dead_letter_sender(g: Gen) -> str:
        # DeadLetterListener prints " from <sender>" only when the message had a sender
        return g.r.choice(["", f" from {akka_actor(g)}"])

    def dead_letter_recipient(g: Gen) -> str:
        g.drawn = (akka_actor(g),)
        return g.drawn[0]

    def akka_cause(g: Gen) -> str:
        return g.r.choice(WA_AKKA_CAUSES).replace("{a}", g.r.choice(WA_AKKA_NODES))

    def play_route(g: Gen) -> str:
        m, uri = g.r.choice(WA_PLAY_ROUTES)
        g.drawn = (m, uri.replace("{n}", g.num(1, 90000)))
        return m

    def play_id(g: Gen) -> str:
        return "".join(g.r.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(9))

    def logback_time(g: Gen) -> str:
        return f"{hms(g)}.{g.num(0, 999):0>3}"

    def blocked(g: Gen) -> str:
        kind, limit = g.r.choice([("eventloop", "2000"), ("eventloop", "2000"), ("eventloop", "2000"), ("worker", "60000")])
        g.drawn = (f"vert.x-{kind}-thread-{g.r.randint(0, 7)}", str(int(limit) + g.r.randint(1, int(limit) * 3)), limit)
        return g.drawn[0]

    def epoch_ms(g: Gen) -> str:
        return str(1764720000000 + g.r.randint(0, 86_399_999))

    def fastify_req(g: Gen) -> str:
        m, url, st = g.r.choice(WA_FASTIFY_ROUTES)
        g.drawn = (m, url.replace("{n}", g.num(1, 9000)).replace("{q}", g.r.choice(["10", "20", "50"])), st)
        return m

    def response_time(g: Gen) -> str:
        # JavaScript prints the float's shortest form
        return repr(round(g.r.uniform(0.2, 900), g.r.randint(3, 14)))

    def req_id(g: Gen) -> str:
        return f"req-{g.r.randint(1, 9999):x}"

    def fastify_err(g: Gen) -> str:
        kind, msg = g.r.choice(WA_FASTIFY_ERRORS)
        frames = "".join(f"\\n    at {fn} ({file})" for fn, file in g.r.sample(
            [("TCPConnectWrap.afterConnect [as oncomplete]", "node:net:1607:16"), ("Object.handler", "/app/dist/routes/checkout.js:41:19"),
             ("process.processTicksAndRejections", "node:internal/process/task_queues:95:5"), ("CartService.total", "/app/dist/services/cart.js:88:31")],
            g.r.randint(1, 3)))
        g.drawn = (kind, msg, f"{kind}: {msg}{frames}", msg)
        return kind

    def go_rfc3339nano(g: Gen) -> str:
        # RFC3339Nano drops trailing zeros of the fraction
        return f"2026-12-03T{hms(g)}.{g.num(1, 999999999):0>9}".rstrip("0") + "Z"

    def echo_route(g: Gen) -> str:
        m, uri, st, err = g.r.choice(WA_ECHO_ROUTES)
        c, d = g.r.sample(WA_CURRENCIES, 2)
        ns = g.r.randint(40_000, 90_000_000)
        human = f"{ns / 1000:.3f}".rstrip("0").rstrip(".") + "µs" if ns < 1_000_000 else f"{ns / 1e6:.6f}".rstrip("0").rstrip(".") + "ms"
        g.drawn = (m, uri.replace("{c}", c).replace("{d}", d), st, err, str(ns), human)
        return m

    def resque_time(g: Gen) -> str:
        return f"{hms(g)} 2026-12-03"

    def resque_job(g: Gen) -> str:
        q, cls, args = g.r.choice(WA_RESQUE_JOBS)
        return f"(Job{{{q}}} | {cls} | {args(g)})"

    def resque_worker(g: Gen) -> str:
        queues = ",".join(g.r.sample(WA_RESQUE_QUEUES, g.r.randint(1, 3)))
        return f"resque-worker-{g.hexs(5)}:{g.r.randint(1, 90)}:{queues}"

    def rq_job(g: Gen) -> str:
        fn, args = g.r.choice(WA_RQ_FUNCS)
        g.drawn = (g.r.choice(WA_RQ_QUEUES), f"{fn}({args(g)})", g.uuid(), fn)
        return g.drawn[0]

    def rq_failed_id(g: Gen) -> str:
        rq_job(g)
        return g.drawn[2]

    def dramatiq_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{g.num(0, 999):0>3}"

    def dramatiq_message(g: Gen) -> str:
        actor, args = g.r.choice(WA_DRAMATIQ_ACTORS)
        return f"{actor}({args(g)})"

    def oban_job(g: Gen) -> str:
        worker, queue, args = g.r.choice(WA_OBAN_WORKERS)
        attempt = g.r.choice([1, 1, 1, 1, 2, 3])
        g.drawn = (args(g), str(attempt), g.num(1, 900000), queue, worker)
        return g.drawn[0]

    def sanic_ts(g: Gen) -> str:
        return f"[2026-12-03 {hms(g)} +0000]"

    def sanic_req(g: Gen) -> str:
        m, path, st = g.r.choice(WA_SANIC_ROUTES)
        g.drawn = (f"{m} http://feeds.default.svc:8000{path.replace('{n}', g.num(1, 900)).replace('{q}', g.num(1764720000, 1764806399))}", st)
        return g.drawn[0]

    def ruby_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}"

    def httpd(module: str) -> str:
        return "[{t}] [" + module + "] [pid {pid}:tid {tid}] "

    httpd_child = {"t": httpd_ts, "pid": pick(["8", "9", "10", "11"]), "tid": httpd_tid}
    httpd_main = {"t": httpd_ts, "pid": pick(["1"]), "tid": pick(["140371301055352", "139911052785528"])}
    def spring(level: str) -> str:
        return "{t} " + f"{level:>5}" + " 1 --- [{app}] [{th}] "

    spring_hdr = {"t": spring_ts, "app": pick(WA_SPRING_APPS), "th": spring_thread}
    spring_main = {"t": spring_ts, "app": pick(WA_SPRING_APPS), "th": pick(["           main"])}
    def akka(level: str) -> str:
        return f"[{level}] " + "[{t}] [{th}] [Cluster(akka://ClusterSystem)] Cluster Node [{self}] - "

    akka_hdr = {"t": akka_ts, "th": akka_dispatcher, "self": akka_addr}
    def fastify(level: int) -> str:
        return '{{"level":' + str(level) + ',"time":{t},"pid":1,"hostname":"{host}",'

    fastify_hdr = {"t": epoch_ms, "host": pick(WA_FASTIFY_PODS)}
    resque = "** [{t}] {pid}: "
    resque_hdr = {"t": resque_time, "pid": pick(["14", "15", "16"])}
    dramatiq = "[{t}] [PID {pid}] [{th}] "
    dramatiq_hdr = {"t": dramatiq_ts, "pid": pick(["9", "10", "11", "12"]), "th": lambda g: f"Thread-{g.r.randint(3, 10)}"}
    def oban(level: str) -> str:
        return "{t} [" + level + '] {{"args":{args},"attempt":{a},'

    def unicorn(level: str) -> str:
        return f"{level[0]}, " + "[{t} #{pid}] " + f"{level:>5} -- : "


    return [
        # Apache httpd 2.4 error log (ErrorLogFormat default; event MPM) and access log (combined)
        (6, httpd("mpm_event:notice") + "AH00489: {desc} configured -- resuming normal operations",
         {**httpd_main, "desc": pick(["Apache/2.4.58 (Unix)", "Apache/2.4.58 (Unix) OpenSSL/3.0.11"])}),
        (4, httpd("core:notice") + "AH00094: Command line: '{cmd}'",
         {**httpd_main, "cmd": pick(["httpd -D FOREGROUND", "/usr/local/apache2/bin/httpd -D FOREGROUND -f /etc/httpd/conf/httpd.conf"])}),
        (24, httpd("proxy:error") + "{err}: AH00957: http: attempt to connect to {ip}:{port} ({host}:{port2}) failed",
         {**httpd_child, "err": pick(WA_HTTPD_ERRNOS), "ip": backend_ip, "port": then(2), "host": then(0), "port2": then(2)}),
        (20, httpd("proxy_http:error") + "[client {ip}:{cport}] AH01114: HTTP: failed to make connection to backend: {host}{ref}",
         {**httpd_child, "ip": Gen.ip, "cport": Gen.port, "host": lambda g: g.r.choice(WA_HTTPD_BACKENDS)[0], "ref": referer}),
        (9, httpd("proxy:error") + "AH00940: HTTP: disabled connection for ({host}:{port})",
         {**httpd_child, "host": backend, "port": then(2)}),
        (14, httpd("authz_core:error") + "[client {ip}:{cport}] AH01630: client denied by server configuration: {file}{ref}",
         {**httpd_child, "ip": Gen.ip, "cport": Gen.port, "file": pick(WA_HTTPD_DENIED), "ref": referer}),
        (8, httpd("core:error") + "[client {ip}:{cport}] AH00126: Invalid URI in request {req}",
         {**httpd_child, "ip": Gen.ip, "cport": Gen.port, "req": pick(WA_HTTPD_BAD_URIS)}),
        (5, httpd("ssl:warn") + "AH01909: {vh}:443:0 server certificate does NOT include an ID which matches the server name",
         {**httpd_main, "vh": pick(WA_HTTPD_VHOSTS)}),
        (4, httpd("mpm_event:error") + "AH00485: scoreboard is full, not at MaxRequestWorkers", httpd_main),
        (3, httpd("core:notice") + "AH00051: child pid {cpid} exit signal {sig}, possible coredump in /usr/local/apache2",
         {**httpd_main, "cpid": lambda g: g.num(8, 400), "sig": pick(["Segmentation fault (11)", "Segmentation fault (11)", "Aborted (6)"])}),
        (3, httpd("mpm_event:notice") + "AH00493: SIGUSR1 received.  Doing graceful restart", httpd_main),
        (170, '{ip} - {u} {ct} "{m} {path} HTTP/{v}" {st} {b} "{ref}" "{ua}"',
         {"ip": Gen.ip, "u": pick(["-"] * 8 + ["alice", "deploy"]), "ct": Gen.clf_time, "m": pick(["GET"] * 6 + ["POST", "HEAD"]), "path": access_path,
          "v": pick(["1.1", "1.1", "2.0"]), "st": access_status, "b": access_bytes, "ref": pick(["-", "-", *WA_HTTPD_REFERERS]), "ua": pick(WA_ACCESS_AGENTS)}),
        # Hibernate ORM 6.4 in a Spring Boot 3.2 app (Logback default console pattern with the application name)
        (30, spring("WARN") + "o.h.engine.jdbc.spi.SqlExceptionHelper   : SQL Error: {code}, SQLState: {state}",
         {**spring_hdr, "code": sqlstate, "state": then(1)}),
        (30, spring("ERROR") + "o.h.engine.jdbc.spi.SqlExceptionHelper   : {msg}",
         {**spring_hdr, "msg": lambda g: g.r.choice(WA_SQLSTATES)[2]}),
        (4, spring("INFO") + "org.hibernate.Version                    : HHH000412: Hibernate ORM core version {v}",
         {**spring_main, "v": pick(["6.4.1.Final", "6.4.4.Final"])}),
        (4, spring("INFO") + "o.h.e.t.j.p.i.JtaPlatformInitiator       : HHH000489: No JTA platform available (set 'hibernate.transaction.jta.platform' to enable JTA platform integration)",
         spring_main),
        (3, spring("WARN") + "org.hibernate.orm.deprecation            : HHH90000025: {d} does not need to be specified explicitly using 'hibernate.dialect' (remove the property setting and it will be selected by default)",
         {**spring_main, "d": pick(["PostgreSQLDialect", "MySQLDialect"])}),
        # Akka 2.6 cluster (default StdOutLogger) and its dead-letter listener
        (14, akka("INFO") + "Leader is moving node [{addr}] to [{st}]", {**akka_hdr, "addr": akka_addr, "st": pick(["Up", "Up", "Up", "Exiting", "Removed"])}),
        (4, akka("INFO") + "Leader is removing unreachable node [{addr}]", {**akka_hdr, "addr": akka_addr}),
        (10, akka("WARN") + "Marking node as UNREACHABLE [{m}].", {**akka_hdr, "m": akka_member}),
        (8, akka("INFO") + "Marking node as REACHABLE [{m}].", {**akka_hdr, "m": akka_member}),
        (3, akka("INFO") + "is the new leader among reachable nodes (more leaders may exist)", akka_hdr),
        (22, "[INFO] [{t}] [{th}] [akka://ClusterSystem/deadLetters] Message [{cls}]{from} to {to} was not delivered. [{n}] dead letters encountered. If this is not an expected behavior then {to2} may have terminated unexpectedly. This logging can be turned off or adjusted with configuration settings 'akka.log-dead-letters' and 'akka.log-dead-letters-during-shutdown'.",
         {"t": akka_ts, "th": akka_dispatcher, "cls": pick(WA_AKKA_MESSAGES), "from": dead_letter_sender, "to": dead_letter_recipient, "to2": then(0),
          "n": lambda g: str(g.r.randint(1, 10))}),
        (6, "[WARN] [{t}] [ClusterSystem-akka.remote.default-remote-dispatcher-{d}] [akka.remote.artery.Association(akka://ClusterSystem)] Outbound {kind} stream to [{addr}] failed. Restarting it. {cause}",
         {"t": akka_ts, "d": pick(["6", "7", "8"]), "kind": pick(["control", "control", "message"]), "addr": akka_addr, "cause": akka_cause}),
        # Play 2.8 (console pattern "%coloredLevel %logger{15} - %message", colours off)
        (3, "[info] p.c.s.AkkaHttpServer - Listening for HTTP on /0.0.0.0:{p}", {"p": pick(["9000", "9000", "9443"])}),
        (3, "[info] play.api.Play - Application started (Prod) (no global state)", {}),
        (12, "! @{id} - Internal server error, for ({m}) [{uri}] ->", {"id": play_id, "m": play_route, "uri": then(1)}),
        (10, "play.api.UnexpectedException: Unexpected exception[{e}]", {"e": pick(WA_PLAY_ERRORS)}),
        # Vert.x 4 with Netty (Logback "%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg")
        (16, "{t} [vertx-blocked-thread-checker] WARN  i.v.core.impl.BlockedThreadChecker - Thread Thread[{th},5,main] has been blocked for {ms} ms, time limit is {lim} ms",
         {"t": logback_time, "th": blocked, "ms": then(1), "lim": then(2)}),
        (10, "{t} [vert.x-eventloop-thread-{n}] ERROR io.vertx.core.impl.ContextImpl - Unhandled exception", {"t": logback_time, "n": lambda g: str(g.r.randint(0, 7))}),
        (4, "{t} [vert.x-eventloop-thread-0] INFO  i.v.c.i.l.c.VertxIsolatedDeployer - Succeeded in deploying verticle", {"t": logback_time}),
        (4, "{t} [vert.x-eventloop-thread-{n}] ERROR io.netty.util.ResourceLeakDetector - LEAK: ByteBuf.release() was not called before it's garbage-collected. See https://netty.io/wiki/reference-counted-objects.html for more information.",
         {"t": logback_time, "n": lambda g: str(g.r.randint(0, 7))}),
        # Fastify 4 (pino JSON: request and response serializers)
        (60, fastify(30) + '"reqId":"{rid}","req":{{"method":"{m}","url":"{url}","hostname":"gateway.default.svc:3000","remoteAddress":"{ip}","remotePort":{port}}},"msg":"incoming request"}}',
         {**fastify_hdr, "rid": req_id, "m": fastify_req, "url": then(1), "ip": Gen.ip, "port": Gen.port}),
        (58, fastify(30) + '"reqId":"{rid}","res":{{"statusCode":{st}}},"responseTime":{rt},"msg":"request completed"}}',
         {**fastify_hdr, "rid": req_id, "st": lambda g: g.r.choice(WA_FASTIFY_ROUTES)[2], "rt": response_time}),
        (8, fastify(50) + '"reqId":"{rid}","req":{{"method":"POST","url":"/api/checkout","hostname":"gateway.default.svc:3000","remoteAddress":"{ip}","remotePort":{port}}},"res":{{"statusCode":500}},"err":{{"type":"{type}","message":"{msg}","stack":"{stack}"}},"msg":"{msg2}"}}',
         {**fastify_hdr, "rid": req_id, "ip": Gen.ip, "port": Gen.port, "type": fastify_err, "msg": then(1), "stack": then(2), "msg2": then(3)}),
        (8, fastify(30) + '"reqId":"{rid}","msg":"Route {m}:{url} not found"}}',
         {**fastify_hdr, "rid": req_id, "m": pick(["GET", "GET", "POST"]), "url": pick(["/favicon.ico", "/wp-login.php", "/api/v0/products", "/.env"])}),
        (3, fastify(30) + '"msg":"Server listening at http://{addr}:3000"}}', {**fastify_hdr, "addr": pick(["127.0.0.1", "10.42.3.17", "10.42.1.9"])}),
        # Next.js 14 (next start; the leading indentation trimmed by the collector)
        (3, "▲ Next.js {v}", {"v": pick(["14.2.15", "14.2.18"])}),
        (3, "✓ Ready in {n}ms", {"n": lambda g: g.num(90, 2500)}),
        (16, "⨯ {e}", {"e": pick(WA_NEXT_ERRORS)}),  # noqa: RUF001
        (5, "⨯ unhandledRejection: {e}", {"e": pick(WA_NEXT_ERRORS)}),  # noqa: RUF001
        # Echo v4 (middleware.Logger default JSON format)
        (70, '{{"time":"{t}","id":"{id}","remote_ip":"{ip}","host":"rates.default.svc:8080","method":"{m}","uri":"{uri}","user_agent":"{ua}","status":{st},"error":"{err}","latency":{lat},"latency_human":"{lh}","bytes_in":{bi},"bytes_out":{bo}}}',
         {"t": go_rfc3339nano, "id": lambda g: g.r.choice(["", "", g.uuid()]), "ip": Gen.ip, "m": echo_route, "uri": then(1), "ua": pick(["Go-http-client/1.1", "okhttp/4.12.0", "kube-probe/1.30"]),
          "st": then(2), "err": then(3), "lat": then(4), "lh": then(5), "bi": lambda g: g.r.choice(["0", g.num(20, 400)]), "bo": lambda g: g.num(9, 4000)}),
        (2, "⇨ http server started on [::]:{p}", {"p": pick(["8080", "8081"])}),
        # Resque 2 worker (VVERBOSE=1: "** [time] pid: message")
        (30, resque + "got: {job}", {**resque_hdr, "job": resque_job}),
        (28, resque + "done: {job}", {**resque_hdr, "job": resque_job}),
        (8, resque + "{job} failed: {exc}", {**resque_hdr, "job": resque_job, "exc": lambda g: g.r.choice(WA_RESQUE_EXC).replace("{n}", g.num(1, 90000))}),
        (40, resque + "Checking {q}", {**resque_hdr, "q": pick(WA_RESQUE_QUEUES)}),
        (12, resque + "Found job on {q}", {**resque_hdr, "q": pick(WA_RESQUE_QUEUES)}),
        (10, resque + "Sleeping for {s} seconds", {**resque_hdr, "s": pick(["5.0", "5.0", "1.0"])}),
        (3, resque + "Starting worker {w}", {**resque_hdr, "w": resque_worker}),
        # RQ 1.15 worker (rq worker: "%(asctime)s %(message)s", time only)
        (40, "{t} {q}: {desc} ({id})", {"t": hms, "q": rq_job, "desc": then(1), "id": then(2)}),
        (38, "{t} {q}: Job OK ({id})", {"t": hms, "q": pick(WA_RQ_QUEUES), "id": Gen.uuid}),
        (30, "{t} Result is kept for {n} seconds", {"t": hms, "n": pick(["500", "500", "500", "86400"])}),
        (8, "{t} Cleaning registries for queue: {q}", {"t": hms, "q": pick(WA_RQ_QUEUES)}),
        (4, "{t} *** Listening on {qs}...", {"t": hms, "qs": lambda g: ", ".join(g.r.sample(WA_RQ_QUEUES, g.r.randint(1, 3)))}),
        (6, "{t} [Job {id}]: exception raised while executing ({fn})", {"t": hms, "id": rq_failed_id, "fn": then(3)}),
        # Dramatiq 1.15 (default log format)
        (3, "[{t}] [PID {pid}] [MainThread] [dramatiq.MainProcess] [INFO] Dramatiq '{v}' is booting up.", {"t": dramatiq_ts, "pid": pick(["1"]), "v": pick(["1.15.0", "1.16.0"])}),
        (12, dramatiq + "[dramatiq.middleware.retries.Retries] [WARNING] Retrying message '{mid}' in {d} milliseconds.",
         {**dramatiq_hdr, "mid": Gen.uuid, "d": lambda g: g.num(9000, 600000)}),
        (4, dramatiq + "[dramatiq.middleware.retries.Retries] [WARNING] Retries exceeded for message '{mid}'.", {**dramatiq_hdr, "mid": Gen.uuid}),
        (8, dramatiq + "[dramatiq.worker.WorkerThread] [ERROR] Failed to process message {msg} with unhandled exception.", {**dramatiq_hdr, "msg": dramatiq_message}),
        # Oban 2.17 default logger (JSON, keys sorted) through Elixir Logger's console format
        (20, oban("info") + '"event":"job:start","id":{id},"max_attempts":20,"meta":{{}},"queue":"{q}","source":"oban","system_time":{st},"tags":[],"worker":"{w}"}}',
         {"t": logback_time, "args": oban_job, "a": then(1), "id": then(2), "q": then(3), "w": then(4),
          "st": lambda g: str(1764720000000000000 + g.r.randint(0, 86_399_999_999_999))}),
        (26, oban("info") + '"duration":{d},"event":"job:stop","id":{id},"max_attempts":20,"meta":{{}},"queue":"{q}","queue_time":{qt},"source":"oban","state":"success","tags":[],"worker":"{w}"}}',
         {"t": logback_time, "args": oban_job, "a": then(1), "id": then(2), "q": then(3), "w": then(4),
          "d": lambda g: g.num(200, 9_000_000), "qt": lambda g: g.num(100, 900_000)}),
        (6, oban("error") + '"duration":{d},"error":"{e}","event":"job:exception","id":{id},"kind":"error","max_attempts":20,"meta":{{}},"queue":"{q}","queue_time":{qt},"source":"oban","state":"failure","tags":[],"worker":"{w}"}}',
         {"t": logback_time, "args": oban_job, "a": then(1), "id": then(2), "q": then(3), "w": then(4),
          "d": lambda g: g.num(200, 9_000_000), "qt": lambda g: g.num(100, 900_000), "e": pick(WA_OBAN_ERRORS)}),
        # Sanic 23 (default access and root formats)
        (50, "{t} - (sanic.access)[INFO][{ip}:{port}]: {req}  {st} {b}", {"t": sanic_ts, "ip": Gen.ip, "port": Gen.port, "req": sanic_req, "st": then(1), "b": lambda g: g.num(2, 90000)}),
        (3, "{t} [{pid}] [INFO] Starting worker [{w}]", {"t": sanic_ts, "pid": pick(["1"]), "w": lambda g: g.num(20, 90)}),
        (6, "{t} [{pid}] [ERROR] Exception occurred while handling uri: '{uri}'",
         {"t": sanic_ts, "pid": lambda g: g.num(20, 90), "uri": lambda g: f"http://feeds.default.svc:8000/feeds/{g.num(1, 900)}"}),
        # Unicorn 6 (Ruby Logger default formatter)
        (8, unicorn("INFO") + "worker={n} ready", {"t": ruby_ts, "pid": lambda g: g.num(20, 400), "n": pick(["0", "1", "2", "3"])}),
        (5, unicorn("ERROR") + "worker={n} PID:{w} timeout ({s}s > 60s), killing",
         {"t": ruby_ts, "pid": pick(["1"]), "n": pick(["0", "1", "2", "3"]), "w": lambda g: g.num(20, 400), "s": lambda g: g.num(61, 75)}),
        (5, unicorn("INFO") + "reaped #<Process::Status: pid {w} {st}> worker={n}",
         {"t": ruby_ts, "pid": pick(["1"]), "w": lambda g: g.num(20, 400), "st": pick(WA_UNICORN_SIGNALS), "n": pick(["0", "1", "2", "3"])}),
        (2, unicorn("INFO") + "listening on addr=0.0.0.0:{p} fd={fd}", {"t": ruby_ts, "pid": pick(["1"]), "p": pick(["8080"]), "fd": pick(["9", "10"])}),
        (2, unicorn("INFO") + "master process ready", {"t": ruby_ts, "pid": pick(["1"])}),
    ]


OB_TENANTS = ["team-checkout", "team-search", "platform"]
OB_NS = ["prod", "staging", "observability"]
OB_APPS = ["checkout", "search", "payments-api"]
OB_NODES = ["ip-10-40-1-17.eu-west-1.compute.internal", "ip-10-40-2-88.eu-west-1.compute.internal",
            "ip-10-40-3-5.eu-west-1.compute.internal"]
OB_MIMIR_INGESTERS = ["ingester-zone-a-0", "ingester-zone-a-1", "ingester-zone-b-0", "ingester-zone-b-1"]
OB_TEMPO_SEARCHES = ["/api/search?q=%7Bresource.service.name%3D%22{app}%22%7D&limit=20&spss=3&start={s}&end={e}",
                     "/api/search/tags?scope=span", "/api/v2/search/tag/resource.service.name/values",
                     "/api/echo"]
OB_PROM_QUERIES = ['sum(rate(http_requests_total{{namespace="{ns}"}}[5m])) by (code)',
                   'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{app="{app}"}}[5m])))',
                   "up", 'kube_pod_container_status_restarts_total{{namespace="{ns}"}}']
OB_GRAFANA_AGENTS = ["Grafana/10.2.3", "Grafana/10.2.3", "mimirtool/2.10.0", "Go-http-client/1.1"]
OB_ALLOY_NODES = ["prometheus.scrape.pods", "discovery.kubernetes.pods", "discovery.relabel.pods",
                  "loki.process.default", "prometheus.remote_write.mimir", "otelcol.exporter.otlp.tempo"]
OB_TP_CLUSTERS = ["teleport.prod.example.com", "leaf-eu.example.com"]
OB_TP_USERS = ["alice@example.com", "bob@example.com", "ci-deployer"]
OB_TP_LOGINS = ["root", "ubuntu", "ec2-user"]
OB_TP_HOSTS = [("db-bastion-1", "5b0e0c1d-7d57-4a3c-9f0e-2f4f3d1b8a61"), ("build-runner-07", "c1f2a9e4-0b3c-4a8d-8d5e-7f6a0b1c2d3e"),
               ("jump-eu-2", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d")]
OB_TP_ROLES = ["access", "editor", "auditor", "db-readonly", "k8s-prod-view"]
OB_SPIFFE = "spiffe://prod.example.org"
OB_SPIRE_SAS = [("prod", "checkout"), ("prod", "payments-api"), ("staging", "search"), ("observability", "alloy")]
OB_K8S_CLUSTERS = ["eks-prod-eu", "eks-prod-us"]
OB_KIALI_COMPONENTS = ["istiod", "ingressgateway", "prometheus", "grafana", "tracing"]
OB_VM_SD = ["kubernetes_sd_configs", "kubernetes_sd_configs", "kubernetes_sd_configs", "static_configs", "consul_sd_configs"]
OB_VMALERT_GROUPS = ["kubernetes-apps", "node-exporter", "vmcluster", "slo-checkout"]
OB_TRIVY_KINDS = [("ReplicaSet", "checkout-7f9c6d5b8"), ("ReplicaSet", "search-5d8b9c7f6"), ("StatefulSet", "postgres"),
                  ("DaemonSet", "alloy"), ("CronJob", "nightly-report")]
OB_AUTH_USERS = ["jdoe", "msmith", "svc-grafana"]
OB_AUTH_URLS = ["https://grafana.example.com/", "https://grafana.example.com/d/k8s-views-global/kubernetes",
                "https://kiali.example.com/kiali/console/graph/namespaces/", "https://alerts.example.com/#/alerts",
                "https://dashboards.example.com/app/discover"]
OB_SCENARIOS = ["crowdsecurity/http-probing", "crowdsecurity/http-probing", "crowdsecurity/ssh-bf",
                "crowdsecurity/http-crawl-non_statics", "crowdsecurity/http-bad-user-agent", "crowdsecurity/CVE-2021-41773"]
OB_TETRA_EXECS = [("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://checkout.prod.svc:8080/healthz"]),
                  ("/bin/sh", ["-c", "pg_isready -U postgres -h 127.0.0.1 -p 5432"]),
                  ("/usr/local/bin/python3", ["manage.py", "migrate", "--noinput"]),
                  ("/usr/bin/wget", ["-qO-", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"]),
                  ("/usr/bin/id", []), ("/bin/ls", ["-la", "/var/run/secrets/kubernetes.io/serviceaccount"]),
                  ("/usr/bin/nslookup", ["kubernetes.default"])]


def observability_events() -> list[tuple[float, str, dict]]:
    """Observability, security and identity software on Kubernetes that none of the other corpora
    covers: Grafana Tempo and Grafana Mimir (go-kit logfmt), Grafana Alloy (logfmt), Teleport
    (text formatter with audit events), SPIRE server and agent (logrus text), Kiali (zerolog
    console), VictoriaMetrics vmagent and vmalert, the Trivy Operator (zap JSON), OpenSearch
    Dashboards (legacy JSON logging), Authelia (logrus text), CrowdSec (agent and local API)
    and Tetragon's JSON export. Written for the blind check of the template engine, without
    reading the engine or any failure analysis, and scored once; 51 event types."""

    def nano_ts(g: Gen) -> str:
        # RFC3339Nano trims trailing zeros of the fraction
        return f"2026-12-03T{hms(g)}.{g.num(1, 999999999):0>9}".rstrip("0") + "Z"

    def sec_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def milli_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999):0>3}Z"

    def go_dur(g: Gen) -> str:
        # Go's time.Duration.String(): µs below 1ms, ms below 1s, then seconds
        return g.r.choice([f"{g.r.uniform(20, 999):.3f}".rstrip("0").rstrip(".") + "µs",
                           f"{g.r.uniform(1, 999):.6f}".rstrip("0").rstrip(".") + "ms",
                           f"{g.r.uniform(1, 40):.9f}".rstrip("0").rstrip(".") + "s"])

    def trace_id(g: Gen) -> str:
        return g.hexs(32)

    def ulid(g: Gen) -> str:
        return "01J" + "".join(g.r.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(23))

    def millis(g: Gen) -> str:
        return str(1764720000000 + g.r.randint(0, 86_399_999))

    def tempo_url(g: Gen) -> str:
        if g.r.random() < 0.55:
            return f"/api/traces/{g.hexs(32)}"
        s = 1764720000 + g.r.randint(0, 80000)
        return g.r.choice(OB_TEMPO_SEARCHES).format(app=g.r.choice(OB_APPS), s=s, e=s + g.r.choice([900, 3600, 21600]))

    def tempo_status(g: Gen) -> str:
        return g.r.choice(["200"] * 12 + ["404", "404", "400", "500"])

    def utc_time(g: Gen) -> str:
        return f"2026-12-03 {hms(g)} +0000 UTC"

    def tempo_push_error(g: Gen) -> str:
        return g.r.choice([
            f"rpc error: code = FailedPrecondition desc = TRACE_TOO_LARGE: max size of trace (5000000) exceeded while adding {g.num(300, 90000)} bytes to trace {g.hexs(32)} for tenant {g.r.choice(OB_TENANTS)}",
            f"rpc error: code = ResourceExhausted desc = RATE_LIMITED: ingestion rate limit (local: 15000000 bytes, global: 45000000 bytes) exceeded while adding {g.num(300, 90000)} bytes for user {g.r.choice(OB_TENANTS)}",
            f'rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial tcp {g.ip()}:9095: connect: connection refused\\"',
            "context deadline exceeded",
            "rpc error: code = Canceled desc = context canceled"])

    def prom_params(g: Gen) -> str:
        q = g.r.choice(OB_PROM_QUERIES).format(ns=g.r.choice(OB_NS), app=g.r.choice(OB_APPS))
        q = '"' + q.replace('"', '\\"') + '"' if any(c in q for c in ' "=') else q
        end = 1764720000 + g.r.randint(3600, 86000)
        if g.drawn[0] == "prometheus_api_v1_query":
            return f"param_query={q} param_time={end}"
        return f"param_end={end} param_query={q} param_start={end - g.r.choice([3600, 21600, 86400])} param_step={g.r.choice(['15', '30', '60', '300'])}"

    def prom_route(g: Gen) -> str:
        g.drawn = g.r.choice([("prometheus_api_v1_query_range", "/prometheus/api/v1/query_range")] * 3
                             + [("prometheus_api_v1_query", "/prometheus/api/v1/query")])
        return g.drawn[1]

    def mimir_push_error(g: Gen) -> str:
        tn = g.r.choice(OB_TENANTS)
        return g.r.choice([
            f"failed pushing to ingester {g.r.choice(OB_MIMIR_INGESTERS)}: user={tn}: the sample has been rejected because its timestamp is too old (err-mimir-sample-timestamp-too-old). The affected sample has timestamp 2026-12-0{g.r.randint(1, 2)}T{hms(g)}.{g.num(0, 999):0>3}Z and is from series container_cpu_usage_seconds_total{{container=\\\"{g.r.choice(OB_APPS)}\\\", namespace=\\\"{g.r.choice(OB_NS)}\\\"}}",
            "the request has been rejected because the tenant exceeded the ingestion rate limit, set to 10000 items/s with a maximum allowed burst of 200000. This limit is applied on the total number of samples, exemplars and metadata received across all distributors (err-mimir-tenant-max-ingestion-rate). To adjust the related per-tenant limits, configure -distributor.ingestion-rate-limit and -distributor.ingestion-burst-size, or contact your service administrator.",
            "context canceled",
            f"failed pushing to ingester {g.r.choice(OB_MIMIR_INGESTERS)}: rpc error: code = Unavailable desc = error reading from server: EOF"])

    def remote_write_error(g: Gen) -> str:
        return g.r.choice([
            'server returned HTTP status 429 Too Many Requests: the request has been rejected because the tenant exceeded the ingestion rate limit, set to 10000 items/s with a maximum allowed burst of 200000 (err-mimir-tenant-max-ingestion-rate)',
            f'Post \\"http://mimir-distributor.observability.svc:8080/api/v1/push\\": dial tcp {g.ip()}:8080: connect: connection refused',
            'Post \\"http://mimir-distributor.observability.svc:8080/api/v1/push\\": context deadline exceeded',
            "server returned HTTP status 500 Internal Server Error: failed pushing to ingester: context deadline exceeded"])

    def loki_status(g: Gen) -> str:
        app, ns = g.r.choice(OB_APPS), g.r.choice(OB_NS)
        g.drawn = g.r.choice([
            ("400", f"server returned HTTP status 400 Bad Request (400): entry for stream '{{app=\\\"{app}\\\", namespace=\\\"{ns}\\\"}}' has timestamp too old: 2026-11-26T{hms(g)}Z, oldest acceptable timestamp is: 2026-11-26T{hms(g)}Z"),
            ("429", f"server returned HTTP status 429 Too Many Requests (429): Ingestion rate limit exceeded for user {g.r.choice(OB_TENANTS)} (limit: 4194304 bytes/sec) while attempting to ingest '{g.num(100, 5000)}' lines totaling '{g.num(10000, 900000)}' bytes, reduce log volume or contact your Loki administrator to see if the limit can be increased"),
            ("400", "server returned HTTP status 400 Bad Request (400): stream '{}' has too many labels")])
        return g.drawn[0]

    def tp_host(g: Gen) -> str:
        g.drawn = g.r.choice(OB_TP_HOSTS)
        return g.drawn[0]

    def tp_size(g: Gen) -> str:
        return g.r.choice(["80:24", "80:24", "211:54", "158:42", "120:38"])

    def tp_participants(g: Gen) -> str:
        return " ".join(g.r.sample(OB_TP_USERS, g.r.choice([1, 1, 1, 2, 3])))

    def tp_roles(g: Gen) -> str:
        return ",".join(g.r.sample(OB_TP_ROLES, g.r.choice([1, 1, 2, 3, 4])))

    def tp_login_error(g: Gen) -> str:
        return g.r.choice(["invalid username, password or second factor", "invalid username, password or second factor",
                           'access denied to perform action \\"login\\"', "requested TTL exceeds maximum allowed",
                           "user account is temporarily locked"])

    def tp_denied(g: Gen) -> str:
        return g.r.choice(["create session", "read session", "list kube_service", "exec kube_cluster"])

    def spiffe_id(g: Gen) -> str:
        ns, sa = g.r.choice(OB_SPIRE_SAS)
        return f"{OB_SPIFFE}/ns/{ns}/sa/{sa}"

    def agent_id(g: Gen) -> str:
        return f"{OB_SPIFFE}/spire/agent/k8s_psat/{g.r.choice(OB_K8S_CLUSTERS)}/{g.uuid()}"

    def svid_ttl(g: Gen) -> str:
        # strconv's shortest form, as logrus prints a float64 field
        return repr(round(g.r.uniform(1500, 3600), g.r.choice([2, 3, 6])))

    def selectors(g: Gen) -> str:
        ns, sa = g.r.choice(OB_SPIRE_SAS)
        sels = [f"ns:{ns}", f"sa:{sa}", f"pod-label:app:{sa}", f"container-name:{sa}", f"node-name:{g.r.choice(OB_NODES)}",
                f"pod-uid:{g.uuid()}", f"container-image:ghcr.io/acme/{sa}:v{g.r.randint(1, 4)}.{g.r.randint(0, 20)}.0"]
        chosen = sels[:g.r.choice([2, 2, 3, 5, 7])]
        return " ".join(f'type:\\"k8s\\" value:\\"{s}\\"' for s in chosen)

    def attest_error(g: Gen) -> str:
        return g.r.choice([
            "rpc error: code = Internal desc = failed to attest: k8s-psat: unable to validate token with TokenReview API: Post \\\"https://10.100.0.1:443/apis/authentication.k8s.io/v1/tokenreviews\\\": context deadline exceeded",
            "rpc error: code = PermissionDenied desc = failed to attest: k8s-psat: token audience not allowed",
            f"rpc error: code = PermissionDenied desc = failed to attest: agent is banned: {agent_id(g)}"])

    def kiali_error(g: Gen) -> str:
        return g.r.choice([
            f'Get "http://prometheus.istio-system:9090/api/v1/query?query=up": dial tcp {g.ip()}:9090: i/o timeout',
            "the server could not find the requested resource",
            "component not found", "context deadline exceeded",
            f'Get "https://10.100.0.1:443/apis/networking.istio.io/v1beta1/namespaces/{g.r.choice(OB_NS)}/virtualservices": unexpected EOF'])

    def vm_target(g: Gen) -> str:
        app, ns = g.r.choice(OB_APPS), g.r.choice(OB_NS)
        ip = g.ip()
        port = g.r.choice(["8080", "9090", "9102"])
        url = f"http://{ip}:{port}/metrics"
        labels = [f'container="{app}"', 'endpoint="http-metrics"', f'instance="{ip}:{port}"', 'job="kubernetes-pods"',
                  f'namespace="{ns}"', f'node="{g.r.choice(OB_NODES)}"', f'pod="{app}-{g.hexs(9)}-{g.hexs(5)}"']
        keep = sorted(g.r.sample(labels, g.r.choice([2, 3, 4, 7])))
        g.drawn = (url, "{" + ",".join(keep) + "}")
        return url

    def vm_scrape_error(g: Gen) -> str:
        return g.r.choice([
            f"cannot read data: cannot scrape \"{g.drawn[0]}\": Get \"{g.drawn[0]}\": dial tcp {g.ip()}:8080: connect: connection refused",
            "cannot read data: cannot scrape: the response from the target exceeds -promscrape.maxScrapeSize=16777216",
            f"error when scraping \"{g.drawn[0]}\" with timeout 10s: timeout",
            "cannot read data: unexpected status code returned: 503; expecting 200; response body: \"Service Unavailable\""])

    def vm_times(g: Gen) -> str:
        k = g.r.choice([1, 1, 2, 4, 12])
        g.drawn = (*g.drawn[:2], str(k))
        return str(k)

    def vm_block_error(g: Gen) -> str:
        return g.r.choice([
            "Post \"http://vminsert.observability.svc:8480/insert/0/prometheus/api/v1/write\": dial tcp: lookup vminsert.observability.svc on 10.100.0.10:53: no such host",
            "unexpected status code received after sending a block with size 523412 bytes to \"1:secret-url\" during retry #3: 503; response body=\"all the vmstorage nodes are unavailable\"",
            "context deadline exceeded"])

    def trivy_job(g: Gen) -> str:
        return f"scan-vulnerabilityreport-{g.hexs(10)}-{g.hexs(5)}"

    def trivy_owner(g: Gen) -> str:
        g.drawn = g.r.choice(OB_TRIVY_KINDS)
        return g.drawn[0]

    def zap_epoch(g: Gen) -> str:
        return f"1764{g.r.randint(720000, 806399)}.{g.num(1, 9999999):0>7}".rstrip("0")

    def trivy_error(g: Gen) -> str:
        return g.r.choice([
            "2026-12-03T02:14:55.123Z\\tFATAL\\tFatal error\\tinit error: DB error: failed to download vulnerability DB: database download error: OCI repository error: 1 error occurred:\\n\\t* GET https://ghcr.io/v2/aquasecurity/trivy-db/manifests/2: TOOMANYREQUESTS: retry-after: 145.12µs, allowed: 44000/minute\\n\\n",
            f"2026-12-03T02:14:55.123Z\\tFATAL\\tFatal error\\timage scan error: scan error: unable to initialize a scanner: unable to initialize an image scanner: 1 error occurred:\\n\\t* unable to inspect the image (ghcr.io/acme/{g.r.choice(OB_APPS)}:v2.3.1): GET https://ghcr.io/token: UNAUTHORIZED: authentication required\\n\\n",
        ])

    def trivy_reason(g: Gen) -> str:
        g.drawn = g.r.choice([("Error", trivy_error(g))] * 3 + [("OOMKilled", "")])
        return g.drawn[0]

    def osd_request(g: Gen) -> str:
        m, url, code = g.r.choice([("get", "/api/status", "200"), ("get", "/api/status", "200"),
                                   ("post", "/internal/search/opensearch-with-long-numerals", "200"),
                                   ("get", "/api/saved_objects/_find?type=index-pattern&fields=title&per_page=10000", "200"),
                                   ("post", "/api/v1/auth/login", g.r.choice(["200", "401"])), ("get", "/app/home", "302"),
                                   ("get", "/ui/favicons/favicon.ico", "304")])
        rt = str(g.r.choice([g.r.randint(1, 40), g.r.randint(20, 3000)]))
        length = g.r.randint(0, 600000)
        size = f"{length}.0B" if length < 1024 else f"{length / 1024:.1f}KB"
        ua = g.r.choice(["Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "kube-probe/1.28+", "curl/8.4.0"])
        # the size suffix only when the response carries a Content-Length
        known = code not in ("302", "304") and g.r.random() < 0.8
        g.drawn = (m, url, code, g.ip(), ua, rt, str(length) if known else "null", m.upper(), url, code, rt, f" - {size}" if known else "")
        return m

    def osd_conn_error(g: Gen) -> str:
        return g.r.choice([f"connect ECONNREFUSED {g.ip()}:9200", "Request timed out",
                           "getaddrinfo ENOTFOUND opensearch-cluster-master", "socket hang up"])

    def osd_warning(g: Gen) -> str:
        return g.r.choice(["Authentication finally failed", "No 'authorization' header present",
                           f"Failed authentication for user '{g.r.choice(OB_AUTH_USERS)}' with reason: Invalid username or password",
                           "Error while getting tenant info, using Global tenant"])

    def auth_1fa_error(g: Gen) -> str:
        return g.r.choice(["authentication failed", "authentication failed", "user not found",
                           'LDAP Result Code 49 \\"Invalid Credentials\\": 80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 52e, v2580',
                           "unable to retrieve user details: LDAP Result Code 200 \\\"Network Error\\\": dial tcp 10.40.0.12:636: i/o timeout"])

    def auth_totp_error(g: Gen) -> str:
        return g.r.choice(["the one-time code does not match", "the one-time code does not match",
                           "unable to load TOTP configuration: no TOTP configuration for user"])

    def auth_denied(g: Gen) -> str:
        user = g.r.choice(["<anonymous>"] * 3 + OB_AUTH_USERS)
        m = g.r.choice(["GET", "GET", "GET", "POST", "HEAD"])
        g.drawn = (user, m, "401" if user == "<anonymous>" else "403", m)
        return g.r.choice(OB_AUTH_URLS)

    def cs_scenario(g: Gen) -> str:
        s = g.r.choice(OB_SCENARIOS)
        ip = f"{g.r.randint(1, 223)}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"
        # country and AS only when the GeoIP enrichment resolved the source
        geo = g.r.choice(["", f" ({g.r.choice(['FR', 'US', 'CN', 'NL', 'RU', 'DE'])}/{g.r.randint(1000, 210000)})",
                          f" ({g.r.choice(['US', 'CN', 'NL'])}/{g.r.randint(1000, 210000)})"])
        g.drawn = (s, ip, geo, g.r.choice(["4h", "4h", "4h", "24h", "168h"]), ip)
        return s

    def cs_source(g: Gen) -> str:
        cs_scenario(g)
        return g.drawn[1]

    def cs_events(g: Gen) -> str:
        return str(g.r.choice([6, 11, 11, 21, g.r.randint(5, 60)]))

    def cs_when(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999999999):0>9} +0000 UTC"

    def cs_request(g: Gen) -> str:
        m, path, code, ua = g.r.choice([
            ("GET", f"/v1/decisions/stream?startup={g.r.choice(['false'] * 9 + ['true'])}", "200", "crowdsec-firewall-bouncer/v0.0.28"),
            ("GET", "/v1/decisions/stream?startup=false", "200", "crowdsec-nginx-bouncer/v1.0.6"),
            ("POST", "/v1/alerts", "201", "crowdsec/v1.6.0-linux"), ("GET", "/v1/heartbeat", "200", "crowdsec/v1.6.0-linux"),
            ("POST", "/v1/watchers/login", g.r.choice(["200", "200", "401"]), "crowdsec/v1.6.0-linux"),
            ("GET", f"/v1/decisions?ip={g.ip()}", "200", "crowdsec-traefik-bouncer/v1.2.1")])
        lat = go_dur(g)
        g.drawn = (m, path, code, lat, ua)
        return g.r.choice(["127.0.0.1", g.ip(), g.ip()])

    def rfc1123(g: Gen) -> str:
        return f"Thu, 03 Dec 2026 {hms(g)} UTC"

    def tetra_exec(g: Gen) -> str:
        binary, args = g.r.choice(OB_TETRA_EXECS)
        # protojson leaves an empty arguments field out
        g.drawn = (binary, f',"arguments":"{" ".join(args)}"' if args else "")
        return binary

    def exec_id(g: Gen) -> str:
        return "a2luZC1jb250cm9sLXBsYW5lOj" + "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(22)) + "="

    def app_pod(g: Gen) -> str:
        g.drawn = (g.r.choice(OB_APPS),)
        return f"{g.drawn[0]}-{g.hexs(9)}-{g.hexs(5)}"

    logrus = 'time="{ts}" level='
    tp_tail = " uid:{uid} user:{u} events/emitter.go:263"
    vm = "{ts}\t"
    return [
        # Grafana Tempo 2.3 (go-kit logfmt)
        (110, "level=info ts={ts} caller=handler.go:134 tenant={tn} method=GET traceID={tid} url={url} duration={d} response_size={n} status={st}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "tid": lambda g: g.hexs(16), "url": tempo_url, "d": go_dur,
          "n": lambda g: g.num(2, 4_000_000), "st": tempo_status}),
        (45, "level=info ts={ts} caller=flush.go:244 msg=\"completing block\" tenant={tn} blockID={b}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "b": Gen.uuid}),
        (40, "level=info ts={ts} caller=flush.go:253 msg=\"block successfully completed\" tenant={tn} blockID={b}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "b": Gen.uuid}),
        (38, "level=info ts={ts} caller=flush.go:301 msg=\"flushing block\" tenant={tn} block={b}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "b": Gen.uuid}),
        (22, "level=info ts={ts} caller=compactor.go:176 msg=\"compacting block\" block=\"&{{Version:vParquet3 BlockID:{b} TenantID:{tn} StartTime:{st} EndTime:{et} TotalObjects:{n} Size:{sz} CompactionLevel:{cl}}}\"",
         {"ts": nano_ts, "b": Gen.uuid, "tn": pick(OB_TENANTS), "st": utc_time, "et": utc_time, "n": lambda g: g.num(10, 900000),
          "sz": lambda g: g.num(20_000, 4_000_000_000), "cl": pick(["0", "0", "1", "1", "2", "3"])}),
        (12, "level=warn ts={ts} caller=rate_limited_logger.go:27 msg=\"pusher failed to consume trace data\" err=\"{e}\"",
         {"ts": nano_ts, "e": tempo_push_error}),
        (6, "level=info ts={ts} caller=poller.go:241 msg=\"writing tenant index\" tenant={tn} metas={a} compactedMetas={b}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "a": lambda g: g.num(3, 4000), "b": lambda g: g.num(0, 400)}),
        # Grafana Mimir 2.10 (go-kit logfmt, ts first)
        (70, "ts={ts} caller=compact.go:575 level=info user={tn} msg=\"write block\" mint={a} maxt={b} ulid={u} duration={d} ooo={o}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "a": millis, "b": millis, "u": ulid, "d": go_dur, "o": pick(["false"] * 6 + ["true"])}),
        (50, "ts={ts} caller=head.go:1293 level=info user={tn} msg=\"Head GC completed\" caller=truncateMemory duration={d}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "d": go_dur}),
        (28, "ts={ts} caller=push.go:130 level=error user={tn} msg=\"push error\" err=\"{e}\"",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "e": mimir_push_error}),
        (7, "ts={ts} caller=bucket_stores.go:166 level=info msg=\"synchronizing TSDB blocks for all users\"", {"ts": nano_ts}),
        (7, "ts={ts} caller=bucket_stores.go:175 level=info msg=\"successfully synchronized TSDB blocks for all users\"", {"ts": nano_ts}),
        (30, "ts={ts} caller=handler.go:314 level=info user={tn} msg=\"query stats\" component=query-frontend method=GET path={p} route_name={r} user_agent={ua} status_code={sc} response_time={rt} query_wall_time_seconds={w} fetched_series_count={fs} fetched_chunk_bytes={fb} fetched_chunks_count={fc} sharded_queries=0 split_queries={sq} estimated_series_count=0 queue_time={qt} {params}",
         {"ts": nano_ts, "tn": pick(OB_TENANTS), "p": prom_route, "r": then(0), "ua": pick(OB_GRAFANA_AGENTS),
          "sc": pick(["200"] * 8 + ["422", "499", "500"]), "rt": go_dur, "w": lambda g: f"{g.r.uniform(0, 12):.6f}".rstrip("0").rstrip("."),
          "fs": lambda g: g.num(0, 90000), "fb": lambda g: g.num(0, 90_000_000), "fc": lambda g: g.num(0, 200000),
          "sq": pick(["0", "1", "1", "4", "24"]), "qt": go_dur, "params": prom_params}),
        # Grafana Alloy 1.0 (logfmt)
        (60, "ts={ts} level=info msg=\"finished node evaluation\" controller_path=/ controller_id=\"\" trace_id={tid} node_id={n} duration={d}",
         {"ts": nano_ts, "tid": trace_id, "n": pick(OB_ALLOY_NODES), "d": go_dur}),
        (24, "ts={ts} level=warn msg=\"Failed to send batch, retrying\" component_path=/ component_id=prometheus.remote_write.mimir subcomponent=rw remote_name={rn} url=http://mimir-distributor.observability.svc:8080/api/v1/push err=\"{e}\"",
         {"ts": nano_ts, "rn": pick(["a1b2c3", "9f8e7d"]), "e": remote_write_error}),
        (30, "ts={ts} level=info msg=\"opened log stream\" component_path=/ component_id=loki.source.kubernetes.pods target={ns}/{pod}:{c} start_time={st}",
         {"ts": nano_ts, "ns": pick(OB_NS), "pod": app_pod, "c": lambda g: g.r.choice([g.drawn[0], g.drawn[0], "istio-proxy"]), "st": nano_ts}),
        (10, "ts={ts} level=error msg=\"final error sending batch\" component_path=/ component_id=loki.write.default component=client host=loki-gateway.observability.svc:80 status={sc} tenant={tn} error=\"{e}\"",
         {"ts": nano_ts, "sc": loki_status, "tn": pick(OB_TENANTS), "e": then(1)}),
        # Teleport 14 (text formatter: time, level, [COMPONENT], message or audit fields, caller)
        (36, "{ts} INFO [AUDIT]     session.start addr.remote:{ip}:{port} cluster_name:{cl} code:T2000I ei:0 event:session.start login:{lg} namespace:default server_hostname:{h} server_id:{sid} sid:{s} size:{sz} time:{t}" + tp_tail,
         {"ts": sec_ts, "ip": Gen.ip, "port": Gen.port, "cl": pick(OB_TP_CLUSTERS), "lg": pick(OB_TP_LOGINS), "h": tp_host, "sid": then(1),
          "s": Gen.uuid, "sz": tp_size, "t": milli_ts, "uid": Gen.uuid, "u": pick(OB_TP_USERS)}),
        (32, "{ts} INFO [AUDIT]     session.end cluster_name:{cl} code:T2004I ei:{ei} enhanced_recording:false event:session.end interactive:true login:{lg} namespace:default participants:[{pp}] server_hostname:{h} server_id:{sid} session_recording:node session_start:{a} session_stop:{b} sid:{s} time:{t}" + tp_tail,
         {"ts": sec_ts, "cl": pick(OB_TP_CLUSTERS), "ei": lambda g: g.num(3, 9000), "lg": pick(OB_TP_LOGINS), "pp": tp_participants, "h": tp_host,
          "sid": then(1), "a": milli_ts, "b": milli_ts, "s": Gen.uuid, "t": milli_ts, "uid": Gen.uuid, "u": pick(OB_TP_USERS)}),
        (30, "{ts} INFO [AUDIT]     user.login cluster_name:{cl} code:T1000I ei:0 event:user.login method:{m} success:true time:{t}" + tp_tail,
         {"ts": sec_ts, "cl": pick(OB_TP_CLUSTERS), "m": pick(["local", "local", "github", "saml"]), "t": milli_ts, "uid": Gen.uuid, "u": pick(OB_TP_USERS)}),
        (11, "{ts} WARN [AUDIT]     user.login cluster_name:{cl} code:T1000W error:\"{e}\" ei:0 event:user.login method:local success:false time:{t}" + tp_tail,
         {"ts": sec_ts, "cl": pick(OB_TP_CLUSTERS), "e": tp_login_error, "t": milli_ts, "uid": Gen.uuid, "u": pick(OB_TP_USERS)}),
        (9, "{ts} WARN [RBAC]      Access to {a} in namespace default denied to roles {r}: no allow rule matched. services/role.go:2512",
         {"ts": sec_ts, "a": tp_denied, "r": tp_roles}),
        # SPIRE 1.8 agent and server (logrus text, fields sorted)
        (80, logrus + "info msg=\"Fetched X.509 SVID\" count=1 method=FetchX509SVID pid={pid} registered=true service=WorkloadAPI spiffe_id=\"{id}\" subsystem_name=endpoints ttl={ttl}",
         {"ts": sec_ts, "pid": lambda g: g.num(1, 60000), "id": spiffe_id, "ttl": svid_ttl}),
        (40, logrus + "info msg=\"Renewing X509-SVID\" entry_id={e} spiffe_id=\"{id}\" subsystem_name=manager",
         {"ts": sec_ts, "e": Gen.uuid, "id": spiffe_id}),
        (12, logrus + "info msg=\"Creating X509-SVID\" entry_id={e} spiffe_id=\"{id}\" subsystem_name=manager",
         {"ts": sec_ts, "e": Gen.uuid, "id": spiffe_id}),
        (30, logrus + "info msg=\"PID attested to have selectors\" pid={pid} selectors=\"[{s}]\" subsystem_name=attestor",
         {"ts": sec_ts, "pid": lambda g: g.num(1, 60000), "s": selectors}),
        (25, logrus + "debug msg=\"Signed X509 SVID\" authorized_as=agent authorized_via=datastore caller_id=\"{a}\" entry_id={e} method=BatchNewX509SVID request_id={r} service=svid.v1.SVID spiffe_id=\"{id}\" subsystem_name=api",
         {"ts": sec_ts, "a": agent_id, "e": Gen.uuid, "r": Gen.uuid, "id": spiffe_id}),
        (5, logrus + "error msg=\"Agent attestation request failed\" address=\"{ip}:{port}\" error=\"{e}\" method=AttestAgent node_attestor_type=k8s_psat request_id={r} service=agent.v1.Agent subsystem_name=api",
         {"ts": sec_ts, "ip": Gen.ip, "port": Gen.port, "e": attest_error, "r": Gen.uuid}),
        # Kiali 1.76 (zerolog console writer, colours off)
        (2, "{ts} INF Kiali: Version: v1.76.0, Commit: {c}, Go: 1.20.10", {"ts": sec_ts, "c": lambda g: g.hexs(40)}),
        (10, "{ts} WRN Unable to get the Istio status for the component [{c}]: {e}", {"ts": sec_ts, "c": pick(OB_KIALI_COMPONENTS), "e": kiali_error}),
        (8, "{ts} ERR Error while fetching the Istio config for namespace [{ns}]: {e}", {"ts": sec_ts, "ns": pick(OB_NS), "e": kiali_error}),
        # VictoriaMetrics 1.96 vmagent and vmalert (time, level, caller, message, tab separated)
        (45, vm + "info\tVictoriaMetrics/lib/promscrape/config.go:145\t{sd}: added targets: {a}, removed targets: {r}; total targets: {t}",
         {"ts": milli_ts, "sd": pick(OB_VM_SD), "a": pick(["0", "1", "1", "2", "3", "14"]), "r": pick(["0", "0", "1", "2", "9"]),
          "t": lambda g: g.num(2, 600)}),
        (35, vm + "error\tVictoriaMetrics/lib/promscrape/scrapework.go:387\tcannot scrape target \"{url}\" ({lb}) {k} out of {k2} times during -promscrape.suppressScrapeErrorsDelay=0s; the last error: {e}",
         {"ts": milli_ts, "url": vm_target, "lb": then(1), "k": vm_times, "k2": then(2), "e": vm_scrape_error}),
        (14, vm + "warn\tVictoriaMetrics/app/vmagent/remotewrite/client.go:403\tcouldn't send a block with size {n} bytes to \"1:secret-url\": {e}; re-sending the block in {s} seconds",
         {"ts": milli_ts, "n": lambda g: g.num(2000, 8_000_000), "e": vm_block_error, "s": lambda g: f"{g.r.choice([2, 4, 8, 16, 32, 60]):.3f}"}),
        (16, vm + "info\tVictoriaMetrics/app/vmalert/rule/group.go:312\tgroup \"{gr}\" started; interval={i}; concurrency=1",
         {"ts": milli_ts, "gr": pick(OB_VMALERT_GROUPS), "i": pick(["1m0s", "1m0s", "30s", "5m0s"])}),
        # Trivy Operator 0.18 (controller-runtime zap JSON)
        (28, '{{"level":"info","ts":{ts},"logger":"reconciler.scan job","msg":"Deleting complete scan job","job":"trivy-system/{j}","owner":{{"kind":"{k}","name":"{n}","namespace":"{ns}"}}}}',
         {"ts": zap_epoch, "j": trivy_job, "k": trivy_owner, "n": then(1), "ns": pick(OB_NS)}),
        (9, '{{"level":"info","ts":{ts},"logger":"reconciler.scan job","msg":"Deleting failed scan job","job":"trivy-system/{j}","owner":{{"kind":"{k}","name":"{n}","namespace":"{ns}"}}}}',
         {"ts": zap_epoch, "j": trivy_job, "k": trivy_owner, "n": then(1), "ns": pick(OB_NS)}),
        (10, '{{"level":"error","ts":{ts},"logger":"reconciler.scan job","msg":"Scan job container","job":"trivy-system/{j}","container":"{c}","status.reason":"{r}","status.message":"{e}"}}',
         {"ts": zap_epoch, "j": trivy_job, "c": pick([*OB_APPS, "istio-proxy"]), "r": trivy_reason, "e": then(1)}),
        (6, '{{"level":"info","ts":{ts},"logger":"reconciler.vulnerabilityreport","msg":"Vulnerability report is not ready for workload yet","kind":"{k}","name":"{n}","namespace":"{ns}"}}',
         {"ts": zap_epoch, "k": trivy_owner, "n": then(1), "ns": pick(OB_NS)}),
        # OpenSearch Dashboards 2.11 (legacy JSON logging)
        (55, '{{"type":"response","@timestamp":"{ts}","tags":[],"pid":1,"method":"{m}","statusCode":{sc},"req":{{"url":"{u}","method":"{m2}","remoteAddress":"{ip}","userAgent":"{ua}"}},"res":{{"statusCode":{sc2},"responseTime":{rt},"contentLength":{cl}}},"message":"{M} {u2} {sc3} {rt2}ms{size}"}}',
         {"ts": sec_ts, "m": osd_request, "sc": then(2), "u": then(1), "m2": then(0), "ip": then(3), "ua": then(4), "sc2": then(2),
          "rt": then(5), "cl": then(6), "M": then(7), "u2": then(8), "sc3": then(9), "rt2": then(10), "size": then(11)}),
        (9, '{{"type":"log","@timestamp":"{ts}","tags":["error","opensearch","data"],"pid":1,"message":"[ConnectionError]: {e}"}}',
         {"ts": sec_ts, "e": osd_conn_error}),
        (7, '{{"type":"log","@timestamp":"{ts}","tags":["warning","plugins","securityDashboards"],"pid":1,"message":"{e}"}}',
         {"ts": sec_ts, "e": osd_warning}),
        # Authelia 4.38 (logrus text)
        (28, logrus + "error msg=\"Unsuccessful 1FA authentication attempt by user '{u}'\" error=\"{e}\" method=POST path=/api/firstfactor remote_ip={ip}",
         {"ts": sec_ts, "u": pick(OB_AUTH_USERS), "e": auth_1fa_error, "ip": Gen.ip}),
        (9, logrus + "error msg=\"Unsuccessful TOTP authentication attempt by user '{u}'\" error=\"{e}\" method=POST path=/api/secondfactor/totp remote_ip={ip}",
         {"ts": sec_ts, "u": pick(OB_AUTH_USERS), "e": auth_totp_error, "ip": Gen.ip}),
        (42, logrus + "info msg=\"Access to {url} (method {m}) is not authorized to user {u}, responding with status code {c}\" method={m2} path=/api/authz/forward-auth remote_ip={ip}",
         {"ts": sec_ts, "url": auth_denied, "m": then(1), "u": then(0), "c": then(2), "m2": then(3), "ip": Gen.ip}),
        # CrowdSec 1.6 agent and local API (logrus text)
        (24, logrus + "info msg=\"Ip {ip} performed '{s}' ({n} events over {d}) at {w}\"",
         {"ts": sec_ts, "ip": cs_source, "s": then(0), "n": cs_events, "d": go_dur, "w": cs_when}),
        (20, logrus + "info msg=\"(localhost/crowdsec) {s} by ip {ip}{geo} : {d} ban on Ip {ip2}\"",
         {"ts": sec_ts, "s": cs_scenario, "ip": then(1), "geo": then(2), "d": then(3), "ip2": then(4)}),
        (58, logrus + "info msg=\"{ip} - [{t}] \\\"{m} {p} HTTP/1.1 {c} {l} \\\"{ua}\\\" \\\"\\n\"",
         {"ts": sec_ts, "ip": cs_request, "t": rfc1123, "m": then(0), "p": then(1), "c": then(2), "l": then(3), "ua": then(4)}),
        (6, logrus + "info msg=\"Signal push: {n} signals to push\"", {"ts": sec_ts, "n": pick(["1", "1", "2", "3", "7", "18"])}),
        # Tetragon 1.0 (JSON export, one event per line)
        (40, '{{"process_exec":{{"process":{{"exec_id":"{x}","pid":{pid},"uid":{uid},"cwd":"/","binary":"{b}"{a},"flags":"execve clone","start_time":"{st}","auid":4294967295,"pod":{{"namespace":"{ns}","name":"{pod}","container":{{"id":"containerd://{cid}","name":"{c}"}}}},"parent_exec_id":"{px}"}}}},"node_name":"{node}","time":"{t}"}}',
         {"x": exec_id, "pid": lambda g: g.num(100, 4_000_000), "uid": pick(["0", "0", "1000", "65532"]), "b": tetra_exec, "a": then(1),
          "st": nano_ts, "ns": pick(OB_NS), "cid": lambda g: g.hexs(64), "pod": app_pod, "c": then(0), "px": exec_id, "node": pick(OB_NODES), "t": nano_ts}),
        (30, '{{"process_exit":{{"process":{{"exec_id":"{x}","pid":{pid},"uid":{uid},"cwd":"/","binary":"{b}"{a},"flags":"execve clone","start_time":"{st}","auid":4294967295,"pod":{{"namespace":"{ns}","name":"{pod}","container":{{"id":"containerd://{cid}","name":"{c}"}}}},"parent_exec_id":"{px}"}},"status":{s}}},"node_name":"{node}","time":"{t}"}}',
         {"x": exec_id, "pid": lambda g: g.num(100, 4_000_000), "uid": pick(["0", "0", "1000", "65532"]), "b": tetra_exec, "a": then(1),
          "st": nano_ts, "ns": pick(OB_NS), "cid": lambda g: g.hexs(64), "pod": app_pod, "c": then(0), "px": exec_id,
          "s": pick(["0", "0", "0", "1", "2", "127", "137"]), "node": pick(OB_NODES), "t": nano_ts}),
    ]


NW_NODES = ["edge-1", "edge-2", "edge-3"]
NW_NODE_IPS = ["10.60.0.11", "10.60.0.12", "10.60.0.13"]
NW_NS = ["ingress", "payments", "default"]
NW_SERVICES = ["checkout", "catalog", "auth-gateway"]
NW_VIP_IFACES = ["eth0", "bond0"]
NW_VIPS = ["10.60.10.1", "10.60.10.20", "10.60.10.21", "10.60.10.22"]
NW_BGP_PEERS = [("10.60.255.1", "tor-a"), ("10.60.255.2", "tor-b"), ("10.60.255.9", "Unknown")]
NW_BGP_AFIS = ["IPv4 Unicast", "IPv6 Unicast", "L2VPN EVPN"]
NW_PREFIXES = ["10.60.10.0/24", "10.244.0.0/16", "0.0.0.0/0", "192.168.40.0/22", "10.60.10.20/32"]
NW_WG_IFACES = ["wg0", "cilium_wg0"]
NW_TS_WARNABLES = ["network-status", "login-state", "dns-read-os-config-failed"]
NW_ZONES = ["example.net.", "corp.example.net.", "10.60.in-addr.arpa."]
NW_PDNS_ZONES = ["example.net", "corp.example.net", "60.10.in-addr.arpa"]
NW_QTYPES = ["A", "AAAA", "SOA", "TXT"]
NW_CF_LOCATIONS = ["ams01", "fra08", "lhr13"]
NW_OVS_BRIDGES = ["br-int", "br-ex"]


def network_events() -> list[tuple[float, str, dict]]:
    """Networking, DNS, load-balancing and edge software on or around Kubernetes that none of
    the other corpora covers: kube-vip (logrus text), FRRouting bgpd (frr.log with message
    ids), BIRD as Calico runs it, the WireGuard kernel module (dyndbg through the kernel log),
    tailscaled (journald), Istio ztunnel (Rust tracing), Envoy Gateway (zap JSON), Contour
    (logrus text), the PowerDNS Authoritative Server (syslog), Knot DNS, cloudflared (zerolog
    console) and Open vSwitch's ovs-vswitchd.log. Written for the blind check of the template
    engine, without reading the engine or any failure analysis, and scored once; 63 event types."""

    def sec_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def milli_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999):0>3}Z"

    def micro_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def frr_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}.{g.num(0, 999):0>3}"

    def knot_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}+0000"

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def uptime(g: Gen) -> str:
        # the kernel's "[%5lu.%06lu]": the padding belongs to the value
        return f"{g.r.randint(40, 990000):>5}.{g.num(0, 999999):0>6}"

    def go_dur(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 999):.6f}".rstrip("0").rstrip(".") + "ms",
                           f"{g.r.uniform(1, 9):.9f}".rstrip("0").rstrip(".") + "s"])

    def mac(g: Gen) -> str:
        return ":".join(g.hexs(2) for _ in range(6))

    def svc_ns(g: Gen) -> str:
        g.drawn = (g.r.choice(NW_NS), g.r.choice(NW_SERVICES))
        return g.drawn[0]

    def bgp_peer(g: Gen) -> str:
        g.drawn = g.r.choice(NW_BGP_PEERS)
        return g.drawn[0]

    def bgp_down_reason(g: Gen) -> str:
        return g.r.choice(["Peer closed the session", "Peer closed the session", "BGP Notification received",
                           "BGP Notification send", "Waiting for NHT", "Interface down",
                           "No AFI/SAFI activated for peer", "User reset"])

    def bgp_denied(g: Gen) -> str:
        return g.r.choice(["route-map", "route-map", "as-path contains our own AS;",
                           "martian or self next-hop;", "reflected from the same cluster;"])

    def bird_proto(g: Gen) -> str:
        return "Mesh_" + g.r.choice(NW_NODE_IPS).replace(".", "_")

    def bird_route(g: Gen) -> str:
        # rte_trace prints "[best] " only for the route that became the primary one
        prefix = f"10.244.{g.r.randint(0, 63)}.{g.r.choice([0, 64, 128, 192])}/26"
        return ("[best] " if g.r.random() < 0.6 else "") + prefix

    def bird_error(g: Gen) -> str:
        return g.r.choice(["Hold timer expired", "Hold timer expired", "Connection lost (Connection reset by peer)",
                           "Socket error: Connection refused", "Socket error: Network is unreachable"])

    def bird_received(g: Gen) -> str:
        return g.r.choice(["Administrative shutdown", "Administrative reset", "Peer de-configured",
                           "Connection rejected"])

    def wg_endpoint(g: Gen) -> str:
        return f"{g.r.randint(34, 203)}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}:51820"

    def wg_peer(g: Gen) -> str:
        return g.r.choice(["1", "2", "3", "5", "8", "13"])

    def journal_ts(g: Gen) -> str:
        return f"Dec 03 {hms(g)}"

    def go_log_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}"

    def ts_node(g: Gen) -> str:
        return g.hexs(5)

    def ts_endpoints(g: Gen) -> str:
        eps = [wg_endpoint(g).replace(":51820", ":41641 (stun)"), f"{g.r.choice(NW_NODE_IPS)}:41641 (local)",
               "[fd7a:115c:a1e0::1]:41641 (local)", f"{g.ip()}:41641 (local)", "172.17.0.1:41641 (local)"]
        return ", ".join(eps[:g.r.choice([1, 2, 2, 3, 5])])

    def ts_health_error(g: Gen) -> str:
        return g.r.choice(["not in map poll", "no DERP home", "Tailscale could not connect to the DERP server",
                           "DNS configuration issue: open /etc/resolv.conf: no such file or directory",
                           "not logged in, last login error=context canceled"])

    def ts_tailnet_ip(g: Gen) -> str:
        return f"100.{g.r.randint(64, 127)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    def zt_workload(g: Gen) -> str:
        ns, svc = g.r.choice(NW_NS), g.r.choice(NW_SERVICES)
        g.drawn = (f"{svc}-{g.hexs(9)}-{g.hexs(5)}", ns, f"spiffe://cluster.local/ns/{ns}/sa/{svc}")
        return g.drawn[0]

    def zt_dst(g: Gen) -> str:
        ns, svc = g.r.choice(NW_NS), g.r.choice(NW_SERVICES)
        g.drawn = (f"{svc}.{ns}.svc.cluster.local", f"{svc}-{g.hexs(9)}-{g.hexs(5)}", ns,
                   f"spiffe://cluster.local/ns/{ns}/sa/{svc}")
        return g.drawn[0]

    def zt_direction(g: Gen) -> str:
        return g.r.choice(["outbound", "outbound", "inbound"])

    def zt_error(g: Gen) -> str:
        return g.r.choice(["connection closed due to policy rejection: allow policies exist, but none allowed",
                           "io error: Connection reset by peer (os error 104)",
                           "http status: 503 Service Unavailable",
                           "connection failed: Connection refused (os error 111)",
                           "upstream connect timeout"])

    def zt_type_url(g: Gen) -> str:
        return g.r.choice(["type.googleapis.com/istio.workload.Address", "type.googleapis.com/istio.workload.Address",
                           "type.googleapis.com/istio.security.Authorization"])

    def eg_kind_name(g: Gen) -> str:
        return g.r.choice(["checkout-route", "catalog-route", "auth-gateway-grpc", "default-redirect"])

    def eg_error(g: Gen) -> str:
        return g.r.choice([
            f'Operation cannot be fulfilled on httproutes.gateway.networking.k8s.io "{eg_kind_name(g)}": the object has been modified; please apply your changes to the latest version and try again',
            "context canceled",
            f'failed to get Secret {g.r.choice(NW_NS)}/edge-tls: Secret "edge-tls" not found'])

    def contour_resources(g: Gen) -> str:
        names = [f"{g.r.choice(NW_NS)}/{s}/http" for s in NW_SERVICES] + ["ingress_http", "ingress_https"]
        return " ".join(g.r.sample(names, g.r.choice([0, 1, 1, 2, 3, 5])))

    def contour_type(g: Gen) -> str:
        return g.r.choice(["type.googleapis.com/envoy.config.cluster.v3.Cluster",
                           "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
                           "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
                           "type.googleapis.com/envoy.config.listener.v3.Listener"])

    def pdns_qname(g: Gen) -> str:
        z = g.r.choice(NW_PDNS_ZONES)
        return g.r.choice([z, f"www.{z}", f"api.{z}", f"_sip._tcp.{z}", f"{g.hexs(6)}.cdn.{z}"])

    def pdns_notify_error(g: Gen) -> str:
        return g.r.choice(["Refused", "Not Implemented", "Server Failure", "Query Refused"])

    def serial(g: Gen) -> str:
        return f"20261203{g.r.randint(1, 40):02d}"

    def knot_key_state(g: Gen) -> str:
        # the role ("KSK") only for key-signing keys, then the key's state flags
        flags = g.r.choice([["public", "ready", "active"], ["public", "active"], ["public", "active+"],
                            ["ready"], ["public", "ready", "active", "post-active"], ["public"]])
        return ", ".join(g.r.choice([["KSK"], []]) + flags)

    def knot_axfr_end(g: Gen) -> str:
        return f"{g.r.uniform(0, 3):.2f}"

    def cf_error(g: Gen) -> str:
        return g.r.choice(["timeout: no recent network activity", "timeout: no recent network activity",
                           "Application error 0x0 (remote)", "failed to accept QUIC stream: timeout: no recent network activity",
                           "control stream encountered a failure while serving"])

    def cf_origin_error(g: Gen) -> str:
        svc, ns = g.r.choice(NW_SERVICES), g.r.choice(NW_NS)
        g.drawn = (f"http://{svc}.{ns}.svc.cluster.local:8080",)
        return g.r.choice([
            f"Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: dial tcp {g.ip()}:8080: connect: connection refused",
            f"Unable to reach the origin service. The service may be down or it may not be responding to traffic from cloudflared: dial tcp: lookup {svc}.{ns}.svc.cluster.local on 10.96.0.10:53: no such host",
            "Incoming request ended abruptly: context canceled"])

    def cf_ray(g: Gen) -> str:
        return f"{g.hexs(16)}-{g.r.choice(['AMS', 'FRA', 'LHR'])}"

    def ovs_seq(g: Gen) -> str:
        return f"{g.r.randint(1, 99999):05d}"

    def ovs_port(g: Gen) -> str:
        return g.r.choice([f"{g.hexs(15)}", f"veth{g.hexs(8)}", "patch-br-int-to-br-ex", "ovn-k8s-mp0"])

    def ovs_flowmods(g: Gen) -> str:
        # the total first; the parenthesised breakdown names only the kinds that occurred
        kinds = [("adds", g.r.randint(1, 40)), ("deletes", g.r.randint(1, 40)), ("modifications", g.r.randint(1, 9))]
        chosen = [k for k in kinds if g.r.random() < 0.5] or [kinds[0]]
        g.drawn = (", ".join(f"{n} {k}" for k, n in chosen),)
        return str(sum(n for _, n in chosen))

    def ovs_drop(g: Gen) -> str:
        return g.r.choice(["Connection reset by peer", "End of file", "Broken pipe", "Protocol error"])

    logrus = 'time="{ts}" level='
    kern = "{sts} {node} kernel: [{up}] wireguard: {wg}: "
    kern_slots = {"sts": syslog_ts, "node": pick(NW_NODES), "up": uptime, "wg": pick(NW_WG_IFACES)}
    pdns = "{sts} {node} pdns_server[{pid}]: "
    pdns_slots = {"sts": syslog_ts, "node": pick(["ns1", "ns2"]), "pid": pick(["1042", "1043"])}
    tsd = "{jts} {node} tailscaled[{pid}]: {gts} "
    tsd_slots = {"jts": journal_ts, "node": pick(NW_NODES), "pid": pick(["812", "1204"]), "gts": go_log_ts}
    ovs = "{ts}|{seq}|"
    zt = "{ts}\t"
    return [
        # kube-vip 0.6 (logrus text: the ARP and services control planes)
        (70, logrus + "info msg=\"Broadcasting ARP update for {vip} ({mac}) via {i}\"",
         {"ts": sec_ts, "vip": pick(NW_VIPS), "mac": mac, "i": pick(NW_VIP_IFACES)}),
        (14, logrus + "info msg=\"(svcs) adding VIP [{vip}] via {i} for [{ns}/{svc}]\"",
         {"ts": sec_ts, "vip": pick(NW_VIPS), "i": pick(NW_VIP_IFACES), "ns": svc_ns, "svc": then(1)}),
        (9, logrus + "info msg=\"(svcs) deleting VIP [{vip}] via {i} for [{ns}/{svc}]\"",
         {"ts": sec_ts, "vip": pick(NW_VIPS), "i": pick(NW_VIP_IFACES), "ns": svc_ns, "svc": then(1)}),
        (6, logrus + "info msg=\"Node [{n}] is assuming leadership of the cluster\"",
         {"ts": sec_ts, "n": pick(NW_NODES)}),
        (8, logrus + "info msg=\"new leader elected: {n}\"", {"ts": sec_ts, "n": pick(NW_NODES)}),
        (3, logrus + "error msg=\"Error updating Service Spec [{svc}] : {e}\"",
         {"ts": sec_ts, "svc": first([(s,) for s in NW_SERVICES]),
          "e": lambda g: g.r.choice([f"Operation cannot be fulfilled on services \\\"{g.drawn[0]}\\\": the object has been modified; please apply your changes to the latest version and try again",
                                     "context deadline exceeded"])}),
        # FRRouting 9 bgpd (frr.log: time, daemon, message id)
        (40, "{ts} BGP: [M59KS-A3ZXZ] bgp_update_receive: rcvd End-of-RIB for {afi} from {p} in vrf default",
         {"ts": frr_ts, "afi": pick(NW_BGP_AFIS), "p": lambda g: g.r.choice(NW_BGP_PEERS)[0]}),
        (12, "{ts} BGP: [M7Q4P-46WDR] %ADJCHANGE: neighbor {p}({h}) in vrf default Up",
         {"ts": frr_ts, "p": bgp_peer, "h": then(1)}),
        (12, "{ts} BGP: [N9R71-RDZDQ] %ADJCHANGE: neighbor {p}({h}) in vrf default Down {why}",
         {"ts": frr_ts, "p": bgp_peer, "h": then(1), "why": bgp_down_reason}),
        (22, "{ts} BGP: [Z1DRQ-N6Z5F] {p}({h}) rcvd UPDATE about {pfx} IPv4 unicast -- DENIED due to: {why}",
         {"ts": frr_ts, "p": bgp_peer, "h": then(1), "pfx": pick(NW_PREFIXES), "why": bgp_denied}),
        (5, "{ts} BGP: [HSYZM-HV7HF] {p} [Event] Connect failed {n}({e})",
         {"ts": frr_ts, "p": lambda g: g.r.choice(NW_BGP_PEERS)[0], "n": first([("111", "Connection refused"), ("113", "No route to host")]),
          "e": then(1)}),
        # BIRD 1.6 inside calico-node (protocol and route traces)
        (55, "bird: {p}: State changed to {s}", {"p": bird_proto, "s": pick(["feed", "up", "up", "start", "stop", "down"])}),
        (48, "bird: {p} > added {r} via {gw} on {i}",
         {"p": bird_proto, "r": bird_route, "gw": pick(NW_NODE_IPS), "i": pick(["eth0", "tunl0"])}),
        (30, "bird: {p} > removed {r} via {gw} on {i}",
         {"p": bird_proto, "r": lambda g: f"10.244.{g.r.randint(0, 63)}.{g.r.choice([0, 64, 128, 192])}/26",
          "gw": pick(NW_NODE_IPS), "i": pick(["eth0", "tunl0"])}),
        (7, "bird: {p}: Error: {e}", {"p": bird_proto, "e": bird_error}),
        (6, "bird: {p}: Received: {e}", {"p": bird_proto, "e": bird_received}),
        (4, "bird: Reconfiguring", {}),
        (4, "bird: Reconfigured", {}),
        # WireGuard (kernel module, dynamic debug through the kernel log)
        (36, kern + "Sending handshake initiation to peer {n} ({ep})", {**kern_slots, "n": wg_peer, "ep": wg_endpoint}),
        (30, kern + "Receiving handshake response from peer {n} ({ep})", {**kern_slots, "n": wg_peer, "ep": wg_endpoint}),
        (22, kern + "Receiving handshake initiation from peer {n} ({ep})", {**kern_slots, "n": wg_peer, "ep": wg_endpoint}),
        (30, kern + "Keypair {k} created for peer {n}", {**kern_slots, "k": lambda g: g.num(1, 9000), "n": wg_peer}),
        (40, kern + "Sending keepalive packet to peer {n} ({ep})", {**kern_slots, "n": wg_peer, "ep": wg_endpoint}),
        (10, kern + "Handshake for peer {n} ({ep}) did not complete after 5 seconds, retrying (try {t})",
         {**kern_slots, "n": wg_peer, "ep": wg_endpoint, "t": pick(["2", "2", "3", "4", "5", "10", "20"])}),
        # tailscaled 1.56 (journald; its own log time after the journal prefix)
        (26, tsd + "magicsock: derp-{d} connected; connGen={c}", {**tsd_slots, "d": pick(["1", "4", "13"]), "c": pick(["1", "1", "2", "3"])}),
        (34, tsd + "magicsock: disco: node [{n}] d:{dk} now using {ep} mtu=1360 tx={tx}",
         {**tsd_slots, "n": ts_node, "dk": lambda g: g.hexs(16), "ep": lambda g: wg_endpoint(g).replace(":51820", ":41641"), "tx": lambda g: g.hexs(12)}),
        (18, tsd + "magicsock: endpoints changed: {eps}", {**tsd_slots, "eps": ts_endpoints}),
        (22, tsd + "wgengine: Reconfig: configuring userspace WireGuard config (with {a}/{b} peers)",
         {**tsd_slots, "a": pick(["1", "2", "3", "4"]), "b": pick(["12", "12", "14"])}),
        (7, tsd + "health(warnable={w}): error: {e}", {**tsd_slots, "w": pick(NW_TS_WARNABLES), "e": ts_health_error}),
        (7, tsd + "health(warnable={w}): ok", {**tsd_slots, "w": pick(NW_TS_WARNABLES)}),
        (20, tsd + "Accept: TCP{{{src} > {dst}}} {n} ok out",
         {**tsd_slots, "src": lambda g: f"{ts_tailnet_ip(g)}:{g.port()}", "dst": lambda g: f"{ts_tailnet_ip(g)}:{g.r.choice(['22', '443', '5432'])}",
          "n": pick(["52", "60", "64"])}),
        (9, tsd + "Drop: TCP{{{src} > {dst}}} {n} tcp non-syn",
         {**tsd_slots, "src": lambda g: f"{ts_tailnet_ip(g)}:{g.port()}", "dst": lambda g: f"{ts_tailnet_ip(g)}:{g.r.choice(['22', '443', '5432'])}",
          "n": pick(["40", "52"])}),
        # Istio ztunnel 1.22 (Rust tracing fmt: time, level, target, message, fields)
        (60, zt + "info\taccess\tconnection complete\tsrc.addr={sa} src.workload=\"{sw}\" src.namespace=\"{sn}\" src.identity=\"{si}\" dst.addr={da} dst.hbone_addr={dh} dst.service=\"{ds}\" dst.workload=\"{dw}\" dst.namespace=\"{dn}\" dst.identity=\"{di}\" direction=\"{dir}\" bytes_sent={bs} bytes_recv={br} duration=\"{d}ms\"",
         {"ts": micro_ts, "sa": lambda g: f"{g.ip()}:{g.port()}", "sw": zt_workload, "sn": then(1), "si": then(2),
          "da": lambda g: f"{g.ip()}:15008", "dh": lambda g: f"{g.ip()}:{g.r.choice(['8080', '9080', '5432'])}", "ds": zt_dst,
          "dw": then(1), "dn": then(2), "di": then(3), "dir": zt_direction, "bs": lambda g: g.num(0, 900000),
          "br": lambda g: g.num(0, 900000), "d": lambda g: g.num(0, 30000)}),
        (14, zt + "error\taccess\tconnection complete\tsrc.addr={sa} src.workload=\"{sw}\" src.namespace=\"{sn}\" src.identity=\"{si}\" dst.addr={da} dst.service=\"{ds}\" dst.workload=\"{dw}\" dst.namespace=\"{dn}\" dst.identity=\"{di}\" direction=\"{dir}\" bytes_sent=0 bytes_recv=0 duration=\"{d}ms\" error=\"{e}\"",
         {"ts": micro_ts, "sa": lambda g: f"{g.ip()}:{g.port()}", "sw": zt_workload, "sn": then(1), "si": then(2),
          "da": lambda g: f"{g.ip()}:15008", "ds": zt_dst, "dw": then(1), "dn": then(2), "di": then(3),
          "dir": zt_direction, "d": lambda g: g.num(0, 10000), "e": zt_error}),
        (16, zt + "info\txds::client:xds{{id={i}}}\treceived response\ttype_url=\"{t}\" size={s} removes={r}",
         {"ts": micro_ts, "i": pick(["1", "2", "3"]), "t": zt_type_url, "s": lambda g: g.num(1, 400), "r": pick(["0", "0", "0", "1", "2"])}),
        # Envoy Gateway 1.0 (zap JSON)
        (20, '{{"level":"info","ts":"{ts}","logger":"provider","caller":"kubernetes/controller.go:258","msg":"reconciling gateways","runner":"provider"}}',
         {"ts": milli_ts}),
        (16, '{{"level":"info","ts":"{ts}","logger":"provider","caller":"kubernetes/controller.go:921","msg":"processing Gateway","runner":"provider","namespace":"{ns}","name":"{n}"}}',
         {"ts": milli_ts, "ns": pick(NW_NS), "n": pick(["eg", "eg-internal"])}),
        (24, '{{"level":"info","ts":"{ts}","logger":"provider","caller":"kubernetes/routes.go:112","msg":"processing HTTPRoute","runner":"provider","namespace":"{ns}","name":"{n}"}}',
         {"ts": milli_ts, "ns": pick(NW_NS), "n": eg_kind_name}),
        (5, '{{"level":"error","ts":"{ts}","logger":"provider","caller":"kubernetes/status_updater.go:109","msg":"unable to update status","runner":"provider","name":"{n}","namespace":"{ns}","error":"{e}"}}',
         {"ts": milli_ts, "n": eg_kind_name, "ns": pick(NW_NS), "e": lambda g: eg_error(g).replace('"', '\\"')}),
        # Contour 1.28 (logrus text, fields sorted)
        (30, logrus + "info msg=\"performing delayed update\" context=contourEventHandler last_update={d} outstanding={n}",
         {"ts": sec_ts, "d": go_dur, "n": pick(["1", "1", "2", "3", "7"])}),
        (45, logrus + "info msg=\"handling v3 xDS resource request\" connection={c} context=xds node_id={node} resource_names=\"[{rn}]\" response_nonce={nonce} type_url={t} version_info={v}",
         {"ts": sec_ts, "c": pick(["1", "2", "3", "4"]), "node": lambda g: f"envoy-{g.hexs(5)}", "rn": contour_resources,
          "nonce": lambda g: g.num(1, 900), "t": contour_type, "v": lambda g: g.num(1, 900)}),
        (5, logrus + "info msg=\"received a new address for status.loadBalancer\" context=loadBalancerStatusWriter loadbalancer-address={ip}",
         {"ts": sec_ts, "ip": pick(NW_VIPS)}),
        # PowerDNS Authoritative 4.8 (syslog, log-dns-queries on the secondaries)
        (80, pdns + "Remote {ip} wants '{q}|{t}', do = {do}, bufsize = {b}: packetcache {hm}",
         {**pdns_slots, "ip": Gen.ip, "q": pdns_qname, "t": pick(NW_QTYPES), "do": pick(["0", "0", "1"]),
          "b": pick(["512", "1232", "1232", "4096"]), "hm": pick(["HIT", "HIT", "MISS"])}),
        (8, pdns + "AXFR-out zone '{z}', client '{ip}', transfer initiated", {**pdns_slots, "z": pick(NW_PDNS_ZONES), "ip": pick(NW_NODE_IPS)}),
        (8, pdns + "AXFR-out zone '{z}', client '{ip}', allowed: client IP is in allow-axfr-ips",
         {**pdns_slots, "z": pick(NW_PDNS_ZONES), "ip": pick(NW_NODE_IPS)}),
        (10, pdns + "Queued notification of domain '{z}' to {ip}:53", {**pdns_slots, "z": pick(NW_PDNS_ZONES), "ip": pick(NW_NODE_IPS)}),
        (4, pdns + "Received unsuccessful notification report for '{z}' from {ip}:53, error: {e}",
         {**pdns_slots, "z": pick(NW_PDNS_ZONES), "ip": pick(NW_NODE_IPS), "e": pdns_notify_error}),
        # Knot DNS 3.3 (knotd to stdout: time, severity, [zone] message)
        (10, "{ts} info: [{z}] zone file parsed, serial {s}", {"ts": knot_ts, "z": pick(NW_ZONES), "s": serial}),
        (8, "{ts} info: [{z}] loaded, serial {a} -> {b}, {n} bytes",
         {"ts": knot_ts, "z": pick(NW_ZONES), "a": lambda g: g.r.choice(["none", serial(g)]), "b": serial, "n": lambda g: g.num(400, 90000)}),
        (14, "{ts} info: [{z}] DNSSEC, key, tag {t}, algorithm {a}, {st}",
         {"ts": knot_ts, "z": pick(NW_ZONES), "t": lambda g: g.num(1000, 65535), "a": pick(["ECDSAP256SHA256", "ED25519"]), "st": knot_key_state}),
        (10, "{ts} info: [{z}] DNSSEC, successfully signed, serial {s}", {"ts": knot_ts, "z": pick(NW_ZONES), "s": serial}),
        (18, "{ts} info: [{z}] notify, outgoing, remote {ip}@53, serial {s}", {"ts": knot_ts, "z": pick(NW_ZONES), "ip": pick(NW_NODE_IPS), "s": serial}),
        (5, "{ts} warning: [{z}] notify, outgoing, remote {ip}@53, failed ({e})",
         {"ts": knot_ts, "z": pick(NW_ZONES), "ip": pick(NW_NODE_IPS), "e": pick(["connection refused", "operation timed out", "REFUSED"])}),
        (9, "{ts} info: [{z}] AXFR, outgoing, remote {ip}@{p}, finished, {t} seconds, {m} messages, {b} bytes",
         {"ts": knot_ts, "z": pick(NW_ZONES), "ip": pick(NW_NODE_IPS), "p": Gen.port, "t": knot_axfr_end,
          "m": pick(["1", "1", "2", "5"]), "b": lambda g: g.num(300, 90000)}),
        # cloudflared 2024.x (zerolog console, colours off)
        (12, "{ts} INF Registered tunnel connection connIndex={i} connection={c} event=0 ip={ip} location={loc} protocol=quic",
         {"ts": sec_ts, "i": pick(["0", "1", "2", "3"]), "c": Gen.uuid, "ip": pick(["198.41.192.7", "198.41.200.13", "198.41.192.37"]),
          "loc": pick(NW_CF_LOCATIONS)}),
        (8, "{ts} ERR failed to serve tunnel connection error=\"{e}\" connIndex={i} event=0 ip={ip}",
         {"ts": sec_ts, "e": cf_error, "i": pick(["0", "1", "2", "3"]), "ip": pick(["198.41.192.7", "198.41.200.13", "198.41.192.37"])}),
        (8, "{ts} INF Retrying connection in up to {n}s connIndex={i} event=0 ip={ip}",
         {"ts": sec_ts, "n": pick(["1", "2", "4", "8", "16"]), "i": pick(["0", "1", "2", "3"]),
          "ip": pick(["198.41.192.7", "198.41.200.13", "198.41.192.37"])}),
        (16, "{ts} ERR  error=\"{e}\" cfRay={ray} event=1 ingressRule={n} originService={o}",
         {"ts": sec_ts, "e": cf_origin_error, "ray": cf_ray, "n": pick(["0", "1", "2"]), "o": then(0)}),
        # Open vSwitch 3.2 ovs-vswitchd.log (time|sequence|module|level|message)
        (20, ovs + "bridge|INFO|bridge {br}: added interface {p} on port {n}", {"ts": milli_ts, "seq": ovs_seq, "br": pick(NW_OVS_BRIDGES), "p": ovs_port, "n": lambda g: g.num(1, 400)}),
        (16, ovs + "bridge|INFO|bridge {br}: deleted interface {p} on port {n}", {"ts": milli_ts, "seq": ovs_seq, "br": pick(NW_OVS_BRIDGES), "p": ovs_port, "n": lambda g: g.num(1, 400)}),
        (40, ovs + "connmgr|INFO|{br}<->unix#{c}: {n} flow_mods in the last {s} s ({k})",
         {"ts": milli_ts, "seq": ovs_seq, "br": pick(NW_OVS_BRIDGES), "c": lambda g: g.num(1, 9000), "n": ovs_flowmods, "k": then(0), "s": pick(["0", "0", "1", "2"])}),
        (6, ovs + "timeval|WARN|Unreasonably long {ms}ms poll interval ({u}ms user, {s}ms system)",
         {"ts": milli_ts, "seq": ovs_seq, "ms": lambda g: g.num(1000, 9000), "u": lambda g: g.num(10, 900), "s": lambda g: g.num(10, 900)}),
        (5, ovs + "rconn|WARN|{br}<->unix#{c}: connection dropped ({e})",
         {"ts": milli_ts, "seq": ovs_seq, "br": pick(NW_OVS_BRIDGES), "c": lambda g: g.num(1, 9000), "e": ovs_drop}),
    ]


ML_NODES = ["gpu-a100-node-1", "gpu-a100-node-2", "gpu-h100-node-1"]
ML_NS = ["ml-research", "ml-serving", "kubeflow-user"]
ML_QUEUES = ["default", "research", "prod-inference"]
ML_MODELS = ["resnet50", "bert-base-uncased", "fraud-xgb"]
ML_LLMS = ["meta-llama/Llama-2-7b-chat-hf", "mistralai/Mistral-7B-Instruct-v0.2"]
ML_JOBS = ["bert-finetune", "resnet-ddp", "llama-lora", "xgb-sweep"]
ML_EXPERIMENTS = ["lr-sweep", "bert-hpo", "xgb-depth"]
ML_KATIB_ALGOS = ["random", "tpe", "bayesianoptimization"]
ML_GPU_RESOURCES = ["nvidia.com/gpu", "nvidia.com/gpu", "nvidia.com/gpu", "nvidia.com/mig-1g.10gb", "nvidia.com/mig-3g.40gb"]
ML_GPU_UUIDS = ["GPU-3f9a1c2e-8b7d-4e6f-a1b2-c3d4e5f60718", "GPU-7c2d9e4b-1a3f-4b5c-9d8e-0f1a2b3c4d5e",
                "GPU-a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d", "GPU-55e6f7a8-9b0c-4d1e-8f2a-3b4c5d6e7f80"]
ML_KFP_METHODS = ["/api.RunService/CreateRunV1", "/api.RunService/ListRunsV1", "/api.PipelineService/ListPipelinesV1",
                  "/api.ExperimentService/GetExperimentV1", "/api.RunService/GetRunV1"]
ML_DASK_WORKERS = ["dask-worker-6d9f8b7c4-2xkqp", "dask-worker-6d9f8b7c4-9tmwz", "dask-worker-6d9f8b7c4-hv4rn"]
ML_DCGM_METRICS = ["DCGM_FI_PROF_GR_ENGINE_ACTIVE", "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE", "DCGM_FI_PROF_DRAM_ACTIVE",
                   "DCGM_FI_PROF_PCIE_TX_BYTES"]
ML_IB_DEVICES = ["mlx5_0:1/IB", "mlx5_1:1/IB", "mlx5_2:1/IB", "mlx5_3:1/IB"]


def ml_events() -> list[tuple[float, str, dict]]:
    """Machine-learning and data-science platforms on Kubernetes that none of the other corpora
    covers: the Volcano scheduler (klog), the NVIDIA device plugin (klog) and DCGM exporter
    (logrus text), TensorFlow Serving (TensorFlow's C++ log prefix), NCCL (host:pid:tid [rank]),
    PyTorch torchrun and its elastic agent, Dask distributed (scheduler, worker, nanny), the MLflow
    tracking client and server (Python logging), KServe (controller zap JSON, storage initializer,
    model server and its trace and access lines), Seldon MLServer, Hugging Face Text Generation
    Inference (tracing text: launcher, shard manager, router), the Kubeflow training-operator
    (logrus text), Katib (controller zap JSON, file metrics collector) and Kubeflow Pipelines (API
    server glog, persistence agent logrus). Written for the blind check of the template engine,
    without reading the engine or any failure analysis, and scored once; 63 event types."""

    def klog_time(g: Gen) -> str:
        return f"1203 {hms(g)}.{g.num(0, 999999):0>6}"

    def tid(g: Gen) -> str:
        # klog pads the thread id to seven columns
        return f"{g.r.choice(['1', '1', '1', g.num(7, 90)]):>7}"

    def thread(n: str):
        return lambda g: f"{n:>7}"

    def mem_pct(g: Gen, lo: int, hi: int) -> str:
        g.drawn = (g.r.choice(["4.00 GiB", "8.00 GiB", "16.00 GiB"]), g.r.randint(lo, hi))
        return str(g.drawn[1])

    def mem_used(g: Gen) -> str:
        limit = float(g.drawn[0].split()[0])
        return f"{limit * g.drawn[1] / 100:.2f} GiB"

    def sec_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def micro_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def tfs_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999999):0>6}"

    def mlflow_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}"

    def zap_epoch(g: Gen) -> str:
        return f"{1764720000 + g.r.randint(0, 86399)}.{g.num(0, 999999):0>6}".rstrip("0")

    def job_pod(g: Gen) -> str:
        return f"{g.r.choice(ML_JOBS)}-{g.r.choice(['master', 'worker'])}-{g.r.randint(0, 3)}"

    def servable(g: Gen) -> str:
        return f"{{name: {g.r.choice(ML_MODELS)} version: {g.r.choice(['1', '2', '3', '1764700000'])}}}"

    def gang_reason(g: Gen) -> str:
        n = g.r.randint(3, 12)
        k = g.r.randint(1, n)
        return g.r.choice([
            f"0/{n} nodes are unavailable: {k} Insufficient nvidia.com/gpu.",
            f"0/{n} nodes are unavailable: {k} Insufficient nvidia.com/gpu, {n - k} node(s) had untolerated taint {{node-role.kubernetes.io/control-plane: }}.",
            f"0/{n} nodes are unavailable: {k} Insufficient cpu, {n - k} Insufficient memory.",
            "pod group is not ready, 2 Pending, 4 minAvailable"])

    def enqueue_reason(g: Gen) -> str:
        return g.r.choice(["queue resource quota insufficient", "queue resource quota insufficient",
                           "job min request resources exceed queue deserved", "queue <research> is closed"])

    def xid(g: Gen) -> str:
        return g.r.choice(["48", "63", "64", "74", "79", "94", "95"])

    def tfs_path_error(g: Gen) -> str:
        m = g.r.choice(ML_MODELS)
        return g.r.choice([
            f"NOT_FOUND: Could not find base path /models/{m} for servable {m}",
            f"FAILED_PRECONDITION: Could not find SavedModel .pb or .pbtxt at supplied export directory path: /models/{m}/3",
            "UNAVAILABLE: Servable not found for request: Latest(half_plus_two)",
            f"INVALID_ARGUMENT: input tensor alias not found in signature: {g.r.choice(['inputs', 'input_ids', 'x'])}. Inputs expected to be in the set {{{g.r.choice(['input_1', 'input_ids,attention_mask', 'serving_default_dense_input'])}}}."])

    def nccl_host(g: Gen) -> str:
        g.drawn = (g.r.choice(ML_JOBS), g.r.randint(0, 3))
        return f"{g.drawn[0]}-worker-{g.drawn[1]}"

    def rank(g: Gen) -> str:
        return str(g.r.choice([0, 0, 1, 2, 3, 4, 5, 6, 7]))

    def nccl_transport(g: Gen) -> str:
        return g.r.choice(["P2P/IPC", "P2P/IPC", "SHM", "NET/IB/0", "NET/IB/1/GDRDMA"])

    def nccl_read(g: Gen) -> str:
        # the "/read" suffix is printed only when P2P read is enabled (Ampere and later)
        return g.r.choice(["", "", "/read"])

    def nccl_trees(g: Gen) -> str:
        return " ".join(f"[{c}] {g.r.choice(['-1', '1', '2'])}/-1/-1->{g.r.randint(0, 7)}->{g.r.choice(['-1', '0', '3'])}"
                        for c in range(g.r.choice([2, 2, 4, 8])))

    def ib_list(g: Gen) -> str:
        devs = ML_IB_DEVICES[: g.r.choice([1, 2, 4])]
        return " ".join(f"[{i}]{d}" for i, d in enumerate(devs))

    def nccl_warn(g: Gen) -> str:
        return g.r.choice([
            f"NET/IB : Got completion from peer {g.ip()}<{g.port()}> with error 12, opcode 0, len 0, vendor err 129 (Recv)",
            f"NET/Socket : peer {g.ip()}<{g.port()}> message truncated : receiving 1048576 bytes instead of 65536",
            "Cuda failure 'out of memory'",
            "Call to ibv_modify_qp failed with error Connection timed out"])

    def torch_exit(g: Gen) -> str:
        return g.r.choice(["1", "1", "1", "-9", "-6", "137"])

    def torch_ts(g: Gen) -> str:
        return f"[2026-12-03 {hms(g)},{g.num(0, 999):0>3}]"

    def torch_binary(g: Gen) -> str:
        return g.r.choice(["/usr/bin/python", "/opt/conda/bin/python3.10", "/usr/bin/python3"])

    def dask_addr(g: Gen) -> str:
        return f"tcp://{g.ip()}:{g.port()}"

    def dask_actor(g: Gen) -> str:
        return g.r.choice(["Worker", "Worker", "Scheduler", "Nanny"])

    def stimulus(g: Gen) -> str:
        return f"{g.r.choice(['handle-worker-cleanup', 'worker-send-comm-fail', 'heartbeat-worker-missing'])}-{1764720000 + g.r.random() * 86400:.7f}"

    def mlflow_run_name(g: Gen) -> str:
        adj = ["gentle", "bold", "sassy", "fearless", "rogue"]
        noun = ["whale", "moth", "crane", "shark", "fox"]
        return f"{g.r.choice(adj)}-{g.r.choice(noun)}-{g.num(100, 999)}"

    def mlflow_run_url(g: Gen) -> str:
        g.drawn = (str(g.r.choice([1, 3, 7, 12])),)
        return f"http://mlflow.mlflow.svc:5000/#/experiments/{g.drawn[0]}/runs/{g.hexs(32)}"

    def mlflow_exc(g: Gen) -> str:
        return g.r.choice([
            "/api/2.0/mlflow/runs/log-batch [POST]", "/api/2.0/mlflow/runs/log-batch [POST]",
            "/api/2.0/mlflow/model-versions/create [POST]", "/api/2.0/mlflow/runs/search [POST]"])

    def pkg_local(g: Gen) -> str:
        g.drawn = g.r.choice([("torch", "2.1.0+cu121", "+cu121", "2.1.0"), ("torchvision", "0.16.0+cu121", "+cu121", "0.16.0"),
                              ("torch", "2.2.1+cpu", "+cpu", "2.2.1")])
        return g.drawn[0]

    def isvc(g: Gen) -> str:
        return g.r.choice(["sklearn-iris", "bert-sentiment", "fraud-xgb"])

    def isvc_component(g: Gen) -> str:
        # controller-runtime prints the field only on the component reconcilers
        return g.r.choice(["", "", ',"component":"predictor"', ',"component":"transformer"'])

    def kserve_error(g: Gen) -> str:
        return g.r.choice([
            'fails to reconcile predictor: fails to update knative service: Operation cannot be fulfilled on services.serving.knative.dev \\"sklearn-iris-predictor\\": the object has been modified; please apply your changes to the latest version and try again',
            "no runtime found to support predictor with model type: {sklearn 1.3}",
            "admission webhook \\\"inferenceservice.kserve-webhook-server.validator\\\" denied the request: exactly one predictor implementation must be specified",
            "context deadline exceeded"])

    def storage_uri(g: Gen) -> str:
        m = g.r.choice(ML_MODELS)
        return g.r.choice([f"gs://ml-models-prod/{m}/v3", f"s3://mlflow-artifacts/7/{g.hexs(32)}/artifacts/model",
                           f"pvc://model-store/{m}"])

    def ms(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(0.0005, 0.05):.9f}", f"{g.r.uniform(0.5, 90):.9f}", "0"])

    def req_id(g: Gen) -> str:
        return g.r.choice([g.uuid(), "N.A."])

    def mlserver_model(g: Gen) -> str:
        return g.r.choice(["iris-sklearn", "income-classifier", "sentiment-hf"])

    def tgi_validation(g: Gen) -> str:
        n = g.r.randint(3900, 8000)
        return g.r.choice([
            f"`inputs` tokens + `max_new_tokens` must be <= 4096. Given: {n} `inputs` tokens and {g.r.choice([256, 512, 1024])} `max_new_tokens`",
            f"`inputs` must have less than 4000 tokens. Given: {n}",
            "`temperature` must be strictly positive",
            "`top_p` must be > 0.0 and < 1.0"])

    def tgi_rank(g: Gen) -> str:
        # the shard span records the rank only for sharded (tensor parallel) models
        return g.r.choice(["", "", f" rank={g.r.randint(0, 3)}"])

    def tgi_params(g: Gen) -> str:
        return (f"GenerateParameters {{ best_of: None, temperature: {g.r.choice(['None', 'Some(0.7)', 'Some(0.1)'])}, "
                f"repetition_penalty: None, top_k: None, top_p: {g.r.choice(['None', 'Some(0.95)'])}, typical_p: None, "
                f"do_sample: {g.r.choice(['false', 'true'])}, max_new_tokens: Some({g.r.choice([64, 256, 512, 1024])}), "
                f"return_full_text: None, stop: [], truncate: None, watermark: false, details: false, "
                f"decoder_input_details: false, seed: None, top_n_tokens: None }}")

    def tgi_ms(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 999):.6f}".rstrip("0").rstrip(".") + "ms",
                           f"{g.r.uniform(1, 30):.9f}".rstrip("0").rstrip(".") + "s"])

    def tgi_us(g: Gen) -> str:
        return f"{g.r.uniform(20, 999):.3f}".rstrip("0").rstrip(".") + "µs"

    def tjob(g: Gen) -> str:
        g.drawn = (g.r.choice(ML_NS), g.r.choice(ML_JOBS))
        return f"{g.drawn[0]}/{g.drawn[1]}"

    def tjob_uid(g: Gen) -> str:
        return g.uuid()

    def reconcile_error(g: Gen) -> str:
        return g.r.choice([
            'Operation cannot be fulfilled on pytorchjobs.kubeflow.org \\"bert-finetune\\": the object has been modified; please apply your changes to the latest version and try again',
            'pods \\"resnet-ddp-worker-2\\" already exists',
            "failed to create PodGroup: admission webhook \\\"validatepodgroup.volcano.sh\\\" denied the request: can only submit PodGroup to queue with state `Open`, queue `research` status is `Closed`"])

    def katib_exp(g: Gen) -> str:
        return f"{g.r.choice(ML_NS)}/{g.r.choice(ML_EXPERIMENTS)}"

    def trial_names(g: Gen) -> str:
        e = g.r.choice(ML_EXPERIMENTS)
        return ",".join(f'"{e}-{g.hexs(8)}"' for _ in range(g.r.choice([1, 1, 2, 3, 5])))

    def epoch_metrics(g: Gen) -> str:
        names = g.r.sample(["Validation-accuracy", "Train-accuracy", "loss", "Validation-loss"], g.r.choice([1, 1, 2, 3]))
        return " ".join(f"{n}={g.r.uniform(0, 1):.6f}" for n in names)

    def kfp_wf(g: Gen) -> str:
        g.drawn = (f"{g.r.choice(['train-pipeline', 'batch-scoring', 'feature-refresh'])}-{g.hexs(5)}",)
        return f"kubeflow/{g.drawn[0]}"

    vklog = "I{t} {tid} "
    nccl = "{h}:{pid}:{tp} [{r}] NCCL "
    nccl_hdr = {"h": nccl_host, "pid": lambda g: g.num(20, 900), "tp": lambda g: g.num(20, 2000), "r": rank}
    tfs = "{ts}: "
    torch = "{ts} torch.distributed."
    dask = "{ts} - distributed."
    logrus = 'time="{ts}" level='
    return [
        # Volcano 1.8 scheduler (klog)
        (60, vklog + "allocate.go:{ln}] Try to allocate resource to {n} tasks of Job <{ns}/{j}>",
         {"t": klog_time, "tid": tid, "ln": pick(["179", "179", "233"]), "n": pick(["1", "1", "2", "4", "8"]), "ns": pick(ML_NS), "j": pick(ML_JOBS)}),
        (55, vklog + "cache.go:{ln}] Binding Task <{ns}/{p}> to node <{node}>",
         {"t": klog_time, "tid": tid, "ln": pick(["1002"]), "ns": pick(ML_NS), "p": job_pod, "node": pick(ML_NODES)}),
        (40, vklog + "session.go:{ln}] Open Session {u} with <{j}> Job and <{q}> Queues",
         {"t": klog_time, "tid": tid, "ln": pick(["176"]), "u": Gen.uuid, "j": pick(["0", "1", "3", "4", "9"]), "q": pick(["2", "3"])}),
        (40, vklog + "session.go:{ln}] Close Session {u}", {"t": klog_time, "tid": tid, "ln": pick(["195"]), "u": Gen.uuid}),
        (22, vklog + "enqueue.go:{ln}] Job <{ns}/{j}> Queue <{q}> skip enqueue, reason: {e}",
         {"t": klog_time, "tid": tid, "ln": pick(["86"]), "ns": pick(ML_NS), "j": pick(ML_JOBS), "q": pick(ML_QUEUES), "e": enqueue_reason}),
        (18, vklog + "gang.go:{ln}] {n}/{m} tasks in gang unschedulable: {e}",
         {"t": klog_time, "tid": tid, "ln": pick(["151"]), "n": pick(["1", "2", "4"]), "m": pick(["2", "4", "8"]), "e": gang_reason}),
        # NVIDIA k8s-device-plugin 0.14 (klog)
        (4, vklog + "server.go:{ln}] Starting to serve '{res}' on /var/lib/kubelet/device-plugins/{sock}",
         {"t": klog_time, "tid": tid, "ln": pick(["117"]), "res": pick(ML_GPU_RESOURCES), "sock": pick(["nvidia-gpu.sock", "nvidia-mig-1g.10gb.sock"])}),
        (4, vklog + "server.go:{ln}] Registered device plugin for '{res}' with Kubelet",
         {"t": klog_time, "tid": tid, "ln": pick(["125"]), "res": pick(ML_GPU_RESOURCES)}),
        (6, vklog + "health.go:{ln}] XidCriticalError: Xid={x} on Device={d}; marking device as unhealthy.",
         {"t": klog_time, "tid": tid, "ln": pick(["159"]), "x": xid, "d": pick(ML_GPU_UUIDS)}),
        (6, vklog + "server.go:{ln}] '{res}' device marked unhealthy: {d}",
         {"t": klog_time, "tid": tid, "ln": pick(["254"]), "res": pick(ML_GPU_RESOURCES), "d": pick(ML_GPU_UUIDS)}),
        (4, vklog + "server.go:{ln}] Starting GRPC server for '{res}'", {"t": klog_time, "tid": tid, "ln": pick(["165"]), "res": pick(ML_GPU_RESOURCES)}),
        # DCGM exporter 3.3 (logrus text)
        (3, logrus + 'info msg="Starting dcgm-exporter"', {"ts": sec_ts}),
        (6, logrus + "warning msg=\"Skipping line {n} ('{m}'): metric not enabled\"",
         {"ts": sec_ts, "n": pick(["19", "20", "21", "22"]), "m": pick(ML_DCGM_METRICS)}),
        (4, logrus + 'info msg="Pipeline starting"', {"ts": sec_ts}),
        # TensorFlow Serving 2.14 (TensorFlow's C++ logging prefix)
        (20, tfs + "I tensorflow_serving/core/loader_harness.cc:66] Approving load for servable version {s}", {"ts": tfs_ts, "s": servable}),
        (20, tfs + "I tensorflow_serving/core/loader_harness.cc:74] Loading servable version {s}", {"ts": tfs_ts, "s": servable}),
        (20, tfs + "I tensorflow_serving/core/loader_harness.cc:95] Successfully loaded servable version {s}", {"ts": tfs_ts, "s": servable}),
        (8, tfs + "I tensorflow_serving/core/loader_harness.cc:{ln}] Quiescing servable version {s}", {"ts": tfs_ts, "ln": pick(["117"]), "s": servable}),
        (8, tfs + "I tensorflow_serving/core/loader_harness.cc:{ln}] Unloading servable version {s}", {"ts": tfs_ts, "ln": pick(["125"]), "s": servable}),
        (12, tfs + "I tensorflow_serving/model_servers/server_core.cc:596]  (Re-)adding model: {m}", {"ts": tfs_ts, "m": pick(ML_MODELS)}),
        (10, tfs + "E tensorflow_serving/util/retrier.cc:40] Loading servable: {s} failed: {e}", {"ts": tfs_ts, "s": servable, "e": tfs_path_error}),
        # NCCL 2.18 (NCCL_DEBUG=INFO)
        (70, nccl + "INFO Channel {c}/{n} : {a}[{b}] -> {a2}[{b2}] via {tr}{rd}",
         {**nccl_hdr, "c": lambda g: f"{g.r.randint(0, 15):02d}", "n": pick(["16", "24", "32"]), "a": rank, "b": rank, "a2": rank, "b2": rank,
          "tr": nccl_transport, "rd": nccl_read}),
        (20, nccl + "INFO Trees {tr}", {**nccl_hdr, "tr": nccl_trees}),
        (15, nccl + "INFO Connected all rings", nccl_hdr),
        (15, nccl + "INFO Connected all trees", nccl_hdr),
        (12, nccl + "INFO comm 0x{p} rank {r2} nranks {n} cudaDev {d} busId {bus} commId 0x{c} - Init COMPLETE",
         {**nccl_hdr, "p": lambda g: g.hexs(11), "r2": rank, "n": pick(["8", "16", "32"]), "d": pick(["0", "1", "2", "3"]),
          "bus": pick(["18000", "2a000", "ab000", "db000"]), "c": lambda g: g.hexs(16)}),
        (10, nccl + "INFO NET/IB : Using {ib} ; OOB eth0:{ip}<0>", {**nccl_hdr, "ib": ib_list, "ip": Gen.ip}),
        (6, nccl + "WARN {e}", {**nccl_hdr, "e": nccl_warn}),
        # torchrun / torch.distributed.elastic (PyTorch 2.1)
        (14, torch + "elastic.agent.server.api: [INFO] [default] Starting worker group", {"ts": torch_ts}),
        (8, torch + "elastic.agent.server.api: [INFO] [default] Worker group FAILED. {n}/3 attempts left; will restart worker group",
         {"ts": torch_ts, "n": pick(["2", "1", "0"])}),
        (8, torch + "elastic.multiprocessing.api: [WARNING] Sending process {pid} closing signal SIGTERM", {"ts": torch_ts, "pid": lambda g: g.num(40, 9000)}),
        (7, torch + "elastic.multiprocessing.api: [ERROR] failed (exitcode: {c}) local_rank: {r} (pid: {pid}) of binary: {b}",
         {"ts": torch_ts, "c": torch_exit, "r": pick(["0", "1", "2", "3"]), "pid": lambda g: g.num(40, 9000), "b": torch_binary}),
        # Dask distributed 2023.12 (default format: time - logger - level - message)
        (45, dask + "scheduler - INFO - Receive client connection: Client-{u}", {"ts": java_ts, "u": Gen.uuid}),
        (40, dask + "scheduler - INFO - Remove client Client-{u}", {"ts": java_ts, "u": Gen.uuid}),
        (20, dask + "scheduler - INFO - Register worker <WorkerState '{a}', name: {n}, status: init, memory: 0, processing: 0>",
         {"ts": java_ts, "a": dask_addr, "n": pick(ML_DASK_WORKERS)}),
        (14, dask + "scheduler - INFO - Remove worker <WorkerState '{a}', name: {n}, status: running, memory: {m}, processing: {p}> (stimulus_id='{s}')",
         {"ts": java_ts, "a": dask_addr, "n": pick(ML_DASK_WORKERS), "m": lambda g: g.num(0, 4000), "p": lambda g: g.num(0, 60), "s": stimulus}),
        (16, dask + "core - INFO - Event loop was unresponsive in {a} for {s}s.  This is often caused by long-running GIL-holding functions or moving large chunks of data. This can cause timeouts and instability.",
         {"ts": java_ts, "a": dask_actor, "s": lambda g: f"{g.r.uniform(3, 60):.2f}"}),
        (12, dask + "worker.memory - WARNING - Worker is at {p}% memory usage. Pausing worker.  Process memory: {m} -- Worker memory limit: {l}",
         {"ts": java_ts, "p": lambda g: mem_pct(g, 80, 99), "m": mem_used, "l": then(0)}),
        (10, dask + "worker.memory - WARNING - Worker is at {p}% memory usage. Resuming worker. Process memory: {m} -- Worker memory limit: {l}",
         {"ts": java_ts, "p": lambda g: mem_pct(g, 30, 79), "m": mem_used, "l": then(0)}),
        # MLflow 2.9 tracking client (training pods) and server (Python logging)
        (30, "{ts} INFO mlflow.tracking._tracking_service.client: 🏃 View run {r} at: {url}.",
         {"ts": mlflow_ts, "r": mlflow_run_name, "url": mlflow_run_url}),
        (20, "{ts} INFO mlflow.tracking._tracking_service.client: 🧪 View experiment at: http://mlflow.mlflow.svc:5000/#/experiments/{e}.",
         {"ts": mlflow_ts, "e": pick(["1", "3", "7", "12"])}),
        (9, "{ts} WARNING mlflow.utils.requirements_utils: Found {p} version ({v}) contains a local version label ({l}). MLflow logged a pip requirement for this package as '{p2}=={v2}' without the local version label to make it installable from PyPI. To specify pip requirements containing local version labels, please use `conda_env` or `pip_requirements`.",
         {"ts": mlflow_ts, "p": pkg_local, "v": then(1), "l": then(2), "p2": then(0), "v2": then(3)}),
        (6, "{ts} ERROR mlflow.server: Exception on {r}", {"ts": mlflow_ts, "r": mlflow_exc}),
        # KServe 0.11 controller (zap JSON), storage initializer, model server
        (30, '{{"level":"info","ts":{ts},"logger":"v1beta1Controllers","msg":"Reconciling inference service","apiVersion":"serving.kserve.io/v1beta1","isvc":"{i}"{c}}}',
         {"ts": zap_epoch, "i": isvc, "c": isvc_component}),
        (7, '{{"level":"error","ts":{ts},"logger":"v1beta1Controllers","msg":"Failed to reconcile","isvc":"{i}","error":"{e}"}}',
         {"ts": zap_epoch, "i": isvc, "e": kserve_error}),
        (8, "INFO:kserve.storage:Copying contents of {s} to local", {"s": storage_uri}),
        (8, "INFO:kserve.storage:Successfully copied {s} to /mnt/models", {"s": storage_uri}),
        (40, "{ts} kserve.trace requestId: {r}, preprocess_ms: {a}, explain_ms: 0, predict_ms: {b}, postprocess_ms: {c}",
         {"ts": lambda g: f"2026-12-03 {hms(g)}.{g.num(0, 999):0>3}", "r": req_id, "a": ms, "b": ms, "c": ms}),
        # Seldon MLServer 1.3
        (8, "{ts} [mlserver] INFO - Loaded model '{m}' succesfully.", {"ts": java_ts, "m": mlserver_model}),
        (5, "{ts} [mlserver] INFO - Unloaded model '{m}' succesfully.", {"ts": java_ts, "m": mlserver_model}),
        # Hugging Face Text Generation Inference 1.3 (tracing text, colours off)
        (5, "{ts}  INFO shard-manager: text_generation_launcher: Shard ready in {d}s{r}",
         {"ts": micro_ts, "d": lambda g: f"{g.r.uniform(8, 180):.1f}", "r": tgi_rank}),
        (45, '{ts}  INFO generate{{parameters={p} total_time="{tt}" validation_time="{vt}" queue_time="{qt}" inference_time="{it}" time_per_token="{tpt}" seed="None"}}: text_generation_router::server: router/src/server.rs:298: Success',
         {"ts": micro_ts, "p": tgi_params, "tt": tgi_ms, "vt": tgi_us, "qt": tgi_us, "it": tgi_ms, "tpt": tgi_ms}),
        (10, "{ts} ERROR compat_generate{{default_return_full_text=false}}:generate_stream{{parameters={p}}}:async_stream:generate_stream: text_generation_router::infer: router/src/infer.rs:123: {e}",
         {"ts": micro_ts, "p": tgi_params, "e": tgi_validation}),
        # Kubeflow training-operator 1.7 (logrus text)
        (18, logrus + 'info msg="PyTorchJob {j} is created." job={j2} uid={u}',
         {"ts": sec_ts, "j": tjob, "j2": lambda g: f"{g.drawn[0]}.{g.drawn[1]}", "u": tjob_uid}),
        (18, logrus + 'info msg="PyTorchJob {j} is running." job={j2} uid={u}',
         {"ts": sec_ts, "j": tjob, "j2": lambda g: f"{g.drawn[0]}.{g.drawn[1]}", "u": tjob_uid}),
        (22, logrus + 'info msg="Need to create new pod: {rt}-{i}" job={j2} uid={u}',
         {"ts": sec_ts, "rt": pick(["master", "worker", "worker"]), "i": pick(["0", "1", "2", "3"]), "j2": lambda g: f"{g.r.choice(ML_NS)}.{g.r.choice(ML_JOBS)}", "u": tjob_uid}),
        (6, logrus + 'warning msg="Reconcile PyTorchJob error {e}"', {"ts": sec_ts, "e": reconcile_error}),
        # Katib 0.16 controller (zap JSON) and file metrics collector (klog)
        (12, '{{"level":"info","ts":"{ts}","logger":"experiment-controller","msg":"Created Trials","Experiment":"{e}","trialNames":[{t}]}}',
         {"ts": sec_ts, "e": katib_exp, "t": trial_names}),
        (16, '{{"level":"info","ts":"{ts}","logger":"experiment-controller","msg":"Statistics","Experiment":"{e}","requiredActiveCount":{a},"parallelCount":{p},"activeCount":{b},"completedCount":{c}}}',
         {"ts": sec_ts, "e": katib_exp, "a": pick(["0", "1", "2", "3"]), "p": pick(["3", "5"]), "b": pick(["0", "1", "2", "3"]), "c": lambda g: g.num(0, 40)}),
        (25, vklog + "main.go:396] {t2} Epoch[{e}] {m}",
         {"t": klog_time, "tid": thread("14"), "t2": sec_ts, "e": lambda g: g.num(0, 30), "m": epoch_metrics}),
        # Kubeflow Pipelines 2.0 API server (glog) and persistence agent (logrus)
        (35, vklog + "interceptor.go:29] {m} handler starting", {"t": klog_time, "tid": thread("7"), "m": pick(ML_KFP_METHODS)}),
        (35, vklog + "interceptor.go:37] {m} handler finished", {"t": klog_time, "tid": thread("7"), "m": pick(ML_KFP_METHODS)}),
        (14, logrus + 'info msg="Syncing Workflow ({w}): success, processing complete." Workflow={n}',
         {"ts": sec_ts, "w": kfp_wf, "n": then(0)}),
    ]


SEC_HOSTS = ["bastion-1", "web-1", "web-2"]
SEC_NS = ["payments", "platform", "default"]
SEC_IFACES = ["eth0", "ens5"]
# (gid:sid:rev, rule message, classification, priority, protocol, destination ports)
SEC_RULES = [
    ("1:2013028:7", "ET POLICY curl User-Agent Outbound", "Attempted Information Leak", "2", "TCP", ["80"]),
    ("1:2001219:20", "ET SCAN Potential SSH Scan", "Attempted Information Leak", "2", "TCP", ["22"]),
    ("1:2024897:3", "ET USER_AGENTS Go HTTP Client User-Agent", "Misc activity", "3", "TCP", ["80", "8080"]),
    ("1:2027865:4", "ET INFO Observed DNS Query to .cloud TLD", "Potentially Bad Traffic", "2", "UDP", ["53"]),
    ("1:2210044:2", "SURICATA STREAM Packet with invalid timestamp", "Generic Protocol Command Decode", "3", "TCP", ["443", "5432"]),
    ("1:2221010:1", "SURICATA HTTP unable to match response to request", "Generic Protocol Command Decode", "3", "TCP", ["80"]),
    ("1:2100498:7", "GPL ATTACK_RESPONSE id check returned root", "Potentially Bad Traffic", "2", "TCP", ["80"]),
    ("1:2402000:6951", "ET DROP Dshield Block Listed Source group 1", "Misc Attack", "2", "TCP", ["22", "443", "3389"]),
]
SEC_ZEEK_PEERS = ["worker-1-1", "worker-1-2", "worker-2-1"]
SEC_WEIRDS = [("bad_TCP_checksum", "TCP"), ("data_before_established", "TCP"), ("SSL_many_server_names", "SSL"),
              ("dns_unmatched_reply", "DNS"), ("possible_split_routing", "TCP"), ("above_hole_data_without_any_acks", "TCP"),
              ("unknown_HTTP_method", "HTTP")]
SEC_CLAM_SIGS = ["Win.Test.EICAR_HDB-1", "Doc.Downloader.Emotet-9968236-0", "Html.Phishing.Bank-4402", "PUA.Win.Packer.Upx-1",
                 "Heuristics.Encrypted.PDF", "Unix.Malware.Agent-7399881-0"]
# (database, file extension, builder)
SEC_CLAM_DBS = [("daily", "cld", "raynman"), ("main", "cvd", "sigmgr"), ("bytecode", "cvd", "nrandolph")]
SEC_AGENTS = [("web-3", "004"), ("db-1", "007"), ("ci-runner-2", "012"), ("kafka-0", "015")]
SEC_AA_PROFILES = ["/usr/sbin/nginx", "cri-containerd.apparmor.d", "docker-default", "/usr/sbin/mysqld"]
# (host, the route id Pomerium derives from the route's definition)
SEC_ROUTES = [("grafana.corp.example.com", "7c1f0e9a4b3d2c58"), ("argocd.corp.example.com", "e04b9d2a61f7c335"),
              ("kibana.corp.example.com", "3a8e5f1c0d9b7246"), ("wiki.corp.example.com", "b52d7e0f9a1c4e83")]
SEC_USERS = [("alice@example.com", "2c1e8a3f-8b7e-4c59-9d3f-6a1b2c3d4e5f"), ("bob@example.com", "7f3b9c2d-1e4a-4b6c-8d9e-0a1b2c3d4e6f"),
             ("carol@example.com", "9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d")]
SEC_EXTSECRETS = ["db-creds", "stripe-api-key", "tls-wildcard", "redis-password"]


def secops_events() -> list[tuple[float, str, dict]]:
    """Security and policy software on hosts and Kubernetes that none of the other corpora
    covers: Suricata (suricata.log in 7.0's format, fast.log), Zeek (weird, reporter and notice
    logs, tab-separated), ClamAV clamd and freshclam (LogTime on), osquery (glog and the
    differential results log), the Wazuh manager's ossec.log, ModSecurity v3 in nginx's error log,
    sshguard, AppArmor audit records through the kernel log, Pomerium (zerolog JSON), HashiCorp
    Boundary (cloudevents JSON), the Sigstore policy-controller (knative zap JSON), the External
    Secrets Operator (controller-runtime zap JSON) and the Kubernetes audit log (JSON lines).
    Written for the blind check of the template engine, without reading the engine or any
    failure analysis, and scored once; 62 event types."""

    def sec_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def micro_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def milli_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999):0>3}Z"

    def nano_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999999):0>9}Z"

    def pomerium_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def epoch(g: Gen) -> int:
        return 1796256000 + g.r.randint(0, 86399)

    def zeek_ts(g: Gen) -> str:
        return f"{epoch(g)}.{g.num(0, 999999):0>6}"

    def zap_epoch(g: Gen) -> str:
        return f"{epoch(g)}.{g.num(1, 999999):0>6}".rstrip("0")

    def audit_stamp(g: Gen) -> str:
        return f"{epoch(g)}.{g.num(0, 999):0>3}:{g.num(100, 99999)}"

    def fast_ts(g: Gen) -> str:
        return f"12/03/2026-{hms(g)}.{g.num(0, 999999):0>6}"

    def ctime(g: Gen) -> str:
        return f"Thu Dec  3 {hms(g)} 2026"

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def wazuh_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}"

    def glog_time(g: Gen) -> str:
        return f"1203 {hms(g)}.{g.num(0, 999999):0>6}"

    def uptime(g: Gen) -> str:
        # the kernel's "[%5lu.%06lu]": the padding belongs to the value
        return f"{g.r.randint(40, 990000):>5}.{g.num(0, 999999):0>6}"

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice([45, 61, 92, 103, 141, 185, 193, 218])}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    def zeek_uid(g: Gen) -> str:
        return "C" + "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(17))

    def suri_pid(g: Gen) -> str:
        return g.r.choice(["1187", "1187", "23514"])

    def suri_worker(g: Gen) -> str:
        return f"W#{g.r.randint(1, 4):02d}-{g.r.choice(SEC_IFACES)}"

    def rule(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_RULES)
        return g.drawn[0]

    def rule_src(g: Gen) -> str:
        return g.r.choice([public_ip(g), g.ip()])

    def unknown_keyword(g: Gen) -> str:
        return g.r.choice(["ja4.hash", "ja4.hash", "tls.cert_chain_len", "sip.method", "flowint"])

    def bad_signature(g: Gen) -> str:
        sid = g.r.randint(2000000, 2049999)
        return g.r.choice([
            f'alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"ET JA3 Hash - Possible Malware"; ja4.hash; content:"t13d1516h2_8daaf6152771"; sid:{sid}; rev:2;)',
            f'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"ET INFO Suspicious Domain"; http.host; content:".cloud"; endswith; flowint:seen,notset; sid:{sid}; rev:1;)',
            f'alert sip any any -> any any (msg:"SIP INVITE"; sip.method; content:"INVITE"; sid:{sid}; rev:1;)'])

    def weird(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_WEIRDS)
        return g.drawn[0]

    def weird_conn(g: Gen) -> str:
        # a weird raised outside any connection leaves the connection columns unset
        if g.r.random() < 0.15:
            g.drawn = ("-",) * 5
        else:
            g.drawn = (zeek_uid(g), g.r.choice([g.ip(), public_ip(g)]), g.port(), g.ip(), g.r.choice(["443", "53", "80", "22"]))
        return g.drawn[0]

    def weird_addl(g: Gen) -> str:
        return g.r.choice(["-", "-", "-", "46", "GET\\x20", "SSLv3"])

    def zeek_missing(g: Gen) -> str:
        g.drawn = g.r.choice([
            ("SSL::c$ssl$server_name", "/opt/zeek/share/zeek/policy/protocols/ssl/validate-certs.zeek", "171"),
            ("HTTP::c$http$uri", "/opt/zeek/share/zeek/site/local-http.zeek", "42"),
            ("Files::f$info$filename", "/opt/zeek/share/zeek/site/extract-files.zeek", "18")])
        return g.drawn[0]

    def notice(g: Gen) -> str:
        g.drawn = g.r.choice([
            ("SSL::Invalid_Server_Cert", "SSL certificate validation failed with (unable to get local issuer certificate)",
             "CN=gitlab.corp.example.com", "443"),
            ("SSL::Invalid_Server_Cert", "SSL certificate validation failed with (certificate has expired)",
             "CN=legacy-api.example.net,O=Example Ltd,C=GB", "8443"),
            ("SSH::Password_Guessing", f"{public_ip(g)} appears to be guessing SSH passwords (seen in {g.r.randint(30, 200)} connections).",
             f"Sampled servers:  {g.ip()}, {g.ip()}", "22")])
        return g.drawn[0]

    def clam_path(g: Gen) -> str:
        return g.r.choice([f"/var/www/uploads/{g.hexs(8)}/{g.r.choice(['invoice.pdf', 'scan0042.docm', 'setup.exe', 'index.html'])}",
                           f"/home/{g.r.choice(['deploy', 'alice'])}/Downloads/{g.r.choice(['report.zip', 'tool.tar.gz'])}",
                           f"/srv/mail/incoming/{g.hexs(16)}.eml"])

    def clam_db(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_CLAM_DBS)
        return g.drawn[0]

    def clam_version(g: Gen) -> str:
        return {"daily": str(g.r.randint(27460, 27470)), "main": "62", "bytecode": "335"}[g.drawn[0]]

    def clam_sigs(g: Gen) -> str:
        return {"daily": str(g.r.randint(2070000, 2071900)), "main": "6647427", "bytecode": "86"}[g.drawn[0]]

    def osq_tid(g: Gen) -> str:
        # glog pads the thread id to five columns
        return f"{g.r.choice(['4123', '4123', '4187', '91342']):>5}"

    def osq_query(g: Gen) -> str:
        g.drawn = g.r.choice([
            ("pack_incident-response_listening_ports", "SELECT * FROM listening_ports;"),
            ("pack_ossec-rootkit_adore_rootkit", "select * from file where path in ('/usr/lib/libt', '/usr/bin/ava');"),
            ("pack_osquery-monitoring_schedule", "select name, interval, executions, output_size, wall_time, (user_time/executions) as avg_user_time, (system_time/executions) as avg_system_time, average_memory, last_executed, denylisted from osquery_schedule;"),
            ("docker_containers", "SELECT id, name, image, state, status FROM docker_containers;")])
        return g.drawn[0]

    def osq_stop_reason(g: Gen) -> str:
        return g.r.choice([f"Maximum sustainable CPU utilization limit exceeded: {g.r.randint(11, 40)}",
                           f"Memory limits exceeded: {g.r.randint(200, 900) * 1048576 + g.r.randint(0, 1048575)}"])

    def osq_query_error(g: Gen) -> str:
        g.drawn = g.r.choice([
            ("docker_containers", "Error executing query: Cannot connect to docker socket: /var/run/docker.sock"),
            ("pack_incident-response_iptables", "no such table: iptables"),
            ("pack_hardware-monitoring_usb_devices", "Error executing query: USB enumeration failed")])
        return g.drawn[0]

    def osq_action(g: Gen) -> str:
        return g.r.choice(["added", "added", "removed"])

    def host_uuid(g: Gen) -> str:
        return g.r.choice(["4C4C4544-0042-3510-8052-B4C04F4E3332", "EC2B7F41-3D9A-4E8B-A1C2-6B0F9D8E7A65",
                           "EC2C10A2-55F1-4B37-9E40-7D2C61A8B913"])

    def listen_addr(g: Gen) -> str:
        return g.r.choice(["0.0.0.0", "127.0.0.1", "::", g.ip()])

    def proc_path(g: Gen) -> str:
        g.drawn = g.r.choice([("/usr/sbin/sshd", "22"), ("/usr/bin/containerd", "10010"), ("/usr/sbin/nginx", "443"),
                              ("/usr/bin/python3.11", str(g.r.randint(8000, 9100))), ("/usr/local/bin/node_exporter", "9100")])
        return g.drawn[0]

    def agent(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_AGENTS)
        return g.drawn[0]

    def sender(g: Gen) -> str:
        g.drawn = (g.ip(),)
        return g.drawn[0]

    def wazuh_source(g: Gen) -> str:
        # the manager's registration service names the requester's address, or "any"
        return g.r.choice(["any", "any", g.ip()])

    def missing_log(g: Gen) -> str:
        return g.r.choice(["/var/log/nginx/access.log", "/var/log/audit/audit.log", "/var/ossec/logs/active-responses.log",
                           "/var/log/secure"])

    def nginx_conn(g: Gen) -> str:
        return f"{g.r.choice(['2231#2231', '2232#2232', '2234#2234'])}: *{g.r.randint(1, 9999999)}"

    def crs(g: Gen) -> str:
        # (operator, parameter, variable, value, file, line, id, msg, data, severity, tags)
        tags = ["application-multi", "language-multi", "platform-multi"]
        row, host_ip = g.r.randint(1, 99), g.ip()
        scanner, scanner_agent = g.r.choice([("sqlmap", "sqlmap/1.7.2#stable (https://sqlmap.org)"), ("nikto", "Nikto/2.5.0")])
        g.drawn = g.r.choice([
            ("Rx", "(?i)(?:\\b(?:s(?:elect|leep)\\b", "ARGS:id", f"{row}' OR SLEEP(5)-- ", "REQUEST-942-APPLICATION-ATTACK-SQLI.conf",
             "45", "942100", "SQL Injection Attack Detected via libinjection", f"Matched Data: s&1c found within ARGS:id: {row}' OR SLEEP(5)-- ",
             "2", [*tags, "attack-sqli", "paranoia-level/1", "OWASP_CRS", "capec/1000/152/248/66", "PCI/6.5.2"]),
            ("Rx", "^[\\d.:]+$", "REQUEST_HEADERS:Host", host_ip, "REQUEST-920-PROTOCOL-ENFORCEMENT.conf", "722", "920350",
             "Host header is a numeric IP address", host_ip, "4", [*tags, "attack-protocol", "paranoia-level/1", "OWASP_CRS"]),
            ("PmFromFile", "scanners-user-agents.data", "REQUEST_HEADERS:User-Agent", scanner_agent,
             "REQUEST-913-SCANNER-DETECTION.conf", "34", "913100", "Found User-Agent associated with security scanner",
             f"Matched Data: {scanner} found within REQUEST_HEADERS:User-Agent", "2",
             [*tags, "attack-reputation-scanner", "paranoia-level/1", "OWASP_CRS", "capec/1000/118/224/541/310"]),
            ("Rx", "(?:^|[\\\\/])\\.\\.(?:[\\\\/]|$)", "REQUEST_URI", "/static/../../etc/passwd", "REQUEST-930-APPLICATION-ATTACK-LFI.conf",
             "53", "930110", "Path Traversal Attack (/../) or (/.../)", "Matched Data: /../ found within REQUEST_URI: /static/../../etc/passwd", "2",
             [*tags, "attack-lfi", "paranoia-level/1", "OWASP_CRS", "capec/1000/255/153/126"])])
        return g.drawn[0]

    def crs_blocking(g: Gen) -> str:
        # in anomaly-scoring mode the deny comes from the blocking evaluation rule, not the rule that matched
        score = g.r.choice(["5", "5", "8", "10", "13", "23"])
        g.drawn = ("Ge", "5", "TX:ANOMALY_SCORE", score, "REQUEST-949-BLOCKING-EVALUATION.conf", "80", "949110",
                   f"Inbound Anomaly Score Exceeded (Total Score: {score})", "", "2",
                   ["application-multi", "language-multi", "platform-multi", "attack-generic"])
        return g.drawn[0]

    def crs_tags(g: Gen) -> str:
        return " ".join(f'[tag "{t}"]' for t in g.drawn[10])

    # the client, method, URI and host of the request, drawn with the client address that opens
    # the line and read again by the fields nginx appends
    modsec_request = {"at": ("", "", "", "")}

    def modsec_client(g: Gen) -> str:
        modsec_request["at"] = (public_ip(g), g.r.choice(["GET", "GET", "POST"]),
                                g.r.choice(["/index.php", "/api/v1/orders", "/static/../../etc/passwd", "/login"]),
                                g.r.choice(["shop.example.com", "api.example.com"]))
        return modsec_request["at"][0]

    def modsec_field(i: int):
        return lambda g: modsec_request["at"][i]

    def unique_id(g: Gen) -> str:
        return f"{epoch(g)}{g.num(100, 999)}.{g.num(100000, 999999)}"

    def sshguard_service(g: Gen) -> str:
        # sshguard prints the numeric service code: 100 sshd, 110 sshguard itself, 260 dovecot, 300 Exim
        return g.r.choice(["100", "100", "100", "100", "110", "260", "300"])

    def block_secs(g: Gen) -> str:
        return g.r.choice(["120", "120", "180", "270", "405", "607"])

    def aa_file(g: Gen) -> str:
        g.drawn = g.r.choice([
            ("/usr/sbin/nginx", "open", "/etc/ssl/private/wildcard.key", "nginx", "r", "33", "0"),
            ("/usr/sbin/mysqld", "open", "/proc/1/environ", "mysqld", "r", "112", "0"),
            ("cri-containerd.apparmor.d", "mknod", "/tmp/.X11-unix/X0", "python3", "c", "1000", "1000"),
            ("docker-default", "open", "/sys/kernel/mm/transparent_hugepage/enabled", "java", "r", "0", "0"),
            ("cri-containerd.apparmor.d", "exec", "/usr/bin/curl", "sh", "x", "65532", "0"),
            ("docker-default", "mount", "/proc/sys/kernel/", "runc:[2:INIT]", "w", "0", "0")])
        return g.drawn[1]

    def aa_pid(g: Gen) -> str:
        return g.num(300, 4194303)

    def aa_cap(g: Gen) -> str:
        g.drawn = g.r.choice([("12", "net_admin"), ("21", "sys_admin"), ("1", "dac_override"), ("6", "setgid"), ("2", "dac_read_search")])
        return g.drawn[0]

    def aa_comm(g: Gen) -> str:
        return g.r.choice(["nginx", "python3", "java", "iptables", "mysqld", "envoy"])

    def pomerium_cluster(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_ROUTES)
        return f"route-{g.drawn[1]}"

    def pomerium_path(g: Gen) -> str:
        return g.r.choice(["/", "/api/health", "/api/datasources/proxy/1/api/v1/query_range", "/.pomerium/callback/",
                           f"/applications/{g.r.choice(['checkout', 'catalog'])}", "/favicon.ico"])

    def browser(g: Gen) -> str:
        return g.r.choice(["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                           "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "curl/8.5.0",
                           "Grafana/11.3.1"])

    def pom_duration(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(0.3, 40):.3f}", f"{g.r.uniform(40, 3000):.3f}", str(g.r.randint(1, 9))])

    def response_details(g: Gen) -> str:
        return g.r.choice(["via_upstream", "via_upstream", "via_upstream", "ext_authz_denied", "upstream_reset_before_response_started{connection_termination}"])

    def pom_user(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_USERS)
        return g.drawn[1]

    def denied_user(g: Gen) -> str:
        g.drawn = g.r.choice(SEC_USERS + [("", "")] * 2)
        return g.drawn[1]

    def allow_reasons(g: Gen) -> str:
        return ",".join(f'"{r}"' for r in g.r.choice([["email-ok"], ["domain-ok"], ["claim-ok", "email-ok"], ["accept"]]))

    def deny_reasons(g: Gen) -> str:
        return ",".join(f'"{r}"' for r in g.r.choice([["email-unauthorized"], ["user-unauthorized", "non-pomerium-route"],
                                                        ["domain-unauthorized", "email-unauthorized", "claim-unauthorized"]]))

    def boundary_system(g: Gen) -> str:
        # (host, server role, op, message): the source names the host first
        worker = "boundary-worker-7d9f6c5b8-x2kqp"
        g.drawn = g.r.choice([
            (worker, "worker", "worker.(Worker).sendWorkerStatus", "error making status request to controller"),
            (worker, "worker", "worker.(Worker).startStatusTicking", "status ticking shutting down"),
            (worker, "worker", "worker.(Worker).upstreamDialerFunc", "worker has successfully authenticated"),
            ("boundary-controller-0", "controller", "controller.(Controller).startWorkerConnectionMaintenanceTicking",
             "worker connection maintenance ticking shutting down"),
            ("boundary-controller-1", "controller", "controller.(Controller).startWorkerConnectionMaintenanceTicking",
             "worker connection maintenance ticking shutting down")])
        return g.drawn[0]

    def boundary_error(g: Gen) -> str:
        # (error, code, message, op): the op prefixes the error text
        g.drawn = g.r.choice([
            ("session.(Repository).AuthorizeConnection: db.DoTx: session.(Repository).AuthorizeConnection: session is not in active state: integrity violation: error #108", "108", "session is not in active state", "session.(Repository).AuthorizeConnection"),
            ("authtoken.(Repository).ValidateToken: timed out: search issue: error #1102", "1102", "timed out", "authtoken.(Repository).ValidateToken"),
            (f"oidc.Callback: unable to complete exchange with oidc provider: oidc.(Provider).Exchange: id_token failed verification: {g.r.choice(['expired', 'invalid signature'])}: invalid parameter: error #100", "100", "unable to complete exchange with oidc provider", "oidc.Callback")])
        return g.drawn[0]

    def event_id(g: Gen) -> str:
        return "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(10))

    def webhook_target(g: Gen) -> str:
        g.drawn = g.r.choice([("apps/v1, Kind=Deployment", "apps/v1, Resource=deployments", "checkout"),
                              ("/v1, Kind=Pod", "/v1, Resource=pods", ""),
                              ("batch/v1, Kind=CronJob", "batch/v1, Resource=cronjobs", "nightly-report")])
        return g.drawn[0]

    def userinfo(g: Gen) -> str:
        return g.r.choice([
            "{system:serviceaccount:kube-system:replicaset-controller 6b1a9c3e-0d2f-4e8b-9a7c-5f4e3d2c1b0a [system:serviceaccounts system:serviceaccounts:kube-system system:authenticated] map[]}",
            "{system:serviceaccount:argocd:argocd-application-controller 0f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f [system:serviceaccounts system:serviceaccounts:argocd system:authenticated] map[authentication.kubernetes.io/pod-name:[argocd-application-controller-0]]}",
            "{alice@example.com  [platform-admins system:authenticated] map[]}"])

    def policy_error(g: Gen) -> str:
        image = f"ghcr.io/acme/{g.r.choice(['checkout', 'catalog', 'report-job'])}@sha256:{g.hexs(64)}"
        return g.r.choice([
            f"validation failed: failed policy: require-signed-images: spec.template.spec.containers[0].image\\n{image} signature keyless validation failed for authority authority-0 for {image}: no matching signatures:\\nnone of the expected identities matched what was in the certificate, got subjects [https://github.com/acme/{g.r.choice(['checkout', 'catalog'])}/.github/workflows/release.yml@refs/heads/main] with issuer https://token.actions.githubusercontent.com",
            f"validation failed: no matching policies: spec.containers[0].image\\n{image.replace('ghcr.io/acme', 'docker.io/library')}",
            f"validation failed: failed policy: require-signed-images: spec.jobTemplate.spec.template.spec.containers[0].image\\n{image} signature key validation failed for authority authority-0 for {image}: GET https://ghcr.io/v2/acme/report-job/manifests/sha256-{g.hexs(64)}.sig: MANIFEST_UNKNOWN: manifest unknown; unknown tag=sha256-{g.hexs(64)}.sig"])

    def extsecret(g: Gen) -> str:
        return g.r.choice(SEC_EXTSECRETS)

    def provider_error(g: Gen) -> str:
        key = g.r.choice(["prod/db/password", "prod/stripe/api-key", "shared/tls/wildcard"])
        return g.r.choice([
            f"error retrieving secret at .data[{g.r.randint(0, 2)}], key: {key}, err: Secret does not exist",
            f"AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/eso-irsa-{g.r.choice(SEC_NS)}/{g.r.randint(1764000000, 1796000000)}{g.num(100000000, 999999999)} is not authorized to perform: secretsmanager:GetSecretValue on resource: {key} because no identity-based policy allows the secretsmanager:GetSecretValue action\\n\\tstatus code: 400, request id: {g.uuid()}",
            f"error reading secret {key}: Error making API request.\\n\\nURL: GET https://vault.vault.svc:8200/v1/secret/data/{key}\\nCode: 403. Errors:\\n\\n* permission denied",
            "context deadline exceeded"])

    def eso_store(g: Gen) -> str:
        return g.r.choice(["aws-secretsmanager", "vault-backend", "aws-secretsmanager"])

    # (verb, resource, user, groups, user agent, API prefix, object names); the request URI, the
    # first field of the record, draws the request, and later fields read it
    audit_allowed = [
        ("get", "secrets", "system:serviceaccount:external-secrets:external-secrets",
         '"system:serviceaccounts","system:serviceaccounts:external-secrets","system:authenticated"',
         "external-secrets/v0.10.4 (linux/amd64) kubernetes/$Format", "/api/v1", SEC_EXTSECRETS, "200"),
        ("create", "secrets", "system:serviceaccount:external-secrets:external-secrets",
         '"system:serviceaccounts","system:serviceaccounts:external-secrets","system:authenticated"',
         "external-secrets/v0.10.4 (linux/amd64) kubernetes/$Format", "/api/v1", SEC_EXTSECRETS, "201"),
        ("update", "configmaps", "system:serviceaccount:kube-system:leader-election-controller",
         '"system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"',
         "kube-controller-manager/v1.30.6 (linux/amd64) kubernetes/9aa9c3f/leader-election", "/api/v1", ["kube-root-ca.crt", "checkout-config"], "200"),
        ("patch", "deployments", "alice@example.com", '"platform-admins","system:authenticated"',
         "kubectl/v1.30.2 (darwin/arm64) kubernetes/3968350", "/apis/apps/v1", ["checkout", "catalog", "report-api"], "200"),
        ("get", "leases", "system:node:ip-10-0-2-41.ec2.internal", '"system:nodes","system:authenticated"',
         "kubelet/v1.30.6 (linux/amd64) kubernetes/9aa9c3f", "/apis/coordination.k8s.io/v1", ["ip-10-0-2-41.ec2.internal"], "200")]
    audit_forbidden = [
        ("list", "secrets", "system:serviceaccount:default:default",
         '"system:serviceaccounts","system:serviceaccounts:default","system:authenticated"', "python-requests/2.32.3"),
        ("create", "pods", "bob@example.com", '"developers","system:authenticated"', "kubectl/v1.29.4 (linux/amd64) kubernetes/55cbe4f"),
        ("list", "configmaps", "system:anonymous", '"system:unauthenticated"', "Go-http-client/1.1")]
    received = {"at": ("00:00:00", 0)}

    def allowed_uri(core: bool):
        # objectRef leaves out apiGroup for the core group, so core and named groups print two shapes
        requests = [r for r in audit_allowed if (r[5] == "/api/v1") == core]

        def draw(g: Gen) -> str:
            verb, resource, user, groups, agent, prefix, names, code = g.r.choice(requests)
            ns = "kube-node-lease" if resource == "leases" else g.r.choice(SEC_NS)
            g.drawn = (verb, resource, user, groups, agent, ns, g.r.choice(names), prefix, code)
            path = f"{prefix}/namespaces/{ns}/{resource}"
            return path if verb == "create" else f"{path}/{g.drawn[6]}"
        return draw

    def api_group(g: Gen) -> str:
        return g.drawn[7].removeprefix("/apis/").removesuffix("/v1") if g.drawn[7].startswith("/apis/") else ""

    def allow_reason(g: Gen) -> str:
        user, ns = g.drawn[2], g.drawn[5]
        if user.startswith("system:node:"):
            return ""
        if user.startswith("system:serviceaccount:"):
            sa_ns, sa = user.split(":")[2:]
            return f'RBAC: allowed by RoleBinding \\"{sa}/{ns}\\" of Role \\"{sa}\\" to ServiceAccount \\"{sa}/{sa_ns}\\"'
        return 'RBAC: allowed by ClusterRoleBinding \\"platform-admins\\" of ClusterRole \\"cluster-admin\\" to Group \\"platform-admins\\"'

    def forbidden_uri(g: Gen) -> str:
        g.drawn = (*g.r.choice(audit_forbidden), g.r.choice(SEC_NS))
        return f"/api/v1/namespaces/{g.drawn[5]}/{g.drawn[1]}"

    def forbidden_message(g: Gen) -> str:
        verb, resource, user, ns = g.drawn[0], g.drawn[1], g.drawn[2], g.drawn[5]
        return (f'{resource} is forbidden: User \\"{user}\\" cannot {verb} resource \\"{resource}\\" in API group \\"\\" '
                f'in the namespace \\"{ns}\\"')

    def request_received(g: Gen) -> str:
        received["at"] = (hms(g), g.r.randint(0, 990000))
        return f"2026-12-03T{received['at'][0]}.{received['at'][1]:0>6}Z"

    def stage_reached(g: Gen) -> str:
        at, micros = received["at"]
        return f"2026-12-03T{at}.{min(micros + g.r.randint(200, 9000), 999999):0>6}Z"

    suri = "[{pid} - Suricata-Main] {ts} "
    clam = "{ts} -> "
    osq_i, osq_w, osq_e = "I{t} {tid} ", "W{t} {tid} ", "E{t} {tid} "
    zeek_weird = "{ts}\t{uid}\t{oh}\t{op}\t{rh}\t{rp}\t{n}\t{a}\tF\t{peer}\t{src}"
    wazuh = "{ts} "
    modsec = ("{ts} [error] {c} [client {ip}] ModSecurity: {{verdict}} Matched \"Operator `{op}' with parameter `{param}' against variable "
              "`{var}' (Value: `{val}' ) [file \"/etc/nginx/modsec/coreruleset/rules/{file}\"] [line \"{ln}\"] [id \"{id}\"] [rev \"\"] "
              "[msg \"{msg}\"] [data \"{data}\"] [severity \"{sev}\"] [ver \"OWASP_CRS/3.3.5\"] [maturity \"0\"] [accuracy \"0\"] {tags} "
              "[hostname \"{hn}\"] [uri \"{uri}\"] [unique_id \"{uid}\"] [ref \"{ref}\"], client: {ip2}, server: {srv}, request: \"{m} {req} HTTP/1.1\", host: \"{host}\"")
    modsec_slots = {"ts": lambda g: f"2026/12/03 {hms(g)}", "c": nginx_conn, "ip": modsec_client, "op": crs, "param": then(1),
                    "var": then(2), "val": then(3), "file": then(4), "ln": then(5), "id": then(6), "msg": then(7), "data": then(8),
                    "sev": then(9), "tags": crs_tags, "hn": lambda g: g.r.choice(["10.60.4.12", "10.60.4.13"]), "uri": modsec_field(2),
                    "uid": unique_id, "ref": lambda g: f"o{g.r.randint(0, 40)},{g.r.randint(1, 30)}v{g.r.randint(10, 400)},{g.r.randint(1, 60)}",
                    "ip2": modsec_field(0), "srv": modsec_field(3), "m": modsec_field(1), "req": modsec_field(2), "host": modsec_field(3)}
    sshguard = "{ts} {h} sshguard[{pid}]: "
    sshguard_hdr = {"ts": syslog_ts, "h": pick(SEC_HOSTS), "pid": pick(["812", "812", "20931"])}
    kernel = "{ts} {h} kernel: [{up}] audit: type={ty} audit({st}): "
    kernel_hdr = {"ts": syslog_ts, "h": pick(SEC_HOSTS), "up": uptime, "ty": pick(["1400"]), "st": audit_stamp}
    boundary_tail = ',"datacontentype":"application/cloudevents","time":"{ts}"}}'
    knative = '{{"level":"{lv}","ts":"{ts}","logger":"policy-controller","caller":"{caller}","msg":"{m}","commit":"{commit}",'
    eso = '{{"level":"{lv}","ts":{ts},"logger":"controllers.ExternalSecret","msg":"{m}","ExternalSecret":{{"name":"{n}","namespace":"{ns}"}}'
    audit_head = ('{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"{id}","stage":"ResponseComplete",'
                  '"requestURI":"{uri}","verb":"{verb}","user":{{"username":"{user}","groups":[{groups}]}},"sourceIPs":["{ip}"],"userAgent":"{ua}",')
    return [
        # Suricata 7.0 suricata.log ("[%i - %m] %z %d: %S: %M")
        (4, suri + "Notice: threads: Threads created -> W: {w} FM: 1 FR: 1   Engine started.",
         {"pid": suri_pid, "ts": sec_ts, "w": pick(["2", "4", "8"])}),
        (5, suri + "Info: detect: {n} rule files processed. {m} rules successfully loaded, {f} rules failed, {x} rules skipped",
         {"pid": suri_pid, "ts": sec_ts, "n": pick(["1", "1", "3"]), "m": lambda g: g.num(43100, 43900),
          "f": pick(["0", "0", "0", "1", "3"]), "x": pick(["0", "0", "31"])}),
        (6, suri + "Error: detect-parse: unknown rule keyword '{k}'.", {"pid": suri_pid, "ts": sec_ts, "k": unknown_keyword}),
        (6, suri + 'Error: detect: error parsing signature "{s}" from file /var/lib/suricata/rules/suricata.rules at line {n}',
         {"pid": suri_pid, "ts": sec_ts, "s": bad_signature, "n": lambda g: g.num(100, 48000)}),
        (8, "[{pid} - Suricata-Main] {ts} Info: detect: Live rule swap has swapped {n} old det_ctx's with new ones, along with 1 new de_ctx",
         {"pid": suri_pid, "ts": sec_ts, "n": pick(["4", "4", "8", "2"])}),
        (10, "[{pid} - {w}] {ts} Perf: af-packet: {i}: Kernel: Packets {p}, dropped {d}",
         {"pid": suri_pid, "w": suri_worker, "ts": sec_ts, "i": pick(SEC_IFACES), "p": lambda g: g.num(10**5, 10**9),
          "d": lambda g: g.r.choice(["0", "0", g.num(1, 90000)])}),
        # Suricata fast.log
        (300, "{ts}  [**] [{sid}] {msg} [**] [Classification: {cls}] [Priority: {pri}] {{{proto}}} {src}:{sp} -> {dst}:{dp}",
         {"ts": fast_ts, "sid": rule, "msg": then(1), "cls": then(2), "pri": then(3), "proto": then(4), "src": rule_src,
          "sp": Gen.port, "dst": Gen.ip, "dp": lambda g: g.r.choice(g.drawn[5])}),
        # Zeek 6 logs (tab-separated, unset fields "-")
        (140, zeek_weird,
         {"ts": zeek_ts, "uid": weird_conn, "oh": then(1), "op": then(2), "rh": then(3), "rp": then(4), "n": weird, "a": weird_addl, "peer": pick(SEC_ZEEK_PEERS), "src": then(1)}),
        (12, "{ts}\tReporter::ERROR\tfield value missing ({e})\t{f}, line {n}", {"ts": zeek_ts, "e": zeek_missing, "f": then(1), "n": then(2)}),
        (3, "{ts}\tReporter::INFO\tprocessing suspended\t-", {"ts": zeek_ts}),
        (3, "{ts}\tReporter::INFO\tprocessing continued\t-", {"ts": zeek_ts}),
        (14, "{ts}\t{uid}\t{oh}\t{op}\t{rh}\t{rp}\t-\t-\t-\ttcp\t{note}\t{msg}\t{sub}\t{src}\t{dst}\t{p}\t-\t{peer}\tNotice::ACTION_LOG\t(empty)\t3600.000000\t-\t-\t-\t-\t-",
         {"ts": zeek_ts, "uid": zeek_uid, "oh": Gen.ip, "op": Gen.port, "rh": public_ip, "rp": pick(["443", "8443", "22"]),
          "note": notice, "msg": then(1), "sub": then(2), "src": Gen.ip, "dst": public_ip, "p": then(3), "peer": pick(SEC_ZEEK_PEERS)}),
        # ClamAV 1.2 clamd (LogTime yes)
        (35, clam + "{p}: {s} FOUND", {"ts": ctime, "p": clam_path, "s": pick(SEC_CLAM_SIGS)}),
        (25, clam + "instream({ip}@{port}): {s} FOUND", {"ts": ctime, "ip": lambda g: g.r.choice(["127.0.0.1", g.ip()]), "port": Gen.port,
                                                       "s": pick(SEC_CLAM_SIGS)}),
        (40, clam + "SelfCheck: Database status OK.", {"ts": ctime}),
        (5, clam + "SelfCheck: Database modification detected. Forcing reload.", {"ts": ctime}),
        (5, clam + "Reading databases from /var/lib/clamav", {"ts": ctime}),
        (5, clam + "Database correctly reloaded ({n} signatures)", {"ts": ctime, "n": lambda g: g.num(8718000, 8719900)}),
        (6, clam + "{p}: File path check failure: {e}. ERROR",
         {"ts": ctime, "p": clam_path, "e": pick(["Permission denied", "Permission denied", "No such file or directory"])}),
        # freshclam (LogTime yes)
        (8, clam + "--------------------------------------", {"ts": ctime}),
        (8, clam + "ClamAV update process started at {t}", {"ts": ctime, "t": ctime}),
        (18, clam + "{db}.{ext} database is up-to-date (version: {v}, sigs: {s}, f-level: {f}, builder: {b})",
         {"ts": ctime, "db": clam_db, "ext": then(1), "v": clam_version, "s": clam_sigs, "f": pick(["90"]), "b": then(2)}),
        (5, clam + "daily database available for update (local version: {a}, remote version: {b})",
         {"ts": ctime, "a": lambda g: g.num(27460, 27469), "b": lambda g: g.num(27461, 27470)}),
        (5, clam + "daily.cld updated (version: {v}, sigs: {s}, f-level: {f}, builder: raynman)",
         {"ts": ctime, "v": lambda g: g.num(27461, 27470), "s": lambda g: g.num(2070000, 2071900), "f": pick(["90"])}),
        (5, clam + "Clamd successfully notified about the update.", {"ts": ctime}),
        (4, clam + "WARNING: FreshClam received error code {c} from the ClamAV Content Delivery Network (CDN).",
         {"ts": ctime, "c": pick(["429", "429", "503"])}),
        # osquery 5.x osqueryd (glog) and its differential results log
        (30, osq_i + "scheduler.cpp:{ln}] Executing scheduled query {n}: {q}",
         {"t": glog_time, "tid": osq_tid, "ln": pick(["105"]), "n": osq_query, "q": then(1)}),
        (6, osq_w + "watcher.cpp:{ln}] osqueryd worker ({p}) stopping: {r}",
         {"t": glog_time, "tid": osq_tid, "ln": pick(["415"]), "p": lambda g: g.num(2000, 99999), "r": osq_stop_reason}),
        (8, osq_e + "scheduler.cpp:{ln}] Error executing scheduled query {n}: {e}",
         {"t": glog_time, "tid": osq_tid, "ln": pick(["159"]), "n": osq_query_error, "e": then(1)}),
        (4, osq_i + "events.cpp:{ln}] Event publisher not enabled: {p}: Publisher disabled via configuration",
         {"t": glog_time, "tid": osq_tid, "ln": pick(["881"]), "p": pick(["auditeventpublisher", "syslog", "BPFEventPublisher"])}),
        (60, '{{"name":"pack_incident-response_listening_ports","hostIdentifier":"{h}","calendarTime":"{ct} UTC","unixTime":{ut},"epoch":0,"counter":{c},"numerics":false,"decorations":{{"host_uuid":"{hu}","username":"root"}},"columns":{{"address":"{a}","path":"{pa}","pid":"{pid}","port":"{po}","protocol":"{pr}"}},"action":"{ac}"}}',
         {"h": pick(SEC_HOSTS), "ct": ctime, "ut": lambda g: str(epoch(g)), "c": lambda g: g.num(1, 2000), "hu": host_uuid, "a": listen_addr,
          "pa": proc_path, "pid": lambda g: g.num(300, 99999), "po": then(1), "pr": pick(["6", "6", "17"]), "ac": osq_action}),
        (25, '{{"name":"pack_ossec-rootkit_adore_rootkit","hostIdentifier":"{h}","calendarTime":"{ct} UTC","unixTime":{ut},"epoch":0,"counter":{c},"numerics":false,"decorations":{{"host_uuid":"{hu}","username":"root"}},"columns":{{}},"action":"snapshot"}}',
         {"h": pick(SEC_HOSTS), "ct": ctime, "ut": lambda g: str(epoch(g)), "c": lambda g: g.num(1, 2000), "hu": host_uuid}),
        # Wazuh 4.9 manager, /var/ossec/logs/ossec.log
        (30, wazuh + "wazuh-remoted: WARNING: (1213): Message from '{ip}' not allowed. Cannot find the ID of the agent. Source IP: '{ip2}'.",
         {"ts": wazuh_ts, "ip": sender, "ip2": then(0)}),
        (10, wazuh + "wazuh-authd: INFO: New connection from {ip}", {"ts": wazuh_ts, "ip": Gen.ip}),
        (10, wazuh + "wazuh-authd: INFO: Received request for a new agent ({a}) from: {ip}", {"ts": wazuh_ts, "a": agent, "ip": Gen.ip}),
        (10, wazuh + "wazuh-authd: INFO: Agent key generated for '{a}' (requested by {s})", {"ts": wazuh_ts, "a": agent, "s": wazuh_source}),
        (12, wazuh + "wazuh-modulesd:syscollector: INFO: Starting evaluation.", {"ts": wazuh_ts}),
        (12, wazuh + "wazuh-modulesd:syscollector: INFO: Evaluation finished.", {"ts": wazuh_ts}),
        (8, wazuh + "wazuh-logcollector: ERROR: (1103): Could not open file '{f}' due to [(2)-(No such file or directory)].",
         {"ts": wazuh_ts, "f": missing_log}),
        (3, wazuh + "wazuh-analysisd: INFO: Total rules enabled: '{n}'", {"ts": wazuh_ts, "n": pick(["6634", "6634", "6712"])}),
        # ModSecurity v3 (libmodsecurity with the nginx connector), nginx error log
        (110, modsec.replace("{{verdict}}", "Warning."), modsec_slots),
        (40, modsec.replace("{{verdict}}", "Access denied with code {code} (phase {ph})."),
         modsec_slots | {"code": pick(["403"]), "ph": pick(["2"]), "op": crs_blocking}),
        # sshguard 2.4 (syslog)
        (170, sshguard + 'Attack from "{ip}" on service {s} with danger {d}.', sshguard_hdr | {"ip": public_ip, "s": sshguard_service, "d": pick(["10", "10", "10", "2"])}),
        (40, sshguard + 'Blocking "{ip}/{m}" for {b} secs ({a} attacks in {t} secs, after {n} abuses over {o} secs.)',
         sshguard_hdr | {"ip": public_ip, "m": pick(["32", "32", "24"]), "b": block_secs, "a": pick(["3", "3", "4"]),
                         "t": lambda g: g.num(1, 40), "n": pick(["1", "1", "2", "3", "5"]), "o": lambda g: g.num(1, 4000)}),
        (3, sshguard + "Now monitoring attacks.", sshguard_hdr),
        (2, sshguard + "Exiting on signal.", sshguard_hdr),
        # AppArmor through the kernel log (Linux 6.8: class= present)
        (120, kernel + 'apparmor="DENIED" operation="{op}" class="file" profile="{p}" name="{n}" pid={pid} comm="{c}" requested_mask="{rm}" denied_mask="{dm}" fsuid={u} ouid={o}',
         kernel_hdr | {"op": aa_file, "p": then(0), "n": then(2), "pid": aa_pid, "c": then(3), "rm": then(4), "dm": then(4), "u": then(5), "o": then(6)}),
        (40, kernel + 'apparmor="DENIED" operation="capable" class="cap" profile="{p}" pid={pid} comm="{c}" capability={cap}  capname="{cn}"',
         kernel_hdr | {"p": pick(SEC_AA_PROFILES), "pid": aa_pid, "c": aa_comm, "cap": aa_cap, "cn": then(1)}),
        (20, kernel + 'apparmor="DENIED" operation="create" class="net" profile="{p}" pid={pid} comm="{c}" family="{f}" sock_type="{sock}" protocol={pr} requested_mask="create" denied_mask="create"',
         kernel_hdr | {"p": pick(SEC_AA_PROFILES), "pid": aa_pid, "c": aa_comm, "f": pick(["inet", "inet6", "netlink"]),
                       "sock": pick(["raw", "raw", "packet"]), "pr": pick(["1", "58", "0"])}),
        (8, kernel + 'apparmor="STATUS" operation="{op}" profile="unconfined" name="{n}" pid={pid} comm="apparmor_parser"',
         kernel_hdr | {"op": pick(["profile_load", "profile_replace", "profile_replace"]), "n": pick(SEC_AA_PROFILES), "pid": aa_pid}),
        # Pomerium 0.28 (zerolog JSON): proxy access log and authorize decisions
        (260, '{{"level":"info","service":"envoy","upstream-cluster":"{cl}","method":"{m}","authority":"{a}","path":"{p}","user-agent":"{ua}","referer":"{r}","forwarded-for":"{ff}","request-id":"{rid}","duration":{d},"size":{s},"response-code":{rc},"response-code-details":"{rcd}","time":"{ts}","message":"http-request"}}',
         {"cl": pomerium_cluster, "m": pick(["GET", "GET", "GET", "POST", "PUT"]), "a": then(0), "p": pomerium_path, "ua": browser,
          "r": lambda g: g.r.choice(["", "", f"https://{g.drawn[0]}/"]), "ff": lambda g: g.r.choice([g.ip(), f"{public_ip(g)},{g.ip()}"]),
          "rid": Gen.uuid, "d": pom_duration, "s": lambda g: g.num(0, 400000), "rc": pick(["200", "200", "200", "302", "304", "403", "502"]),
          "rcd": response_details, "ts": pomerium_ts}),
        (45, '{{"level":"info","service":"authorize","request-id":"{rid}","check-request-id":"{crid}","method":"{m}","path":"{p}","host":"{h}","query":"{q}","ip":"{ip}","session-id":"{sid}","user":"{u}","email":"{e}","allow":true,"allow-why-true":[{why}],"deny":false,"deny-why-false":["invalid-client-certificate"],"time":"{ts}","message":"authorize check"}}',
         {"rid": Gen.uuid, "crid": Gen.uuid, "m": pick(["GET", "GET", "POST"]), "p": pomerium_path, "h": lambda g: g.r.choice(SEC_ROUTES)[0],
          "q": pick(["", "", "orgId=1", "refresh=30s"]), "ip": Gen.ip, "sid": Gen.uuid, "u": pom_user, "e": then(0), "why": allow_reasons, "ts": pomerium_ts}),
        (20, '{{"level":"info","service":"authorize","request-id":"{rid}","check-request-id":"{crid}","method":"{m}","path":"{p}","host":"{h}","query":"{q}","ip":"{ip}","session-id":"{sid}","user":"{u}","email":"{e}","allow":false,"allow-why-false":[{why}],"deny":false,"deny-why-false":["invalid-client-certificate"],"time":"{ts}","message":"authorize check"}}',
         {"rid": Gen.uuid, "crid": Gen.uuid, "m": pick(["GET", "GET", "POST"]), "p": pomerium_path, "h": lambda g: g.r.choice(SEC_ROUTES)[0],
          "q": pick(["", "", "orgId=1"]), "ip": Gen.ip, "sid": lambda g: g.r.choice(["", g.uuid()]), "u": denied_user,
          "e": then(0), "why": deny_reasons, "ts": pomerium_ts}),
        # HashiCorp Boundary 0.18 (cloudevents JSON on stderr)
        (14, '{{"id":"{id}","source":"https://hashicorp.com/boundary/{h}/{role}","specversion":"1.0","type":"system","data":{{"version":"v0.1","op":"{op}","data":{{"msg":"{m}"}}}}' + boundary_tail,
         {"id": event_id, "h": boundary_system, "role": then(1), "op": then(2), "m": then(3), "ts": nano_ts}),
        (10, '{{"id":"{id}","source":"https://hashicorp.com/boundary/{h}/controller","specversion":"1.0","type":"error","data":{{"error":"{e}","error_fields":{{"Code":{c},"Msg":"{m}","Op":"{op}","Wrapped":null}},"id":"e_{eid}","version":"v0.1","op":"{op2}"}}' + boundary_tail,
         {"id": event_id, "h": pick(["boundary-controller-0", "boundary-controller-1"]), "e": boundary_error, "c": then(1), "m": then(2), "op": then(3), "eid": event_id,
          "op2": then(3), "ts": nano_ts}),
        # Sigstore policy-controller 0.9 (knative webhook, zap JSON)
        (18, knative + '"knative.dev/kind":"{k}","knative.dev/namespace":"{ns}","knative.dev/name":"{n}","knative.dev/operation":"{op}","knative.dev/resource":"{r}","knative.dev/subresource":"","knative.dev/userinfo":"{ui}"}}',
         {"lv": pick(["info"]), "ts": milli_ts, "caller": pick(["webhook/admission.go:151"]),
          "m": pick(["remote admission controller audit annotations=map[string]string(nil)"]), "commit": pick(["3c4a5b6"]),
          "k": webhook_target, "ns": pick(SEC_NS), "n": then(2), "op": pick(["CREATE", "UPDATE", "UPDATE"]), "r": then(1), "ui": userinfo}),
        (9, knative + '"knative.dev/kind":"{k}","knative.dev/namespace":"{ns}","knative.dev/name":"{n}","knative.dev/operation":"{op}","knative.dev/resource":"{r}","knative.dev/subresource":"","knative.dev/userinfo":"{ui}","error":"{e}"}}',
         {"lv": pick(["error"]), "ts": milli_ts, "caller": pick(["validation/validation_admit.go:183"]),
          "m": pick(["Failed the resource specific validation"]), "commit": pick(["3c4a5b6"]),
          "k": webhook_target, "ns": pick(SEC_NS), "n": then(2), "op": pick(["CREATE", "UPDATE"]), "r": then(1), "ui": userinfo, "e": policy_error}),
        # External Secrets Operator 0.10 (controller-runtime, zap JSON)
        (50, eso + "}}", {"lv": pick(["info"]), "ts": zap_epoch, "m": pick(["reconciled secret"]), "n": extsecret, "ns": pick(SEC_NS)}),
        (12, eso + ',"SecretStore":"{st}","error":"{e}","stacktrace":"github.com/external-secrets/external-secrets/pkg/controllers/externalsecret.(*Reconciler).Reconcile\\n\\t/home/runner/work/external-secrets/external-secrets/pkg/controllers/externalsecret/externalsecret_controller.go:316\\nsigs.k8s.io/controller-runtime/pkg/internal/controller.(*Controller).Reconcile\\n\\t/home/runner/go/pkg/mod/sigs.k8s.io/controller-runtime@v0.19.0/pkg/internal/controller/controller.go:116"}}',
         {"lv": pick(["error"]), "ts": zap_epoch, "m": pick(["could not get secret data from provider"]), "n": extsecret, "ns": pick(SEC_NS),
          "st": eso_store, "e": provider_error}),
        # Kubernetes audit log (kube-apiserver --audit-log-path, Metadata level)
        (120, audit_head + '"objectRef":{{"resource":"{res}","namespace":"{ns}","name":"{n}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":{code}}},"requestReceivedTimestamp":"{t1}","stageTimestamp":"{t2}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"{why}"}}}}',
         {"id": Gen.uuid, "uri": allowed_uri(True), "verb": then(0), "user": then(2), "groups": then(3), "ip": Gen.ip, "ua": then(4),
          "res": then(1), "ns": then(5), "n": then(6), "code": then(8), "t1": request_received, "t2": stage_reached, "why": allow_reason}),
        (110, audit_head + '"objectRef":{{"resource":"{res}","namespace":"{ns}","name":"{n}","apiGroup":"{grp}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"code":{code}}},"requestReceivedTimestamp":"{t1}","stageTimestamp":"{t2}","annotations":{{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"{why}"}}}}',
         {"id": Gen.uuid, "uri": allowed_uri(False), "verb": then(0), "user": then(2), "groups": then(3), "ip": Gen.ip, "ua": then(4),
          "res": then(1), "ns": then(5), "n": then(6), "grp": api_group, "code": then(8), "t1": request_received, "t2": stage_reached,
          "why": allow_reason}),
        (40, audit_head + '"objectRef":{{"resource":"{res}","namespace":"{ns}","apiVersion":"v1"}},"responseStatus":{{"metadata":{{}},"status":"Failure","message":"{msg}","reason":"Forbidden","details":{{"kind":"{res2}"}},"code":403}},"requestReceivedTimestamp":"{t1}","stageTimestamp":"{t2}","annotations":{{"authorization.k8s.io/decision":"forbid","authorization.k8s.io/reason":""}}}}',
         {"id": Gen.uuid, "uri": forbidden_uri, "verb": then(0), "user": then(2), "groups": then(3),
          "ip": lambda g: g.r.choice([g.ip(), public_ip(g)]), "ua": then(4), "res": then(1), "ns": then(5), "msg": forbidden_message,
          "res2": then(1), "t1": request_received, "t2": stage_reached}),
    ]


AN_DATASOURCES = ["wikipedia", "clickstream", "orders"]
AN_DRUID_METRICS = ["query/time", "query/time", "query/bytes", "query/node/time", "query/cache/total/hitRate"]
AN_DRUID_QUERY_TYPES = ["timeseries", "groupBy", "topN", "scan"]
AN_PINOT_TABLES = ["events", "ad_impressions", "user_sessions"]
AN_PINOT_QUERIES = [
    ("events_REALTIME", "SELECT COUNT(*) FROM events WHERE eventTime > 1764720000000"),
    ("events_REALTIME", "SELECT eventType, COUNT(*) FROM events GROUP BY eventType ORDER BY COUNT(*) DESC LIMIT 10"),
    ("ad_impressions", "SELECT country, SUM(clicks), SUM(impressions) FROM ad_impressions WHERE campaignId = 'c-8812' GROUP BY country LIMIT 50"),
    ("ad_impressions", "select sum(clicks) from ad_impressions where ts between 1764633600000 and 1764720000000"),
    ("user_sessions_OFFLINE", "SELECT userId, sessionLength FROM user_sessions ORDER BY sessionLength DESC LIMIT 100"),
    ("user_sessions_OFFLINE", "SELECT DISTINCTCOUNTHLL(userId) FROM user_sessions WHERE platform IN ('ios', 'android')"),
]
AN_SR_DBS = ["sales", "marketing", "ods"]
AN_SR_USERS = ["analyst", "etl_svc", "root"]
AN_SR_STATEMENTS = [
    ("EOF", "", "true", "SELECT region, sum(amount) FROM orders WHERE order_date >= '2026-12-01' GROUP BY region"),
    ("EOF", "", "true", "select count(*) from ods.page_views"),
    ("EOF", "", "true", "SELECT c.segment, avg(o.amount) AS aov FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.segment ORDER BY aov DESC LIMIT 20"),
    ("EOF", "", "true", "SELECT @@version_comment LIMIT 1"),
    ("OK", "", "false", "INSERT INTO sales.daily_revenue SELECT order_date, sum(amount) FROM orders GROUP BY order_date"),
    ("OK", "", "false", "SET query_timeout = 600"),
    ("ERR", "ANALYSIS_ERR", "true", "SELECT regoin, sum(amount) FROM orders GROUP BY regoin"),
    ("ERR", "MEM_LIMIT_EXCEEDED", "true", "SELECT * FROM page_views a JOIN page_views b ON a.session_id = b.session_id"),
    ("ERR", "TIMEOUT", "true", "SELECT user_id, count(DISTINCT url) FROM page_views GROUP BY user_id"),
]
AN_SR_BACKENDS = ["10001", "10002", "10003"]
AN_KEEPER_SESSIONS_BASE = 0x1000000
AN_NIFI_PROCESSORS = ["ConsumeKafka_2_6", "PutS3Object", "InvokeHTTP", "ConvertRecord", "PutDatabaseRecord", "UpdateAttribute"]
AN_AIRBYTE_STREAMS = ["public:orders", "public:customers", "public:order_items", "hubspot:contacts"]
AN_AIRBYTE_COLUMNS = [("orders", "id", "int8[19]", "false", "{type=number, airbyte_type=integer}"),
                      ("orders", "amount", "numeric[12]", "true", "{type=number}"),
                      ("orders", "created_at", "timestamptz[35]", "false", "{type=string, format=date-time, airbyte_type=timestamp_with_timezone}"),
                      ("customers", "email", "varchar[255]", "true", "{type=string}"),
                      ("customers", "is_active", "bool[1]", "true", "{type=boolean}"),
                      ("order_items", "sku", "text[2147483647]", "false", "{type=string}")]
AN_DBT_MODELS = [("analytics_staging.stg_orders", "view"), ("analytics_staging.stg_customers", "view"),
                 ("analytics_staging.stg_payments", "view"), ("analytics_marts.dim_customers", "table"),
                 ("analytics_marts.fct_orders", "incremental"), ("analytics_marts.orders_by_region", "table"),
                 ("analytics_marts.customer_lifetime_value", "table")]
AN_DBT_TESTS = ["not_null_stg_orders_order_id", "unique_stg_customers_customer_id", "unique_fct_orders_order_id",
                "accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned",
                "relationships_fct_orders_customer_id__customer_id__ref_dim_customers_",
                "dbt_utils_expression_is_true_fct_orders_amount_0", "not_null_dim_customers_email"]
AN_DAGSTER_JOBS = [("daily_sales_job", ["load_orders", "clean_orders", "orders_by_region", "publish_report"]),
                   ("ingest_events_job", ["fetch_events", "dedupe_events", "write_parquet"]),
                   ("__ASSET_JOB", ["raw_customers", "customer_features"])]
AN_DAGSTER_SENSORS = ["s3_new_files_sensor", "dbt_freshness_sensor", "run_failure_slack_sensor"]
AN_PREFECT_TASKS = ["extract", "transform", "load", "notify-slack"]
AN_STREAMS_APPS = [("orders-enricher", "3f6b2c1e-8d4a-4b7f-9e2d-5a1c0b9f7e34"), ("orders-enricher", "a9d0e7c2-1b3f-4e58-8c6d-2f7a9b0c1d4e"),
                   ("click-sessionizer", "5c8e1f2a-7b9d-4c3e-a6f0-9d2b4e1c8a57")]
AN_SPARK_APPS = ["daily-agg", "sessionize-clicks", "compact-events"]
AN_SPARK_NS = ["spark-jobs", "analytics"]
AN_METABASE_DBS = [("postgres", "2", "Warehouse"), ("h2", "1", "Sample Database"), ("mysql", "3", "StarRocks Sales")]
AN_METABASE_PATHS = ["/api/user/current", "/api/session/properties", "/api/database", "/api/card/{id}", "/api/dashboard/{id}",
                     "/api/collection/root/items", "/api/activity/recent_views", "/api/search"]


def analytics_events() -> list[tuple[float, str, dict]]:
    """Data and analytics software none of the other corpora covers: Apache Druid (log4j2, with
    the LoggingEmitter's metric events), Apache Pinot (broker query log, realtime consumption),
    StarRocks (FE log, FE audit log, BE glog), ClickHouse Keeper, Apache NiFi (nifi-app.log),
    Airbyte job logs, dbt's console, Dagster (run and daemon logs), Prefect 2, Apache Superset,
    Metabase, Kafka Streams, ksqlDB, and the Spark on Kubernetes operator with a Spark driver on
    Kubernetes. Written for the blind check of the template engine, without reading the engine or
    any failure analysis, and scored once; 67 event types."""

    def remember(fn):
        # keeps the drawn value for a later slot of the same line (then(0))
        def f(g: Gen) -> str:
            g.drawn = (fn(g),)
            return g.drawn[0]
        return f

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def druid_ts(g: Gen) -> str:
        # log4j2's %d{ISO8601}
        return f"2026-12-03T{hms(g)},{ms3(g)}"

    def pinot_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}.{ms3(g)}"

    def sr_fe_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}+00:00"

    def sr_audit_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def glog_ts(g: Gen) -> str:
        return f"1203 {hms(g)}.{us6(g)}"

    def keeper_ts(g: Gen) -> str:
        return f"2026.12.03 {hms(g)}.{us6(g)}"

    def day_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def dagster_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)} +0000"

    def prefect_ts(g: Gen) -> str:
        return f"{hms(g)}.{ms3(g)}"

    def kafka_ts(g: Gen) -> str:
        return f"[{java_ts(g)}]"

    def spark_ts(g: Gen) -> str:
        return f"26/12/03 {hms(g)}"

    def go_tid(g: Gen) -> str:
        # glog pads the thread id to seven columns
        return f"{g.r.choice(['10', '10', '10', g.num(11, 99)]):>7}"

    def thousands(lo: int, hi: int):
        # Druid's %,d
        return lambda g: f"{g.r.randint(lo, hi):,}"

    def size(g: Gen) -> str:
        return g.r.choice([f"{g.r.randint(1, 999)} KB", f"{g.r.randint(1, 999)} MB", f"{g.r.uniform(1, 9):.2f} GB",
                           f"{g.r.randint(10, 999)} bytes"])

    # Apache Druid 28
    def druid_interval(g: Gen) -> tuple[str, str, str]:
        day = g.r.randint(1, 3)
        if g.r.random() < 0.5:
            return f"2026-12-0{day}T00:00:00.000Z", f"2026-12-0{day + 1}T00:00:00.000Z", str(day)
        h = g.r.randint(0, 22)
        return f"2026-12-0{day}T{h:02d}:00:00.000Z", f"2026-12-0{day}T{h + 1:02d}:00:00.000Z", str(day)

    def druid_segment(g: Gen) -> str:
        ds = g.r.choice(AN_DATASOURCES)
        start, end, day = druid_interval(g)
        version = f"2026-12-0{day}T{hms(g)}.{ms3(g)}Z"
        part = g.r.choice([0, 0, 0, 1, 2, 5, 11])
        g.drawn = (ds, start, end, version, str(part))
        return f"{ds}_{start}_{end}_{version}" + (f"_{part}" if part else "")

    def druid_load_spec(g: Gen) -> str:
        ds, start, end, version, part = g.drawn
        return (f'{{"type":"s3_zip","bucket":"druid-deep-storage","key":"druid/segments/{ds}/{start}_{end}/{version}/{part}/'
                f'{g.uuid()}/index.zip","S3Schema":"s3n"}}')

    def druid_task(g: Gen) -> str:
        ds = g.r.choice(AN_DATASOURCES)
        letters = "".join(g.r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
        return g.r.choice([f"index_kafka_{ds}_{g.hexs(15)}_{letters}", f"index_kafka_{ds}_{g.hexs(15)}_{letters}",
                           f"coordinator-issued_compact_{ds}_{letters}_2026-12-03T{hms(g)}.{ms3(g)}Z",
                           f"index_parallel_{ds}_{letters}_2026-12-03T{hms(g)}.{ms3(g)}Z"])

    def druid_sequence(g: Gen) -> str:
        return f"index_kafka_{g.r.choice(AN_DATASOURCES)}_{g.hexs(15)}_{g.r.randint(0, 3)}"

    def druid_metric_value(g: Gen) -> str:
        return g.r.choice([g.num(1, 4000), g.num(100, 9000000), f"{g.r.random():.4f}".rstrip("0")])

    # Apache Pinot 1.0
    def pinot_segment(g: Gen) -> str:
        return f"{g.r.choice(AN_PINOT_TABLES)}__{g.r.randint(0, 7)}__{g.r.randint(0, 240)}__20261203T{g.r.randint(0, 23):02d}{g.r.choice(['00', '15', '30', '45'])}Z"

    def pinot_query(g: Gen) -> str:
        g.drawn = g.r.choice(AN_PINOT_QUERIES)
        return str(g.r.randint(1000000, 99999999))

    def pinot_server_stats(g: Gen) -> str:
        servers = g.r.sample(["pinot-server-0_O", "pinot-server-1_O", "pinot-server-2_R", "pinot-server-3_R"], g.r.choice([1, 2, 2, 3, 4]))
        stats = ";".join(f"{s}={g.r.randint(0, 3)},{g.r.randint(1, 400)},{g.r.randint(90, 90000)},{g.r.randint(0, 2)},{g.r.randint(0, 2)}"
                         for s in servers)
        return f"(Server=SubmitDelayMs,ResponseDelayMs,ResponseSize,DeserializationTimeMs,RequestSentDelayMs);{stats}"

    def cpu_ns(g: Gen) -> str:
        return g.r.choice(["0", "0", g.num(10000, 90000000)])

    def seg_counts(g: Gen) -> str:
        return str(g.r.choice([0, 1, 4, 12, 36, 120]))

    # StarRocks 3.1
    def sr_label(g: Gen) -> str:
        return g.r.choice([f"insert_{g.uuid()}", f"orders_kafka_load-{g.num(10000, 99999)}-{g.uuid()}",
                           f"label_{g.hexs(8)}_{g.hexs(4)}_{g.hexs(4)}"])

    def sr_table_ids(g: Gen) -> str:
        return ", ".join(str(g.r.randint(10020, 10400)) for _ in range(g.r.choice([1, 1, 1, 2, 3])))

    def epoch_ms(g: Gen) -> str:
        return str(1764720000000 + g.r.randint(0, 86399999))

    def sr_instance(g: Gen) -> str:
        return f"{g.hexs(16)}-{g.hexs(16)}"

    def sr_fragment_status(g: Gen) -> str:
        return g.r.choice([
            "Cancelled: QueryFinished", "Cancelled: QueryFinished", "Cancelled: LimitReach",
            "Memory of query_pool exceed limit. Used: 12884901888, Limit: 12884901888. Mem usage has exceed the limit of query pool",
            f"Internal error: Failed to open fragment {g.hexs(16)}-{g.hexs(16)}: tablet {g.r.randint(10500, 99999)} not found"])

    # ClickHouse Keeper 23.8
    def keeper_session(g: Gen) -> str:
        return str(g.r.randint(AN_KEEPER_SESSIONS_BASE, AN_KEEPER_SESSIONS_BASE + 90000))

    def keeper_snapshot(g: Gen) -> str:
        g.drawn = (str(g.r.randint(100, 900) * 10000),)
        return g.drawn[0]

    def changelog_range(g: Gen) -> str:
        a = g.r.randint(1, 80) * 100000 + 1
        g.drawn = (str(a + 99999),)
        return str(a)

    # Apache NiFi 1.23
    def nifi_http_error(g: Gen) -> str:
        return g.r.choice([
            "java.net.SocketTimeoutException: timeout", "java.net.SocketTimeoutException: timeout",
            f"java.net.ConnectException: Failed to connect to api.partner.example.com/{g.ip()}:443",
            "java.net.UnknownHostException: crm.internal.example: Name or service not known",
            "javax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target"])

    def nifi_timer_thread(g: Gen) -> str:
        return f"Timer-Driven Process Thread-{g.r.randint(1, 10)}"

    # Airbyte 0.50
    def airbyte_column(g: Gen) -> str:
        g.drawn = g.r.choice(AN_AIRBYTE_COLUMNS)
        return g.drawn[0]

    # dbt 1.7 (its console output: the line is padded with dots to a fixed width)
    def dbt_line(kind: str):
        def f(g: Gen) -> str:
            n = g.r.choice([18, 24, 31])
            i = g.r.randint(1, n)
            rel, mat = g.r.choice(AN_DBT_MODELS)
            test = g.r.choice(AN_DBT_TESTS)
            failures = str(g.r.choice([1, 2, 3, 17, 240]))
            if kind == "start_model":
                text = f"{i} of {n} START sql {mat} model {rel}"
            elif kind == "ok_model":
                text = f"{i} of {n} OK created sql {mat} model {rel}"
            elif kind == "start_test":
                text = f"{i} of {n} START test {test}"
            elif kind == "pass":
                text = f"{i} of {n} PASS {test}"
            else:
                text = f"{i} of {n} FAIL {failures} {test}"
            dots = "." * max(1, 70 - len(text))
            rows = g.r.randint(0, 250000)
            result = {"view": "CREATE VIEW", "table": f"SELECT {rows}", "incremental": f"INSERT 0 {rows}"}[mat]
            g.drawn = (str(n), mat, rel, test, failures, dots, result, f"{g.r.uniform(0.05, 90):.2f}")
            return str(i)
        return f

    def dbt_finished(g: Gen) -> str:
        parts = [f"{g.r.randint(1, 9)} view models", f"{g.r.randint(1, 12)} table models", f"{g.r.randint(1, 3)} incremental models",
                 f"{g.r.randint(5, 80)} tests", f"{g.r.randint(1, 4)} seeds", f"{g.r.randint(1, 2)} snapshots"]
        return ", ".join(g.r.sample(parts, g.r.choice([1, 2, 3, 3, 4]))) if g.r.random() < 0.9 else parts[0]

    def dbt_elapsed(g: Gen) -> str:
        total = g.r.uniform(4, 900)
        g.drawn = (str(int(total % 3600 // 60)), f"{total % 60:.2f}", f"{total:.2f}")
        return str(int(total // 3600))

    # Dagster 1.5
    def dagster_job(g: Gen) -> str:
        job, steps = g.r.choice(AN_DAGSTER_JOBS)
        step = g.r.choice(steps)
        up = steps[max(0, steps.index(step) - 1)]
        g.drawn = (job, step, up)
        return job

    def dagster_dur(g: Gen) -> str:
        return g.r.choice([f"{g.r.randint(1, 999)}ms", f"{g.r.uniform(1, 59):.2f}s", f"{g.r.randint(1, 40)}m{g.r.randint(0, 59)}s"])

    def dagster_asset(g: Gen) -> str:
        return g.r.choice(["raw_customers", "customer_features", "orders_by_region", "analytics/fct_orders"])

    # Prefect 2.14
    def flow_run_name(g: Gen) -> str:
        adj = ["crimson", "hasty", "quiet", "amber", "fearless", "witty"]
        animal = ["fox", "heron", "walrus", "mongoose", "lynx", "toucan"]
        return f"{g.r.choice(adj)}-{g.r.choice(animal)}"

    def task_state(g: Gen) -> str:
        return g.r.choice(["Completed()", "Completed()", "Completed()", "Cached(type=COMPLETED)",
                           "Failed('Task run encountered an exception ConnectionError: HTTPSConnectionPool(host=\\'api.hubapi.com\\', port=443): Max retries exceeded')",
                           "Failed('Task run encountered an exception KeyError: \\'customer_id\\'')"])

    def flow_state(g: Gen) -> str:
        return g.r.choice(["Completed('All states completed.')", "Completed('All states completed.')",
                           f"Failed('{g.r.randint(1, 3)}/{g.r.randint(4, 9)} states failed.')",
                           "Failed('Flow run encountered an exception. ValueError: no rows returned from source')"])

    # Apache Superset 3.0
    def superset_key(g: Gen) -> str:
        return g.r.choice(["ChartDataRestApi.data.success", "ChartDataRestApi.data.success", "log",
                           "DashboardRestApi.get.success", "ChartRestApi.get_list.success", "SqlLabRestApi.execute.init",
                           "DatabaseRestApi.schemas.success"])

    def superset_exc(g: Gen) -> str:
        return g.r.choice(["<class 'psycopg2.errors.UndefinedColumn'>", "<class 'sqlalchemy.exc.ProgrammingError'>",
                           "<class 'superset.exceptions.SupersetErrorException'>"])

    # Metabase 0.47
    def metabase_path(g: Gen) -> str:
        return g.r.choice(AN_METABASE_PATHS).replace("{id}", g.num(1, 400))

    def metabase_time(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 999):.1f} ms", f"{g.r.uniform(1, 9):.1f} s"])

    def metabase_db(g: Gen) -> str:
        g.drawn = g.r.choice(AN_METABASE_DBS)
        return g.drawn[0]

    # Kafka Streams 3.6
    def streams_client(g: Gen) -> str:
        app, uid = g.r.choice(AN_STREAMS_APPS)
        return f"{app}-{uid}"

    def streams_thread(g: Gen) -> str:
        return f"{streams_client(g)}-StreamThread-{g.r.randint(1, 4)}"

    def thread_transition(g: Gen) -> str:
        g.drawn = g.r.choice([("STARTING", "PARTITIONS_ASSIGNED"), ("PARTITIONS_ASSIGNED", "RUNNING"),
                              ("PARTITIONS_ASSIGNED", "RUNNING"), ("RUNNING", "PARTITIONS_REVOKED"),
                              ("PARTITIONS_REVOKED", "PARTITIONS_ASSIGNED"), ("RUNNING", "PENDING_SHUTDOWN"),
                              ("PENDING_SHUTDOWN", "DEAD"), ("CREATED", "STARTING")])
        return g.drawn[0]

    def client_transition(g: Gen) -> str:
        g.drawn = g.r.choice([("CREATED", "REBALANCING"), ("REBALANCING", "RUNNING"), ("RUNNING", "REBALANCING"),
                              ("RUNNING", "PENDING_SHUTDOWN"), ("PENDING_SHUTDOWN", "NOT_RUNNING"), ("RUNNING", "PENDING_ERROR")])
        return g.drawn[0]

    def stream_task(g: Gen) -> str:
        return f"{g.r.randint(0, 2)}_{g.r.randint(0, 11)}"

    def stream_tasks(g: Gen) -> str:
        return ", ".join(sorted({stream_task(g) for _ in range(g.r.randint(1, 5))}))

    # ksqlDB 0.29
    def ksql_request(g: Gen) -> str:
        g.drawn = g.r.choice([("POST", "/ksql", "200"), ("POST", "/query-stream", "200"), ("POST", "/query", "200"),
                              ("GET", "/info", "200"), ("GET", "/healthcheck", "200"), ("POST", "/ksql", "400")])
        return g.drawn[0]

    def ksql_statement(g: Gen) -> str:
        return g.r.choice([
            "CREATE STREAM orders_enriched WITH (KAFKA_TOPIC='orders_enriched', PARTITIONS=12) AS SELECT * FROM orders o JOIN customers c ON o.customer_id = c.id EMIT CHANGES;",
            "CREATE TABLE clicks_per_user AS SELECT user_id, COUNT(*) AS clicks FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY user_id EMIT CHANGES;",
            "TERMINATE CSAS_ORDERS_ENRICHED_7;", "DROP STREAM IF EXISTS orders_enriched DELETE TOPIC;"])

    # Spark on Kubernetes operator 1.1 (glog) and Spark 3.5 drivers
    def spark_app(g: Gen) -> str:
        app = g.r.choice(AN_SPARK_APPS)
        return f"{g.r.choice(AN_SPARK_NS)}/{g.r.choice([app, app, f'{app}-{1764720000 + g.r.randint(0, 23) * 3600}'])}"

    def submit_args(g: Gen) -> str:
        app = g.r.choice(AN_SPARK_APPS)
        args = ["--master", "k8s://https://10.96.0.1:443", "--deploy-mode", "cluster", "--conf",
                f"spark.kubernetes.namespace={g.r.choice(AN_SPARK_NS)}", "--conf", f"spark.app.name={app}", "--conf",
                f"spark.kubernetes.driver.pod.name={app}-driver", "--conf",
                f"spark.kubernetes.container.image=registry.example.com/spark:{g.r.choice(['3.5.0', '3.5.1'])}"]
        extra = [["--conf", f"spark.executor.instances={g.r.randint(2, 20)}"], ["--conf", "spark.executor.memory=4g"],
                 ["--conf", "spark.dynamicAllocation.enabled=true"]]
        for e in g.r.sample(extra, g.r.randint(0, 3)):
            args += e
        if g.r.random() < 0.5:
            args += ["--class", "com.example.jobs.DailyAgg", "local:///opt/spark/jobs/daily-agg.jar"]
        else:
            args.append("local:///opt/spark/jobs/sessionize.py")
        return " ".join(args)

    druid = "{ts} INFO ["
    pinot = "{ts} INFO "
    sr_fe = "{ts} INFO ({th}|{tid}) "
    glog = "I{t} {tid} "
    keeper = "{ts} [ {tid} ] {{}} "
    dag_step = "{ts} - dagster - DEBUG - {job} - {run} - {pid} - {step} - "
    prefect = "{ts} | INFO    | "
    streams = "{ts} INFO stream-thread [{th}] "
    druid_hdr = {"ts": druid_ts}
    dbt_model = {"t": hms}
    return [
        # Apache Druid 28 (log4j2: %d{ISO8601} %p [%t] %c - %m%n)
        (90, druid + 'LoggingEmitter-1] org.apache.druid.java.util.emitter.core.LoggingEmitter - [metrics] {{"feed":"metrics","timestamp":"{t2}","service":"druid/broker","host":"{h}","version":"28.0.1","metric":"{m}","value":{v},"dataSource":"{ds}","type":"{qt}","id":"{qid}","success":"{ok}"}}',
         {**druid_hdr, "t2": lambda g: f"2026-12-03T{hms(g)}.{ms3(g)}Z",
          "h": pick(["druid-broker-0.druid-broker.druid.svc:8082", "druid-broker-1.druid-broker.druid.svc:8082"]),
          "m": pick(AN_DRUID_METRICS), "v": druid_metric_value, "ds": pick(AN_DATASOURCES), "qt": pick(AN_DRUID_QUERY_TYPES),
          "qid": Gen.uuid, "ok": pick(["true", "true", "true", "false"])}),
        (30, druid + "{th}] org.apache.druid.server.coordination.SegmentLoadDropHandler - Loading segment[{seg}]",
         {**druid_hdr, "th": lambda g: f"SimpleDataSegmentChangeHandler-{g.r.randint(0, 9)}", "seg": druid_segment}),
        (12, druid + "task-runner-0-priority-0] org.apache.druid.segment.realtime.appenderator.BaseAppenderatorDriver - New segment[{seg}] for sequenceName[{sq}].",
         {**druid_hdr, "seg": druid_segment, "sq": druid_sequence}),
        (9, druid + "{th}] org.apache.druid.segment.realtime.appenderator.StreamAppenderator - Segment[{seg}] of {b} bytes built from {n} incremental persist(s) in {a}ms; pushed to deep storage in {p}ms. Load spec is: {spec}",
         {**druid_hdr, "th": lambda g: f"[{g.r.choice(AN_DATASOURCES)}]-appenderator-merge", "seg": druid_segment,
          "b": thousands(40000, 900000000), "n": lambda g: g.num(1, 40), "a": thousands(30, 90000), "p": thousands(100, 20000), "spec": druid_load_spec}),
        (10, druid + "TaskQueue-Manager] org.apache.druid.indexing.overlord.TaskQueue - Asking taskRunner to run: {task}",
         {**druid_hdr, "task": druid_task}),
        (9, druid + "{th}] org.apache.druid.indexing.overlord.TaskQueue - Task {st}: {task} ({d} run duration)",
         {**druid_hdr, "th": lambda g: f"TaskQueue-StorageSync-{g.r.choice(['0', '0', '1'])}", "st": pick(["SUCCESS", "SUCCESS", "SUCCESS", "FAILED"]),
          "task": druid_task, "d": lambda g: g.num(900, 3700000)}),
        # Apache Pinot 1.0 (log4j2: %d{yyyy/MM/dd HH:mm:ss.SSS} %p [%c{1}] [%t] %m%n)
        (120, pinot + "[QueryLogger] [jersey-server-managed-async-executor-{e}] requestId={rid},table={tbl},timeMs={tm},docs={d1}/{d2},entries={en1}/{en2},"
         "segments(queried/processed/matched/consumingQueried/consumingProcessed/consumingMatched/unavailable):{s1}/{s2}/{s3}/{s4}/{s5}/{s6}/{s7},"
         "consumingFreshnessTimeMs={fr},servers={sv1}/{sv2},groupLimitReached={glr},brokerReduceTimeMs={brt},exceptions={ex},serverStats={ss},"
         "offlineThreadCpuTimeNs(total/thread/sysActivity/resSer):{o1}/{o2}/{o3}/{o4},realtimeThreadCpuTimeNs(total/thread/sysActivity/resSer):{r1}/{r2}/{r3}/{r4},"
         "clientIp={ip},query={q}",
         {"ts": pinot_ts, "e": lambda g: g.num(1, 64), "rid": pinot_query, "tbl": then(0), "tm": lambda g: g.num(1, 2400),
          "d1": lambda g: g.num(0, 900000), "d2": lambda g: g.num(900000, 90000000), "en1": lambda g: g.num(0, 900000), "en2": lambda g: g.num(0, 4000000),
          "s1": seg_counts, "s2": seg_counts, "s3": seg_counts, "s4": pick(["0", "0", "1", "8"]), "s5": pick(["0", "0", "1", "8"]), "s6": pick(["0", "1"]),
          "s7": pick(["0", "0", "0", "0", "2"]), "fr": lambda g: g.r.choice(["-1", epoch_ms(g)]), "sv1": pick(["1", "2", "3", "4"]), "sv2": pick(["2", "4"]),
          "glr": pick(["false", "false", "false", "true"]), "brt": lambda g: g.num(0, 40), "ex": pick(["0", "0", "0", "0", "1"]), "ss": pinot_server_stats,
          "o1": cpu_ns, "o2": cpu_ns, "o3": cpu_ns, "o4": cpu_ns, "r1": cpu_ns, "r2": cpu_ns, "r3": cpu_ns, "r4": cpu_ns,
          "ip": lambda g: g.r.choice(["unknown", g.ip()]), "q": then(1)}),
        (28, pinot + "[RealtimeSegmentDataManager_{seg}] [{seg2}] Consumed {n} events from (rate:{r}/s), currentOffset={off}, numRowsConsumedSoFar={a}, numRowsIndexedSoFar={b}",
         {"ts": pinot_ts, "seg": remember(pinot_segment), "seg2": then(0),
          "n": lambda g: g.num(1, 60000), "r": lambda g: f"{g.r.uniform(0, 4000):.3f}".rstrip("0").rstrip("."), "off": lambda g: g.num(100000, 999999999),
          "a": lambda g: g.num(1000, 5000000), "b": lambda g: g.num(1000, 5000000)}),
        (6, pinot + "[RealtimeSegmentDataManager_{seg}] [{seg2}] Stopping consumption due to row limit nRows={n} numRowsIndexed={a}, numRowsConsumed={b}",
         {"ts": pinot_ts, "seg": remember(pinot_segment), "seg2": then(0),
          "n": pick(["100000", "5000000"]), "a": lambda g: g.num(100000, 5000000), "b": lambda g: g.num(100000, 5000000)}),
        (8, pinot + "[PinotLLCRealtimeSegmentManager] [grizzly-http-server-{n}] Committing segment file for segment: {seg}",
         {"ts": pinot_ts, "n": lambda g: g.num(0, 31), "seg": pinot_segment}),
        (5, "{ts} WARN [BaseSingleStageBrokerRequestHandler] [jersey-server-managed-async-executor-{n}] Caught exception while handling request {rid}: {q}, {err}",
         {"ts": pinot_ts, "lvl": pick(["WARN"]), "n": lambda g: g.num(1, 64), "rid": pinot_query, "q": then(1),
          "err": pick(["Table does not exist", "Timeout while waiting for response from server", "Unsupported predicate type: REGEXP_LIKE on column: country"])}),
        # StarRocks 3.1: FE audit log, FE log, BE glog
        (150, "{ts} [query] |Client={ip}:{port}|User={u}|AuthorizedUser='{u2}'@'%'|ResourceGroup={rg}|Catalog=default_catalog|Db={db}|State={st}|ErrorCode={ec}|Time={t}"
         "|ScanBytes={sb}|ScanRows={sr}|ReturnRows={rr}|CpuCostNs={cpu}|MemCostBytes={mem}|StmtId={sid}|QueryId={qid}|IsQuery={isq}|feIp={fe}|Stmt={stmt}|Digest=|PlanCpuCost={pc}|PlanMemCost={pm}",
         {"ts": sr_audit_ts, "ip": Gen.ip, "port": Gen.port, "u": remember(pick(AN_SR_USERS)),
          "u2": then(0), "rg": pick(["default_wg", "default_wg", "rg_etl", "rg_adhoc"]), "db": pick(AN_SR_DBS),
          "st": first(AN_SR_STATEMENTS), "ec": then(1), "t": lambda g: g.num(1, 30000), "sb": lambda g: g.num(0, 9000000000),
          "sr": lambda g: g.num(0, 90000000), "rr": lambda g: g.num(0, 5000), "cpu": lambda g: g.num(10000, 90000000000),
          "mem": lambda g: g.num(0, 9000000000), "sid": lambda g: g.num(1, 900000), "qid": Gen.uuid, "isq": then(2),
          "fe": pick(["10.40.0.11", "10.40.0.12", "10.40.0.13"]), "stmt": then(3), "pc": lambda g: g.r.choice(["0.0", f"{g.r.uniform(1, 9e9):.1f}"]),
          "pm": lambda g: g.r.choice(["0.0", f"{g.r.uniform(1, 9e9):.1f}"])}),
        (12, sr_fe + "[DatabaseTransactionMgr.commitTransaction():1052] transaction:[TransactionState. txn_id: {txn}, label: {lb}, db id: {dbid}, table id list: {tids}, "
         "callback id: {cb}, coordinator: BE: {be}, transaction status: COMMITTED, error replicas num: {er}, replica ids: {ri}, prepare time: {pt}, commit time: {ct}, "
         "finish time: -1, write cost: {wc}ms, reason: ] successfully committed",
         {"ts": sr_fe_ts, "th": lambda g: f"thrift-server-pool-{g.r.randint(1, 40)}", "tid": lambda g: g.num(100, 900), "txn": lambda g: g.num(10000, 990000), "lb": sr_label, "dbid": pick(["10012", "10086", "11045"]), "tids": sr_table_ids,
          "cb": lambda g: g.r.choice(["-1", g.num(10000, 99999)]), "be": pick(["10.40.1.21", "10.40.1.22", "10.40.1.23"]),
          "er": pick(["0", "0", "0", "1"]), "ri": lambda g: g.r.choice(["", "", g.num(10500, 99999)]), "pt": epoch_ms, "ct": epoch_ms,
          "wc": lambda g: g.num(3, 9000)}),
        (10, sr_fe + "[ReportHandler.tabletReport():494] finished to handle tablet report from backend {be} cost: {ms} ms",
         {"ts": sr_fe_ts, "th": lambda g: f"thrift-server-pool-{g.r.randint(1, 40)}", "tid": lambda g: g.num(100, 900), "be": pick(AN_SR_BACKENDS), "ms": lambda g: g.num(0, 400)}),
        (14, glog + "compaction_task.cpp:122] compaction finish. tablet: {tab}, compaction type: {ct}, output version: {v0}-{v1}, input rowsets: {ir}, input rows: {irow}, "
         "output rows: {orow}, input data size: {isz}, output data size: {osz}, cost: {ms}ms",
         {"t": glog_ts, "tid": lambda g: g.num(1000, 99999), "tab": lambda g: g.num(10500, 99999),
          "ct": pick(["base", "cumulative", "cumulative", "cumulative"]), "v0": lambda g: g.r.choice(["0", g.num(2, 900)]), "v1": lambda g: g.num(900, 9000),
          "ir": lambda g: g.num(2, 40), "irow": lambda g: g.num(0, 9000000), "orow": lambda g: g.num(0, 9000000),
          "isz": lambda g: g.num(100, 900000000), "osz": lambda g: g.num(100, 900000000), "ms": lambda g: g.num(1, 90000)}),
        (8, "W{t} {tid} fragment_mgr.cpp:198] Fail to execute fragment, query_id={qid} instance_id={iid}, status={st}",
         {"t": glog_ts, "tid": lambda g: g.num(1000, 99999), "qid": sr_instance, "iid": sr_instance,
          "st": sr_fragment_status}),
        # ClickHouse Keeper 23.8
        (10, keeper + "<Debug> KeeperStateMachine: Creating snapshot {n}", {"ts": keeper_ts, "tid": lambda g: g.num(40, 90), "n": lambda g: str(g.r.randint(100, 900) * 10000)}),
        (10, keeper + "<Debug> KeeperStateMachine: Created persistent snapshot {n} with path /var/lib/clickhouse/coordination/snapshots/snapshot_{n2}.bin.zstd",
         {"ts": keeper_ts, "tid": lambda g: g.num(40, 90), "n": keeper_snapshot, "n2": then(0)}),
        (9, keeper + "<Information> Changelog: Removing changelog /var/lib/clickhouse/coordination/log/changelog_{a}_{b}.bin.zstd because of compaction",
         {"ts": keeper_ts, "tid": lambda g: g.num(40, 90), "a": changelog_range, "b": then(0)}),
        (5, keeper + "<Information> RaftInstance: [VOTE INIT] my id {id}, my role {role}, term {t}, log idx {li}, log term {lt}, priority (target {pt} / mine {pm})",
         {"ts": keeper_ts, "tid": lambda g: g.num(40, 90), "id": pick(["1", "2", "3"]), "role": pick(["candidate", "candidate", "follower"]),
          "t": lambda g: g.num(2, 40), "li": lambda g: g.num(1000, 9000000), "lt": lambda g: g.num(1, 40), "pt": pick(["1"]), "pm": pick(["1", "1", "2"])}),
        (16, keeper + "<Information> KeeperTCPHandler: Received session ID {sid}", {"ts": keeper_ts, "tid": lambda g: g.num(100, 400), "sid": keeper_session}),
        # Apache NiFi 1.23 (logback: %date %level [%thread] %logger{40} %msg)
        (14, "{ts} INFO [pool-{p}-thread-1] o.a.n.c.r.WriteAheadFlowFileRepository Initiating checkpoint of FlowFile Repository",
         {"ts": java_ts, "p": pick(["7", "7", "12"])}),
        (14, "{ts} INFO [pool-{p}-thread-1] o.a.n.c.r.WriteAheadFlowFileRepository Successfully checkpointed FlowFile Repository with {n} records in {ms} milliseconds",
         {"ts": java_ts, "p": pick(["7", "7", "12"]), "n": lambda g: g.num(0, 90000), "ms": lambda g: g.num(0, 900)}),
        (16, "{ts} INFO [Cleanup Archive for default] o.a.n.c.repository.FileSystemRepository Successfully deleted {n} files ({sz}) from archive",
         {"ts": java_ts, "n": lambda g: g.num(0, 400), "sz": size}),
        (8, "{ts} INFO [Provenance Maintenance Thread-{n}] o.a.n.p.store.WriteAheadStorePartition Successfully rolled over Event Writer for Provenance Event Store Partition"
         "[directory=./provenance_repository] due to {r}. Event File was {sz} and contained {ev} events.",
         {"ts": java_ts, "n": pick(["1", "2", "3"]), "r": pick(["MAX_TIME_REACHED", "MAX_TIME_REACHED", "MAX_BYTES_REACHED", "MAX_EVENTS_REACHED"]),
          "sz": size, "ev": lambda g: g.num(1, 900000)}),
        (7, "{ts} INFO [NiFi Web Server-{n}] o.a.n.c.s.StandardProcessScheduler Starting {p}[id={u}]",
         {"ts": java_ts, "n": lambda g: g.num(20, 400), "p": pick(AN_NIFI_PROCESSORS), "u": Gen.uuid}),
        (10, "{ts} ERROR [{th}] o.a.nifi.processors.standard.InvokeHTTP InvokeHTTP[id={u}] Routing to Failure due to exception: {e}",
         {"ts": java_ts, "th": nifi_timer_thread, "u": Gen.uuid, "e": nifi_http_error}),
        # Airbyte 0.50 job logs
        (40, "{ts} replication-orchestrator > Records read: {n} ({sz})", {"ts": day_ts, "n": lambda g: str(g.r.randint(1, 900) * 1000), "sz": size}),
        (10, "{ts} replication-orchestrator > Stream status TRACE received of status: {st} for stream {s}",
         {"ts": day_ts, "st": pick(["STARTED", "RUNNING", "COMPLETE", "COMPLETE", "INCOMPLETE"]), "s": pick(AN_AIRBYTE_STREAMS)}),
        (14, "{ts} source > Table {t} column {c} (type {ty}, nullable {nl}) -> JsonSchemaType({js})",
         {"ts": day_ts, "t": airbyte_column, "c": then(1), "ty": then(2), "nl": then(3), "js": then(4)}),
        # dbt 1.7 console
        (28, "{t}  {i} of {n} START sql {mat} model {rel} {dots} [RUN]",
         {**dbt_model, "i": dbt_line("start_model"), "n": then(0), "mat": then(1), "rel": then(2), "dots": then(5)}),
        (24, "{t}  {i} of {n} OK created sql {mat} model {rel} {dots} [{res} in {s}s]",
         {**dbt_model, "i": dbt_line("ok_model"), "n": then(0), "mat": then(1), "rel": then(2), "dots": then(5), "res": then(6), "s": then(7)}),
        (22, "{t}  {i} of {n} START test {test} {dots} [RUN]",
         {**dbt_model, "i": dbt_line("start_test"), "n": then(0), "test": then(3), "dots": then(5)}),
        (18, "{t}  {i} of {n} PASS {test} {dots} [PASS in {s}s]",
         {**dbt_model, "i": dbt_line("pass"), "n": then(0), "test": then(3), "dots": then(5), "s": then(7)}),
        (5, "{t}  {i} of {n} FAIL {k} {test} {dots} [FAIL {k2} in {s}s]",
         {**dbt_model, "i": dbt_line("fail"), "n": then(0), "k": then(4), "test": then(3), "dots": then(5), "k2": then(4), "s": then(7)}),
        (4, "{t}  Finished running {what} in {h} hours {m} minutes and {s} seconds ({tot}s).",
         {**dbt_model, "what": dbt_finished, "h": dbt_elapsed, "m": then(0), "s": then(1), "tot": then(2)}),
        # Dagster 1.5 (run logs through the Python handler; daemon logs)
        (22, dag_step + 'STEP_START - Started execution of step "{s2}".',
         {"ts": dagster_ts, "job": dagster_job, "run": Gen.uuid, "pid": lambda g: g.num(20, 9000), "step": then(1), "s2": then(1)}),
        (22, dag_step + 'STEP_SUCCESS - Finished execution of step "{s2}" in {d}.',
         {"ts": dagster_ts, "job": dagster_job, "run": Gen.uuid, "pid": lambda g: g.num(20, 9000), "step": then(1), "s2": then(1), "d": dagster_dur}),
        (14, dag_step + 'LOADED_INPUT - Loaded input "{inp}" using input manager "{im}", from output "result" of step "{up}"',
         {"ts": dagster_ts, "job": dagster_job, "run": Gen.uuid, "pid": lambda g: g.num(20, 9000), "step": then(1), "inp": then(2),
          "im": pick(["io_manager", "io_manager", "s3_parquet_io_manager"]), "up": then(2)}),
        (14, dag_step + 'HANDLED_OUTPUT - Handled output "{out}" using IO manager "{im}"',
         {"ts": dagster_ts, "job": dagster_job, "run": Gen.uuid, "pid": lambda g: g.num(20, 9000), "step": then(1), "out": pick(["result", "result", "report_path"]),
          "im": pick(["io_manager", "io_manager", "s3_parquet_io_manager"])}),
        (6, dag_step + "ASSET_MATERIALIZATION - Materialized value {a}.",
         {"ts": dagster_ts, "job": dagster_job, "run": Gen.uuid, "pid": lambda g: g.num(20, 9000), "step": then(1), "a": dagster_asset}),
        (12, "{ts} - dagster.daemon.SensorDaemon - INFO - Checking for new runs for sensor: {s}", {"ts": dagster_ts, "s": pick(AN_DAGSTER_SENSORS)}),
        # Prefect 2.14 (its console format: time | level | logger or run - message)
        (22, prefect + "Flow run '{fr}' - Created task run '{t}-{k}' for task '{t2}'",
         {"ts": prefect_ts, "fr": flow_run_name, "t": remember(pick(AN_PREFECT_TASKS)),
          "k": lambda g: g.num(0, 40), "t2": then(0)}),
        (22, prefect + "Flow run '{fr}' - Executing '{t}-{k}' immediately...",
         {"ts": prefect_ts, "fr": flow_run_name, "t": pick(AN_PREFECT_TASKS), "k": lambda g: g.num(0, 40)}),
        (24, prefect + "Task run '{t}-{k}' - Finished in state {st}", {"ts": prefect_ts, "t": pick(AN_PREFECT_TASKS), "k": lambda g: g.num(0, 40), "st": task_state}),
        (7, prefect + "Flow run '{fr}' - Finished in state {st}", {"ts": prefect_ts, "fr": flow_run_name, "st": flow_state}),
        (6, prefect + "prefect.flow_runs.worker - Worker 'KubernetesWorker {w}' submitting flow run '{u}'",
         {"ts": prefect_ts, "w": pick(["8d2f4a6c-1e3b-4d5f-9a7c-0b2e4f6a8c1d", "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b"]), "u": Gen.uuid}),
        # Apache Superset 3.0 (%(asctime)s:%(levelname)s:%(name)s:%(message)s)
        (34, "{ts}:DEBUG:superset.stats_logger:[stats_logger] (incr) {k}", {"ts": java_ts, "k": superset_key}),
        (9, "{ts}:INFO:superset.sql_lab:Query {q}: Executing {n} statement(s)", {"ts": java_ts, "q": lambda g: g.num(1, 9000), "n": pick(["1", "1", "1", "2", "3"])}),
        (4, "{ts}:ERROR:superset.sql_lab:Query {q}: {e}", {"ts": java_ts, "q": lambda g: g.num(1, 9000), "e": superset_exc}),
        # Metabase 0.47
        (80, "{ts} DEBUG middleware.log :: {m} {p} {st} {t} ({db} DB calls) App DB connections: {a}/{amax} Jetty threads: {j}/{jmax} ({idle} idle, {q} queued) "
         "({tot} total active threads) Queries in flight: {f} ({fq} queued)",
         {"ts": java_ts, "m": pick(["GET", "GET", "GET", "POST", "PUT"]), "p": metabase_path, "st": pick(["200", "200", "200", "200", "204", "403", "404"]),
          "t": metabase_time, "db": lambda g: g.num(0, 40), "a": lambda g: g.num(0, 15), "amax": pick(["15"]), "j": lambda g: g.num(2, 50),
          "jmax": pick(["50"]), "idle": lambda g: g.num(0, 8), "q": pick(["0", "0", "0", "1", "4"]), "tot": lambda g: g.num(60, 180),
          "f": lambda g: g.num(0, 6), "fq": pick(["0", "0", "0", "2"])}),
        (12, "{ts} DEBUG middleware.log :: POST {p} 202 [ASYNC: {r}] {t} ({db} DB calls) App DB connections: {a}/{amax} Jetty threads: {j}/{jmax} ({idle} idle, {q} queued) "
         "({tot} total active threads) Queries in flight: {f} ({fq} queued)",
         {"ts": java_ts, "p": lambda g: g.r.choice(["/api/dataset", f"/api/card/{g.num(1, 400)}/query", f"/api/dashboard/{g.num(1, 90)}/dashcard/{g.num(1, 900)}/card/{g.num(1, 400)}/query"]),
          "r": pick(["completed", "completed", "completed", "canceled"]), "t": metabase_time, "db": lambda g: g.num(0, 40), "a": lambda g: g.num(0, 15),
          "amax": pick(["15"]), "j": lambda g: g.num(2, 50), "jmax": pick(["50"]), "idle": lambda g: g.num(0, 8), "q": pick(["0", "0", "0", "1", "4"]),
          "tot": lambda g: g.num(60, 180), "f": lambda g: g.num(0, 6), "fq": pick(["0", "0", "0", "2"])}),
        (5, "{ts} INFO sync.util :: STARTING: {s} for {e} Database {id} '{n}'",
         {"ts": java_ts, "s": pick(["Sync metadata", "Analyze data", "Cache field values"]), "e": metabase_db, "id": then(1), "n": then(2)}),
        (5, "{ts} INFO sync.util :: FINISHED: {s} for {e} Database {id} '{n}' ({t})",
         {"ts": java_ts, "s": pick(["Sync metadata", "Analyze data", "Cache field values"]), "e": metabase_db, "id": then(1), "n": then(2), "t": metabase_time}),
        # Kafka Streams 3.6 (Kafka's log4j layout: [%d] %p %m (%c)%n)
        (30, streams + "Processed {n} total records, ran {p} punctuators, and committed {c} total tasks since the last update (org.apache.kafka.streams.processor.internals.StreamThread)",
         {"ts": kafka_ts, "th": streams_thread, "n": lambda g: g.num(0, 900000), "p": pick(["0", "0", "0", "12", "60"]), "c": lambda g: g.num(0, 400)}),
        (9, streams + "State transition from {a} to {b} (org.apache.kafka.streams.processor.internals.StreamThread)",
         {"ts": kafka_ts, "th": streams_thread, "a": thread_transition, "b": then(1)}),
        (5, "{ts} INFO stream-client [{c}] State transition from {a} to {b} (org.apache.kafka.streams.KafkaStreams)",
         {"ts": kafka_ts, "c": streams_client, "a": client_transition, "b": then(1)}),
        (8, streams + "task [{t}] Suspended running (org.apache.kafka.streams.processor.internals.StreamTask)", {"ts": kafka_ts, "th": streams_thread, "t": stream_task}),
        (8, streams + "task [{t}] Closed clean (org.apache.kafka.streams.processor.internals.StreamTask)", {"ts": kafka_ts, "th": streams_thread, "t": stream_task}),
        (4, streams + "Restoration took {ms} ms for all active tasks [{ts2}] (org.apache.kafka.streams.processor.internals.StreamThread)",
         {"ts": kafka_ts, "th": streams_thread, "ms": lambda g: g.num(3, 90000), "ts2": stream_tasks}),
        # ksqlDB 0.29 server (the same log4j layout; the request log line is Vert.x's)
        (24, '{ts} INFO {ip} - - [{t}] "{m} {p} HTTP/1.1" {st} {b} "-" "{a}" {ms} (io.confluent.ksql.api.server.LoggingHandler)',
         {"ts": kafka_ts, "ip": Gen.ip, "t": lambda g: g.clf_time()[1:-1], "m": ksql_request, "p": then(1), "st": then(2), "b": lambda g: g.num(40, 90000),
          "a": pick(["ksqldb-cli/0.29.0", "Apache-HttpClient/4.5.14 (Java/17.0.9)", "kube-probe/1.28", "-"]), "ms": lambda g: g.num(1, 4000)}),
        (5, "{ts} INFO Executing statement: {s} (io.confluent.ksql.rest.server.computation.InteractiveStatementExecutor)", {"ts": kafka_ts, "s": ksql_statement}),
        # Spark on Kubernetes operator 1.1 (glog) and Spark 3.5 drivers on Kubernetes (log4j2 console)
        (18, glog + 'controller.go:263] Starting processing key: "{k}"', {"t": glog_ts, "tid": go_tid, "k": spark_app}),
        (18, glog + 'controller.go:270] Ending processing key: "{k}"', {"t": glog_ts, "tid": go_tid, "k": spark_app}),
        (4, glog + "submission.go:65] spark-submit arguments: [{a}]", {"t": glog_ts, "tid": go_tid, "a": submit_args}),
        (6, "{ts} INFO ExecutorPodsAllocator: Going to request {n} executors from Kubernetes for ResourceProfile Id: {rp}, target: {t}, known: {k}, sharedSlotFromPendingPods: {s}.",
         {"ts": spark_ts, "n": pick(["1", "2", "5", "5", "10"]), "rp": pick(["0", "0", "1"]), "t": lambda g: g.num(2, 40), "k": lambda g: g.num(0, 40),
          "s": pick(["2147483647"])}),
        (10, "{ts} INFO KubernetesClusterSchedulerBackend$KubernetesDriverEndpoint: Registered executor NettyRpcEndpointRef(spark-client://Executor) ({ip}:{port}) with ID {id},  ResourceProfileId {rp}",
         {"ts": spark_ts, "ip": Gen.ip, "port": Gen.port, "id": lambda g: g.num(1, 40), "rp": pick(["0", "0", "1"])}),
    ]


ST_NODES = ["stor-node-1", "stor-node-2", "stor-node-3"]
ST_NODE_IPS = {"stor-node-1": "10.70.0.11", "stor-node-2": "10.70.0.12", "stor-node-3": "10.70.0.13"}
ST_LH_VOLUMES = ["pvc-5f2c1a9e-3b7d-4c8e-9a1f-2d6b0e4c7a31", "pvc-a81d4e07-6c2b-4f95-b3e8-91c7d05f2a6e",
                 "pvc-0c9e7b52-d4a1-4e36-8f2b-7a5d13c9e084"]
ST_PVCS = [("databases", "data-postgres-0"), ("databases", "data-postgres-1"), ("monitoring", "prometheus-db-prometheus-0"),
           ("default", "uploads")]
ST_GLUSTER_VOLUMES = ["gv0", "shared-home", "media"]
ST_GLUSTER_PEERS = [("10.70.0.12", "22990ccf-c51b-4f0f-b2a2-2926b268d37f"), ("10.70.0.13", "8f1d3a6b-0c2e-4d97-a5b4-6e3f1c9d2a70")]
ST_ZPOOLS = ["tank", "backup"]
ST_ZVDEVS = ["sdb1", "sdc1", "ata-ST8000VN004-2M2101_WSD1A2B3-part1", "nvme0n1p3"]
ST_DISKS = ["sdb", "sdc", "sdd", "sde"]
# (multipath map alias, WWID)
ST_MPATHS = [("mpatha", "3600a098038314a6f4a5d4f6b2f6e7a41"), ("mpathb", "36001405130d0940e1914873a58afb4ad"),
             ("mpathc", "360060160e1714c005e723e6089be39bd")]
ST_IQNS = ["iqn.2003-01.org.linux-iscsi.san-1.x8664:sn.4f1e2d3c4b5a", "iqn.1992-08.com.netapp:sn.7c1a2b3d4e5f6a7b8c9d0e1f2a3b4c5d:vs.3",
           "iqn.2010-10.org.openstack:volume-6b2e9d41-0f3a-4c58-9e7d-2a1b3c4d5e6f"]
ST_ISCSI_PORTALS = ["10.70.20.5", "10.70.20.6", "10.70.21.5"]
ST_EBS_VOLUMES = ["vol-0bc4f2e94e89e01cc", "vol-0a4910df43136ea3e", "vol-07d2c9e1f4b3a5c68"]
ST_RBD_POOLS = ["replicapool", "ssd-pool"]
ST_RESTIC_PATHS = ["/srv/www/uploads", "/var/lib/postgresql/dumps", "/home"]
ST_BORG_HOSTS = ["stor-node-1", "db-1", "web-2"]
ST_MYSQL_FILES = ["./ibdata1", "./mysql.ibd", "./orders/order_items.ibd", "./orders/orders.ibd", "./undo_001", "./undo_002",
                  "./sys/sys_config.ibd", "./billing/invoices.ibd"]
ST_JFS_META = ["redis://10.70.1.5:6379/1", "tikv://10.70.1.11:2379,10.70.1.12:2379,10.70.1.13:2379/jfs",
               "mysql://juicefs:****@(10.70.1.20:3306)/juicefs"]
ST_JFS_VOLUMES = [("myjfs", "s3://jfs-data-eu.s3.eu-central-1.amazonaws.com/myjfs/"), ("ml-datasets", "minio://10.70.1.30:9000/datasets/ml-datasets/")]


def storage_events() -> list[tuple[float, str, dict]]:
    """Storage and backup software on Kubernetes and Linux hosts that none of the other corpora
    covers: the Longhorn manager (logrus with func and file fields) and instance-manager (engine
    processes prefixed with their name), the OpenEBS LocalPV hostpath provisioner (klog), the AWS
    EBS CSI node plugin (klog), the ceph-csi RBD node plugin (klog with request ids), GlusterFS
    glusterd and the AFR translator, ZFS zed, LVM dmeventd, multipathd, iscsid, the kernel's block
    layer with ext4, XFS and rbd messages (through syslog), restic and BorgBackup console output,
    Percona XtraBackup 8.0 and JuiceFS. Written blind for the sixteenth issue-15 pass: before
    reading the engine or any failure analysis; 86 event types."""

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def logrus_ts(g: Gen) -> str:
        # RFC3339Nano trims trailing zeros of the fraction
        return f"2026-12-03T{hms(g)}.{g.num(1, 999999999):0>9}".rstrip("0") + "Z"

    def klog_ts(g: Gen) -> str:
        return f"1203 {hms(g)}.{us6(g)}"

    def klog(level: str, src: str) -> str:
        return level + "{kt}       1 " + src + "] "

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def uptime(g: Gen) -> str:
        # the kernel's "[%5lu.%06lu]": the padding belongs to the value
        return f"{g.r.randint(40, 990000):>5}.{us6(g)}"

    def gluster_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{us6(g)}"

    def xb_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{us6(g)}-00:00"

    def jfs_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}.{us6(g)}"

    def pvc(g: Gen) -> str:
        return f"pvc-{g.uuid()}"

    def remembered_pvc(g: Gen) -> str:
        # keeps the volume name for the path slot of the same line (then(0))
        g.drawn = (pvc(g),)
        return g.drawn[0]

    def lh_volume(g: Gen) -> str:
        g.drawn = (g.r.choice(ST_LH_VOLUMES),)
        return g.drawn[0]

    def lh_replica(g: Gen) -> str:
        return f"{g.r.choice(ST_LH_VOLUMES)}-r-{g.hexs(8)}"

    def lh_engine(g: Gen) -> str:
        return f"{g.r.choice(ST_LH_VOLUMES)}-e-{g.r.choice(['0', '0', '0', g.hexs(8)])}"

    def lh_node(g: Gen) -> str:
        return g.r.choice(ST_NODES)

    def replica_addr(g: Gen) -> str:
        return f"tcp://10.42.{g.r.randint(0, 3)}.{g.r.randint(2, 254)}:{g.r.choice(['10000', '10010', '10030', '10045'])}"

    def lh_labels(g: Gen) -> str:
        return g.r.choice(["", "", "RecurringJob:snapshot-hourly", "RecurringJob:backup-daily longhorn.io/snapshot-type:recurring"])

    def lh_snapshot(g: Gen) -> str:
        # user snapshots get a UUID, recurring jobs their job name and a short id
        return g.r.choice([g.uuid(), g.uuid(), f"snapshot-hourly-{g.hexs(8)}", f"backup-daily-{g.hexs(8)}"])

    def lh_process(g: Gen) -> str:
        return g.r.choice([lh_engine(g), lh_replica(g)])

    def csi_attachment(g: Gen) -> str:
        return f"csi-{g.hexs(64)}"

    def claim(g: Gen) -> str:
        ns, name = g.r.choice(ST_PVCS)
        return f"{ns}/{name}"

    def storage_class(g: Gen) -> str:
        return g.r.choice(["openebs-hostpath", "openebs-hostpath", "local-nvme"])

    def ebs_vol(g: Gen) -> str:
        return g.r.choice(ST_EBS_VOLUMES)

    def xvd(g: Gen) -> str:
        return f"/dev/xvdb{g.r.choice('abcdef')}"

    def nvme_dev(g: Gen) -> str:
        return f"/dev/nvme{g.r.randint(1, 4)}n1"

    def staging_path(g: Gen) -> str:
        return f"/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/{g.hexs(64)}/globalmount"

    def fs_type(g: Gen) -> str:
        return g.r.choice(["ext4", "ext4", "xfs"])

    def ceph_req(g: Gen) -> str:
        return f"0001-0009-rook-ceph-{g.r.choice(['0000000000000002', '0000000000000003'])}-{g.uuid()}"

    def ceph_call_id(g: Gen) -> str:
        return g.num(1, 9999)

    def rbd_image(g: Gen) -> str:
        return f"{g.r.choice(ST_RBD_POOLS)}/csi-vol-{g.uuid()}"

    def remembered_req(g: Gen) -> str:
        # the request id is the volume id, which later slots of the line repeat (then(0))
        g.drawn = (ceph_req(g),)
        return g.drawn[0]

    def rbd_staging(g: Gen) -> str:
        return f"/var/lib/kubelet/plugins/kubernetes.io/csi/rbd.csi.ceph.com/{g.hexs(64)}/globalmount/{g.drawn[0]}"

    def gluster_peer(g: Gen) -> str:
        g.drawn = g.r.choice(ST_GLUSTER_PEERS)
        return g.drawn[0]

    def zed_pid(g: Gen) -> str:
        return g.r.choice(["2952", "2952", "1187"])

    def zed_script(g: Gen) -> str:
        return g.r.choice(["all-syslog.sh", "all-syslog.sh", "all-syslog.sh", "statechange-notify.sh", "statechange-led.sh",
                           "scrub_finish-notify.sh", "resilver_finish-start-scrub.sh", "history_event-zfs-list-cacher.sh"])

    def zfs_guid(g: Gen) -> str:
        return str(g.r.randint(10**18, 18 * 10**18))

    def mpath(g: Gen) -> str:
        alias, wwid = g.r.choice(ST_MPATHS)
        return g.r.choice([alias, alias, wwid])

    def disk(g: Gen) -> str:
        return g.r.choice(ST_DISKS)

    def iscsi_error(g: Gen) -> str:
        g.drawn = g.r.choice([("1020", "ISCSI_ERR_TCP_CONN_CLOSE", "TCP connection closed"),
                              ("1011", "ISCSI_ERR_CONN_FAILED", "iSCSI connection failed"),
                              ("1010", "ISCSI_ERR_SCSI_EH_SESSION_RST", "Session was dropped as a result of SCSI error recovery")])
        return g.drawn[0]

    def part(g: Gen) -> str:
        return g.r.choice(["sdb1", "sdc1", "dm-3", "nvme1n1", "rbd0"])

    def io_op(g: Gen) -> str:
        g.drawn = g.r.choice([("0x0", "READ"), ("0x0", "READ"), ("0x1", "WRITE"), ("0x3", "DISCARD")])
        return g.drawn[0]

    def ext4_error(g: Gen) -> str:
        g.drawn = g.r.choice([("ext4_find_entry", "1455", "2", "ls", "reading directory lblock 0"),
                              ("ext4_lookup", "1785", "131073", "postgres", f"deleted inode referenced: {g.num(10000, 9000000)}"),
                              ("__ext4_get_inode_loc", "4402", f"{g.num(12, 9000000)}", "nginx", "unable to read itable block"),
                              ("ext4_validate_block_bitmap", "421", "0", "kworker/u8:2", "bg 17: bad block bitmap checksum")])
        return g.drawn[0]

    def xfs_caller(g: Gen) -> str:
        return g.r.choice(["xfs_buf_ioend+0x1a4/0x3b0 [xfs]", "xfs_trans_read_buf_map+0x2b1/0x380 [xfs]",
                           "xfs_log_force_umount+0x58/0x160 [xfs]"])

    def restic_count(g: Gen) -> str:
        # restic's "%5d": the padding belongs to the value
        return f"{g.r.choice([0, 0, 1, 3, 12, 148, 2047, 91234]):>5}"

    def iec(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 999):.3f} MiB", f"{g.r.uniform(1, 99):.3f} GiB", f"{g.r.uniform(1, 999):.3f} KiB",
                           f"{g.r.randint(0, 999)} B"])

    def restic_elapsed(g: Gen) -> str:
        return g.r.choice([f"0:{g.r.randint(1, 59):02d}", f"{g.r.randint(1, 59)}:{g.r.randint(0, 59):02d}",
                           f"1:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}"])

    def borg_archive(g: Gen) -> str:
        return f"{g.r.choice(ST_BORG_HOSTS)}-2026-12-03T{g.r.choice(['01', '02', '03'])}:00:{g.r.randint(0, 9):02d}"

    def borg_time(g: Gen) -> str:
        return f"Thu, 2026-12-03 {hms(g)}"

    def borg_duration(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 59):.2f} seconds", f"{g.r.randint(1, 59)} minutes {g.r.uniform(0, 59):.2f} seconds",
                           f"{g.r.randint(1, 3)} hours {g.r.randint(0, 59)} minutes {g.r.uniform(0, 59):.2f} seconds"])

    def borg_size(g: Gen) -> str:
        # "{:>20s}": the padding belongs to the value
        return f"{g.r.choice([f'{g.r.uniform(1, 999):.2f} MB', f'{g.r.uniform(1, 999):.2f} GB', f'{g.r.uniform(1, 9):.2f} TB', f'{g.r.randint(100, 999)} B']):>20}"

    def xb_thread(g: Gen) -> str:
        return g.r.choice(["0", "0", "1", "2"])

    def xb_file(g: Gen) -> str:
        f = g.r.choice(ST_MYSQL_FILES)
        g.drawn = (f, f"/backups/2026-12-03_0{g.r.randint(1, 3)}-00-0{g.r.randint(1, 9)}/{f[2:]}")
        return f

    def jfs_pid(g: Gen) -> str:
        return g.r.choice(["52728", "52728", "1893", "7741"])

    def jfs_volume(g: Gen) -> str:
        g.drawn = g.r.choice(ST_JFS_VOLUMES)
        return g.drawn[0]

    def jfs_latency(g: Gen) -> str:
        us = g.r.randint(60, 4200)
        # Go's Duration.String(): no trailing zeros in the fraction
        return f"{us / 1000:.6f}".rstrip("0") + "ms" if us >= 1000 else f"{us}.{g.num(1, 999):0>3}".rstrip("0") + "µs"

    lh = 'time="{t}" level='
    lh_hdr = {"t": logrus_ts}
    vol_fields = ' accessMode={am} controller=longhorn-volume frontend=blockdev migratable=false node={n} owner={o} state=attached volume={v}'
    vol_slots = {"am": pick(["rwo", "rwo", "rwx"]), "n": lh_node, "o": lh_node, "v": lh_volume}
    im = "[{p}] " + lh
    ebs = {"kt": klog_ts}
    rbd_call = "ID: {id} Req-ID: {req} "
    rbd_slots = {"kt": klog_ts, "id": ceph_call_id, "req": remembered_req}
    gl = "[{ts} +0000] "
    gl_hdr = {"ts": gluster_ts}
    sysl = "{st} {h} "
    sys_hdr = {"st": syslog_ts, "h": pick(ST_NODES)}
    kern = "{st} {h} kernel: [{up}] "
    kern_hdr = {**sys_hdr, "up": uptime}
    xb = "{ts} {th} [Note] [MY-011825] [Xtrabackup] "
    xb_hdr = {"ts": xb_ts, "th": xb_thread}
    jfs = "{ts} juicefs[{pid}] "
    jfs_hdr = {"ts": jfs_ts, "pid": jfs_pid}
    return [
        # Longhorn manager 1.7 (logrus text, with the func and file of the caller)
        (30, lh + 'info msg="Volume {v} is selected to attach to node {n}" func="controller.(*VolumeAttachmentController).handleVolumeAttachment" file="volume_attachment_controller.go:575" controller=longhorn-volume-attachment node={n2}',
         {**lh_hdr, "v": lh_volume, "n": lh_node, "n2": lh_node}),
        (18, lh + 'info msg="Requesting volume {v} detachment for node {n} with attachmentID {a} " func="csi.(*ControllerServer).unpublishVolume" file="controller_server.go:595" component=csi-controller-server function=unpublishVolume',
         {**lh_hdr, "v": lh_volume, "n": lh_node, "a": csi_attachment}),
        (6, lh + 'warning msg="Timeout while waiting for volume {v} state {s}" func="csi.(*ControllerServer).waitForVolumeState" file="controller_server.go:1192" component=csi-controller-server function=waitForVolumeState',
         {**lh_hdr, "v": lh_volume, "s": pick(["volume unpublished", "volume published", "volume unpublished", "volume expansion"])}),
        (5, lh + 'warning msg="Cannot find the instance manager for the running instance {r}, will mark the instance as state ERROR" func="controller.(*InstanceHandler).syncStatusWithInstanceManager" file="instance_handler.go:89"',
         {**lh_hdr, "r": lh_replica}),
        (7, lh + 'warning msg="Replica {r} that not in the engine mode map is marked as failed, current state {s}, engine name {e}, active {a}" func="controller.(*VolumeController).ReconcileEngineReplicaState" file="volume_controller.go:693"' + vol_fields,
         {**lh_hdr, "r": lh_replica, "s": pick(["error", "running", "stopped"]), "e": lh_engine, "a": pick(["true", "true", "false"]), **vol_slots}),
        (3, lh + 'info msg="All replicas are failed, set engine salvageRequested to true" func="controller.(*VolumeController).ReconcileEngineReplicaState" file="volume_controller.go:739"' + vol_fields,
         {**lh_hdr, **vol_slots}),
        (14, lh + 'info msg="Starting monitoring engine" func="controller.(*EngineController).startMonitoring" file="engine_controller.go:1057" controller=longhorn-engine engine={e} node={n}',
         {**lh_hdr, "e": lh_engine, "n": lh_node}),
        # Longhorn instance-manager: its own lines and the engine processes it runs, each prefixed with the process name
        (10, "[longhorn-instance-manager] " + lh + 'info msg="Process Manager: prepare to create process {p}"', {**lh_hdr, "p": lh_process}),
        (10, "[longhorn-instance-manager] " + lh + 'info msg="Process Manager: created process {p}"', {**lh_hdr, "p": lh_process}),
        (16, im + 'info msg="Adding backend: {a}"', {"p": lh_engine, **lh_hdr, "a": replica_addr}),
        (9, im + 'info msg="Set replica {a} to mode {m}"', {"p": lh_engine, **lh_hdr, "a": replica_addr, "m": pick(["ERR", "ERR", "RW", "WO"])}),
        (20, im + 'info msg="Starting to snapshot: {a} {s} UserCreated {u} Created at {c}, Labels map[{l}]"',
         {"p": lh_engine, **lh_hdr, "a": lambda g: replica_addr(g)[6:], "s": lh_snapshot, "u": pick(["false", "false", "true"]),
          "c": lambda g: f"2026-12-03T{hms(g)}Z", "l": lh_labels}),
        # OpenEBS LocalPV hostpath provisioner 4.0 (klog, with sig-storage-lib-external-provisioner)
        (12, klog("I", "controller.go:1366") + 'provision "{c}" class "{sc}": started', {"kt": klog_ts, "c": claim, "sc": storage_class}),
        (10, klog("I", "controller.go:1449") + 'provision "{c}" class "{sc}": volume "{v}" provisioned',
         {"kt": klog_ts, "c": claim, "sc": storage_class, "v": pvc}),
        (10, klog("I", "provisioner_hostpath.go:76") + "Creating volume {v} at node with labels {{map[kubernetes.io/hostname:{n}]}}, path:{p},ImagePullSecrets:[]",
         {"kt": klog_ts, "v": remembered_pvc, "n": pick(ST_NODES),
          "p": lambda g: f"/var/openebs/local/{g.drawn[0]}"}),
        # AWS EBS CSI driver node plugin (klog)
        (14, klog("I", "node.go:96") + 'NodeStageVolume: called with args {{VolumeId:{v} PublishContext:map[devicePath:{d}] StagingTargetPath:{s} VolumeCapability:mount:<fs_type:"{fs}" > access_mode:<mode:SINGLE_NODE_WRITER >  Secrets:map[] VolumeContext:map[partition:0] XXX_NoUnkeyedLiteral:{{}} XXX_unrecognized:[] XXX_sizecache:0}}',
         {**ebs, "v": ebs_vol, "d": xvd, "s": staging_path, "fs": fs_type}),
        (14, klog("I", "node.go:160") + "NodeStageVolume: find device path {d} -> {r}", {**ebs, "d": xvd, "r": nvme_dev}),
        (8, klog("I", "node.go:195") + "NodeStageVolume: formatting {d} and mounting at {s} with fstype {fs}", {**ebs, "d": nvme_dev, "s": staging_path, "fs": fs_type}),
        (8, klog("I", "mount_linux.go:274") + "Checking for issues with fsck on disk: {d}", {**ebs, "d": nvme_dev}),
        (11, klog("I", "node_linux.go:78") + '[Debug] The canonical device path for "{d}" was resolved to: "{r}"', {**ebs, "d": xvd, "r": nvme_dev}),
        (3, klog("I", "node.go:304") + 'NodeExpandVolume: called with args {{VolumeId:{v} VolumePath:/var/lib/kubelet/pods/{u}/volumes/kubernetes.io~csi/{pv}/mount CapacityRange:required_bytes:{b}  StagingTargetPath:{s} VolumeCapability:mount:<fs_type:"{fs}" > access_mode:<mode:SINGLE_NODE_WRITER >  Secrets:map[] XXX_NoUnkeyedLiteral:{{}} XXX_unrecognized:[] XXX_sizecache:0}}',
         {**ebs, "v": ebs_vol, "u": Gen.uuid, "pv": pvc, "b": lambda g: str(g.r.choice([8, 20, 50, 100]) * 1073741824), "s": staging_path, "fs": fs_type}),
        (2, klog("W", "metadata.go:88") + "ec2 metadata is not available", {**ebs}),
        # ceph-csi 3.10 RBD node plugin (klog; the request's call id and volume id lead the message)
        (24, klog("I", "utils.go:198") + rbd_call + "GRPC call: /csi.v1.Node/{m}",
         {**rbd_slots, "m": pick(["NodeStageVolume", "NodePublishVolume", "NodeUnpublishVolume", "NodeUnstageVolume", "NodeGetVolumeStats",
                                  "NodeGetVolumeStats", "NodeGetVolumeStats"])}),
        (20, klog("I", "utils.go:205") + rbd_call + "GRPC response: {{}}", {**rbd_slots}),
        (8, klog("I", "nodeserver.go:415") + rbd_call + "rbd image: {i} was successfully mapped at {d}",
         {**rbd_slots, "i": rbd_image, "d": lambda g: f"/dev/rbd{g.r.randint(0, 12)}"}),
        (7, klog("I", "nodeserver.go:804") + rbd_call + "rbd: successfully mounted volume {v} to stagingTargetPath {s}",
         {**rbd_slots, "v": then(0), "s": rbd_staging}),
        (6, klog("I", "nodeserver.go:1001") + rbd_call + "rbd: successfully unmounted volume {v} from {s}",
         {**rbd_slots, "v": then(0), "s": rbd_staging}),
        (4, klog("E", "utils.go:210") + rbd_call + "GRPC error: rpc error: code = {c} desc = {d}",
         {**rbd_slots, "c": first([("Aborted", "an operation with the given Volume ID 0001-0009-rook-ceph-0000000000000002-6b2e9d41-0f3a-4c58-9e7d-2a1b3c4d5e6f already exists"),
                                   ("Internal", "rbd: map failed with error an error (exit status 110) occurred while running rbd args: [--id csi-rbd-node -m 10.70.0.11:6789,10.70.0.12:6789,10.70.0.13:6789 --keyfile=***stripped*** map replicapool/csi-vol-6b2e9d41-0f3a-4c58-9e7d-2a1b3c4d5e6f --device-type krbd --options noudev], rbd error output: rbd: map failed: (110) Connection timed out"),
                                   ("NotFound", "volume not found")]), "d": then(1)}),
        # GlusterFS 11 glusterd and the client's AFR translator (gf_msg layout; messages end with a space)
        (20, gl + "I [MSGID: 106487] [glusterd-handler.c:1438:__glusterd_handle_cli_list_friends] 0-glusterd: Received cli list req ", {**gl_hdr}),
        (5, gl + "I [MSGID: 106004] [glusterd-handler.c:6601:__glusterd_peer_rpc_notify] 0-management: Peer <{ip}> (<{u}>), in state <{s}>, has disconnected from glusterd. ",
         {**gl_hdr, "ip": gluster_peer, "u": then(1), "s": pick(["Peer in Cluster", "Peer in Cluster", "Accepted peer request"])}),
        (7, gl + "W [socket.c:751:__socket_rwv] 0-management: readv on {ip}:{p} failed ({e})",
         {**gl_hdr, "ip": gluster_peer, "p": pick(["24007", "24007", "49152"]), "e": pick(["No data available", "Connection reset by peer"])}),
        (4, gl + "W [MSGID: 106117] [glusterd-handler.c:6616:__glusterd_peer_rpc_notify] 0-management: Lock not released for {v} ", {**gl_hdr, "v": pick(ST_GLUSTER_VOLUMES)}),
        (6, gl + "I [MSGID: 106568] [glusterd-svc-mgmt.c:265:glusterd_svc_stop] 0-management: {s} service is stopped ",
         {**gl_hdr, "s": pick(["bitd", "scrub", "quotad", "nfs"])}),
        (4, gl + "I [MSGID: 106617] [glusterd-svc-helper.c:696:glusterd_svc_attach_cbk] 0-management: svc glustershd of volume {v} attached successfully to pid {p} ",
         {**gl_hdr, "v": pick(ST_GLUSTER_VOLUMES), "p": lambda g: g.num(800, 65000)}),
        (3, gl + "E [MSGID: 108006] [afr-common.c:6018:__afr_handle_child_down_event] 0-{x}: All subvolumes are down. Going offline until at least one of them comes back up.",
         {**gl_hdr, "x": lambda g: f"{g.r.choice(ST_GLUSTER_VOLUMES)}-replicate-{g.r.choice(['0', '0', '1'])}"}),
        # ZFS zed 2.2 (its own lines and the all-syslog zedlet, through syslog)
        (22, sysl + 'zed[{p}]: Invoking "{s}" eid={e} pid={c}', {**sys_hdr, "p": zed_pid, "s": zed_script, "e": lambda g: g.num(1, 900), "c": lambda g: g.num(1000, 99999)}),
        (22, sysl + 'zed[{p}]: Finished "{s}" eid={e} pid={c} exit={x}',
         {**sys_hdr, "p": zed_pid, "s": zed_script, "e": lambda g: g.num(1, 900), "c": lambda g: g.num(1000, 99999), "x": pick(["0", "0", "0", "1", "3"])}),
        (12, sysl + "zed: eid={e} class={c} pool='{p}'",
         {**sys_hdr, "e": lambda g: g.num(1, 900), "c": pick(["config_sync", "history_event", "scrub_start", "scrub_finish", "resilver_start", "resilver_finish"]),
          "p": pick(ST_ZPOOLS)}),
        (5, sysl + "zed: eid={e} class=statechange pool='{p}' vdev={v} vdev_state={s}",
         {**sys_hdr, "e": lambda g: g.num(1, 900), "p": pick(ST_ZPOOLS), "v": pick(ST_ZVDEVS), "s": pick(["ONLINE", "OFFLINE", "FAULTED", "REMOVED", "UNAVAIL"])}),
        (4, sysl + "zed[{p}]: Diagnosis Engine: discarding 'resource.fs.zfs.statechange for vdev {v}", {**sys_hdr, "p": zed_pid, "v": zfs_guid}),
        (2, sysl + "zed[{p}]: Retire Agent: marking repaired vdev {v} on pool {q}", {**sys_hdr, "p": zed_pid, "v": zfs_guid, "q": zfs_guid}),
        # LVM 2.03 dmeventd thin pool monitoring (syslog)
        (8, sysl + "dmeventd[{p}]: WARNING: Thin pool {d} {k} is now {x}% full.",
         {**sys_hdr, "p": pick(["811", "811", "1204"]), "d": pick(["vg0-thinpool-tpool", "vg_data-pool0-tpool"]), "k": pick(["data", "data", "metadata"]),
          "x": lambda g: f"{g.r.uniform(80, 99.99):.2f}"}),
        (3, sysl + "dmeventd[{p}]: Monitoring thin pool {d}.", {**sys_hdr, "p": pick(["811", "1204"]), "d": pick(["vg0-thinpool-tpool", "vg_data-pool0-tpool"])}),
        (2, sysl + "dmeventd[{p}]: No longer monitoring thin pool {d}.", {**sys_hdr, "p": pick(["811", "1204"]), "d": pick(["vg0-thinpool-tpool", "vg_data-pool0-tpool"])}),
        # multipathd 0.9 (syslog)
        (14, sysl + "multipathd[{p}]: {m}: {d} - {c} checker reports path is down",
         {**sys_hdr, "p": pick(["712", "4554"]), "m": mpath, "d": disk, "c": pick(["tur", "tur", "directio"])}),
        (9, sysl + "multipathd[{p}]: {m}: {d} - {c} checker reports path is up",
         {**sys_hdr, "p": pick(["712", "4554"]), "m": mpath, "d": disk, "c": pick(["tur", "tur", "directio"])}),
        (8, sysl + "multipathd[{p}]: {d}: mark as failed", {**sys_hdr, "p": pick(["712", "4554"]), "d": disk}),
        (8, sysl + "multipathd[{p}]: {m}: remaining active paths: {n}", {**sys_hdr, "p": pick(["712", "4554"]), "m": mpath, "n": pick(["0", "1", "1", "2", "3"])}),
        (10, sysl + "multipathd[{p}]: {m}: {d} - path offline", {**sys_hdr, "p": pick(["712", "4554"]), "m": mpath, "d": disk}),
        (5, sysl + "multipathd[{p}]: {d}: add path (uevent)", {**sys_hdr, "p": pick(["712", "4554"]), "d": disk}),
        (3, sysl + "multipathd[{p}]: {d}: remove map (uevent)", {**sys_hdr, "p": pick(["712", "4554"]), "d": lambda g: f"dm-{g.r.randint(0, 9)}"}),
        # open-iscsi iscsid 2.1 (syslog)
        (7, sysl + "iscsid[{p}]: Connection{s}:{c} to [target: {t}, portal: {ip},{pt}] through [iface: {i}] is operational now",
         {**sys_hdr, "p": pick(["1043", "1043", "988"]), "s": lambda g: g.num(1, 24), "c": pick(["0"]), "t": pick(ST_IQNS), "ip": pick(ST_ISCSI_PORTALS),
          "pt": pick(["3260"]), "i": pick(["default", "default", "iface0"])}),
        (5, sysl + "iscsid[{p}]: Kernel reported iSCSI connection {s}:{c} error ({e} - {n}: {d}) state ({cs})",
         {**sys_hdr, "p": pick(["1043", "988"]), "s": lambda g: g.num(1, 24), "c": pick(["0"]), "e": iscsi_error, "n": then(1), "d": then(2), "cs": pick(["3", "3", "1"])}),
        (4, sysl + "iscsid[{p}]: connection{s}:{c} is operational after recovery ({n} attempts)",
         {**sys_hdr, "p": pick(["1043", "988"]), "s": lambda g: g.num(1, 24), "c": pick(["0"]), "n": pick(["1", "1", "2", "5", "12"])}),
        # the Linux kernel 6.x block layer, SCSI disk, ext4, XFS and rbd (through syslog)
        (9, kern + "I/O error, dev {d}, sector {s} op {o}:({n}) flags 0x{f} phys_seg {p} prio class {c}",
         {**kern_hdr, "d": disk, "s": lambda g: g.num(0, 3900000000), "o": io_op, "n": then(1), "f": pick(["0", "800", "4800", "80700"]),
          "p": pick(["1", "1", "2", "32"]), "c": pick(["0", "2"])}),
        (5, kern + "sd {hc}: [{d}] tag#{t} FAILED Result: hostbyte={hb} driverbyte=DRIVER_OK cmd_age={a}s",
         {**kern_hdr, "hc": lambda g: f"{g.r.randint(0, 6)}:0:{g.r.randint(0, 3)}:{g.r.randint(0, 9)}", "d": disk, "t": lambda g: g.num(0, 255),
          "hb": pick(["DID_OK", "DID_TRANSPORT_DISRUPTED", "DID_TRANSPORT_FAILFAST", "DID_NO_CONNECT"]), "a": pick(["0", "0", "3", "30"])}),
        (8, kern + "EXT4-fs ({d}): mounted filesystem {u} {rw} with {m} data mode. Quota mode: {q}.",
         {**kern_hdr, "d": part, "u": Gen.uuid, "rw": pick(["r/w", "r/w", "r/w", "ro"]), "m": pick(["ordered", "ordered", "writeback"]), "q": pick(["none", "none", "journalled"])}),
        (6, kern + "EXT4-fs ({d}): unmounting filesystem {u}.", {**kern_hdr, "d": part, "u": Gen.uuid}),
        (4, kern + "EXT4-fs error (device {d}): {fn}:{ln}: inode #{i}: comm {c}: {m}",
         {**kern_hdr, "d": part, "fn": ext4_error, "ln": then(1), "i": then(2), "c": then(3), "m": then(4)}),
        (6, kern + "XFS ({d}): Mounting V5 Filesystem {u}", {**kern_hdr, "d": part, "u": Gen.uuid}),
        (6, kern + "XFS ({d}): Ending clean mount", {**kern_hdr, "d": part}),
        (4, kern + "XFS ({d}): Unmounting Filesystem {u}", {**kern_hdr, "d": part, "u": Gen.uuid}),
        (2, kern + 'XFS ({d}): metadata I/O error in "{c}" at daddr 0x{a} len {n} error {e}',
         {**kern_hdr, "d": part, "c": xfs_caller, "a": lambda g: f"{g.r.randint(2, 2**32):x}", "n": pick(["1", "8", "32"]), "e": pick(["5", "5", "117"])}),
        (6, kern + "rbd: rbd{n}: capacity {c} features 0x{f}",
         {**kern_hdr, "n": lambda g: g.num(0, 12), "c": lambda g: str(g.r.choice([1, 8, 10, 20, 50, 100]) * 1073741824), "f": pick(["1", "3d", "3d"])}),
        # restic 0.16 backup summary (console)
        (6, "Files:       {a} new, {b} changed, {c} unmodified", {"a": restic_count, "b": restic_count, "c": restic_count}),
        (6, "Dirs:        {a} new, {b} changed, {c} unmodified", {"a": restic_count, "b": restic_count, "c": restic_count}),
        (6, "Added to the repository: {a} ({b} stored)", {"a": iec, "b": iec}),
        (6, "processed {n} files, {s} in {t}", {"n": lambda g: g.num(1, 400000), "s": iec, "t": restic_elapsed}),
        (6, "snapshot {i} saved", {"i": lambda g: g.hexs(8)}),
        (3, "error: {op} {p}: {e}",
         {"op": pick(["open", "lstat", "read"]), "p": lambda g: f"{g.r.choice(ST_RESTIC_PATHS)}/{g.r.choice(['.lock', 'tmp/upload-' + g.hexs(6), 'pg_dump.sql.gz'])}",
          "e": pick(["permission denied", "no such file or directory", "input/output error"])}),
        # BorgBackup 1.2 create --stats (console)
        (4, "Archive name: {a}", {"a": borg_archive}),
        (4, "Archive fingerprint: {f}", {"f": lambda g: g.hexs(64)}),
        (4, "Duration: {d}", {"d": borg_duration}),
        (4, "Time (start): {t}", {"t": borg_time}),
        (4, "Time (end):   {t}", {"t": borg_time}),
        (4, "Number of files: {n}", {"n": lambda g: g.num(1, 900000)}),
        (4, "This archive:   {a} {b} {c}", {"a": borg_size, "b": borg_size, "c": borg_size}),
        # Percona XtraBackup 8.0 (MySQL 8 error-log layout)
        (30, xb + ">> log scanned up to ({l})", {**xb_hdr, "l": lambda g: g.num(30000000, 90000000000)}),
        (18, xb + "Copying {s} to {d}", {**xb_hdr, "s": xb_file, "d": then(1)}),
        (18, xb + "Done: Copying {s} to {d}", {**xb_hdr, "s": xb_file, "d": then(1)}),
        (3, xb + "MySQL binlog position: filename '{f}', position '{p}'",
         {**xb_hdr, "f": lambda g: f"binlog.{g.r.randint(1, 400):06d}", "p": lambda g: g.num(157, 90000000)}),
        # JuiceFS 1.1 client (its own layout: level in angle brackets, caller at the end)
        (6, jfs + "<INFO>: Meta address: {m} [interface.go:497]", {**jfs_hdr, "m": pick(ST_JFS_META)}),
        (6, jfs + "<INFO>: Ping redis: {l} [redis.go:2878]", {**jfs_hdr, "l": jfs_latency}),
        (3, jfs + "<WARNING>: AOF is not enabled, you may lose data if Redis is not shutdown properly. [info.go:84]", {**jfs_hdr}),
        (5, jfs + "<INFO>: Data use {d} [mount.go:629]", {**jfs_hdr, "d": lambda g: g.r.choice(ST_JFS_VOLUMES)[1]}),
        (5, jfs + "<INFO>: OK, {v} is ready at {m} [mount_unix.go:48]", {**jfs_hdr, "v": jfs_volume, "m": pick(["/jfs", "/mnt/jfs", "/var/lib/juicefs/volume"])}),
    ]


DL_REPOS = ["acme/web", "acme/payments-api", "acme/infra"]
DL_AGENTS = ["ci-linux-1", "ci-linux-2", "ci-arm64-1"]
DL_AGENT_TAGS = ["queue=default", "queue=default, docker=true", "queue=arm64, os=linux, docker=true"]
DL_GH_JOBS = ["build", "test (3.12)", "lint", "deploy / staging"]
DL_GH_RESULTS = ["Succeeded", "Succeeded", "Succeeded", "Failed", "Canceled"]
DL_DRONE_STAGES = ["default", "test", "publish"]
DL_DRONE_ERRORS = ["Optimistic Lock Error", "context canceled",
                   "Error response from daemon: pull access denied for acme/builder, repository does not exist or may require 'docker login'"]
DL_CONCOURSE_PIPELINES = ["web", "payments-api", "infra"]
DL_CONCOURSE_ACTIONS = ["GetPipeline", "ListJobs", "GetBuild", "BuildEvents"]
DL_CONCOURSE_USERS = ["alice", "ci-bot", "bob"]
DL_NEXUS_TASKS = [("Cleanup service", "repository.cleanup"), ("Compact blob store default", "blobstore.compact"),
                  ("Rebuild Maven repository metadata", "repository.maven.rebuild-metadata")]
DL_NEXUS_REPOS = ["maven-central", "npm-proxy", "docker-hub"]
DL_NEXUS_PATHS = ["/repository/maven-public/org/springframework/boot/spring-boot/3.2.0/spring-boot-3.2.0.pom",
                  "/repository/npm-group/lodash", "/repository/maven-releases/com/acme/payments-api/2.14.0/payments-api-2.14.0.jar",
                  "/v2/library/node/manifests/20-alpine", "/service/rest/v1/status"]
DL_NEXUS_AGENTS = ["Apache-Maven/3.9.5 (Java 17.0.9; Linux 6.1.0)", "npm/10.2.3 node/v20.10.0 linux x64 workspaces/false",
                   "docker/24.0.7 go/go1.20.10 git-commit/311b9ff kernel/6.1.0 os/linux arch/amd64", "curl/8.4.0"]
DL_NEXUS_ERRORS = ["java.net.UnknownHostException: repo1.maven.org", "java.net.SocketTimeoutException: Read timed out",
                   "org.apache.http.conn.HttpHostConnectException: Connect to registry.npmjs.org:443 failed: Connection refused"]
DL_ART_REPOS = ["libs-release-local", "maven-remote-cache", "docker-local"]
DL_ART_PATHS = ["org/apache/commons/commons-lang3/3.14.0/commons-lang3-3.14.0.jar", "com/acme/payments-api/2.14.0/payments-api-2.14.0.pom",
                "acme/web/1.8.2/manifest.json", "io/netty/netty-handler/4.1.104.Final/netty-handler-4.1.104.Final.jar"]
DL_ART_USERS = ["admin", "anonymous", "ci-deployer"]
DL_ART_REMOTES = ["maven-remote", "maven-central-cache"]
DL_SONAR_PROJECTS = ["com.acme:payments-api", "acme_web", "com.acme:ledger"]
DL_SONAR_STEPS = ["Load analysis metadata", "Extract report", "Persist sources", "Compute measures", "index issues",
                  "Load quality profiles", "Send issue notifications"]
DL_SONAR_PATHS = ["/api/ce/task", "/api/qualitygates/project_status", "/api/server/version", "/batch/index"]
DL_SONAR_AGENTS = ["ScannerCLI/5.0.1.3006", "ScannerMaven/3.10.0.2594/3.9.5", "Go-http-client/1.1"]
DL_RENOVATE_DEPS = [("lodash", "4.17.21", "npm"), ("org.springframework.boot:spring-boot-starter-web", "3.2.1", "maven"),
                    ("golang.org/x/net", "0.19.0", "gomod"), ("actions/checkout", "v4", "github-actions")]
DL_BK_STAGES = ["build", "stage-1", "runtime"]
DL_BK_STEPS = ["RUN go mod download", "COPY . .", "RUN go build -o /out/api ./cmd/api", "RUN npm ci --omit=dev",
               "COPY --from=build /out/api /usr/local/bin/api", "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates"]
DL_BK_OUTPUT = ["go: downloading github.com/prometheus/client_golang v1.18.0", "added 412 packages, and audited 413 packages in 9s",
                "Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]", "npm WARN deprecated inflight@1.0.6: This module is not supported"]
DL_IMAGES = ["ghcr.io/acme/web", "ghcr.io/acme/payments-api", "registry.acme.io/infra/migrator"]
DL_GERRIT_USERS = ["alice", "jenkins", "bob"]
DL_GERRIT_PROJECTS = ["platform/manifest", "apps/payments", "tools/ci-config"]
DL_GERRIT_HTTP = ["/a/changes/?q=status:open+owner:self&n=25", "/a/projects/apps%2Fpayments/HEAD", "/changes/apps%2Fpayments~4821/detail",
                  "/apps/payments/info/refs?service=git-upload-pack"]
DL_ATLANTIS_DIRS = ["envs/prod", "envs/staging", "modules/vpc"]
DL_ATLANTIS_FAILURES = [
    ("plan", 'exit status 1: running \\"/usr/local/bin/terraform plan -input=false -refresh -out $PLANFILE\\" in \\"/atlantis-data/repos/acme/infra/12/default/envs/prod\\"'),
    ("apply", "Pull request must be approved by at least one person other than the author before running apply."),
    ("apply", "Pull request must be mergeable before running apply."),
]
DL_HELM_RELEASES = ["web", "payments-api", "ingress-nginx"]
DL_HELM_NS = ["default", "payments", "ingress-nginx"]
DL_HELM_KINDS = ["Service", "ConfigMap", "ServiceAccount", "Deployment"]


def delivery_events() -> list[tuple[float, str, dict]]:
    """Software-delivery and GitOps tooling none of the other corpora covers: the Drone Docker
    runner (logrus text), the Buildkite agent, the GitHub Actions runner (console and _diag),
    Concourse (lager JSON), Sonatype Nexus 3 (nexus.log and request.log), JFrog Artifactory 7
    (access, request and service logs), SonarQube (ce.log and access.log), Renovate (bunyan
    JSON), BuildKit (buildkitd and plain progress output), Gerrit (sshd_log, httpd_log,
    error_log), Atlantis (zap JSON), Skaffold's console and Helm 3's --debug output. Written
    blind for the sixteenth issue-15 pass: before reading the engine or any failure analysis;
    scored once; 74 event types."""

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def rfc_s(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def day_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def gh_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}Z"

    def nano_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999999):0>9}Z"

    def nexus_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{ms3(g)}+0000"

    def dot_ts(g: Gen) -> str:
        return f"2026.12.03 {hms(g)}"

    def trace(g: Gen) -> str:
        return g.hexs(g.r.choice([16, 16, 32]))

    def ms(lo: int, hi: int):
        return lambda g: g.num(lo, hi)

    def human_size(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 999):.2f} KB", f"{g.r.uniform(1, 90):.2f} MB", f"{g.r.randint(200, 999)} bytes"])

    # Drone Docker runner 1.8 (logrus text formatter, fields sorted)
    def drone_ids(g: Gen) -> str:
        repo = g.r.choice(DL_REPOS)
        ns, name = repo.split("/")
        number = g.r.randint(1, 4)
        g.drawn = (g.num(1000, 99999), g.num(100, 2400), str(DL_REPOS.index(repo) + 3), name, ns, g.num(1000, 99999),
                   DL_DRONE_STAGES[number - 1] if number <= 3 else "default", str(number), g.r.choice(["1", "2"]))
        return g.drawn[0]

    drone_fields = ("build.id={a} build.number={b} repo.id={c} repo.name={d} repo.namespace={e} stage.id={f} stage.name={h} "
                    "stage.number={i} thread={j}")
    drone_slots = {"a": drone_ids, "b": then(1), "c": then(2), "d": then(3), "e": then(4), "f": then(5), "h": then(6), "i": then(7),
                   "j": then(8), "t": rfc_s}
    drone_done = ("build.id={a} build.number={b} duration={du} repo.id={c} repo.name={d} repo.namespace={e} stage.id={f} "
                  "stage.name={h} stage.number={i} thread={j}")
    drone_failed = ("build.id={a} build.number={b} duration={du} error=\"{err}\" repo.id={c} repo.name={d} repo.namespace={e} "
                    "stage.id={f} stage.name={h} stage.number={i} thread={j}")

    # Buildkite agent 3 (its own text logger: time, level padded to six, agent name prefix)
    def bk_job(g: Gen) -> str:
        g.drawn = (g.uuid(), g.r.choice(DL_REPOS), g.num(1, 9000))
        return g.drawn[0]

    def bk_url(g: Gen) -> str:
        _, pipeline, build = g.drawn
        return f"https://buildkite.com/{pipeline}/builds/{build}"

    # GitHub Actions runner 2.311
    def gh_plan(g: Gen) -> str:
        return g.uuid()

    def gh_till(g: Gen) -> str:
        return f"12/03/2026 {hms(g)}"

    # Concourse 7 (lager, rfc3339 timestamps)
    def concourse_params(g: Gen) -> str:
        params = ['":team_name":["main"]', f'":pipeline_name":["{g.r.choice(DL_CONCOURSE_PIPELINES)}"]']
        if g.r.random() < 0.5:
            params.append(f'":job_name":["{g.r.choice(["unit", "build-image", "deploy-staging"])}"]')
        if g.r.random() < 0.3:
            params.append(f'":build_id":["{g.num(1000, 99999)}"]')
        return "{" + ",".join(params) + "}"

    def session(g: Gen) -> str:
        return g.r.choice([g.num(1, 40), f"{g.num(1, 40)}.{g.num(1, 9000)}", f"{g.num(1, 40)}.{g.num(1, 900)}.{g.num(1, 90)}"])

    # Sonatype Nexus 3
    def nexus_task(g: Gen) -> str:
        g.drawn = g.r.choice(DL_NEXUS_TASKS)
        return g.drawn[0]

    nexus_states = first([("WAITING", "RUNNING"), ("RUNNING", "WAITING (OK)"), ("RUNNING", "WAITING (OK)"), ("RUNNING", "WAITING (FAILED)")])

    def nexus_thread(g: Gen) -> str:
        return f"qtp{g.r.choice(['1409865626', '829349531'])}-{g.num(30, 400)}"

    # SonarQube 10 (ce.log; the task uuid is the log context)
    def sonar_task(g: Gen) -> str:
        g.drawn = ("AY" + "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") for _ in range(18)),)
        return g.drawn[0]

    def sonar_url(g: Gen) -> str:
        path = g.r.choice(DL_SONAR_PATHS)
        query = g.r.choice([f"id={sonar_task(g)}", f"projectKey={g.r.choice(DL_SONAR_PROJECTS)}", "format=json", ""])
        return f"{path}?{query}" if query else path

    # Renovate 37 (LOG_FORMAT=json, bunyan)
    def renovate_host(g: Gen) -> str:
        return f"renovate-{g.num(28380000, 28389999)}-{g.hexs(5)}"

    def renovate_dep(g: Gen) -> str:
        g.drawn = g.r.choice(DL_RENOVATE_DEPS)
        dep, version, _ = g.drawn
        return f"renovate/{dep.split(':')[-1].split('/')[-1]}-{version.split('.')[0].lstrip('v')}.x"

    def renovate_managers(g: Gen) -> str:
        managers = g.r.sample(["npm", "dockerfile", "github-actions", "maven", "gomod", "helm-values"], g.r.randint(1, 4))
        return ",".join(f'"{m}":{{"fileCount":{g.r.randint(1, 6)},"depCount":{g.r.randint(1, 90)}}}' for m in managers)

    # BuildKit 0.12
    def bk_vertex(g: Gen) -> str:
        return str(g.r.randint(1, 24))

    # Gerrit 3.8
    def gerrit_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{ms3(g)}Z"

    def gerrit_cmd(g: Gen) -> str:
        project = g.r.choice(DL_GERRIT_PROJECTS)
        return g.r.choice([f"git-upload-pack./{project}", f"git-upload-pack./{project}", f"git-receive-pack./{project}",
                           "gerrit.stream-events", f"gerrit.query.--format=JSON.status:open.project:{project}"])

    # Atlantis 0.27 (zap JSON)
    def atlantis_pull(g: Gen) -> str:
        return f'"repo":"{g.r.choice(DL_REPOS)}","pull":"{g.num(1, 900)}"'

    # Skaffold 2
    def sk_image(g: Gen) -> str:
        g.drawn = (g.r.choice(DL_IMAGES),)
        return g.drawn[0]

    def sk_tag(g: Gen) -> str:
        return g.r.choice([f"v1.{g.num(0, 20)}.{g.num(0, 9)}-{g.num(1, 40)}-g{g.hexs(7)}", g.hexs(7), f"{g.hexs(7)}-dirty"])

    def not_ready(g: Gen) -> str:
        # fewer ready (or still pending) than expected; the total is read by then(1)
        total = g.r.choice([2, 3, 3, 4])
        g.drawn = (str(g.r.randint(0, total - 1)), str(total))
        return g.drawn[0]

    def helm_res(g: Gen) -> str:
        return f"{g.r.choice(DL_HELM_NS)}/{g.r.choice(DL_HELM_RELEASES)}"

    return [
        # Drone Docker runner
        (30, 'time="{t}" level=debug msg="poller: request stage from remote server" thread={j}', {"t": rfc_s, "j": pick(["1", "2"])}),
        (20, 'time="{t}" level=debug msg="stage details fetched" ' + drone_fields, drone_slots),
        (20, 'time="{t}" level=debug msg="updated stage to running" ' + drone_fields, drone_slots),
        (18, 'time="{t}" level=debug msg="updated stage to complete" ' + drone_done, {**drone_slots, "du": ms(4, 1800)}),
        (5, 'time="{t}" level=debug msg="stage failed" ' + drone_failed, {**drone_slots, "du": ms(4, 1800), "err": pick(DL_DRONE_ERRORS)}),
        # Buildkite agent
        (3, "{t} INFO   Registering agent with Buildkite...", {"t": day_ts}),
        (3, '{t} INFO   Successfully registered agent "{a}" with tags [{tags}]', {"t": day_ts, "a": pick(DL_AGENTS), "tags": pick(DL_AGENT_TAGS)}),
        (2, "{t} DEBUG  {a} Ping interval: {n}s", {"t": day_ts, "a": pick(DL_AGENTS), "n": pick(["10", "5"])}),
        (25, "{t} INFO   {a} Assigned job {j}. Accepting...", {"t": day_ts, "a": pick(DL_AGENTS), "j": Gen.uuid}),
        (22, "{t} INFO   {a} Starting job {j} for build at {u}", {"t": day_ts, "a": pick(DL_AGENTS), "j": bk_job, "u": bk_url}),
        (22, "{t} INFO   {a} Finished job {j} for build at {u}", {"t": day_ts, "a": pick(DL_AGENTS), "j": bk_job, "u": bk_url}),
        (3, "{t} ERROR  {a} Failed to accept the job ({e})", {"t": day_ts, "a": pick(DL_AGENTS),
         "e": pick(["PUT https://agent.buildkite.com/v3/jobs/accept: 422 Job has already been accepted", "context deadline exceeded",
                    "PUT https://agent.buildkite.com/v3/jobs/accept: 500 Internal Server Error"])}),
        # GitHub Actions runner: Runner.Listener console and _diag/Runner_*.log
        (2, "√ Connected to GitHub", {}),
        (3, "{t}: Listening for Jobs", {"t": gh_ts}),
        (20, "{t}: Running job: {j}", {"t": gh_ts, "j": pick(DL_GH_JOBS)}),
        (20, "{t}: Job {j} completed with result: {r}", {"t": gh_ts, "j": pick(DL_GH_JOBS), "r": pick(DL_GH_RESULTS)}),
        (15, "[{t} INFO JobDispatcher] Job request {id} for plan {p} job {j} received.",
         {"t": gh_ts, "id": ms(1000, 99999), "p": gh_plan, "j": Gen.uuid}),
        (12, "[{t} INFO JobDispatcher] Successfully renew job request {id}, job is valid till {till}",
         {"t": gh_ts, "id": ms(1000, 99999), "till": gh_till}),
        # Concourse web (atc)
        (25, '{{"timestamp":"{t}","level":"info","source":"atc","message":"atc.audit","data":{{"action":"{a}","parameters":{p},"user":"{u}"}}}}',
         {"t": nano_ts, "a": pick(DL_CONCOURSE_ACTIONS), "p": concourse_params, "u": pick(DL_CONCOURSE_USERS)}),
        (12, '{{"timestamp":"{t}","level":"info","source":"atc","message":"atc.build-tracker.track.start","data":{{"session":"{s}"}}}}',
         {"t": nano_ts, "s": session}),
        (5, '{{"timestamp":"{t}","level":"info","source":"atc","message":"atc.dex.event","data":{{"fields":{{}},"message":"{m}","session":"{s}"}}}}',
         {"t": nano_ts, "m": pick(["keys expired, rotating", 'login successful: connector \\"github\\", username=\\"alice\\", email=\\"alice@acme.io\\", groups=[\\"acme:platform\\"]',
                                   "Failed to login user: ldap: invalid password"]), "s": session}),
        (2, '{{"timestamp":"{t}","level":"error","source":"atc","message":"atc.db.failed-to-open-db-retrying","data":{{"error":"{e}","session":"{s}"}}}}',
         {"t": nano_ts, "e": lambda g: f"dial tcp {g.ip()}:5432: connect: connection refused", "s": session}),
        # Sonatype Nexus 3 (nexus.log, request.log)
        (8, "{t} INFO  [quartz-12-thread-{n}] *SYSTEM org.sonatype.nexus.quartz.internal.task.QuartzTaskInfo - Task '{k}' [{ty}] state change {a} -> {b}",
         {"t": nexus_ts, "n": ms(1, 20), "k": nexus_task, "ty": then(1), "a": nexus_states, "b": then(1)}),
        (40, '{i} - {u} [{t}] "{m} {p} HTTP/1.1" {s} {cl} {b} {el} "{a}" [{th}]',
         {"i": Gen.ip, "u": pick(["-", "admin", "ci-deployer"]), "t": lambda g: g.clf_time()[1:-1], "m": pick(["GET", "GET", "GET", "PUT", "HEAD"]),
          "p": pick(DL_NEXUS_PATHS), "s": pick(["200", "200", "304", "404", "401"]), "cl": lambda g: g.r.choice(["-", g.num(200, 900000)]),
          "b": ms(0, 9000000), "el": ms(1, 4000), "a": pick(DL_NEXUS_AGENTS), "th": nexus_thread}),
        (4, "{t} WARN  [{th}] {u} org.sonatype.nexus.repository.proxy.ProxyFacetSupport - Exception {e} checking remote for update, proxy repo {r} failed to fetch {p}, content not in cache.",
         {"t": nexus_ts, "th": nexus_thread, "u": pick(["anonymous", "ci-deployer"]), "e": pick(DL_NEXUS_ERRORS), "r": pick(DL_NEXUS_REPOS),
          "p": pick(["org/springframework/boot/spring-boot/3.2.0/spring-boot-3.2.0.pom", "lodash", "v2/library/node/manifests/20-alpine"])}),
        # JFrog Artifactory 7 (artifactory-access.log, artifactory-request.log, artifactory-service.log)
        (25, "{t} [{tr}] [ACCEPTED DOWNLOAD] {r}:{p}  for client : {u} / {i}", {"t": ts, "tr": trace, "r": pick(DL_ART_REPOS), "p": pick(DL_ART_PATHS), "u": pick(DL_ART_USERS), "i": Gen.ip}),
        (10, "{t} [{tr}] [ACCEPTED DEPLOY] {r}:{p}  for client : {u} / {i}", {"t": ts, "tr": trace, "r": pick(DL_ART_REPOS), "p": pick(DL_ART_PATHS), "u": pick(DL_ART_USERS), "i": Gen.ip}),
        (4, "{t} [{tr}] [DENIED DOWNLOAD] {r}:{p}  for client : {u} / {i}", {"t": ts, "tr": trace, "r": pick(DL_ART_REPOS), "p": pick(DL_ART_PATHS), "u": pick(["anonymous", "ci-reader"]), "i": Gen.ip}),
        (40, "{t}|{tr}|{i}|{u}|{m}|/{r}/{p}|{s}|{rq}|{rs}|{d}|{a}",
         {"t": ts, "tr": trace, "i": Gen.ip, "u": pick(DL_ART_USERS), "m": pick(["GET", "GET", "PUT", "HEAD"]), "r": pick(DL_ART_REPOS), "p": pick(DL_ART_PATHS),
          "s": pick(["200", "200", "201", "404", "401"]), "rq": lambda g: g.r.choice(["-1", g.num(100, 9000000)]), "rs": ms(0, 9000000), "d": ms(1, 3000),
          "a": pick(["Apache-Maven/3.9.5 (Java 17.0.9; Linux 6.1.0)", "JFrog-Frontend/1.0.0", "curl/8.4.0", "jfrog-cli-go/2.52.8"])}),
        (8, "{t} [jfrt ] [INFO ] [{tr}] [o.a.r.HttpRepo:443            ] [http-nio-8081-exec-{n}] - {r} downloading {u} {s}",
         {"t": ts, "tr": trace, "n": ms(1, 200), "r": pick(DL_ART_REMOTES), "u": lambda g: f"https://repo1.maven.org/maven2/{g.r.choice(DL_ART_PATHS)}", "s": human_size}),
        (8, "{t} [jfrt ] [INFO ] [{tr}] [o.a.r.HttpRepo:455            ] [http-nio-8081-exec-{n}] - {r} downloaded {u} {s} at {rate} KB/sec",
         {"t": ts, "tr": trace, "n": ms(1, 200), "r": pick(DL_ART_REMOTES), "u": lambda g: f"https://repo1.maven.org/maven2/{g.r.choice(DL_ART_PATHS)}", "s": human_size,
          "rate": lambda g: g.flt(2, 9000)}),
        # SonarQube (ce.log, access.log)
        (12, "{t} INFO  ce[{id}][o.s.c.t.CeWorkerImpl] Execute task | project={p} | type={ty} | branch={b} | branchType={bt} | id={id2} | submitter={s}",
         {"t": dot_ts, "id": sonar_task, "p": pick(DL_SONAR_PROJECTS), "ty": pick(["REPORT", "REPORT", "ISSUE_SYNC"]), "b": pick(["main", "develop", "feature/ledger-v2"]),
          "bt": pick(["BRANCH", "BRANCH", "PULL_REQUEST"]), "id2": then(0), "s": pick(["admin", "ci-scanner"])}),
        (12, "{t} INFO  ce[{id}][o.s.c.t.CeWorkerImpl] Executed task | project={p} | type={ty} | branch={b} | branchType={bt} | id={id2} | submitter={s} | status={st} | time={ms}ms",
         {"t": dot_ts, "id": sonar_task, "p": pick(DL_SONAR_PROJECTS), "ty": pick(["REPORT", "REPORT", "ISSUE_SYNC"]), "b": pick(["main", "develop", "feature/ledger-v2"]),
          "bt": pick(["BRANCH", "BRANCH", "PULL_REQUEST"]), "id2": then(0), "s": pick(["admin", "ci-scanner"]), "st": pick(["SUCCESS", "SUCCESS", "SUCCESS", "FAILED"]),
          "ms": ms(300, 90000)}),
        (30, "{t} INFO  ce[{id}][o.s.c.t.s.ComputationStepExecutor] {step} | status=SUCCESS | time={ms}ms",
         {"t": dot_ts, "id": sonar_task, "step": pick(DL_SONAR_STEPS), "ms": ms(0, 4000)}),
        (20, '{i} - {u} [{t}] "{m} {p} HTTP/1.1" {s} {b} "-" "{a}" "{rid}"',
         {"i": Gen.ip, "u": pick(["-", "admin", "ci-scanner"]), "t": lambda g: g.clf_time()[1:-1], "m": pick(["GET", "GET", "POST"]), "p": sonar_url,
          "s": pick(["200", "200", "401", "404"]), "b": ms(20, 90000), "a": pick(DL_SONAR_AGENTS), "rid": sonar_task}),
        # Renovate
        (6, '{{"name":"renovate","hostname":"{h}","pid":{pid},"level":30,"logContext":"{lc}","repository":"{r}","renovateVersion":"{v}","msg":"Repository started","time":"{t}","v":0}}',
         {"h": renovate_host, "pid": pick(["7", "8"]), "lc": Gen.uuid, "r": pick(DL_REPOS), "v": pick(["37.102.0", "37.108.1"]), "t": ts}),
        (6, '{{"name":"renovate","hostname":"{h}","pid":{pid},"level":30,"logContext":"{lc}","repository":"{r}","cloned":{c},"durationMs":{d},"msg":"Repository finished","time":"{t}","v":0}}',
         {"h": renovate_host, "pid": pick(["7", "8"]), "lc": Gen.uuid, "r": pick(DL_REPOS), "c": pick(["true", "true", "false"]), "d": ms(900, 400000), "t": ts}),
        (8, '{{"name":"renovate","hostname":"{h}","pid":{pid},"level":30,"logContext":"{lc}","repository":"{r}","baseBranch":"{b}","stats":{{"managers":{{{mg}}},"total":{{"fileCount":{fc},"depCount":{dc}}}}},"msg":"Dependency extraction complete","time":"{t}","v":0}}',
         {"h": renovate_host, "pid": pick(["7", "8"]), "lc": Gen.uuid, "r": pick(DL_REPOS), "b": pick(["main", "master"]), "mg": renovate_managers,
          "fc": ms(1, 20), "dc": ms(1, 300), "t": ts}),
        (5, '{{"name":"renovate","hostname":"{h}","pid":{pid},"level":30,"logContext":"{lc}","repository":"{r}","branch":"{br}","pr":{pr},"prTitle":"Update dependency {dep} to {ver}","msg":"PR created","time":"{t}","v":0}}',
         {"h": renovate_host, "pid": pick(["7", "8"]), "lc": Gen.uuid, "r": pick(DL_REPOS), "br": renovate_dep, "pr": ms(10, 2400), "dep": then(0), "ver": then(1), "t": ts}),
        (7, '{{"name":"renovate","hostname":"{h}","pid":{pid},"level":30,"logContext":"{lc}","repository":"{r}","branch":"{br}","commitSha":"{sha}","msg":"Branch created","time":"{t}","v":0}}',
         {"h": renovate_host, "pid": pick(["7", "8"]), "lc": Gen.uuid, "r": pick(DL_REPOS), "br": renovate_dep, "sha": lambda g: g.hexs(40), "t": ts}),
        # BuildKit: buildkitd (logrus) and the build's plain progress output
        (2, 'time="{t}" level=info msg="found worker \\"{w}\\", labels=map[org.mobyproject.buildkit.worker.executor:oci org.mobyproject.buildkit.worker.hostname:{h} org.mobyproject.buildkit.worker.network:host org.mobyproject.buildkit.worker.oci.process-mode:sandbox org.mobyproject.buildkit.worker.selinux.enabled:false org.mobyproject.buildkit.worker.snapshotter:overlayfs], platforms=[{p}]"',
         {"t": rfc_s, "w": lambda g: "".join(g.r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(25)), "h": lambda g: f"buildkitd-{g.hexs(9)}-{g.hexs(5)}",
          "p": pick(["linux/amd64 linux/amd64/v2 linux/amd64/v3 linux/386", "linux/arm64 linux/arm/v7 linux/arm/v6"])}),
        (2, 'time="{t}" level=info msg="running server on {a}"', {"t": rfc_s, "a": pick(["/run/buildkit/buildkitd.sock", "[::]:1234"])}),
        (30, "#{n} [{st} {i}/{k}] {step}", {"n": bk_vertex, "st": pick(DL_BK_STAGES), "i": ms(1, 5), "k": pick(["5", "6", "8"]), "step": pick(DL_BK_STEPS)}),
        (30, "#{n} DONE {s}s", {"n": bk_vertex, "s": lambda g: g.flt(1, 90)}),
        (15, "#{n} CACHED", {"n": bk_vertex}),
        (18, "#{n} {s} {line}", {"n": bk_vertex, "s": lambda g: g.flt(3, 90), "line": pick(DL_BK_OUTPUT)}),
        (10, "#{n} sha256:{h} {a}MB / {b}MB {s}s", {"n": bk_vertex, "h": lambda g: g.hexs(64), "a": lambda g: g.flt(2, 30), "b": lambda g: g.flt(2, 90), "s": lambda g: g.flt(1, 9)}),
        (4, '#{n} ERROR: process "/bin/sh -c {cmd}" did not complete successfully: exit code: {c}',
         {"n": bk_vertex, "cmd": pick(["go build -o /out/api ./cmd/api", "npm ci --omit=dev", "apt-get update && apt-get install -y --no-install-recommends ca-certificates"]),
          "c": pick(["1", "1", "2", "100", "137"])}),
        (4, "#{n} writing image sha256:{h} done", {"n": bk_vertex, "h": lambda g: g.hexs(64)}),
        (4, "#{n} naming to {i}:{tg} done", {"n": bk_vertex, "i": pick(DL_IMAGES), "tg": sk_tag}),
        # Gerrit (sshd_log, httpd_log, error_log)
        (18, "[{t}] {sid} {u} a/{acct} {cmd} {w}ms {e}ms {st}",
         {"t": gerrit_ts, "sid": lambda g: g.hexs(8), "u": pick(DL_GERRIT_USERS), "acct": ms(1000000, 1000090), "cmd": gerrit_cmd, "w": ms(0, 40),
          "e": ms(1, 9000), "st": pick(["0", "0", "0", "1", "killed"])}),
        (6, "[{t}] {sid} {u} a/{acct} LOGIN FROM {i}", {"t": gerrit_ts, "sid": lambda g: g.hexs(8), "u": pick(DL_GERRIT_USERS), "acct": ms(1000000, 1000090), "i": Gen.ip}),
        (6, "[{t}] {sid} {u} a/{acct} LOGOUT", {"t": gerrit_ts, "sid": lambda g: g.hexs(8), "u": pick(DL_GERRIT_USERS), "acct": ms(1000000, 1000090)}),
        (20, '{i} - {u} [{t}] "{m} {p} HTTP/1.1" {s} {b} "-" "{a}"',
         {"i": Gen.ip, "u": pick(["-", "alice", "jenkins"]), "t": lambda g: g.clf_time()[1:-1], "m": pick(["GET", "GET", "POST"]), "p": pick(DL_GERRIT_HTTP),
          "s": pick(["200", "200", "401", "404"]), "b": ms(20, 90000), "a": pick(["git/2.43.0", "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "Jenkins/2.426.1"])}),
        (3, "[{t}] [HTTP-{n}] WARN  com.google.gerrit.httpd.ProjectBasicAuthFilter : Authentication failed for {u}: {why}",
         {"t": gerrit_ts, "n": ms(40, 400), "u": pick(["jenkins", "bob", "deploy-bot"]), "why": pick(["password does not match", "account inactive or not provisioned in Gerrit"])}),
        # Atlantis
        (8, '{{"level":"info","ts":"{t}","caller":"events/comment_parser.go:273","msg":"parsed comment as command=\\"{c}\\" verbose=false dir=\\"{d}\\" workspace=\\"\\" project=\\"\\" flags=\\"\\"","json":{{{pr}}}}}',
         {"t": ts, "c": pick(["plan", "plan", "apply", "unlock"]), "d": pick(["", "", *DL_ATLANTIS_DIRS]), "pr": atlantis_pull}),
        (8, '{{"level":"info","ts":"{t}","caller":"events/project_locker.go:99","msg":"acquired lock with id \\"{r}/{d}/default\\"","json":{{{pr}}}}}',
         {"t": ts, "r": pick(DL_REPOS), "d": pick(DL_ATLANTIS_DIRS), "pr": atlantis_pull}),
        (6, '{{"level":"info","ts":"{t}","caller":"runtime/run_step_runner.go:81","msg":"successfully ran \\"{cmd}\\" in \\"/atlantis-data/repos/{r}/{n}/default/{d}\\"","json":{{{pr}}}}}',
         {"t": ts, "cmd": pick(["/usr/local/bin/terraform init -input=false -upgrade", "/usr/local/bin/terraform plan -input=false -refresh -out $PLANFILE"]),
          "r": pick(DL_REPOS), "n": ms(1, 900), "d": pick(DL_ATLANTIS_DIRS), "pr": atlantis_pull}),
        (3, '{{"level":"error","ts":"{t}","caller":"events/instrumented_project_command_runner.go:84","msg":"{c} failed: {e}","json":{{{pr}}}}}',
         {"t": ts, "c": first(DL_ATLANTIS_FAILURES), "e": then(1), "pr": atlantis_pull}),
        # Skaffold
        (3, "Generating tags...", {}),
        (10, " - {i} -> {i2}:{tg}", {"i": sk_image, "i2": then(0), "tg": sk_tag}),
        (3, "Checking cache...", {}),
        (8, " - {i}: Found Remotely", {"i": pick(DL_IMAGES)}),
        (6, " - {i}: Not found. Building", {"i": pick(DL_IMAGES)}),
        (3, "Starting deploy...", {}),
        (10, " - {ns}:deployment/{d} is ready. [{n}/{m} deployment(s) still pending]",
         {"ns": pick(DL_HELM_NS), "d": pick(DL_HELM_RELEASES), "n": not_ready, "m": then(1)}),
        (3, "Deployments stabilized in {s} seconds", {"s": lambda g: g.flt(3, 120)}),
        # Helm 3 --debug
        (10, "client.go:142: [debug] creating {n} resource(s)", {"n": ms(1, 14)}),
        (5, "wait.go:48: [debug] beginning wait for {n} resources with timeout of {d}", {"n": ms(1, 14), "d": pick(["5m0s", "10m0s", "2m0s"])}),
        (14, "ready.go:277: [debug] Deployment is not ready: {r}. {a} out of {b} expected pods are ready", {"r": helm_res, "a": not_ready, "b": then(1)}),
        (5, "upgrade.go:142: [debug] preparing upgrade for {r}", {"r": pick(DL_HELM_RELEASES)}),
        (5, "client.go:229: [debug] checking {n} resources for changes", {"n": ms(1, 14)}),
        (9, 'client.go:512: [debug] Looks like there are no changes for {k} "{n}"', {"k": pick(DL_HELM_KINDS), "n": pick(DL_HELM_RELEASES)}),
        (4, "upgrade.go:434: [debug] updating status for upgraded release for {r}", {"r": pick(DL_HELM_RELEASES)}),
    ]


CM_EMQX_CLIENTS = ["sensor-livingroom-01", "gw-b827eb3a41c2", "mqttx_5f3a91c2", "meter-0042"]
CM_EMQX_USERS = ["device", "gateway", "undefined"]
CM_EMQX_TOPICS = ["devices/meter-0042/telemetry", "gw/b827eb3a41c2/status", "$SYS/brokers", "cmd/+/reboot"]
CM_EMQX_SOURCES = ["file", "http", "built_in_database"]
CM_SIP_DOMAINS = ["pbx.example.com", "sip.acme.io"]
CM_SIP_USERS = ["1001", "1002", "1017", "+4930123456"]
CM_SIP_METHODS = ["REGISTER", "INVITE", "OPTIONS"]
CM_FS_CAUSES = [("16", "NORMAL_CLEARING"), ("17", "USER_BUSY"), ("19", "NO_ANSWER"), ("487", "ORIGINATOR_CANCEL"),
                ("21", "CALL_REJECTED"), ("1", "UNALLOCATED_NUMBER")]
CM_FS_APPS = [("answer", ""), ("bridge", "user/1002@pbx.example.com"), ("set", "hangup_after_bridge=true"),
              ("playback", "ivr/ivr-welcome.wav"), ("voicemail", "default pbx.example.com 1001"), ("sleep", "1000")]
CM_JANUS_PLUGINS = ["JANUS VideoRoom plugin", "JANUS EchoTest plugin", "JANUS Streaming plugin", "JANUS AudioBridge plugin"]
CM_JANUS_PACKAGES = ["janus.plugin.videoroom", "janus.plugin.echotest", "janus.plugin.streaming", "janus.plugin.audiobridge"]
CM_XMPP_DOMAINS = ["chat.example.com", "xmpp.acme.io"]
CM_XMPP_USERS = ["alice", "bob", "build-bot"]
CM_XMPP_RESOURCES = ["Conversations.Xk2p", "gajim.4F2A1C", "Psi+"]
CM_MM_ERRORS = [
    ("debug", "Invalid or expired session, please login again.", "web/handlers.go:283", "/api/v4/users/me", "GET", "ServeHTTP", "401",
     "ServeHTTP: Invalid or expired session, please login again., token={tok}"),
    ("debug", "You do not have the appropriate permissions.", "web/context.go:105", "/api/v4/channels/{id}/members", "POST", "Permissions", "403",
     "Permissions: You do not have the appropriate permissions., userId={id}, permission=manage_private_channel_members"),
    ("debug", "Enter a valid email or username and/or password.", "web/context.go:105", "/api/v4/users/login", "POST", "authenticateUser", "401",
     "authenticateUser: Enter a valid email or username and/or password., invalid password"),
    ("error", "Unable to get the file.", "web/context.go:105", "/api/v4/files/{id}/preview", "GET", "getFilePreview", "500",
     "getFilePreview: Unable to get the file., open data/20261203/teams/noteam/channels/{id}/users/{id}/{id}/preview.jpg: no such file or directory"),
]
CM_MM_PLUGINS = ["com.mattermost.calls", "playbooks", "jitsi"]
CM_RC_CALLS = [("GET", "/api/v1/subscriptions.get"), ("POST", "/api/v1/method.call/loadHistory"), ("GET", "/api/v1/rooms.get"),
               ("POST", "/api/v1/method.call/license%3AgetModules"), ("GET", "/api/v1/me"), ("POST", "/api/v1/chat.sendMessage")]
CM_RC_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                "RC Mobile; ios 18.1; v4.55.0 (1041)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:143.0) Gecko/20100101 Firefox/143.0"]
CM_JITSI_ROOMS = ["standup", "sales-weekly", "incident-4711"]
CM_TURN_REALMS = ["turn.example.com", "meet.acme.io"]
CM_TURN_USERS = ["alice", "jvb", "guest"]
CM_TURN_PACKETS = ["ALLOCATE", "REFRESH", "CREATE_PERMISSION", "CHANNEL_BIND", "SEND"]
CM_TURN_CLOSE = ["allocation timeout", "allocation timeout", "TCP connection closed by client (callback)",
                 "TLS/TCP socket buffer operation error (callback)"]
CM_RMQ_BROKERS = ["broker-a", "broker-b"]
CM_NSQ_TOPICS = ["orders", "push_notifications", "presence"]
CM_NSQ_CHANNELS = ["archive", "apns-sender", "fcm-sender", "presence#ephemeral"]
CM_NSQ_CLIENTS = [("push-worker-7c9d", "go-nsq/1.1.0"), ("archiver-0", "pynsq/0.9.1"), ("presence-svc-2", "nsqjs/0.13.0")]
CM_HA_ENTITIES = ["sensor.energy_meter_power", "climate.living_room", "media_player.kitchen_sonos", "camera.driveway"]
CM_HA_AUTOMATIONS = [("hallway_motion_light", "Hallway motion light"), ("good_night", "Good night"),
                     ("notify_washer_done", "Notify washer done")]
CM_HA_STEPS = ["call service", "call service", "delay 0:00:30", "wait for trigger", "if"]
CM_HA_SERVICES = ["light.turn_onn", "notify.mobile_app_pixel_8", "script.hallway_dim"]
CM_HA_CUSTOM = ["hacs", "alexa_media", "frigate", "localtuya"]


def comms_events() -> list[tuple[float, str, dict]]:
    """Messaging, real-time communication and IoT software none of the other corpora covers: EMQX 5,
    Kamailio (syslog), FreeSWITCH 1.10, the Janus WebRTC gateway, ejabberd, Prosody, Mattermost (JSON),
    Rocket.Chat (pino JSON), Jitsi Videobridge and Jicofo (docker-jitsi-meet's prefixed output), coturn,
    Apache RocketMQ (broker and name server), NSQ (nsqd, nsqlookupd) and Home Assistant. Written blind
    for the sixteenth issue-15 pass: before reading the engine or any failure analysis; 70 event types."""

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def erl_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{us6(g)}+00:00"

    def ejabberd_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{us6(g)}+00:00"

    def syslog_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def prosody_ts(g: Gen) -> str:
        return f"Dec 03 {hms(g)}"

    def micro_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{us6(g)}"

    def milli_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def mm_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)} Z"

    def nsq_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}.{us6(g)}"

    def day_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice(['84', '91', '185', '203'])}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    def peer(g: Gen) -> str:
        return f"{g.ip()}:{g.port()}"

    def erl_pid(g: Gen) -> str:
        return f"<0.{g.num(400, 990000)}.0>"

    # EMQX 5
    def emqx_addr(g: Gen) -> str:
        # ipaddr is the Erlang tuple of the peer's address; peername repeats it with the port
        a = [g.r.randint(0, 255) for _ in range(3)]
        a = [10, *a[1:], g.r.randint(1, 254)]
        g.drawn = (f"{'.'.join(map(str, a))}:{g.port()}",)
        return "{" + ",".join(map(str, a)) + "}"

    # Kamailio
    def sip_uri(g: Gen) -> str:
        return f"sip:{g.r.choice(CM_SIP_USERS)}@{g.r.choice(CM_SIP_DOMAINS)}"

    # FreeSWITCH
    def fs_uuid(g: Gen) -> str:
        g.drawn = (g.uuid(),)
        return g.drawn[0]

    def idle(g: Gen) -> str:
        return f"{g.r.uniform(60, 99.9):.2f}"

    def fs_channel(g: Gen) -> str:
        return g.r.choice([f"sofia/internal/{g.r.choice(CM_SIP_USERS[:3])}@{g.r.choice(CM_SIP_DOMAINS)}",
                           f"sofia/internal/{g.r.choice(CM_SIP_USERS[:3])}@{g.r.choice(CM_SIP_DOMAINS)}",
                           f"sofia/external/+49{g.num(3000000000, 3099999999)}@sip.carrier.net",
                           f"loopback/{g.r.choice(CM_SIP_USERS[:3])}-{g.r.choice(['a', 'b'])}"])

    # Janus
    def janus_id(g: Gen) -> str:
        return str(g.r.randint(10 ** 14, 2 ** 53))

    def ptr(g: Gen) -> str:
        return f"0x7f{g.hexs(10)}"

    # Prosody
    def c2s(g: Gen) -> str:
        return f"c2s55{g.hexs(10)}"

    def jid(g: Gen) -> str:
        return f"{g.r.choice(CM_XMPP_USERS)}@{g.r.choice(CM_XMPP_DOMAINS)}"

    def xmpp_socket(g: Gen) -> str:
        # xmpp_socket:pp/1: the transport, then the receiver's pid
        return f"{g.r.choice(['tls', 'tls', 'tls', 'tcp'])}|{erl_pid(g)}"

    def remote_domain(g: Gen) -> str:
        return g.r.choice(["jabber.org", "conference.jabber.de", "xmpp.example.net", "matrix.org"])

    def v4mapped(g: Gen) -> str:
        return g.r.choice([f"::ffff:{public_ip(g)}", f"::ffff:{g.ip()}", public_ip(g)])

    # Mattermost
    def mm_id(g: Gen) -> str:
        return "".join(g.r.choice("abcdefghijkmnopqrstuwxyz13456789") for _ in range(26))

    def mm_error(g: Gen) -> str:
        g.drawn = g.r.choice(CM_MM_ERRORS)
        return g.drawn[0]

    def mm_path(g: Gen) -> str:
        return g.drawn[3].replace("{id}", mm_id(g))

    def mm_detail(g: Gen) -> str:
        return g.drawn[7].replace("{id}", mm_id(g)).replace("{tok}", mm_id(g))

    # Rocket.Chat
    def rc_id(g: Gen) -> str:
        return "".join(g.r.choice("23456789ABCDEFGHJKLMNPQRSTWXYZabcdefghijkmnopqrstuvwxyz") for _ in range(17))

    def rc_call(g: Gen) -> str:
        g.drawn = g.r.choice(CM_RC_CALLS)
        return g.drawn[0]

    # Jitsi
    def jvb_ts(g: Gen) -> str:
        return milli_ts(g)

    def conf_ctx(g: Gen) -> str:
        return f"confId={g.hexs(16)} conf_name={g.r.choice(CM_JITSI_ROOMS)}@conference.meet.example.com meeting_id={g.hexs(8)}"

    def stats_id(g: Gen) -> str:
        return f"{g.r.choice(['Kasey', 'Arturo', 'Lilyan', 'Maude'])}-{''.join(g.r.choice('abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ') for _ in range(3))}"

    def iso_dur(g: Gen) -> str:
        return f"PT{g.r.uniform(0.000005, 0.01):.6f}".rstrip("0") + "S"

    # coturn
    def uptime(g: Gen) -> str:
        return str(g.r.randint(2, 900000))

    def turn_session(g: Gen) -> str:
        return f"{g.r.randint(0, 12):03d}{g.r.randint(1, 99999):015d}"

    def turn_user(g: Gen) -> str:
        # REST API credentials are expiry:user
        return g.r.choice([g.r.choice(CM_TURN_USERS), f"{1764720000 + g.r.randint(0, 86400)}:{g.r.choice(CM_TURN_USERS)}"])

    # RocketMQ
    def rmq_nameserver(g: Gen) -> str:
        return g.r.choice(["10.0.8.11:9876", "10.0.8.12:9876"])

    # NSQ
    def nsq_msgid(g: Gen) -> str:
        return g.hexs(16)

    def identify(g: Gen) -> str:
        cid, ua = g.r.choice(CM_NSQ_CLIENTS)
        return (f"{{ClientID:{cid} Hostname:{cid} HeartbeatInterval:{g.r.choice(['30000', '60000'])} OutputBufferSize:16384 "
                f"OutputBufferTimeout:{g.r.choice(['250', '250', '100'])} FeatureNegotiation:true TLSv1:false Deflate:false DeflateLevel:6 "
                f"Snappy:{g.r.choice(['false', 'true'])} SampleRate:0 UserAgent:{ua} MsgTimeout:{g.r.choice(['0', '0', '120000'])}}}")

    # Home Assistant
    def automation(g: Gen) -> str:
        g.drawn = g.r.choice(CM_HA_AUTOMATIONS)
        return g.drawn[0]

    def ha_template_warning(g: Gen) -> tuple[str, str, str]:
        return g.r.choice([("dict object", "attributes", "{{{{ trigger.to_state.attributes.friendly_name }}}}"),
                           ("None", "state", "{{{{ states.sensor.washer_power.state | float > 5 }}}}"),
                           ("dict object", "temperature", "{{{{ state_attr('weather.home', 'forecast')[0].temperature }}}}")])

    def ha_obj(g: Gen) -> str:
        g.drawn = ha_template_warning(g)
        return g.drawn[0]

    emqx = "{ts} [warning] clientid: {c}, "
    kam = "{ts} {host} /usr/sbin/kamailio[{pid}]: "
    kam_slots = {"ts": syslog_ts, "host": pick(["sip-edge-1", "sip-edge-2"]), "pid": pick(["2107", "2111", "2114", "2120"])}
    fs_chan = "{u} {ts} {idle}% "
    jvb = "JVB {ts} INFO: [{th}] "
    turn = "{up}: session {s}: "
    nsqd = "[nsqd] {ts} "
    ha = "{ts} "
    return [
        # EMQX 5 (text log formatter: metadata and report keys as key: value)
        (14, emqx + "ipaddr: {ip}, line: 356, mfa: emqx_authz:authorize_non_superuser/5, msg: authorization_permission_denied, peername: {peer}, source: {src}, topic: {t}, username: {u}",
         {"ts": erl_ts, "c": pick(CM_EMQX_CLIENTS), "ip": emqx_addr, "peer": then(0), "src": pick(CM_EMQX_SOURCES), "t": pick(CM_EMQX_TOPICS), "u": pick(CM_EMQX_USERS)}),
        (12, emqx + "line: 662, mfa: emqx_channel:process_publish/2, msg: cannot_publish_to_topic, peername: {peer}, reason: {r}, topic: {t}",
         {"ts": erl_ts, "c": pick(CM_EMQX_CLIENTS), "peer": peer, "r": pick(["not_authorized", "not_authorized", "quota_exceeded"]), "t": pick(CM_EMQX_TOPICS)}),
        (3, "{ts} [warning] '$kind': last_will_testament_publish_denied, clientid: {c}, line: 2132, mfa: emqx_channel:publish_will_msg/2, peername: {peer}, topic: {t}",
         {"ts": erl_ts, "c": pick(CM_EMQX_CLIENTS), "peer": peer, "t": pick(CM_EMQX_TOPICS)}),
        (10, emqx + "peername: {peer}, username: {u}, pid: {pid}, reason: {r}, tag: AUTHN, msg: authentication_failure",
         {"ts": erl_ts, "c": pick(CM_EMQX_CLIENTS), "peer": peer, "u": pick(CM_EMQX_USERS), "pid": erl_pid,
          "r": pick(["not_authorized", "not_authorized", "bad_username_or_password", "client_identifier_not_valid"])}),
        # Kamailio 5.7 through syslog (core and module errors, and the default config's xlog lines)
        (8, kam + "ERROR: <core> [core/tcp_main.c:4790]: tcpconn_main_timeout(): connect {a} failed (timeout)",
         {**kam_slots, "a": lambda g: f"{g.ip()}:{g.r.choice(['5060', '5061', '5080'])}"}),
        (10, kam + "ERROR: tm [t_fwd.c:1755]: t_send_branch(): sending request on branch {b} failed", {**kam_slots, "b": pick(["0", "0", "1"])}),
        (6, kam + "ERROR: sl [sl_funcs.c:414]: sl_reply_error(): stateless error reply used: {e}",
         {**kam_slots, "e": pick(["Unfortunately error on sending to next hop occurred (477/SL)", "Error 500 (500/SL)",
                                    "Not found (404/SL)"])}),
        (12, kam + "ALERT: <script>: ALERT: pike blocking {m} from {fu} (IP:{ip}:{p})",
         {**kam_slots, "m": pick(CM_SIP_METHODS), "fu": sip_uri, "ip": public_ip, "p": pick(["5060", "5060", "5062"])}),
        # FreeSWITCH 1.10 (freeswitch.log: channel uuid, time, idle CPU, level, file:line)
        (25, fs_chan + "[NOTICE] switch_channel.c:1142 New Channel {ch} [{u2}]", {"u": fs_uuid, "ts": micro_ts, "idle": idle, "ch": fs_channel, "u2": then(0)}),
        (20, fs_chan + "[NOTICE] switch_channel.c:3993 Channel [{ch}] has been answered", {"u": Gen.uuid, "ts": micro_ts, "idle": idle, "ch": fs_channel}),
        (24, fs_chan + "[NOTICE] switch_channel.c:4733 Hangup {ch} [{st}] [{c}]",
         {"u": Gen.uuid, "ts": micro_ts, "idle": idle, "ch": fs_channel, "st": pick(["CS_EXECUTE", "CS_EXECUTE", "CS_CONSUME_MEDIA", "CS_EXCHANGE_MEDIA"]),
          "c": lambda g: g.r.choice(CM_FS_CAUSES)[1]}),
        (8, fs_chan + "[DEBUG] switch_ivr_originate.c:4094 Originate Resulted in Error Cause: {n} [{c}]",
         {"u": Gen.uuid, "ts": micro_ts, "idle": idle, "n": first(CM_FS_CAUSES[1:]), "c": then(1)}),
        (6, fs_chan + "[INFO] mod_dptools.c:3379 Originate Failed.  Cause: {c}", {"u": Gen.uuid, "ts": micro_ts, "idle": idle, "c": lambda g: g.r.choice(CM_FS_CAUSES[1:])[1]}),
        (30, fs_chan + "[DEBUG] switch_core_session.c:2960 EXECUTE [depth={d}] {ch} {app}({arg})",
         {"u": Gen.uuid, "ts": micro_ts, "idle": idle, "d": pick(["0", "0", "0", "1"]), "ch": fs_channel, "app": first(CM_FS_APPS), "arg": then(1)}),
        (9, "{ts} {idle}% [WARNING] sofia_reg.c:1829 SIP auth failure (REGISTER) on sofia profile '{prof}' for [{user}@{dom}] from ip {ip}",
         {"ts": micro_ts, "idle": idle, "prof": pick(["internal", "external"]), "user": pick([*CM_SIP_USERS, "admin", "100"]),
          "dom": pick([*CM_SIP_DOMAINS, "203.0.113.10"]), "ip": public_ip}),
        (4, "{ts} {idle}% [WARNING] sofia_reg.c:1836 SIP auth failure (INVITE) on sofia profile '{prof}' for [{user}@{dom}] from ip {ip}",
         {"ts": micro_ts, "idle": idle, "prof": pick(["internal", "external"]), "user": pick([*CM_SIP_USERS, "admin", "100"]),
          "dom": pick([*CM_SIP_DOMAINS, "203.0.113.10"]), "ip": public_ip}),
        # Janus WebRTC gateway 1.2 (console output, no timestamps)
        (12, "Creating new session: {s}; {p}", {"s": janus_id, "p": ptr}),
        (14, "Creating new handle in session {s}: {h}; {p} {p2}", {"s": janus_id, "h": janus_id, "p": ptr, "p2": ptr}),
        (12, "[{h}] The DTLS handshake has been completed", {"h": janus_id}),
        (5, "[WARN] [{h}] ICE failed for component {c} in stream {s}...", {"h": janus_id, "c": pick(["1", "1", "2"]), "s": pick(["1", "1", "2"])}),
        (6, "Timeout expired for session {s}...", {"s": janus_id}),
        (8, "[{pl}-{p}] WebRTC media is now available", {"pl": pick(CM_JANUS_PACKAGES), "p": ptr}),
        (6, "[{pl}-{p}] No WebRTC media anymore", {"pl": pick(CM_JANUS_PACKAGES), "p": ptr}),
        (10, "Detaching handle from {pl}; {p1} {p2} {p3} {p4}", {"pl": pick(CM_JANUS_PLUGINS), "p1": ptr, "p2": ptr, "p3": ptr, "p4": ptr}),
        # ejabberd 23.10
        (18, "{ts} [info] ({pid}) Accepted connection {src} -> {dst}",
         {"ts": ejabberd_ts, "pid": erl_pid, "src": lambda g: f"{v4mapped(g)}:{g.port()}", "dst": pick(["::ffff:10.0.5.20:5222", "::ffff:10.0.5.20:5223", "::ffff:10.0.5.20:5269"])}),
        (16, "{ts} [info] ({sock}) Accepted c2s {mech} authentication for {u}@{srv} by {b} backend from {ip}",
         {"ts": ejabberd_ts, "sock": xmpp_socket, "mech": pick(["SCRAM-SHA-1", "SCRAM-SHA-1", "PLAIN", "SCRAM-SHA-256"]), "u": pick(CM_XMPP_USERS),
          "srv": pick(CM_XMPP_DOMAINS), "b": pick(["sql", "sql", "ldap", "mnesia"]), "ip": v4mapped}),
        (7, "{ts} [info] ({sock}) Failed c2s {mech} authentication for {u}@{srv} from {ip}: {r}",
         {"ts": ejabberd_ts, "sock": xmpp_socket, "mech": pick(["PLAIN", "SCRAM-SHA-1"]), "u": pick([*CM_XMPP_USERS, "admin", "test"]), "srv": pick(CM_XMPP_DOMAINS),
          "ip": v4mapped, "r": pick(["Invalid username or password", "Invalid username or password", "Account disabled"])}),
        (14, "{ts} [info] ({sock}) Closing c2s session for {j}: {r}",
         {"ts": ejabberd_ts, "sock": xmpp_socket, "j": lambda g: f"{jid(g)}/{g.r.choice(CM_XMPP_RESOURCES)}",
          "r": pick(["Connection failed: connection closed", "Connection failed: connection closed", "Stream reset by peer",
                     "Connection failed: connection timed out", "Replaced by new connection"])}),
        (1, "{ts} [info] ({pid}) Start accepting {tr} connections at {a} for {mod}",
         {"ts": ejabberd_ts, "pid": erl_pid, "tr": pick(["TCP"]), "a": first([("[::]:5222", "ejabberd_c2s"), ("[::]:5269", "ejabberd_s2s_in"), ("[::]:5443", "ejabberd_http")]),
          "mod": then(1)}),
        # Prosody 0.12 (file sink: time, source padded to 20 columns, level, tab, message)
        (16, "{ts} {s}     info\tClient connected", {"ts": prosody_ts, "s": c2s}),
        (14, "{ts} {s}     info\tAuthenticated as {j}", {"ts": prosody_ts, "s": c2s, "j": lambda g: f"{jid(g)}/{g.r.choice(CM_XMPP_RESOURCES)}"}),
        (12, "{ts} {s}     info\tClient disconnected: {r}", {"ts": prosody_ts, "s": c2s, "r": pick(["connection closed", "connection closed", "closed", "Broken pipe"])}),
        (5, "{ts} {s}  info\tOutgoing s2s connection {a}->{b} complete", {"ts": prosody_ts, "s": lambda g: f"s2sout55{g.hexs(10)}", "a": pick(CM_XMPP_DOMAINS), "b": remote_domain}),
        (5, "{ts} {s}   info\tIncoming s2s connection {a}->{b} complete", {"ts": prosody_ts, "s": lambda g: f"s2sin55{g.hexs(10)}", "a": remote_domain, "b": pick(CM_XMPP_DOMAINS)}),
        (4, "{ts} mod_bosh            info\tNew BOSH session, assigned it sid '{u}'", {"ts": prosody_ts, "u": Gen.uuid}),
        # Mattermost 9 (JSON file log)
        (14, '{{"timestamp":"{ts}","level":"{lv}","msg":"{m}","caller":"{c}","path":"{p}","request_id":"{rid}","ip_addr":"{ip}","user_id":"{uid}","method":"{me}","err_where":"{w}","http_code":{code},"error":"{e}"}}',
         {"ts": mm_ts, "lv": mm_error, "m": then(1), "c": then(2), "p": mm_path, "rid": mm_id, "ip": Gen.ip, "uid": lambda g: g.r.choice(["", mm_id(g)]),
          "me": then(4), "w": then(5), "code": then(6), "e": mm_detail}),
        (6, '{{"timestamp":"{ts}","level":"debug","msg":"Failed to upgrade websocket connection.","caller":"web/context.go:113","path":"/api/v4/websocket","request_id":"{rid}","ip_addr":"{ip}","user_id":"{uid}","method":"GET","err_where":"connect","http_code":400,"error":"connect: Failed to upgrade websocket connection., websocket: request origin not allowed by Upgrader.CheckOrigin"}}',
         {"ts": mm_ts, "rid": mm_id, "ip": Gen.ip, "uid": mm_id}),
        (3, '{{"timestamp":"{ts}","level":"error","msg":"Health check failed for plugin","caller":"app/plugin_health_check.go:59","id":"{pl}","error":"{e}"}}',
         {"ts": mm_ts, "pl": pick(CM_MM_PLUGINS), "e": pick(["plugin RPC connection is not responding", "connection is shut down"])}),
        (1, '{{"timestamp":"{ts}","level":"info","msg":"Server is listening on","caller":"app/server.go:1437","address":"{a}"}}', {"ts": mm_ts, "a": pick(["[::]:8065"])}),
        # Rocket.Chat 6 (pino JSON; level 35 is its http level)
        (30, '{{"level":35,"time":"{ts}","pid":1,"hostname":"{host}","name":"API","method":"{m}","url":"{u}","userId":"{uid}","userAgent":"{ua}","length":"{len}","host":"chat.example.com","referer":"https://chat.example.com/{ref}","remoteIP":"{ip}","status":{s},"responseTime":{rt}}}',
         {"ts": ts, "host": pick(["rocketchat-7d9f8b-x2klp", "rocketchat-7d9f8b-q8mzn"]), "m": rc_call, "u": then(1), "uid": rc_id, "ua": pick(CM_RC_AGENTS),
          "len": lambda g: g.num(2, 900), "ref": pick(["home", "channel/general", "direct/x4kPq8nH2LwZ7aRt3"]), "ip": Gen.ip,
          "s": pick(["200", "200", "200", "200", "400", "401", "429"]), "rt": lambda g: g.num(1, 400)}),
        # Jitsi Videobridge 2 and Jicofo (docker-jitsi-meet prefixes each line with the component)
        (20, jvb + "HealthChecker.run#171: Performed a successful health check in {d}. Sticky failure: false", {"ts": jvb_ts, "th": pick(["16", "27"]), "d": iso_dur}),
        (10, jvb + "[{ctx} epId={ep} stats_id={sid}] Endpoint.expire#1093: Expired.", {"ts": jvb_ts, "th": lambda g: g.num(40, 120), "ctx": conf_ctx, "ep": lambda g: g.hexs(8), "sid": stats_id}),
        (4, jvb + "[{ctx}] Conference.updateStatisticsOnExpire#610: expire_conf,duration={n}", {"ts": jvb_ts, "th": lambda g: g.num(40, 120), "ctx": conf_ctx, "n": lambda g: g.num(5, 7200)}),
        (3, "Jicofo {ts} WARNING: [14] JvbDoctor$HealthCheckTask.doHealthCheck#189: Bridge[jid=jvbbrewery@internal.auth.meet.example.com/{b}, version={v}, relayId=null, region=null, stress={st}] health-check timed out, but will give it another try after: 5000",
         {"ts": jvb_ts, "b": pick(["jvb-0", "jvb-1", "a1f3c2d9-4e7b"]), "v": pick(["2.3.67-gb2d4229f"]), "st": lambda g: f"{g.r.uniform(0, 0.9):.2f}"}),
        # coturn 4.5 (seconds since start, then the message)
        (40, turn + "realm <{r}> user <{u}>: incoming packet {pk} processed, success",
         {"up": uptime, "s": turn_session, "r": pick(CM_TURN_REALMS), "u": turn_user, "pk": pick(CM_TURN_PACKETS)}),
        (12, turn + "realm <{r}> user <{u}>: incoming packet {pk} processed, error {c}: {e}",
         {"up": uptime, "s": turn_session, "r": pick([*CM_TURN_REALMS, ""]), "u": lambda g: g.r.choice(["", turn_user(g)]), "pk": pick(["ALLOCATE", "ALLOCATE", "REFRESH"]),
          "c": first([("401", "Unauthorized"), ("401", "Unauthorized"), ("437", "Mismatched allocation: wrong transaction ID"), ("438", "Wrong nonce")]), "e": then(1)}),
        (12, "{up}: IPv4. Local relay addr: {a}", {"up": uptime, "a": lambda g: f"{g.r.choice(['10.0.9.4', '10.0.9.5'])}:{g.num(49152, 65535)}"}),
        (12, turn + "new, realm=<{r}>, username=<{u}>, lifetime=600", {"up": uptime, "s": turn_session, "r": pick(CM_TURN_REALMS), "u": turn_user}),
        (10, turn + "refreshed, realm=<{r}>, username=<{u}>, lifetime={l}", {"up": uptime, "s": turn_session, "r": pick(CM_TURN_REALMS), "u": turn_user, "l": pick(["600", "600", "0"])}),
        (16, turn + "peer {ip} lifetime updated: 300", {"up": uptime, "s": turn_session, "ip": lambda g: g.r.choice([g.ip(), public_ip(g)])}),
        (9, turn + "usage: realm=<{r}>, username=<{u}>, rp={rp}, rb={rb}, sp={sp}, sb={sb}",
         {"up": uptime, "s": turn_session, "r": pick(CM_TURN_REALMS), "u": turn_user, "rp": lambda g: g.num(1, 90000), "rb": lambda g: g.num(100, 90000000),
          "sp": lambda g: g.num(1, 90000), "sb": lambda g: g.num(100, 90000000)}),
        (9, turn + "closed (2nd stage), user <{u}> realm <{r}> origin <{o}>, local {l}, remote {rem}, reason: {why}",
         {"up": uptime, "s": turn_session, "u": turn_user, "r": pick(CM_TURN_REALMS), "o": pick(["", "", "https://meet.acme.io"]),
          "l": pick(["10.0.9.4:3478", "10.0.9.4:443", "10.0.9.5:3478"]), "rem": lambda g: f"{public_ip(g)}:{g.port()}", "why": pick(CM_TURN_CLOSE)}),
        # Apache RocketMQ 5.1 (broker.log and namesrv.log: logback, time level thread - message)
        (16, "{ts} INFO {th} - register broker[{id}]to name server {ns} OK",
         {"ts": day_ts, "th": pick(["brokerOutApi_thread_1", "brokerOutApi_thread_2", "brokerOutApi_thread_3", "brokerOutApi_thread_4"]),
          "id": pick(["0", "0", "1"]), "ns": rmq_nameserver}),
        (8, "{ts} INFO {th} - new broker registered, {a} HAService: {b}",
         {"ts": day_ts, "th": pick(["NettyServerCodecThread_1", "NettyServerCodecThread_2"]), "a": first([("10.0.8.21:10911", "10.0.8.21:10912"), ("10.0.8.22:10911", "10.0.8.22:10912")]), "b": then(1)}),
        (1, "{ts} INFO main - The broker[{b}, {a}] boot success. serializeType=JSON and name server is {ns}",
         {"ts": day_ts, "b": pick(CM_RMQ_BROKERS), "a": pick(["10.0.8.21:10911", "10.0.8.22:10911"]), "ns": pick(["10.0.8.11:9876;10.0.8.12:9876", "10.0.8.11:9876"])}),
        (6, "{ts} INFO {th} - NETTY SERVER PIPELINE: channelInactive, the channel[{a}]",
         {"ts": day_ts, "th": pick(["NettyServerNIOSelector_3_1", "NettyServerNIOSelector_3_2", "NettyServerNIOSelector_3_3"]), "a": peer}),
        # NSQ 1.3 (nsqd, nsqlookupd)
        (14, nsqd + "INFO: TCP: new client({a})", {"ts": nsq_ts, "a": peer}),
        (13, nsqd + "INFO: CLIENT({a}): desired protocol magic '{m}'", {"ts": nsq_ts, "a": peer, "m": pick(["  V2"])}),
        (12, nsqd + "INFO: [{a}] IDENTIFY: {i}", {"ts": nsq_ts, "a": peer, "i": identify}),
        (12, nsqd + "INFO: PROTOCOL(V2): [{a}] exiting ioloop", {"ts": nsq_ts, "a": peer}),
        (3, nsqd + "INFO: TOPIC({t}): new channel({c})", {"ts": nsq_ts, "t": pick(CM_NSQ_TOPICS), "c": pick(CM_NSQ_CHANNELS)}),
        (4, nsqd + "ERROR: [{a}] - E_FIN_FAILED FIN {id} failed {e} - {e2}",
         {"ts": nsq_ts, "a": peer, "id": nsq_msgid, "e": first([("ID not in flight",), ("client does not own message",)]), "e2": then(0)}),
        (10, "[nsqlookupd] {ts} INFO: CLIENT({a}): pinged (last ping {d})",
         {"ts": nsq_ts, "a": peer, "d": lambda g: f"{g.r.choice(['14', '15'])}.{g.r.randint(100000000, 999999999)}".rstrip("0") + "s"}),
        (6, "[nsqlookupd] {ts} INFO: DB: client({a}) REGISTER category:channel key:{t} subkey:{c}",
         {"ts": nsq_ts, "a": peer, "t": pick(CM_NSQ_TOPICS), "c": pick(CM_NSQ_CHANNELS)}),
        # Home Assistant 2024.12 (Python logging: time level (thread) [logger] message)
        (10, ha + "WARNING (MainThread) [homeassistant.helpers.entity] Update of {e} is taking over {n} seconds", {"ts": milli_ts, "e": pick(CM_HA_ENTITIES), "n": pick(["10"])}),
        (14, ha + "INFO (MainThread) [homeassistant.components.automation.{a}] {n}: Running automation actions", {"ts": milli_ts, "a": automation, "n": then(1)}),
        (14, ha + "INFO (MainThread) [homeassistant.components.automation.{a}] {n}: Executing step {s}", {"ts": milli_ts, "a": automation, "n": then(1), "s": pick(CM_HA_STEPS)}),
        (4, ha + "ERROR (MainThread) [homeassistant.components.automation.{a}] {n}: Error executing script. Service not found for call_service at pos {pos}: Unable to find service {svc}",
         {"ts": milli_ts, "a": automation, "n": then(1), "pos": pick(["1", "1", "2"]), "svc": pick(CM_HA_SERVICES)}),
        (2, ha + "WARNING ({th}) [homeassistant.loader] We found a custom integration {i} which has not been tested by Home Assistant. "
         "This component might cause stability problems, be sure to disable it if you experience issues with Home Assistant",
         {"ts": milli_ts, "th": pick(["SyncWorker_0", "SyncWorker_1", "SyncWorker_3"]), "i": pick(CM_HA_CUSTOM)}),
        (5, ha + "WARNING (MainThread) [homeassistant.helpers.template] Template variable warning: '{o}' has no attribute '{a}' when rendering '{t}'",
         {"ts": milli_ts, "o": ha_obj, "a": then(1), "t": then(2)}),
    ]


HP_WORKSTATIONS = ["ws-alice", "ws-bob"]
HP_EDGE_NODES = ["edge-gw-07", "edge-gw-12"]
HP_K8S_NODES = ["k8s-node-1", "k8s-node-2", "k8s-node-3"]
HP_PRINTERS = ["HP_LaserJet_M404", "Brother_HL_L2350DW", "Canon_iR_C3226"]
HP_PRINT_USERS = ["alice", "bob", "root"]
HP_CUPS_FILTERS = ["/usr/lib/cups/filter/pdftopdf", "/usr/lib/cups/filter/gstoraster", "/usr/lib/cups/filter/rastertopclx",
                   "/usr/lib/cups/filter/foomatic-rip", "/usr/lib/cups/filter/pdftops"]
HP_CUPS_BACKENDS = ["/usr/lib/cups/backend/ipp", "/usr/lib/cups/backend/socket", "/usr/lib/cups/backend/usb"]
# (IPP operation, the resource it is posted to, the status it mostly ends with)
HP_IPP_OPERATIONS = [("Print-Job", "/printers/{q}", "successful-ok"), ("Get-Jobs", "/printers/{q}", "successful-ok"),
                     ("CUPS-Get-Printers", "/", "successful-ok"), ("Create-Printer-Subscriptions", "/", "successful-ok"),
                     ("Renew-Subscription", "/", "successful-ok"), ("Cancel-Job", "/jobs/", "client-error-not-possible"),
                     ("Get-Printer-Attributes", "/printers/{q}", "successful-ok")]
HP_DOCUMENTS = ["report.pdf", "Invoice_2026-1187.pdf", "Untitled Document 1", "boarding-pass.pdf", "smbprn.00000042 Remote Downlevel Document"]
HP_BT_DEVICES = ["00:1B:66:A1:3F:7C", "AC:80:0A:2E:91:D4", "41:42:52:94:E8:5F"]
HP_BT_PROFILES = ["a2dp-sink", "a2dp-source", "hfp-hf", "headset-gateway"]
HP_BT_ERRORS = ["Protocol not available", "Protocol not available", "Device or resource busy", "Connection refused", "Host is down"]
HP_BT_ENDPOINTS = ["/MediaEndpoint/A2DPSink/sbc", "/MediaEndpoint/A2DPSource/sbc", "/MediaEndpoint/A2DPSink/aac",
                   "/MediaEndpoint/A2DPSource/aptx_hd", "/MediaEndpoint/BAPSink/lc3"]
HP_ALSA_PCMS = ["hw:0,0p", "hdmi:0p", "front:1p", "hw:sofhdadsp,0p"]
HP_SNAPS = ["core22", "core24", "firefox", "snapd", "lxd", "microk8s", "gnome-42-2204", "gtk-common-themes", "snap-store", "bare"]
HP_SNAP_STORE_ERRORS = [
    'Post "https://api.snapcraft.io/v2/snaps/refresh": dial tcp 185.125.188.58:443: i/o timeout',
    'Get "https://api.snapcraft.io/api/v1/snaps/sections": dial tcp: lookup api.snapcraft.io on 127.0.0.53:53: server misbehaving',
    'Get "https://api.snapcraft.io/api/v1/snaps/sections": net/http: request canceled while waiting for connection '
    "(Client.Timeout exceeded while awaiting headers)",
]
# (block device, mount point, major:minor, uid of the desktop user)
HP_REMOVABLE = [("/dev/sdb1", "/media/alice/USBSTICK", "8:17", "1000"), ("/dev/sdc1", "/media/bob/3A4F-19C2", "8:33", "1001"),
                ("/dev/mmcblk0p1", "/media/alice/disk", "179:1", "1000"), ("/dev/sdb2", "/media/alice/backup", "8:18", "1000")]
HP_UDISKS_DRIVES = ["/org/freedesktop/UDisks2/drives/Samsung_SSD_870_EVO_1TB_S626NF0R412345W",
                    "/org/freedesktop/UDisks2/drives/WDC_WD40EFRX_68N32N0_WD_WCC7K4PL1234",
                    "/org/freedesktop/UDisks2/drives/SanDisk_Ultra_4C530001140823117343"]
# (message, GError domain, code) of a failed SMART refresh
HP_UDISKS_SMART_ERRORS = [("Error updating SMART data: sk_disk_smart_read_data: Operation not supported", "udisks-error-quark", "0"),
                          ("Error updating SMART data: Error sending ATA command CHECK POWER MODE: Unexpected sense data", "g-io-error-quark", "0"),
                          ("Error updating SMART data: sk_disk_smart_status: Input/output error", "udisks-error-quark", "0")]
HP_POLKIT_AGENTS = [("unix-session:2", "/usr/bin/gnome-shell"), ("unix-session:c1", "/usr/bin/gnome-shell"),
                    ("unix-session:4", "/usr/lib/x86_64-linux-gnu/polkit-mate/polkit-mate-authentication-agent-1")]
HP_POLKIT_ACTIONS = [("org.freedesktop.packagekit.system-update", "/usr/bin/gnome-software --gapplication-service"),
                     ("org.freedesktop.NetworkManager.settings.modify.system", "/usr/bin/nm-connection-editor"),
                     ("org.freedesktop.udisks2.filesystem-mount-system", "/usr/libexec/gvfs-udisks2-volume-monitor"),
                     ("org.freedesktop.systemd1.manage-units", "systemctl restart cups")]
HP_LOCALES = ["en_US.UTF-8", "en_US.UTF-8", "de_DE.UTF-8", "C.UTF-8"]
HP_LOGIN_USERS = ["alice", "bob", "ops", "gdm"]
HP_INPUT_BUTTONS = [("/dev/input/event0", "Power Button"), ("/dev/input/event1", "Sleep Button"), ("/dev/input/event2", "Lid Switch"),
                    ("/dev/input/event4", "AT Translated Set 2 keyboard"), ("/dev/input/event12", "Video Bus")]
HP_MM_STATES = [("disabled", "enabling"), ("enabling", "enabled"), ("enabled", "searching"), ("searching", "registered"),
                ("registered", "connecting"), ("connecting", "connected"), ("connected", "disconnecting"),
                ("disconnecting", "registered"), ("connecting", "registered")]
HP_MM_REGISTRATION = [("idle", "searching"), ("searching", "home"), ("home", "searching"), ("home", "roaming"), ("searching", "denied")]
HP_MM_CONNECT_STEPS = [("3", "unlock check"), ("4", "wait to get fully initialized"), ("5", "enable"), ("6", "wait after enabled"),
                       ("7", "register"), ("8", "bearer"), ("9", "connect"), ("10", "all done")]
HP_MM_CONNECT_ERRORS = ["QMI protocol error (14): 'CallFailed'", "Serial command timed out", "operation aborted",
                        "MBIM error: Operation not allowed"]
HP_MM_DEVICES = [("/sys/devices/platform/soc/3f980000.usb/usb1/1-1/1-1.3", "quectel", "4"),
                 ("/sys/devices/pci0000:00/0000:00:14.0/usb2/2-3", "sierra", "5"),
                 ("/sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0", "generic", "3")]
HP_SMART_ATA = ["/dev/sda [SAT]", "/dev/sdb [SAT]", "/dev/sdc [SAT]", "/dev/bus/0 [megaraid_disk_01] [SAT]"]
HP_SMART_NVME = ["/dev/nvme0", "/dev/nvme1"]
HP_SMART_USAGE = [("194", "Temperature_Celsius"), ("190", "Airflow_Temperature_Cel"), ("195", "Hardware_ECC_Recovered")]
HP_SMART_PREFAIL = [("1", "Raw_Read_Error_Rate"), ("7", "Seek_Error_Rate"), ("3", "Spin_Up_Time")]
HP_SMART_STATE_FILES = ["/var/lib/smartmontools/smartd.ST8000VN004_2M2101-WSD1A2B3.ata.state",
                        "/var/lib/smartmontools/smartd.WDC_WD40EFRX_68N32N0-WD_WCC7K4PL1234.ata.state",
                        "/var/lib/smartmontools/smartd.Samsung_SSD_980_PRO_1TB-S5GXNF0R312345.nvme.state"]
# (package:arch, installed version, candidate version)
HP_DEB_UPGRADES = [("libssl3t64:amd64", "3.0.13-0ubuntu3.4", "3.0.13-0ubuntu3.5"), ("openssl:amd64", "3.0.13-0ubuntu3.4", "3.0.13-0ubuntu3.5"),
                   ("containerd.io:amd64", "1.7.22-1", "1.7.24-1"), ("nvidia-container-toolkit:amd64", "1.16.2-1", "1.17.3-1"),
                   ("tzdata:all", "2024a-3ubuntu1.1", "2024b-0ubuntu0.24.04"), ("libsystemd0:amd64", "255.4-1ubuntu8.4", "255.4-1ubuntu8.5"),
                   ("python3-urllib3:all", "2.0.7-1", "2.0.7-1ubuntu0.1")]
HP_DEB_INSTALLS = [("linux-image-6.8.0-49-generic:amd64", "6.8.0-49.49"), ("linux-modules-6.8.0-49-generic:amd64", "6.8.0-49.49"),
                   ("linux-headers-6.8.0-49:all", "6.8.0-49.49"), ("smartmontools:amd64", "7.4-2build1"), ("tuned:all", "2.21.0-1")]
HP_DEB_TRIGGERS = [("man-db:amd64", "2.12.0-4build2"), ("libc-bin:amd64", "2.39-0ubuntu8.3"), ("dbus:amd64", "1.14.10-4ubuntu4.1"),
                   ("initramfs-tools:all", "0.142ubuntu25.4")]
HP_DEB_REMOVALS = [("linux-image-6.8.0-45-generic:amd64", "6.8.0-45.45"), ("linux-modules-6.8.0-45-generic:amd64", "6.8.0-45.45"),
                   ("linux-headers-6.8.0-45:all", "6.8.0-45.45")]
HP_DEB_STATES = ["installed", "installed", "unpacked", "half-configured", "half-installed", "triggers-pending", "config-files", "not-installed"]
HP_APT_COMMANDS = ["/usr/bin/unattended-upgrade", "/usr/bin/unattended-upgrade", "apt-get install -y nvidia-container-toolkit",
                   "apt upgrade", "apt-get -y autoremove --purge"]
HP_UU_ORIGINS = ["o=Ubuntu,a=noble", "o=Ubuntu,a=noble-security", "o=UbuntuESMApps,a=noble-apps-security", "o=UbuntuESM,a=noble-infra-security",
                 "o=Docker,a=noble"]
HP_UU_CONFFILE_PACKAGES = ["openssh-server", "nginx-common", "docker-ce"]
HP_IRQ_ERRORS = ["Input/output error", "Input/output error", "Permission denied"]
HP_TUNED_PROFILES = ["throughput-performance", "virtual-guest", "latency-performance", "balanced", "powersave"]
HP_TUNED_COMMAND_ERRORS = [("modprobe -r cpufreq_conservative", "modprobe: FATAL: Module cpufreq_conservative is builtin."),
                           ("x86_energy_perf_policy performance", "[Errno 2] No such file or directory: 'x86_energy_perf_policy'"),
                           ("hdparm -B 254 /dev/sda", "APM_level\t= not supported")]
HP_WIFI_IFACES = ["wlp2s0", "wlan0"]
HP_WIFI_BSSIDS = ["3c:37:86:a1:0e:52", "f4:92:bf:55:2c:11", "b0:be:76:7d:9a:e0"]
HP_WIFI_SSIDS = ["HomeNet", "acme-corp", "acme-guest"]
HP_WIFI_REASONS = [("3", " locally_generated=1"), ("4", ""), ("8", " locally_generated=1"), ("15", ""), ("2", "")]
HP_MDNS_IFACES = ["eth0", "cni0", "flannel.1", "docker0"]


def host_events() -> list[tuple[float, str, dict]]:
    """Linux host and edge-node daemons on workstations and Kubernetes nodes that none of the
    other corpora covers: CUPS cupsd (error_log, access_log, page_log), BlueZ bluetoothd,
    PipeWire and WirePlumber, snapd, udisksd, polkitd, systemd-logind, ModemManager, smartd,
    dpkg (dpkg.log) and apt (history.log), unattended-upgrades, irqbalance, tuned (tuned.log),
    wpa_supplicant and avahi-daemon; the daemons that log to syslog carry rsyslog's RFC 3339
    header. Written blind for the seventeenth issue-15 pass: before reading the engine or any
    failure analysis; 104 event types."""

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def syslog_ts(g: Gen) -> str:
        # rsyslog's RFC3339 template, the default of current Debian and Ubuntu releases
        return f"2026-12-03T{hms(g)}.{us6(g)}+00:00"

    def cups_ts(g: Gen) -> str:
        # CUPS brackets the time in all three logs; the brackets stay in the template
        return g.clf_time()[1:-1]

    def py_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{ms3(g)}"

    def dpkg_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def syslog(prog: str, hosts: list[str], pids: list[str]) -> tuple[str, dict]:
        # slot names of the header are kept apart from the message's own slots
        return "{sys_ts} {sys_host} " + prog + "[{sys_pid}]: ", {"sys_ts": syslog_ts, "sys_host": pick(hosts), "sys_pid": pick(pids)}

    # CUPS
    def job_id(g: Gen) -> str:
        return g.num(40, 2400)

    def cups_pid(g: Gen) -> str:
        return g.num(2000, 99999)

    def ipp_status(g: Gen) -> str:
        # the status comes first in the line; the operation and its resource follow (then(1), then(2))
        op, resource, status = g.r.choice(HP_IPP_OPERATIONS)
        g.drawn = (status, op, resource.replace("{q}", g.r.choice(HP_PRINTERS)))
        return status

    def access_request(g: Gen) -> str:
        op, resource, status = g.r.choice(HP_IPP_OPERATIONS)
        g.drawn = (resource.replace("{q}", g.r.choice(HP_PRINTERS)), op, status)
        return g.drawn[0]

    def client_host(g: Gen) -> str:
        return g.r.choice(["localhost", "localhost", "ws-bob.lan", g.ip()])

    def media(g: Gen) -> str:
        return g.r.choice(["iso_a4_210x297mm", "iso_a4_210x297mm", "na_letter_8.5x11in", "iso_a5_148x210mm"])

    # BlueZ and PipeWire
    def bus_name(g: Gen) -> str:
        return f":1.{g.r.randint(30, 480)}"

    # snapd
    def snap_list(g: Gen) -> str:
        names = sorted(g.r.sample(HP_SNAPS, g.r.randint(1, 5)))
        return ", ".join(f'"{n}"' for n in names)

    def snapd_user_agent(g: Gen) -> str:
        # snapd logs its whole user agent as the one argument of "started %v."
        return (f"snapd/{g.r.choice(['2.63+24.04', '2.66.1+24.04'])} (series 16; classic) ubuntu/24.04 "
                f"({g.r.choice(['amd64', 'amd64', 'arm64'])}) linux/{g.r.choice(['6.8.0-49-generic', '6.8.0-45-generic'])}")

    # udisks
    def removable(g: Gen) -> str:
        g.drawn = g.r.choice(HP_REMOVABLE)
        return g.drawn[0]

    def removable_mount_point(g: Gen) -> str:
        g.drawn = g.r.choice(HP_REMOVABLE)
        return g.drawn[1]

    # polkit
    def agent_subject(g: Gen) -> str:
        subject, agent = g.r.choice(HP_POLKIT_AGENTS)
        if g.r.random() < 0.4:
            # pkexec and systemctl over ssh bring their own text agent
            subject, agent = f"unix-process:{g.num(1000, 99999)}:{g.num(100000, 999999999)}", "/usr/bin/pkttyagent --notify-fd 5 --fallback"
        g.drawn = (subject, agent)
        return subject

    def agent_path(g: Gen) -> str:
        return g.r.choice(["/org/freedesktop/PolicyKit1/AuthenticationAgent", "/org/freedesktop/PolicyKit1/AuthenticationAgent",
                           "/org/gnome/PolicyKit1/AuthenticationAgent"])

    def polkit_action(g: Gen) -> str:
        g.drawn = g.r.choice(HP_POLKIT_ACTIONS)
        return g.drawn[0]

    def polkit_requester(g: Gen) -> str:
        return g.r.choice([f"system-bus-name::1.{g.r.randint(30, 480)}", f"unix-process:{g.num(1000, 99999)}:{g.num(100000, 999999999)}"])

    def unix_user(g: Gen) -> str:
        return f"unix-user:{g.r.choice(HP_PRINT_USERS)}"

    # logind
    def session_id(g: Gen) -> str:
        return g.num(1, 900)

    def button(g: Gen) -> str:
        g.drawn = g.r.choice(HP_INPUT_BUTTONS)
        return g.drawn[0]

    # ModemManager
    def modem(g: Gen) -> str:
        return g.r.choice(["modem0", "modem0", "modem1"])

    def bearer(g: Gen) -> str:
        return f"{modem(g)}/bearer{g.r.randint(0, 4)}"

    def mm_device(g: Gen) -> str:
        g.drawn = g.r.choice(HP_MM_DEVICES)
        return g.drawn[0]

    # smartd
    def attribute_change(g: Gen, pool: list[tuple[str, str]]) -> str:
        attr_id, name = g.r.choice(pool)
        old = g.r.randint(60, 200)
        g.drawn = (attr_id, name, str(old), str(old + g.r.choice([-2, -1, 1, 2])))
        return attr_id

    def min_max(g: Gen) -> str:
        low, high = g.r.randint(18, 30), g.r.randint(45, 62)
        return f"{low}/{high}{g.r.choice(['', '', '!'])}"

    # dpkg and apt
    def deb_upgrade(g: Gen) -> str:
        g.drawn = g.r.choice(HP_DEB_UPGRADES)
        return g.drawn[0]

    def deb_any(g: Gen) -> str:
        pkg, *versions = g.r.choice([*HP_DEB_UPGRADES, *HP_DEB_INSTALLS, *HP_DEB_TRIGGERS])
        g.drawn = (pkg, versions[-1])
        return pkg

    def deb_install(g: Gen) -> str:
        g.drawn = g.r.choice(HP_DEB_INSTALLS)
        return g.drawn[0]

    def deb_trigger(g: Gen) -> str:
        g.drawn = g.r.choice(HP_DEB_TRIGGERS)
        return g.drawn[0]

    def deb_removal(g: Gen) -> str:
        g.drawn = g.r.choice(HP_DEB_REMOVALS)
        return g.drawn[0]

    def apt_date(g: Gen) -> str:
        # apt writes the date and the time two spaces apart
        return f"2026-12-03  {hms(g)}"

    def apt_upgrades(g: Gen) -> str:
        picked = g.r.sample(HP_DEB_UPGRADES, g.r.randint(1, 4))
        return ", ".join(f"{p} ({old}, {new})" for p, old, new in picked)

    def apt_installs(g: Gen) -> str:
        picked = g.r.sample(HP_DEB_INSTALLS, g.r.randint(1, 4))
        return ", ".join(f"{p} ({v}{g.r.choice(['', ', automatic', ', automatic'])})" for p, v in picked)

    def apt_removals(g: Gen) -> str:
        picked = g.r.sample(HP_DEB_REMOVALS, g.r.randint(1, 3))
        return ", ".join(f"{p} ({v})" for p, v in picked)

    # unattended-upgrades
    def origins(g: Gen) -> str:
        return ", ".join(HP_UU_ORIGINS[: g.r.randint(2, 5)])

    def uu_packages(g: Gen) -> str:
        names = sorted({p.split(":")[0] for p, _, _ in g.r.sample(HP_DEB_UPGRADES, g.r.randint(1, 4))})
        return " ".join(names)

    # tuned
    def tuned_devices(g: Gen) -> str:
        kind = g.r.choice(["cpu", "cpu", "disk", "net"])
        if kind == "cpu":
            cpus = [f"cpu{i}" for i in range(g.r.choice([2, 4, 8]))]
            g.r.shuffle(cpus)
            devices = cpus
        elif kind == "disk":
            devices = g.r.sample(["sda", "sdb", "nvme0n1", "dm-0"], g.r.randint(1, 3))
        else:
            devices = g.r.sample(["eno1", "eth0", "ens5"], g.r.randint(1, 2))
        g.drawn = (", ".join(devices),)
        return kind

    def tuned_error(g: Gen) -> str:
        g.drawn = g.r.choice(HP_TUNED_COMMAND_ERRORS)
        return g.drawn[0]

    # wpa_supplicant
    def wifi_reason(g: Gen) -> str:
        g.drawn = g.r.choice(HP_WIFI_REASONS)
        return g.drawn[0]

    def signal(g: Gen) -> str:
        return str(-g.r.randint(38, 82))

    # avahi
    def hextet(g: Gen) -> str:
        return g.hexs(4).lstrip("0") or "0"

    def mdns_interface(g: Gen) -> str:
        # draws (interface, protocol, address); later slots of the line read the other two
        iface = g.r.choice([*HP_MDNS_IFACES, f"veth{g.hexs(8)}"])
        if g.r.random() < 0.4:
            g.drawn = (iface, "IPv6", f"fe80::{hextet(g)}:{g.hexs(2)}ff:fe{g.hexs(2)}:{hextet(g)}")
        else:
            g.drawn = (iface, "IPv4", g.ip())
        return iface

    def mdns_address(g: Gen) -> str:
        mdns_interface(g)
        return g.drawn[2]

    def record_protocol(g: Gen) -> str:
        # link-local IPv6 records are registered for any protocol, printed as "*"
        return "*" if g.drawn[1] == "IPv6" else "IPv4"

    cups_job = "I [{t}] [Job {j}] "
    bt, bt_slots = syslog("bluetoothd", HP_WORKSTATIONS, ["812", "1044"])
    pw, pw_slots = syslog("pipewire", HP_WORKSTATIONS, ["2216", "1931"])
    wp, wp_slots = syslog("wireplumber", HP_WORKSTATIONS, ["2219", "1934"])
    snapd, snapd_slots = syslog("snapd", [*HP_WORKSTATIONS, *HP_K8S_NODES], ["841", "921", "1203"])
    ud, ud_slots = syslog("udisksd", HP_WORKSTATIONS, ["889", "903"])
    pk, pk_slots = syslog("polkitd", [*HP_WORKSTATIONS, *HP_K8S_NODES], ["754", "812"])
    ld, ld_slots = syslog("systemd-logind", [*HP_WORKSTATIONS, *HP_K8S_NODES], ["741", "688"])
    mm, mm_slots = syslog("ModemManager", HP_EDGE_NODES, ["868", "1139"])
    sd, sd_slots = syslog("smartd", [*HP_K8S_NODES, *HP_EDGE_NODES], ["789", "1586"])
    irq, irq_slots = syslog("irqbalance", HP_K8S_NODES, ["657", "780"])
    wpa, wpa_slots = syslog("wpa_supplicant", [*HP_WORKSTATIONS, *HP_EDGE_NODES], ["901", "1020"])
    av, av_slots = syslog("avahi-daemon", [*HP_K8S_NODES, *HP_WORKSTATIONS], ["712", "845"])
    uu = "{t} "
    tuned = "{t} "
    return [
        # CUPS 2.4 error_log (level letter, CLF time, job prefix), access_log and page_log
        (12, cups_job + 'Queued on "{q}" by "{u}".', {"t": cups_ts, "j": job_id, "q": pick(HP_PRINTERS), "u": pick(HP_PRINT_USERS)}),
        (16, cups_job + "Started filter {f} (PID {p})", {"t": cups_ts, "j": job_id, "f": pick(HP_CUPS_FILTERS), "p": cups_pid}),
        (9, cups_job + "Started backend {b} (PID {p})", {"t": cups_ts, "j": job_id, "b": pick(HP_CUPS_BACKENDS), "p": cups_pid}),
        (10, cups_job + "Job completed.", {"t": cups_ts, "j": job_id}),
        (3, cups_job + "Backend returned status {s} ({r})",
         {"t": cups_ts, "j": job_id, "s": first([("1", "failed"), ("1", "failed"), ("2", "authentication required"), ("4", "stop printer"),
                                                  ("6", "retry job")]), "r": then(1)}),
        (14, "D [{t}] [Client {c}] Returning IPP {s} for {op} ({uri}) from {h}.",
         {"t": cups_ts, "c": lambda g: g.num(1, 9999), "s": ipp_status, "op": then(1), "uri": lambda g: f"ipp://localhost{g.drawn[2]}",
          "h": client_host}),
        (18, '{h} - {u} [{t}] "POST {r} HTTP/1.1" {st} {b} {op} {ipp}',
         {"h": client_host, "u": pick(["-", "-", "alice", "bob"]), "t": cups_ts, "r": access_request, "st": pick(["200"]),
          "b": lambda g: g.num(150, 900000), "op": then(1), "ipp": then(2)}),
        (8, "{q} {u} {j} [{t}] total {n} {bill} {h} {name} {m} {sides}",
         {"q": pick(HP_PRINTERS), "u": pick(HP_PRINT_USERS), "j": job_id, "t": cups_ts, "n": pick(["1", "1", "2", "3", "12", "48"]),
          "bill": pick(["-", "-", "-", "cc-4711"]), "h": client_host, "name": pick(HP_DOCUMENTS), "m": media, "sides": pick(["one-sided", "two-sided-long-edge"])}),
        # BlueZ 5.72 bluetoothd (error() prefixes file and function; btd_error does not)
        (10, bt + "src/service.c:btd_service_connect() {p} profile connect failed for {a}: {e}",
         {**bt_slots, "p": pick(HP_BT_PROFILES), "a": pick(HP_BT_DEVICES), "e": pick(HP_BT_ERRORS)}),
        (9, bt + "Endpoint registered: sender={s} path={p}", {**bt_slots, "s": bus_name, "p": pick(HP_BT_ENDPOINTS)}),
        (7, bt + "Endpoint unregistered: sender={s} path={p}", {**bt_slots, "s": bus_name, "p": pick(HP_BT_ENDPOINTS)}),
        (4, bt + "src/profile.c:ext_io_disconn() Unable to get io data for {n}: getpeername: Transport endpoint is not connected (107)",
         {**bt_slots, "n": pick(["Hands-Free Voice gateway", "Headset Voice gateway", "Hands-Free unit"])}),
        (2, bt + "Failed to set mode: {e}", {**bt_slots, "e": pick(["Blocked through rfkill (0x12)", "Failed (0x03)", "Busy (0x0a)"])}),
        (1, bt + "Bluetooth daemon {v}", {**bt_slots, "v": pick(["5.72", "5.79"])}),
        # PipeWire 1.0 and WirePlumber 0.4 (journal lines: log topic, then the message)
        (12, pw + "spa.alsa: {d}: ({n} suppressed) snd_pcm_avail after recover: Broken pipe",
         {**pw_slots, "d": pick(HP_ALSA_PCMS), "n": lambda g: g.num(1, 160)}),
        (3, wp + "Failed to get percentage from UPower: org.freedesktop.DBus.Error.NameHasNoOwner", wp_slots),
        (3, wp + "spa.bluez5: BlueZ system service is not available", wp_slots),
        (4, wp + "wp-device: SPA handle '{h}' could not be loaded; is it installed?",
         {**wp_slots, "h": pick(["api.v4l2.enum.udev", "api.libcamera.enum.manager", "api.bluez5.enum.dbus"])}),
        (2, wp + "spa.alsa: The decibel volume range for element '{e}' ({a} dB - {b} dB) has negative maximum. Disabling the decibel range.",
         {**wp_slots, "e": pick(["PCM", "Headphone", "Master"]), "a": pick(["-2837", "-6400", "-4650"]), "b": pick(["-94", "-1", "-12"])}),
        # snapd 2.63 (Go file:line of the logger call, then the message)
        (12, snapd + "storehelpers.go:769: cannot refresh: snap has no updates available: {l}", {**snapd_slots, "l": snap_list}),
        (12, snapd + "autorefresh.go:551: auto-refresh: all snaps are up-to-date", snapd_slots),
        (5, snapd + "stateengine.go:149: state ensure error: {e}", {**snapd_slots, "e": pick(HP_SNAP_STORE_ERRORS)}),
        (2, snapd + "daemon.go:247: started {ua}.", {**snapd_slots, "ua": snapd_user_agent}),
        (2, snapd + "daemon.go:340: adjusting startup timeout by {d} (pessimistic estimate of {m} plus {p} per snap)",
         {**snapd_slots, "d": pick(["45s", "55s", "1m10s"]), "m": pick(["30s"]), "p": pick(["5s"])}),
        # udisks 2.10 udisksd
        (8, ud + "Mounted {d} at {m} on behalf of uid {u}", {**ud_slots, "d": removable, "m": then(1), "u": then(3)}),
        (3, ud + "Mounted {d} (system) at {m} on behalf of uid {u}",
         {**ud_slots, "d": pick(["/dev/sdb1", "/dev/sdd1"]), "m": pick(["/mnt/data", "/srv/usb"]), "u": pick(["1000", "0"])}),
        (7, ud + "Unmounted {d} on behalf of uid {u}", {**ud_slots, "d": removable, "u": then(3)}),
        (5, ud + "Cleaning up mount point {m} (device {n} is not mounted)",
         {**ud_slots, "m": removable_mount_point, "n": then(2)}),
        (4, ud + "Error performing housekeeping for drive {d}: {e} ({q}, {c})",
         {**ud_slots, "d": pick(HP_UDISKS_DRIVES), "e": first(HP_UDISKS_SMART_ERRORS), "q": then(1), "c": then(2)}),
        (1, ud + "udisks daemon version {v} starting", {**ud_slots, "v": pick(["2.10.1"])}),
        # polkit 124 polkitd
        (8, pk + "Registered Authentication Agent for {s} (system bus name {b} [{c}], object path {o}, locale {l})",
         {**pk_slots, "s": agent_subject, "b": bus_name, "c": then(1), "o": agent_path, "l": pick(HP_LOCALES)}),
        (7, pk + "Unregistered Authentication Agent for {s} (system bus name {b}, object path {o}, locale {l}) (disconnected from bus)",
         {**pk_slots, "s": agent_subject, "b": bus_name, "o": agent_path, "l": pick(HP_LOCALES)}),
        (5, pk + "Operator of {s} successfully authenticated as {i} to gain {k} authorization for action {a} for {r} [{c}] (owned by {o})",
         {**pk_slots, "s": lambda g: g.r.choice(HP_POLKIT_AGENTS)[0], "i": unix_user, "k": pick(["TEMPORARY", "ONE-SHOT"]), "a": polkit_action,
          "r": polkit_requester, "c": then(1), "o": unix_user}),
        (2, pk + "Loading rules from directory {d}", {**pk_slots, "d": pick(["/etc/polkit-1/rules.d", "/usr/share/polkit-1/rules.d"])}),
        (2, pk + "Finished loading, compiling and executing {n} rules", {**pk_slots, "n": pick(["2", "6", "13"])}),
        # systemd 255 systemd-logind
        (20, ld + "New session {s} of user {u}.", {**ld_slots, "s": session_id, "u": pick(HP_LOGIN_USERS)}),
        (16, ld + "Session {s} logged out. Waiting for processes to exit.", {**ld_slots, "s": session_id}),
        (18, ld + "Removed session {s}.", {**ld_slots, "s": session_id}),
        (3, ld + "Watching system buttons on {d} ({n})", {**ld_slots, "d": button, "n": then(1)}),
        (4, ld + "Lid closed.", ld_slots),
        (4, ld + "Lid opened.", ld_slots),
        (3, ld + "The system will suspend now!", ld_slots),
        (2, ld + "Power key pressed short.", ld_slots),
        (3, ld + "Operation '{o}' finished.", {**ld_slots, "o": pick(["sleep"])}),
        # ModemManager 1.20 (mm_obj_* messages: level, then the object's log id)
        (10, mm + "<info>  [{m}] state changed ({a} -> {b})", {**mm_slots, "m": modem, "a": first(HP_MM_STATES), "b": then(1)}),
        (8, mm + "<info>  [{m}] 3GPP registration state changed ({a} -> {b})", {**mm_slots, "m": modem, "a": first(HP_MM_REGISTRATION), "b": then(1)}),
        (4, mm + "<info>  [{m}] simple connect started...", {**mm_slots, "m": modem}),
        (9, mm + "<info>  [{m}] simple connect state ({i}/10): {s}", {**mm_slots, "m": modem, "i": first(HP_MM_CONNECT_STEPS), "s": then(1)}),
        (4, mm + "<info>  [{b}] connection #{n} finished: duration {d}s, tx: {tx} bytes, rx :{rx} bytes",
         {**mm_slots, "b": bearer, "n": lambda g: g.num(1, 40), "d": lambda g: g.num(3, 86400), "tx": lambda g: g.num(0, 90000000),
          "rx": lambda g: g.num(0, 900000000)}),
        (4, mm + "<warn>  [{b}] connection attempt #{n} failed: {e}", {**mm_slots, "b": bearer, "n": lambda g: g.num(1, 40), "e": pick(HP_MM_CONNECT_ERRORS)}),
        (3, mm + "<info>  [{m}] power state updated: {s}", {**mm_slots, "m": modem, "s": pick(["on", "on", "low"])}),
        (1, mm + "<info>  [device {d}] creating modem with plugin '{p}' and '{n}' ports", {**mm_slots, "d": mm_device, "p": then(1), "n": then(2)}),
        # smartmontools 7.4 smartd (the device name carries its type: "/dev/sda [SAT]")
        (14, sd + "Device: {d}, SMART Usage Attribute: {i} {n} changed from {a} to {b}",
         {**sd_slots, "d": pick(HP_SMART_ATA), "i": lambda g: attribute_change(g, HP_SMART_USAGE), "n": then(1), "a": then(2), "b": then(3)}),
        (8, sd + "Device: {d}, SMART Prefailure Attribute: {i} {n} changed from {a} to {b}",
         {**sd_slots, "d": pick(HP_SMART_ATA), "i": lambda g: attribute_change(g, HP_SMART_PREFAIL), "n": then(1), "a": then(2), "b": then(3)}),
        (5, sd + "Device: {d}, {n} Currently unreadable (pending) sectors", {**sd_slots, "d": pick(HP_SMART_ATA), "n": pick(["1", "8", "16", "24"])}),
        (4, sd + "Device: {d}, {n} Offline uncorrectable sectors", {**sd_slots, "d": pick(HP_SMART_ATA), "n": pick(["1", "8", "16"])}),
        (3, sd + "Device: {d}, starting scheduled {t}Test.",
         {**sd_slots, "d": pick(HP_SMART_ATA), "t": pick(["Short Self-", "Short Self-", "Long Self-", "Offline Immediate "])}),
        (4, sd + "Device: {d}, state written to {f}", {**sd_slots, "d": pick([*HP_SMART_ATA, *HP_SMART_NVME]), "f": pick(HP_SMART_STATE_FILES)}),
        (2, sd + "Device: {d}, Temperature {t} Celsius reached limit of {l} Celsius (Min/Max {m})",
         {**sd_slots, "d": pick([*HP_SMART_ATA, *HP_SMART_NVME]), "t": lambda g: g.num(55, 71), "l": pick(["55", "60"]), "m": min_max}),
        (2, sd + "Device: {d}, ATA error count increased from {a} to {b}",
         {**sd_slots, "d": pick(HP_SMART_ATA), "a": first([("0", "1"), ("3", "5"), ("12", "13")]), "b": then(1)}),
        # dpkg 1.22 (/var/log/dpkg.log)
        (6, "{t} startup {a} {b}", {"t": dpkg_ts, "a": first([("archives", "unpack"), ("packages", "configure"), ("packages", "remove")]), "b": then(1)}),
        (40, "{t} status {s} {p} {v}", {"t": dpkg_ts, "s": pick(HP_DEB_STATES), "p": deb_any, "v": then(1)}),
        (10, "{t} upgrade {p} {a} {b}", {"t": dpkg_ts, "p": deb_upgrade, "a": then(1), "b": then(2)}),
        (4, "{t} install {p} <none> {v}", {"t": dpkg_ts, "p": deb_install, "v": then(1)}),
        (12, "{t} configure {p} {v} <none>", {"t": dpkg_ts, "p": deb_any, "v": then(1)}),
        (8, "{t} trigproc {p} {v} <none>", {"t": dpkg_ts, "p": deb_trigger, "v": then(1)}),
        (3, "{t} remove {p} {v} <none>", {"t": dpkg_ts, "p": deb_removal, "v": then(1)}),
        (1, "{t} conffile {f} {a}", {"t": dpkg_ts, "f": pick(["/etc/ssh/sshd_config", "/etc/containerd/config.toml"]), "a": pick(["keep", "install"])}),
        # apt 2.7 (/var/log/apt/history.log, one line per field)
        (4, "Start-Date: {d}", {"d": apt_date}),
        (4, "Commandline: {c}", {"c": pick(HP_APT_COMMANDS)}),
        (2, "Requested-By: {u} ({i})", {"u": first([("alice", "1000"), ("bob", "1001"), ("ops", "1002")]), "i": then(1)}),
        (4, "Upgrade: {l}", {"l": apt_upgrades}),
        (2, "Install: {l}", {"l": apt_installs}),
        (1, "Remove: {l}", {"l": apt_removals}),
        (4, "End-Date: {d}", {"d": apt_date}),
        # unattended-upgrades 2.9 (/var/log/unattended-upgrades/unattended-upgrades.log)
        (4, uu + "INFO Starting unattended upgrades script", {"t": py_ts}),
        (4, uu + "INFO Allowed origins are: {o}", {"t": py_ts, "o": origins}),
        (3, uu + "INFO Initial blacklist: {b}", {"t": py_ts, "b": pick(["linux-", "linux- nvidia-", "containerd.io docker-ce"])}),
        (3, uu + "INFO Packages that will be upgraded: {p}", {"t": py_ts, "p": uu_packages}),
        (3, uu + "INFO Writing dpkg log to /var/log/unattended-upgrades/unattended-upgrades-dpkg.log", {"t": py_ts}),
        (2, uu + "INFO All upgrades installed", {"t": py_ts}),
        (3, uu + "INFO No packages found that can be upgraded unattended and no pending auto-removals", {"t": py_ts}),
        (1, uu + "WARNING Package {p} has conffile prompt and needs to be upgraded manually", {"t": py_ts, "p": pick(HP_UU_CONFFILE_PACKAGES)}),
        # irqbalance 1.9
        (8, irq + "Cannot change IRQ {n} affinity: {e}", {**irq_slots, "n": lambda g: g.num(0, 220), "e": pick(HP_IRQ_ERRORS)}),
        (8, irq + "IRQ {n} affinity is now unmanaged", {**irq_slots, "n": lambda g: g.num(0, 220)}),
        # tuned 2.21 (/var/log/tuned/tuned.log: level padded to 8, logger name)
        (3, tuned + "INFO     tuned.daemon.daemon: Using '{p}' profile", {"t": py_ts, "p": pick(HP_TUNED_PROFILES)}),
        (3, tuned + "INFO     tuned.profiles.loader: loading profile: {p}", {"t": py_ts, "p": pick(HP_TUNED_PROFILES)}),
        (3, tuned + "INFO     tuned.daemon.daemon: static tuning from profile '{p}' applied", {"t": py_ts, "p": pick(HP_TUNED_PROFILES)}),
        (2, tuned + "INFO     tuned.daemon.controller: starting controller", {"t": py_ts}),
        (5, tuned + "INFO     tuned.plugins.base: instance {i}: assigning devices {d}", {"t": py_ts, "i": tuned_devices, "d": then(0)}),
        (2, tuned + "WARNING  tuned.plugins.plugin_cpu: your CPU doesn't support MSR_IA32_ENERGY_PERF_BIAS, ignoring CPU energy performance bias",
         {"t": py_ts}),
        (3, tuned + "ERROR    tuned.utils.commands: Executing '{c}' error: {e}", {"t": py_ts, "c": tuned_error, "e": then(1)}),
        # wpa_supplicant 2.10
        (6, wpa + "{i}: CTRL-EVENT-CONNECTED - Connection to {b} completed [id={n} id_str={s}]",
         {**wpa_slots, "i": pick(HP_WIFI_IFACES), "b": pick(HP_WIFI_BSSIDS), "n": pick(["0", "0", "1", "2"]), "s": pick(["", "", "office"])}),
        (5, wpa + "{i}: CTRL-EVENT-DISCONNECTED bssid={b} reason={r}{lg}",
         {**wpa_slots, "i": pick(HP_WIFI_IFACES), "b": pick(HP_WIFI_BSSIDS), "r": wifi_reason, "lg": then(1)}),
        (14, wpa + "{i}: CTRL-EVENT-SIGNAL-CHANGE above={a} signal={s} noise={n} txrate={t}",
         {**wpa_slots, "i": pick(HP_WIFI_IFACES), "a": pick(["0", "1", "1"]), "s": signal, "n": pick(["9999", "9999", "-92"]),
          "t": pick(["866700", "400000", "144400", "6000"])}),
        (5, wpa + "{i}: SME: Trying to authenticate with {b} (SSID='{s}' freq={f} MHz)",
         {**wpa_slots, "i": pick(HP_WIFI_IFACES), "b": pick(HP_WIFI_BSSIDS), "s": pick(HP_WIFI_SSIDS), "f": pick(["2437", "5180", "5500"])}),
        (5, wpa + "{i}: Associated with {b}", {**wpa_slots, "i": pick(HP_WIFI_IFACES), "b": pick(HP_WIFI_BSSIDS)}),
        (5, wpa + "{i}: WPA: Key negotiation completed with {b} [PTK={p} GTK={g}]",
         {**wpa_slots, "i": pick(HP_WIFI_IFACES), "b": pick(HP_WIFI_BSSIDS), "p": pick(["CCMP", "CCMP", "GCMP-256"]), "g": pick(["CCMP", "CCMP", "TKIP"])}),
        # avahi-daemon 0.8 (container veths come and go on Kubernetes nodes)
        (12, av + "Joining mDNS multicast group on interface {i}.{p} with address {a}.", {**av_slots, "i": mdns_interface, "p": then(1), "a": then(2)}),
        (10, av + "Leaving mDNS multicast group on interface {i}.{p} with address {a}.", {**av_slots, "i": mdns_interface, "p": then(1), "a": then(2)}),
        (10, av + "New relevant interface {i}.{p} for mDNS.", {**av_slots, "i": mdns_interface, "p": then(1)}),
        (8, av + "Interface {i}.{p} no longer relevant for mDNS.", {**av_slots, "i": mdns_interface, "p": then(1)}),
        (10, av + "Registering new address record for {a} on {i}.{p}.",
         {**av_slots, "a": mdns_address, "i": then(0), "p": record_protocol}),
        (8, av + "Withdrawing address record for {a} on {i}.", {**av_slots, "a": mdns_address, "i": then(0)}),
    ]


LG_ORA_PDBS = [("ORDERSPDB", "3"), ("BILLPDB", "4")]
LG_ORA_REDO = ["+DATA/ORCLCDB/ONLINELOG/group_{g}.{n}.1187345521", "+RECO/ORCLCDB/ONLINELOG/group_{g}.{n}.1187345529",
               "/opt/oracle/oradata/ORCLCDB/redo0{g}.log"]
LG_ORA_TRACE_PROCS = ["ora", "ora", "j000", "j001", "m000", "cjq0"]
LG_ORA_JOBS = [("SYS", "ORA$AT_OS_OPT_SY_{n}"), ("APP_OWNER", "PURGE_ORDER_AUDIT"), ("APP_OWNER", "REFRESH_MV_ORDER_TOTALS"),
               ("SYS", "ORA$AT_SA_SPC_SY_{n}")]
LG_ORA_BG_PROCS = [("CJQ0", "51"), ("MMON", "24"), ("M000", "58"), ("J000", "63"), ("W003", "70")]
LG_ORA_DATAFILES = ["/opt/oracle/oradata/ORCLCDB/{pdb}/users01.dbf", "/opt/oracle/oradata/ORCLCDB/{pdb}/data01.dbf",
                    "/opt/oracle/oradata/ORCLCDB/{pdb}/sysaux01.dbf", "+DATA/ORCLCDB/0F1C2A3B4C5D6E7F/DATAFILE/{pdb}_idx.281.1187346001"]
LG_ORA_SERVICES = ["orderspdb.acme.internal", "billpdb.acme.internal", "ORCLCDB"]
LG_ORA_USERS = ["app_orders", "app_billing", "oracle", "svc_etl"]
LG_TNS_CODES = ["0", "0", "0", "0", "0", "0", "0", "12514", "12505", "12519"]
LG_MSSQL_DBS = [("orders", "5"), ("billing", "6"), ("reporting", "7")]
LG_MSSQL_LOGIN_FAILURES = [
    ("8", "sa", "Reason: Password did not match that for the login provided."),
    ("8", "app_orders", "Reason: Password did not match that for the login provided."),
    ("5", "admin", "Reason: Could not find a login matching the name provided."),
    ("38", "app_reporting", "Reason: Failed to open the explicitly specified database 'reporting'."),
    ("18", "etl_loader", "Reason: The password of the account must be changed."),
]
LG_MSSQL_AG_STATES = [("RESOLVING_NORMAL", "SECONDARY_NORMAL", "the availability group state has changed in Windows Server Failover Clustering (WSFC)"),
                      ("SECONDARY_NORMAL", "RESOLVING_PENDING_FAILOVER", "of a failover command"),
                      ("RESOLVING_PENDING_FAILOVER", "PRIMARY_PENDING", "of a failover command"),
                      ("PRIMARY_NORMAL", "RESOLVING_NORMAL", "the availability group is going offline")]
LG_MSSQL_OPTIONS = [("AUTO_CLOSE", "OFF"), ("SINGLE_USER", "ON"), ("MULTI_USER", "ON"), ("READ_COMMITTED_SNAPSHOT", "ON")]
LG_DB2_FUNCTIONS = [("base sys utilities", "sqeLocalDatabase::FreeResourcesOnDBShutdown", "15579"),
                    ("data protection services", "sqlpgArchiveLogFile", "3180"),
                    ("buffer pool services", "sqlbAllocateExtent", "1470"),
                    ("lock manager", "sqlplEscalateTableLock", "1"),
                    ("relation data serv", "sqlrr_rds_common_post", "1480"),
                    ("oper system services", "sqloSleepInstance", "38")]
LG_DB2_TABLES = ["DB2INST1.ORDERS", "DB2INST1.ORDER_ITEMS", "APP.INVOICES"]
LG_DB2_TABLESPACES = [("USERSPACE1", "2"), ("TS_ORDERS_DAT", "5"), ("TS_ORDERS_IDX", "6")]
LG_DB2_ZRC = [("0x8010006D", "-2146435027", "SQLP_LTIMEOUT", "Lock Timeout"),
              ("0x80100069", "-2146435031", "SQLP_DEADLOCK", "Deadlock detected"),
              ("0x8005006D", "-2147155859", "SQLB_END_OF_CONTAINER", "DMS Container space full"),
              ("0x870F0016", "-2029060074", "SQLO_ACCD", "Access denied")]
LG_HANA_CHANNEL_PEERS = ["127.0.0.1:30003", "10.40.2.11:30040", "10.40.2.12:30040"]
LG_WLS_POOLS = ["OrdersDS", "BillingDS", "JDBC Data Source-0"]
LG_WLS_JDBC_ERRORS = ["IO Error: The Network Adapter could not establish the connection",
                      "ORA-12514, TNS:listener does not currently know of service requested in connect descriptor",
                      "ORA-01017: invalid username/password; logon denied",
                      "IO Error: Socket read timed out"]
LG_WLS_APPS = [("orders", "orders.war", "/orders"), ("billing-ui", "billing-ui.war", "/billing"), ("soa-infra", "soa-infra-web", "/soa-infra")]
LG_WLS_STATES = ["STARTING", "STANDBY", "ADMIN", "RESUMING", "RUNNING", "RUNNING", "SUSPENDING", "SHUTTING_DOWN"]
LG_WLS_SERVERS = ["managed-server1", "managed-server2", "admin-server"]
LG_WLS_TRANSITIONS = [("STATE_NEW", "STATE_PREPARED"), ("STATE_PREPARED", "STATE_ADMIN"), ("STATE_ADMIN", "STATE_ACTIVE"),
                      ("STATE_ACTIVE", "STATE_ADMIN"), ("STATE_ADMIN", "STATE_PREPARED")]
LG_LIBERTY_APPS = [("orders-api", "orders-api"), ("payments", "payments"), ("customer-portal", "portal")]
LG_LIBERTY_FFDC = [("java.sql.SQLRecoverableException: IO Error: Connection reset", "com.ibm.ws.rsadapter.impl.WSRdbManagedConnectionImpl", "1398"),
                   ("javax.net.ssl.SSLHandshakeException: PKIX path building failed", "com.ibm.ws.ssl.internal.SSLSocketFactoryImpl", "256"),
                   ("java.lang.NullPointerException", "com.ibm.ws.webcontainer.servlet.ServletWrapper", "1022"),
                   ("com.ibm.websphere.ce.j2c.ConnectionWaitTimeoutException: J2CA1010E", "com.ibm.ejs.j2c.FreePool.createOrWaitForConnection", "539")]
LG_LIBERTY_DATASOURCES = ["jdbc/ordersDS", "jdbc/paymentsDS"]
LG_WAS_DATASOURCES = ["jdbc/LegacyClaimsDS", "jdbc/PolicyDB2"]
LG_WAS_FATAL = ["com.ibm.db2.jcc.am.DisconnectNonTransientConnectionException: [jcc][t4][2030][11211][4.33.31] A communication error occurred during operations on the connection's underlying socket",
                "java.sql.SQLRecoverableException: IO Error: Connection reset"]
LG_MQ_QMGR = ["QM1", "QMGW01"]
LG_MQ_CHANNELS = ["DEV.APP.SVRCONN", "ORDERS.SVRCONN", "QM1.TO.QMGW01", "QMGW01.TO.QM1"]
LG_MQ_HOSTS = ["orders-api-6d9c7b8f5-x2klp (10.42.1.17)", "billing-batch-0 (10.42.3.9)", "10.42.2.44", "qmgw01.mq.svc (10.43.12.7)"]
LG_MQ_USERS = ["app", "orders", "billing", "admin"]
LG_MQ_OBJECTS = ["DEV.QUEUE.1", "ORDERS.IN", "BILLING.EVENTS", "SYSTEM.ADMIN.COMMAND.QUEUE"]
LG_EAP_COMPONENTS = [("OrderService", "public abstract com.acme.orders.Order com.acme.orders.OrderServiceLocal.place(com.acme.orders.Cart)"),
                     ("InvoiceBean", "public void com.acme.billing.InvoiceBean.close(long)"),
                     ("ClaimProcessor", "public abstract void com.acme.claims.ClaimProcessorRemote.process(java.lang.String)")]
LG_EAP_EJB_ERRORS = ["javax.ejb.EJBTransactionRolledbackException: Transaction rolled back",
                     "javax.persistence.OptimisticLockException: Row was updated or deleted by another transaction",
                     "javax.ejb.EJBException: java.lang.IllegalStateException: WFLYEE0042: Failed to construct component instance"]
LG_EAP_NODES = ["eap-0", "eap-1", "eap-2"]
LG_EAP_DATASOURCES = ["java:jboss/datasources/OrdersDS", "java:jboss/datasources/ClaimsXADS", "java:jboss/datasources/ExampleDS"]
LG_TUX_BBL = [("BBL", "1", "0")]
LG_TUX_SERVERS = [("ORDSVR", "1", "0"), ("ORDSVR", "1", "0"), ("ORDSVR", "4", "-2")]
LG_TUX_PROCS = [*LG_TUX_BBL, ("WSH", "1", "0"), *LG_TUX_SERVERS, ("TMS_ORA", "1", "0")]
LG_TUX_GROUPS = [("ORDGRP", "10"), ("ORDGRP", "11"), ("BILLGRP", "20")]
LG_TUX_SERVICES = ["ORDER_CREATE", "ORDER_QUERY", "BILL_POST"]
LG_CICS_APPLIDS = ["CICSPRD1", "CICSPRD2"]
LG_CICS_TRANSACTIONS = [("ORD1", "ORDPGM01"), ("INQ2", "CUSTINQ"), ("PAY1", "PAYPOST")]
LG_CICS_ABENDS = ["ASRA", "ASRA", "AEI0", "AICA", "AEY9"]
LG_CICS_USERS = ["OPS001", "TELLR14", "BATCHU1"]


def legacy_events() -> list[tuple[float, str, dict]]:
    """Enterprise software that large Kubernetes shops still integrate with, which none of the other
    corpora covers: the Oracle Database 19c alert log (message lines, without the timestamp line the
    alert log writes before each message) and the TNS listener log, Microsoft SQL Server 2022 on Linux
    (errorlog), IBM Db2 11.5 (db2diag.log record lines), SAP HANA 2.0 (indexserver trace), IBM Informix
    14.10 (online.log), Oracle WebLogic Server 14.1 (server standard out, its severity threshold at
    Info), WebSphere Liberty (messages.log), WebSphere Application Server traditional 9 (SystemOut.log),
    IBM MQ 9.3 (the mq-container's basic console format), JBoss EAP 7.4 subsystems (Narayana,
    Infinispan, IronJacamar, EJB3), Oracle Tuxedo 12.2 (ULOG) and CICS TS 6.1 (MSGUSR). Written blind
    for the seventeenth issue-15 pass: before reading the engine or any failure analysis; 94 event
    types."""

    # Oracle Database
    def thread(g: Gen) -> str:
        # RAC: one redo thread per instance
        return g.r.choice(["1", "1", "2"])

    def log_seq(g: Gen) -> str:
        return g.num(18000, 19999)

    def redo_member(g: Gen) -> str:
        return g.r.choice(LG_ORA_REDO).format(g=g.r.randint(1, 4), n=g.r.randint(256, 290))

    def ora_trace(g: Gen) -> str:
        sid = g.r.choice(["ORCLCDB1", "ORCLCDB2"])
        return f"/u01/app/oracle/diag/rdbms/orclcdb/{sid}/trace/{sid}_{g.r.choice(LG_ORA_TRACE_PROCS)}_{g.num(1000, 99999)}.trc"

    def ora_job(g: Gen) -> str:
        owner, job = g.r.choice(LG_ORA_JOBS)
        g.drawn = (owner, job.format(n=g.num(1, 9999)))
        return owner

    def sql_id(g: Gen) -> str:
        return "".join(g.r.choice("0123456789abcdfghjkmnpqrstuvwxyz") for _ in range(13))

    def pdb(g: Gen) -> str:
        name, con_id = g.r.choice(LG_ORA_PDBS)
        g.drawn = (name, con_id, g.r.choice(LG_ORA_DATAFILES).format(pdb=name))
        return name

    def resize(g: Gen) -> str:
        old = g.r.randint(100, 9000) * 1024
        g.drawn = (str(old), str(old + g.r.choice([1024, 10240, 65536, 131072])))
        return g.drawn[0]

    def bg_process(g: Gen) -> str:
        g.drawn = g.r.choice(LG_ORA_BG_PROCS)
        return g.drawn[0]

    # Oracle TNS listener
    def listener_ts(g: Gen) -> str:
        return f"03-DEC-2026 {hms(g)}"

    def connect_data(g: Gen) -> str:
        # the client's own connect descriptor, echoed verbatim: its shape is the client's
        svc = g.r.choice(LG_ORA_SERVICES)
        user = g.r.choice(LG_ORA_USERS)
        g.drawn = (svc,)
        return g.r.choice([
            f"(CONNECT_DATA=(SERVICE_NAME={svc})(CID=(PROGRAM=JDBC Thin Client)(HOST=__jdbc__)(USER={user})))",
            f"(CONNECT_DATA=(SERVICE_NAME={svc})(CID=(PROGRAM=JDBC Thin Client)(HOST=__jdbc__)(USER={user})))",
            f"(CONNECT_DATA=(CID=(PROGRAM=python)(HOST={g.r.choice(['etl-runner-5f7c9', 'airflow-worker-0'])})(USER={user}))(SERVICE_NAME={svc}))",
            f"(CONNECT_DATA=(SERVER=DEDICATED)(SERVICE_NAME={svc})(CID=(PROGRAM=sqlplus)(HOST=ora-admin-0)(USER=oracle)))",
        ])

    def lsnrctl_data(g: Gen) -> str:
        return (f"(CONNECT_DATA=(CID=(PROGRAM=)(HOST={g.r.choice(['oradb-0', 'oradb-1'])})(USER=oracle))(COMMAND=status)"
                f"(ARGUMENTS=64)(SERVICE=LISTENER)(VERSION={g.r.choice(['318767104', '318767104', '320864256'])}))")

    # SQL Server
    def mssql_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 99):0>2}"

    def spid(g: Gen) -> str:
        # the errorlog's source column is 12 wide: the padding is part of the printed value
        name = f"spid{g.num(51, 140)}" if g.r.random() < 0.6 else f"spid{g.num(5, 40)}s"
        return name.ljust(11)

    def mssql_db(g: Gen) -> str:
        g.drawn = g.r.choice(LG_MSSQL_DBS)
        return g.drawn[0]

    def login_failure(g: Gen) -> str:
        g.drawn = g.r.choice(LG_MSSQL_LOGIN_FAILURES)
        return g.drawn[0]

    def lsn(g: Gen) -> str:
        return f"{g.num(40, 9999)}:{g.num(100, 99999)}:{g.num(1, 400)}"

    def creation(g: Gen) -> str:
        return g.r.choice(["2025/06/14(09:12:45)", "2024/11/02(17:40:03)", "2026/01/20(08:00:12)"])

    def backup_path(kind: str, ext: str):
        # the backup file is named after the database drawn earlier on the line
        return lambda g: f"/var/opt/mssql/backup/{g.drawn[0]}_{kind}_20261203_{hms(g).replace(':', '')}.{ext}"

    def mb_per_sec(g: Gen) -> str:
        return f"{g.r.uniform(0.5, 900):.3f}"

    def ag_change(g: Gen) -> str:
        g.drawn = g.r.choice(LG_MSSQL_AG_STATES)
        return g.drawn[0]

    def mssql_option(g: Gen) -> str:
        g.drawn = g.r.choice(LG_MSSQL_OPTIONS)
        return g.drawn[0]

    def guid_upper(g: Gen) -> str:
        return g.uuid().upper()

    def lsn_hex(g: Gen) -> str:
        return f"{g.r.randint(0x40, 0x9999):08x}:{g.r.randint(0x100, 0xfffff):08x}:{g.r.randint(1, 400):04x}"

    # Db2
    def db2_ts(g: Gen) -> str:
        return f"2026-12-03-{hms(g).replace(':', '.')}.{g.num(0, 999999):0>6}+000"

    def record_id(g: Gen) -> str:
        # I<file offset><E|F><record length>, left-aligned in the header's record column
        return f"I{g.num(100000, 99999999)}E{g.num(300, 2400)}".ljust(19)

    def db2_pid(g: Gen) -> str:
        return g.num(1000, 65000).ljust(22)

    def db2_tid(g: Gen) -> str:
        return str(g.r.randint(139_900_000_000_000, 140_700_000_000_000)).ljust(16)

    def db2_instance(g: Gen) -> str:
        return g.r.choice(["db2inst1", "db2inst1", "db2prod"]).ljust(22)

    def db2_db(g: Gen) -> str:
        return g.r.choice(["ORDERS", "ORDERS", "BILLDB", "SAMPLE"])

    def db2_function(g: Gen) -> str:
        g.drawn = g.r.choice(LG_DB2_FUNCTIONS)
        return g.drawn[0]

    def db2_zrc(g: Gen) -> str:
        g.drawn = g.r.choice(LG_DB2_ZRC)
        return g.drawn[0]

    def db2_tablespace(g: Gen) -> str:
        g.drawn = g.r.choice(LG_DB2_TABLESPACES)
        return g.drawn[0]

    def db2_log_file(g: Gen) -> str:
        return f"S{g.num(1000, 99999):0>7}.LOG"

    # SAP HANA
    def hana_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 999999):0>6}"

    def hana_thread(g: Gen) -> str:
        return g.num(1000, 99999)

    def hana_conn(g: Gen) -> str:
        return g.r.choice(["-1", g.num(200000, 499999)])

    def hana_tx(g: Gen) -> str:
        return g.r.choice(["-1/-1", f"{g.num(1, 400)}/{g.num(1_000_000, 999_999_999)}"])

    def hana(level: str, component: str, source: str) -> str:
        # thread, connection, transaction/update transaction, time, level, component in 16 columns
        return "[{th}]{{{c}}}[{tx}] {ts} " + f"{level} {component:<16} {source} : "

    def sp_version(g: Gen) -> str:
        v = g.r.randint(600_000, 700_000)
        g.drawn = (str(v + 1),)
        return str(v)

    # Informix
    def ifx_ts(g: Gen) -> str:
        return hms(g)

    def ifx_day(g: Gen) -> str:
        return "Thu Dec  3"

    # WebLogic
    def wls_ts(g: Gen) -> str:
        h = g.r.randint(0, 23)
        return f"Dec 3, 2026, {h % 12 or 12}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d},{g.num(0, 999):0>3} {'AM' if h < 12 else 'PM'} UTC"

    def grouped_port(g: Gen) -> str:
        # WebLogic's message catalog formats numbers with the locale's grouping separator
        return f"{g.r.randint(1024, 65535):,}"

    def wls_app(g: Gen) -> str:
        g.drawn = g.r.choice(LG_WLS_APPS)
        return g.drawn[0]

    def stuck_request(g: Gen) -> str:
        path = g.r.choice(["/orders/api/cart/checkout", "/billing/invoices/export", "/soa-infra/services/default/OrderProcess"])
        return f"Http Request Information: weblogic.servlet.internal.ServletRequestImpl@{g.hexs(7)}[POST {path}]"

    # Liberty and WebSphere traditional
    def liberty_ts(g: Gen) -> str:
        h, rest = hms(g).split(":", 1)
        return f"12/3/26, {int(h)}:{rest}:{g.num(0, 999):0>3} UTC"

    def was_ts(g: Gen) -> str:
        h, rest = hms(g).split(":", 1)
        return f"12/3/26 {int(h)}:{rest}:{g.num(0, 999):0>3} UTC"

    def thread_id(g: Gen) -> str:
        return f"{g.r.randint(0x20, 0x1ff):08x}"

    def liberty(cls: str, kind: str) -> str:
        # messages.log: time, thread, logger left-aligned in 60 columns, message type
        return "[{ts}] {tid} " + f"{cls:<60} {kind} "

    def was(cls: str, kind: str) -> str:
        # SystemOut.log: the logger's short name in 13 columns, the type, three spaces
        return "[{ts}] {tid} " + f"{cls:<13} {kind}   "

    def liberty_app(g: Gen) -> str:
        g.drawn = g.r.choice(LG_LIBERTY_APPS)
        return g.drawn[0]

    def ffdc(g: Gen) -> str:
        exc, src, probe = g.r.choice(LG_LIBERTY_FFDC)
        g.drawn = (src, probe)
        return exc

    def ffdc_file(g: Gen) -> str:
        return f"ffdc_26.12.03_{hms(g).replace(':', '.')}.{g.r.randint(0, 40)}.log"

    # IBM MQ
    def amq_log_file(g: Gen) -> str:
        return f"S{g.num(1, 9999):0>7}.LOG"

    # JBoss EAP
    def arjuna_tx(g: Gen) -> str:
        return f"0:ffff{g.hexs(8)}:{g.r.choice(['-', ''])}{g.hexs(8)}:{g.hexs(8)}:{g.hexs(g.r.randint(1, 3))}"

    def cluster_view(g: Gen) -> str:
        members = g.r.sample(LG_EAP_NODES, g.r.randint(1, 3))
        g.drawn = (str(g.r.randint(0, 40)), str(len(members)), ", ".join(members))
        return members[0]

    def ejb_component(g: Gen) -> str:
        g.drawn = g.r.choice(LG_EAP_COMPONENTS)
        return g.drawn[0]

    # Tuxedo
    def tux_time(g: Gen) -> str:
        return hms(g).replace(":", "")

    def tux_hdr(procs: list[tuple[str, str, str]]) -> dict:
        # hhmmss.machine!process.pid.thread.context
        return {"t": tux_time, "m": pick(["tuxprd01", "tuxprd02"]), "p": first(procs), "pid": lambda g: g.num(2000, 65000), "th": then(1), "cx": then(2)}

    def tux_group(g: Gen) -> str:
        g.drawn = g.r.choice(LG_TUX_GROUPS)
        return g.drawn[0]

    def gtrid(g: Gen) -> str:
        return f"x{g.r.randint(0, 3):x} x{g.hexs(8)} x{g.r.randint(1, 0xfff):x}"

    # CICS
    def cics_ts(g: Gen) -> str:
        return f"12/03/2026 {hms(g)}"

    def cics_tran(g: Gen) -> str:
        g.drawn = g.r.choice(LG_CICS_TRANSACTIONS)
        return g.drawn[0]

    def terminal(g: Gen) -> str:
        return g.r.choice(["T001", "T014", "TC2A", "L7F3"])

    listener_hdr = {"ts": listener_ts}
    mssql_hdr = {"ts": mssql_ts}
    hana_hdr = {"th": hana_thread, "c": hana_conn, "tx": hana_tx, "ts": hana_ts}
    ifx = "{ts}  "
    ifx_hdr = {"ts": ifx_ts}
    wls_hdr = {"ts": wls_ts}
    liberty_hdr = {"ts": liberty_ts, "tid": thread_id}
    was_hdr = {"ts": was_ts, "tid": thread_id}
    mq = "{ts} "
    mq_hdr = {"ts": ts}
    eap_hdr = {"ts": java_ts}
    tux = "{t}.{m}!{p}.{pid}.{th}.{cx}: "
    cics = "{ts} {applid} "
    cics_hdr = {"ts": cics_ts, "applid": pick(LG_CICS_APPLIDS)}
    return [
        # Oracle Database 19c alert log (RAC, two instances)
        (24, "Thread {t} advanced to log sequence {seq} (LGWR switch)", {"t": thread, "seq": log_seq}),
        (24, "  Current log# {n} seq# {seq} mem# {m}: {f}", {"n": lambda g: g.num(1, 8), "seq": log_seq, "m": pick(["0", "0", "1"]), "f": redo_member}),
        (18, "{proc} (PID:{pid}): Archived Log entry {n} added for T-{t}.S-{seq} ID 0x{dbid} LAD:{lad}",
         {"proc": pick(["ARC0", "ARC1", "ARC2", "ARC3"]), "pid": lambda g: g.num(1000, 65000), "n": lambda g: g.num(30000, 39999), "t": thread,
          "seq": log_seq, "dbid": pick(["a2bd3cc5", "a2bd3cc5", "5f0e19d2"]), "lad": pick(["1", "1", "2"])}),
        (8, "Errors in file {f}:", {"f": ora_trace}),
        (6, "ORA-00060: Deadlock detected. See Note 60.1 at My Oracle Support for Troubleshooting ORA-60 Errors. More info in file {f}.", {"f": ora_trace}),
        (5, 'ORA-12012: error on auto execute of job "{o}"."{j}"', {"o": ora_job, "j": then(1)}),
        (4, "ORA-01555 caused by SQL statement below (SQL ID: {id}, Query Duration={d} sec, SCN: 0x{s}):",
         {"id": sql_id, "d": lambda g: g.num(300, 40000), "s": lambda g: f"{g.r.randint(0x9, 0xb):04x}.{g.hexs(8)}"}),
        (5, "{p}({cid}):Resize operation completed for file# {n}, fname {f}, old size {a}K, new size {b}K",
         {"p": pdb, "cid": then(1), "n": lambda g: g.num(5, 60), "f": then(2), "a": resize, "b": then(1)}),
        (4, "Starting background process {p}", {"p": pick([p for p, _ in LG_ORA_BG_PROCS])}),
        (4, "{p} started with pid={n}, OS id={os}", {"p": bg_process, "n": then(1), "os": lambda g: g.num(1000, 65000)}),
        (3, "WARNING: inbound connection timed out (ORA-3136)", {}),
        (3, "Fatal NI connect error {e}.", {"e": pick(["12170", "12170", "12537"])}),
        # Oracle TNS listener log (log_file, audit trail fields separated by " * ")
        (60, "{ts} * {cd} * (ADDRESS=(PROTOCOL=tcp)(HOST={ip})(PORT={port})) * establish * {svc} * {rc}",
         {**listener_hdr, "cd": connect_data, "ip": Gen.ip, "port": Gen.port, "svc": then(0), "rc": pick(LG_TNS_CODES)}),
        (26, "{ts} * service_update * {inst} * 0", {**listener_hdr, "inst": pick(["ORCLCDB1", "ORCLCDB2", "+ASM1"])}),
        (3, "{ts} * {cd} * status * 0", {**listener_hdr, "cd": lsnrctl_data}),
        (5, "TNS-12514: TNS:listener does not currently know of service requested in connect descriptor", {}),
        (2, "WARNING: Subscription for node down event still pending", {}),
        # Microsoft SQL Server 2022 on Linux (errorlog: time, source column, message)
        (22, "{ts} Logon       Error: 18456, Severity: 14, State: {st}.", {**mssql_hdr, "st": pick([s for s, _, _ in LG_MSSQL_LOGIN_FAILURES])}),
        (22, "{ts} Logon       Login failed for user '{u}'. {why} [CLIENT: {ip}]",
         {**mssql_hdr, "u": lambda g: login_failure(g) and g.drawn[1], "why": then(2), "ip": Gen.ip}),
        (10, "{ts} Backup      Database backed up. Database: {db}, creation date(time): {c}, pages dumped: {n}, first LSN: {l1}, last LSN: {l2}, "
         "number of dump devices: {k}, device information: (FILE=1, TYPE=DISK: {{'{path}'}}). This is an informational message only. No user action is required.",
         {**mssql_hdr, "db": mssql_db, "c": creation, "n": lambda g: g.num(400, 9_000_000), "l1": lsn, "l2": lsn, "k": pick(["1", "1", "4"]), "path": backup_path("FULL", "bak")}),
        (30, "{ts} Backup      Log was backed up. Database: {db}, creation date(time): {c}, first LSN: {l1}, last LSN: {l2}, "
         "number of dump devices: {k}, device information: (FILE=1, TYPE=DISK: {{'{path}'}}). This is an informational message only. No user action is required.",
         {**mssql_hdr, "db": mssql_db, "c": creation, "l1": lsn, "l2": lsn, "k": pick(["1"]), "path": backup_path("LOG", "trn")}),
        (30, "{ts} {sp} {op} successfully processed {n} pages in {s} seconds ({r} MB/sec).",
         {**mssql_hdr, "sp": spid, "op": pick(["BACKUP DATABASE", "BACKUP LOG", "BACKUP LOG", "BACKUP LOG", "RESTORE DATABASE"]),
          "n": lambda g: g.num(2, 9_000_000), "s": lambda g: f"{g.r.uniform(0.002, 900):.3f}", "r": mb_per_sec}),
        (5, "{ts} {sp} Starting up database '{db}'.", {**mssql_hdr, "sp": spid, "db": pick([d for d, _ in LG_MSSQL_DBS] + ["msdb", "tempdb"])}),
        (6, "{ts} {sp} Recovery of database '{db}' ({id}) is {p}% complete (approximately {s} seconds remain). Phase {ph} of 3. This is an informational message only. No user action is required.",
         {**mssql_hdr, "sp": spid, "db": mssql_db, "id": then(1), "p": lambda g: g.num(0, 99), "s": lambda g: g.num(1, 4000), "ph": pick(["1", "2", "2", "3"])}),
        (4, "{ts} {sp} SQL Server has encountered {n} occurrence(s) of I/O requests taking longer than {k} seconds to complete on file [{f}] in database id {id}.  "
         "The OS file handle is 0x{h}.  The offset of the latest long I/O is: 0x{off}.  The duration of the long I/O is: {ms} ms.",
         {**mssql_hdr, "sp": spid, "n": pick(["1", "1", "2", "7"]), "k": pick(["15"]), "f": lambda g: f"/var/opt/mssql/data/{mssql_db(g)}.mdf",
          "id": then(1), "h": lambda g: f"{g.r.randint(0x100, 0xfff):016X}", "off": lambda g: f"{g.r.randint(0x1000000, 0xfffffffff):012x}",
          "ms": lambda g: g.num(15000, 90000)}),
        (8, "{ts} {sp} Always On Availability Groups connection with secondary database established for primary database '{db}' on the availability replica "
         "'{rep}' with Replica ID: {{{rid}}}. This is an informational message only. No user action is required.",
         {**mssql_hdr, "sp": spid, "db": mssql_db, "rep": pick(["mssql-ag-1", "mssql-ag-2"]), "rid": guid_upper}),
        (4, "{ts} {sp} The state of the local availability replica in availability group '{ag}' has changed from '{a}' to '{b}'.  The state changed because {why}.  "
         "For more information, see the SQL Server error log, Windows Server Failover Clustering (WSFC) management console, or WSFC log.",
         {**mssql_hdr, "sp": spid, "ag": pick(["ag-orders", "ag-billing"]), "a": ag_change, "b": then(1), "why": then(2)}),
        (3, "{ts} {sp} DBCC CHECKDB ({db}) WITH no_infomsgs executed by {u} found {e} errors and repaired {r} errors. Elapsed time: {h} hours {m} minutes {s} seconds.  "
         "Internal database snapshot has split point LSN = {l1} and first LSN = {l2}.",
         {**mssql_hdr, "sp": spid, "db": mssql_db, "u": pick(["sa", "NT SERVICE\\SQLAgent$MSSQLSERVER", "dba_maint"]), "e": pick(["0", "0", "0", "2"]),
          "r": pick(["0"]), "h": pick(["0", "0", "1"]), "m": lambda g: g.num(0, 59), "s": lambda g: g.num(0, 59), "l1": lsn_hex, "l2": lsn_hex}),
        (3, "{ts} {sp} Setting database option {o} to {v} for database '{db}'.", {**mssql_hdr, "sp": spid, "o": mssql_option, "v": then(1), "db": mssql_db}),
        # IBM Db2 11.5 (db2diag.log: each record line as the file holds it)
        (40, "{ts} {rid} LEVEL: {lv}", {"ts": db2_ts, "rid": record_id, "lv": pick(["Info", "Info", "Info", "Warning", "Warning", "Error", "Event", "Severe"])}),
        (40, "PID     : {pid} TID : {tid} PROC : {proc}", {"pid": db2_pid, "tid": db2_tid, "proc": pick(["db2sysc 0", "db2sysc 0", "db2sysc 0", "db2acd 0"])}),
        (36, "INSTANCE: {inst} NODE : {node}            DB   : {db}", {"inst": db2_instance, "node": pick(["000"]), "db": db2_db}),
        (24, "APPHDL  : {h} APPID: {appid}",
         {"h": lambda g: f"0-{g.num(7, 65000)}".ljust(22), "appid": lambda g: g.r.choice([f"*LOCAL.db2inst1.261203{g.num(0, 999999):0>6}", f"{g.ip()}.{g.num(30000, 60000)}.261203{g.num(0, 999999):0>6}"])}),
        (36, "FUNCTION: DB2 UDB, {comp}, {fn}, probe:{probe}", {"comp": db2_function, "fn": then(1), "probe": then(2)}),
        (10, 'MESSAGE : ADM5502W  The escalation of "{n}" locks on table "{t}" to lock intent "{mode}" was successful.',
         {"n": lambda g: g.num(2000, 90000), "t": pick(LG_DB2_TABLES), "mode": pick(["X", "X", "S"])}),
        (12, 'MESSAGE : ADM1846I  Completed archive for log file "{f}" to "{dest}" from "{src}".',
         {"f": db2_log_file, "dest": pick(["DISK:/db2/archlog/", "TSM:DB2_ARCH_MGMT", "DISK:/mnt/archive/db2inst1/"]),
          "src": pick(["/db2/logs/NODE0000/LOGSTREAM0000/", "/db2/logs/db2inst1/ORDERS/NODE0000/LOGSTREAM0000/"])}),
        (5, 'MESSAGE : ADM6044E  The DMS table space "{t}" (ID "{id}") is full.  If this is an autoresize or automatic storage DMS tablespace, the maximum table space '
         "size may have been reached or the existing containers or storage paths cannot grow any more. Additional space can be added to the table space by either "
         "adding new containers or extending existing ones using the ALTER TABLESPACE SQL statement.",
         {"t": db2_tablespace, "id": then(1)}),
        (14, 'MESSAGE : ZRC={z}={dec}={sym} "{desc}"', {"z": db2_zrc, "dec": then(1), "sym": then(2), "desc": then(3)}),
        # SAP HANA 2.0 SPS07 (indexserver trace)
        (18, hana("i", "Savepoint", "SavepointImpl.cpp(03481)") + "Savepoint current savepoint version: {v}, restart redo log position: 0x{p}, next savepoint version: {v2}, "
         "last snapshot SP version: {s}",
         {**hana_hdr, "c": pick(["-1"]), "tx": pick(["-1/-1"]), "v": sp_version, "p": lambda g: g.hexs(11), "v2": then(0), "s": lambda g: g.num(600_000, 700_000)}),
        (8, hana("e", "TrexNet", "Channel.cpp(00398)") + "ERROR: reading from channel {ch} <{peer}> failed with timeout error; timeout={t} ms elapsed",
         {**hana_hdr, "ch": lambda g: g.num(10, 900), "peer": pick(LG_HANA_CHANNEL_PEERS), "t": pick(["300000", "60000"])}),
        (3, hana("e", "Memory", "mmReportMemoryProblems.cpp(02088)") + "OUT OF MEMORY occurred.", hana_hdr),
        (4, hana("w", "Savepoint", "SavepointImpl.cpp(05733)") + "Callback {cb} took {ms}ms.",
         {**hana_hdr, "c": pick(["-1"]), "tx": pick(["-1/-1"]), "cb": pick(["PersistenceSessionSavepointCallback::spBeginRestart()", "LogReplayCallback::spCritical()"]),
          "ms": lambda g: g.num(1000, 40000)}),
        (6, hana("e", "delta_merge", "CsTableMerge.cpp(02527)") + "Error in local merge: not enough merge tokens for delta merge or optimize compression : "
         "table = {t} (t {id}), merge motivation = {m}, rc = {rc}",
         {**hana_hdr, "c": pick(["-1"]), "tx": lambda g: f"-1/{g.r.choice(['9223372036854775806', g.num(1_000_000, 999_999_999)])}",
          "t": pick(["SAPHANADB:ACDOCA", "SAPHANADB:BGRFC_I_RUNNABLE", "SAPHANADB:/1DH/ML000000006"]), "id": lambda g: g.num(1000, 900000),
          "m": pick(["AutoMerge", "AutoMerge", "SmartMerge"]), "rc": pick(["2465"])}),
        # IBM Informix 14.10 (online.log)
        (14, ifx + "Checkpoint Completed:  duration was {n} seconds.", {**ifx_hdr, "n": pick(["0", "0", "0", "1", "3", "16"])}),
        (14, ifx + "{day} - loguniq {u}, logpos 0x{p}, timestamp: 0x{t} Interval: {i}",
         {**ifx_hdr, "day": ifx_day, "u": lambda g: g.num(90, 4000), "p": lambda g: f"{g.r.randint(0x1000, 0xfffffff):x}",
          "t": lambda g: f"{g.r.randint(0x10000000, 0x7fffffff):x}", "i": lambda g: g.num(1000, 99999)}),
        (14, ifx + "Maximum server connections {n}", {**ifx_hdr, "n": lambda g: g.num(1, 800)}),
        (14, ifx + "Checkpoint Statistics - Avg. Txn Block Time {f}, # Txns blocked {n}, Plog used {p}, Llog used {l}",
         {**ifx_hdr, "f": lambda g: f"{g.r.uniform(0, 0.2):.3f}", "n": pick(["0", "0", "0", "3", "12"]), "p": lambda g: g.num(0, 90000), "l": lambda g: g.num(0, 40000)}),
        (12, ifx + "Logical Log {n} Complete, timestamp: 0x{t}.", {**ifx_hdr, "n": lambda g: g.num(90, 4000), "t": lambda g: f"{g.r.randint(0x10000000, 0x7fffffff):x}"}),
        (10, ifx + "Logical Log {n} - Backup Started", {**ifx_hdr, "n": lambda g: g.num(90, 4000)}),
        (10, ifx + "Logical Log {n} - Backup Completed", {**ifx_hdr, "n": lambda g: g.num(90, 4000)}),
        (3, ifx + "Dynamically allocated new virtual shared memory segment (size {n}KB)", {**ifx_hdr, "n": pick(["65536", "65536", "131072"])}),
        (3, ifx + "Memory sizes:resident:{r} KB, virtual:{v} KB, no SHMTOTAL limit", {**ifx_hdr, "r": pick(["1150724", "2301448"]), "v": lambda g: g.num(300000, 4000000)}),
        # Oracle WebLogic Server 14.1.1 (server standard out, as the WebLogic Kubernetes Operator's pods print it)
        (5, "<{ts}> <Notice> <WebLogicServer> <BEA-000365> <Server state changed to {st}.>", {**wls_hdr, "st": pick(LG_WLS_STATES)}),
        (10, '<{ts}> <Warning> <JDBC> <BEA-001129> <Received exception while creating connection for pool "{p}": {e}>',
         {**wls_hdr, "p": pick(LG_WLS_POOLS), "e": pick(LG_WLS_JDBC_ERRORS)}),
        (8, "<{ts}> <Error> <HTTP> <BEA-101020> <[ServletContext@{h}[app:{app} module:{mod} path:{path} spec-version:{sv}]] Servlet failed with an Exception>",
         {**wls_hdr, "h": lambda g: g.num(10_000_000, 2_147_000_000), "app": wls_app, "mod": then(1), "path": then(2), "sv": pick(["4.0"])}),
        (6, "<{ts}> <Info> <Socket> <BEA-000449> <Closing the socket, as no data read from it on {ip}:{port} during the configured idle timeout of {n} seconds.>",
         {**wls_hdr, "ip": Gen.ip, "port": grouped_port, "n": pick(["5", "5", "30"])}),
        (4, "<{ts}> <Error> <WebLogicServer> <BEA-000337> <[STUCK] ExecuteThread: '{n}' for queue: 'weblogic.kernel.Default (self-tuning)' has been busy for \"{s}\" seconds "
         'working on the request "{req}", which is more than the configured time (StuckThreadMaxTime) of "{max}" seconds in "server-failure-trigger". Stack trace:',
         {**wls_hdr, "n": lambda g: g.num(0, 60), "s": lambda g: g.num(600, 2400), "req": stuck_request, "max": pick(["600"])}),
        (5, "<{ts}> <Notice> <Security> <BEA-090078> <User {u} in security realm {realm} has had {n} invalid login attempts, locking account for {m} minutes.>",
         {**wls_hdr, "u": pick(["weblogic", "operator", "deployer"]), "realm": pick(["myrealm"]), "n": pick(["5"]), "m": pick(["30"])}),
        (3, "<{ts}> <Notice> <Deployer> <BEA-149060> <Module {mod} of application {app} successfully transitioned from {a} to {b} on server {srv}.>",
         {**wls_hdr, "mod": lambda g: wls_app(g) and g.drawn[1], "app": then(0), "a": first(LG_WLS_TRANSITIONS), "b": then(1),
          "srv": pick(LG_WLS_SERVERS)}),
        # WebSphere Liberty 24.0 (messages.log)
        (5, liberty("com.ibm.ws.http.internal.VirtualHostImpl", "A") + "CWWKT0016I: Web application available ({vh}): http://{host}:{port}/{ctx}/",
         {**liberty_hdr, "vh": pick(["default_host"]), "host": pick(["orders-api-7d9f8b-x2klp", "payments-5c7b9-q8mzn"]), "port": pick(["9080", "9443"]),
          "ctx": lambda g: g.r.choice(LG_LIBERTY_APPS)[1]}),
        (4, liberty("com.ibm.ws.app.manager.AppMessageHelper", "A") + "CWWKZ0001I: Application {app} started in {s} seconds.",
         {**liberty_hdr, "app": liberty_app, "s": lambda g: f"{g.r.uniform(0.2, 40):.3f}"}),
        (2, liberty("com.ibm.ws.kernel.feature.internal.FeatureManager", "A") + "CWWKF0011I: The {srv} server is ready to run a smarter planet. The {srv2} server started in {s} seconds.",
         {**liberty_hdr, "srv": first([("defaultServer",), ("defaultServer",), ("ordersServer",)]), "srv2": then(0), "s": lambda g: f"{g.r.uniform(4, 90):.3f}"}),
        (10, liberty("com.ibm.ws.security.authentication.internal.jaas.modules.UsernameAndPasswordLoginModule", "A")
         + "CWWKS1100A: Authentication did not succeed for user ID {u}. An invalid user ID or password was specified.",
         {**liberty_hdr, "u": pick(["admin", "orders-client", "jdoe", "monitor"])}),
        (8, liberty("com.ibm.ejs.j2c.FreePool", "E") + "J2CA0045E: Connection not available while invoking method createOrWaitForConnection for resource {ds}.",
         {**liberty_hdr, "ds": pick(LG_LIBERTY_DATASOURCES)}),
        (10, liberty("com.ibm.ws.logging.internal.impl.IncidentImpl", "I") + 'FFDC1015I: An FFDC Incident has been created: "{exc} {src} {probe}" at {f}',
         {**liberty_hdr, "exc": ffdc, "src": then(0), "probe": then(1), "f": ffdc_file}),
        (6, liberty("com.ibm.ws.session.WASSessionCore", "I") + "SESN0176I: A new session context will be created for application key {key}",
         {**liberty_hdr, "key": lambda g: f"default_host/{g.r.choice(LG_LIBERTY_APPS)[1]}"}),
        # WebSphere Application Server traditional 9.0.5 (SystemOut.log)
        (6, was("ThreadMonitor", "W") + 'WSVR0605W: Thread "WebContainer : {n}" ({t}) has been active for {ms} milliseconds and may be hung.  '
         "There is/are {k} thread(s) in total in the server that may be hung.",
         {**was_hdr, "n": lambda g: g.num(0, 49), "t": thread_id, "ms": lambda g: g.num(600_000, 2_000_000), "k": pick(["1", "1", "2", "4"])}),
        (4, was("ThreadMonitor", "W") + 'WSVR0606W: Thread "WebContainer : {n}" ({t}) was previously reported to be hung but has completed.  It was active for approximately {ms} '
         "milliseconds.  There is/are {k} thread(s) in total in the server that still may be hung.",
         {**was_hdr, "n": lambda g: g.num(0, 49), "t": thread_id, "ms": lambda g: g.num(600_000, 2_000_000), "k": pick(["0", "0", "1"])}),
        (6, was("ConnectionEve", "A") + "J2CA0056I: The Connection Manager received a fatal connection error from the Resource Adapter for resource {ds}. The exception is: {e}",
         {**was_hdr, "ds": pick(LG_WAS_DATASOURCES), "e": pick(LG_WAS_FATAL)}),
        # IBM MQ 9.3 (mq-container, LOG_FORMAT=basic: the error log's time and message)
        (14, mq + "AMQ9002I: Channel '{ch}' is starting.", {**mq_hdr, "ch": pick(LG_MQ_CHANNELS)}),
        (10, mq + "AMQ9999E: Channel '{ch}' to host '{h}' ended abnormally.", {**mq_hdr, "ch": pick(LG_MQ_CHANNELS), "h": pick(LG_MQ_HOSTS)}),
        (10, mq + "AMQ9209E: Connection to host '{h}' for channel '{ch}' closed.", {**mq_hdr, "h": pick(LG_MQ_HOSTS), "ch": pick(LG_MQ_CHANNELS)}),
        (6, mq + "AMQ5534E: User ID '{u}' authentication failed", {**mq_hdr, "u": pick(LG_MQ_USERS)}),
        (6, mq + "AMQ9557E: Queue Manager User ID initialization failed for '{u}'.", {**mq_hdr, "u": pick(LG_MQ_USERS)}),
        (5, mq + "AMQ8077W: Entity '{u}' has insufficient authority to access object '{o}'.", {**mq_hdr, "u": pick(LG_MQ_USERS), "o": pick(LG_MQ_OBJECTS)}),
        (4, mq + "AMQ9777E: Channel was blocked", mq_hdr),
        (5, mq + "AMQ7467I: The oldest log file required to start queue manager {qm} is {f}.", {**mq_hdr, "qm": pick(LG_MQ_QMGR), "f": amq_log_file}),
        (5, mq + "AMQ7468I: The oldest log file required to perform media recovery of queue manager {qm} is {f}.", {**mq_hdr, "qm": pick(LG_MQ_QMGR), "f": amq_log_file}),
        # JBoss EAP 7.4 (server.log pattern: time, level, category, thread)
        (8, "{ts} WARN  [com.arjuna.ats.arjuna] (Transaction Reaper) ARJUNA012117: TransactionReaper::check timeout for TX {tx} in state  {st}",
         {**eap_hdr, "tx": arjuna_tx, "st": pick(["RUN", "RUN", "RUN", "SCHEDULE_CANCEL"])}),
        (7, "{ts} WARN  [com.arjuna.ats.arjuna] (Transaction Reaper Worker {w}) ARJUNA012095: Abort of action id {tx} invoked while multiple threads active within it.",
         {**eap_hdr, "w": pick(["0", "0", "1"]), "tx": arjuna_tx}),
        (7, "{ts} WARN  [com.arjuna.ats.arjuna] (Transaction Reaper Worker {w}) ARJUNA012121: TransactionReaper::doCancellations worker Thread[Transaction Reaper Worker {w2},5,main] "
         "successfully canceled TX {tx}",
         {**eap_hdr, "w": first([("0",), ("0",), ("1",)]), "w2": then(0), "tx": arjuna_tx}),
        (5, "{ts} INFO  [org.infinispan.CLUSTER] (thread-{n},ejb,{node}) ISPN000094: Received new cluster view for channel ejb: [{coord}|{v}] ({k}) [{members}]",
         {**eap_hdr, "n": lambda g: g.num(1, 40), "node": pick(LG_EAP_NODES), "coord": cluster_view, "v": then(0), "k": then(1), "members": then(2)}),
        (6, "{ts} WARN  [org.jboss.jca.core.connectionmanager.pool.strategy.OnePool] (default task-{n}) IJ000604: Throwable while attempting to get a new connection: {e}",
         {**eap_hdr, "n": lambda g: g.num(1, 128), "e": pick(["null: javax.resource.ResourceException: IJ031084: Unable to create connection",
                                                               "null: javax.resource.ResourceException: IJ031084: Unable to create connection",
                                                               "null: javax.resource.ResourceException: IJ000453: Unable to get managed connection for " + LG_EAP_DATASOURCES[0]])}),
        (6, "{ts} ERROR [org.jboss.as.ejb3.invocation] (default task-{n}) WFLYEJB0034: EJB Invocation failed on component {c} for method {m}: {e}",
         {**eap_hdr, "n": lambda g: g.num(1, 128), "c": ejb_component, "m": then(1), "e": pick(LG_EAP_EJB_ERRORS)}),
        (2, "{ts} INFO  [org.jboss.as.connector.subsystems.datasources] (MSC service thread 1-{n}) WFLYJCA0001: Bound data source [{ds}]",
         {**eap_hdr, "n": lambda g: g.num(1, 8), "ds": pick(LG_EAP_DATASOURCES)}),
        (1, "{ts} INFO  [org.jboss.as] (Controller Boot Thread) WFLYSRV0025: JBoss EAP {v} (WildFly Core {core}) started in {ms}ms - Started {a} of {b} services "
         "({c} services are lazy, passive or on-demand)",
         {**eap_hdr, "v": first([("7.4.14.GA", "15.0.33.Final-redhat-00001"), ("7.4.16.GA", "15.0.36.Final-redhat-00001")]), "core": then(1),
          "ms": lambda g: g.num(4000, 40000), "a": lambda g: g.num(500, 900), "b": lambda g: g.num(900, 1100), "c": lambda g: g.num(300, 600)}),
        # Oracle Tuxedo 12.2 (ULOG: hhmmss.machine!process.pid.thread.context: catalog:number: text)
        (4, tux + "LIBTUX_CAT:262: INFO: Standard main starting", tux_hdr(LG_TUX_PROCS)),
        (3, tux + "LIBTUX_CAT:522: INFO: Default tpsvrinit() function used", tux_hdr(LG_TUX_SERVERS)),
        (6, tux + "LIBTUX_CAT:541: WARN: Server {grp}/{id}: client process {cpid}: lost message",
         {**tux_hdr(LG_TUX_BBL), "grp": tux_group, "id": then(1), "cpid": lambda g: g.num(2000, 65000)}),
        (12, tux + "gtrid {x}: ORDSVR: {svc} committed order {n} for customer {c}",
         {**tux_hdr(LG_TUX_SERVERS), "x": gtrid, "svc": pick(LG_TUX_SERVICES[:2]), "n": lambda g: g.num(1_000_000, 9_999_999), "c": lambda g: f"C{g.num(10000, 99999)}"}),
        # CICS TS 6.1 (MSGUSR: message id, date, time, applid)
        (6, "DFHAC2236 " + cics + "Transaction {tr} abend {ab} in program {pg} term {term}. Updates to local recoverable resources will be backed out.",
         {**cics_hdr, "tr": cics_tran, "ab": pick(LG_CICS_ABENDS), "pg": then(1), "term": terminal}),
        (4, "DFHAC2206 " + cics + "Transaction {tr} failed with abend {ab}. Updates to local recoverable resources backed out.",
         {**cics_hdr, "tr": pick([t for t, _ in LG_CICS_TRANSACTIONS] + ["CWBA"]), "ab": pick(LG_CICS_ABENDS)}),
        (8, "DFHSN1400 " + cics + "Session signon for session {term} by user {u} is complete.", {**cics_hdr, "term": terminal, "u": pick(LG_CICS_USERS)}),
        (4, "DFHXS1111 " + cics + "{tr} Security violation by user {u} at netname {net} for resource {res} in class {cls}. SAF codes are (X'{s1}',X'{s2}'). "
         "ESM codes are (X'{e1}',X'{e2}').",
         {**cics_hdr, "tr": pick([t for t, _ in LG_CICS_TRANSACTIONS]), "u": pick(LG_CICS_USERS), "net": pick(["NETT0014", "WSPRD02A"]),
          "res": pick(["PAY1", "PAYPOST", "CUSTFILE"]), "cls": pick(["TCICSTRN", "MCICSPPT", "FCICSFCT"]), "s1": pick(["04"]), "s2": pick(["00000000"]),
          "e1": pick(["00000008"]), "e2": pick(["00000000"])}),
    ]


CH_GETH_RPC_ERRORS = [("miner_getHashrate", "\"the method miner_getHashrate does not exist/is not available\""),
                      ("eth_coinbase", "\"etherbase must be explicitly specified\""),
                      ("eth_sendRawTransaction", "\"nonce too low: address 0x4B20993Bc481177ec7E8f571ceCaE8A9e22C02db, tx: 41 state: 44\""),
                      ("eth_estimateGas", "\"execution reverted\""),
                      ("eth_getLogs", "\"query returned more than 10000 results\"")]
CH_GETH_SNAP_ERRORS = ["\"peer connected on snap without compatible eth support\"", "\"peer connected on snap without compatible eth support\"",
                       "\"protocol disabled\""]
CH_BTC_CONN_TYPES = ["outbound-full-relay", "outbound-full-relay", "outbound-full-relay", "block-relay-only", "block-relay-only", "manual", "addr-fetch"]
CH_LND_PEERS = ["027c948a8beed67402ea9ed0e8366064cd4987d141be1a4bfabbe9582f06bbadd1",
                "03864ef025fde8fb587d989186ce6a4a186895ee44a926bfc370e2c366597a3f8f",
                "02ad7e6c93e4e96d718e90be2274b4f493bcb446ceb2c2aad99a0dfc652e548db8",
                "035e4ff418fc8b5554c5d9eea66396c227bd429a3251c8cbc711002ba215bfc226"]
CH_FABRIC_CHANNELS = ["mychannel", "trade-settlement", "kyc"]
CH_FABRIC_CHAINCODES = ["basic", "asset-transfer", "_lifecycle", "qscc"]
CH_FABRIC_GRPC = [("gossip.Gossip", "Ping"), ("gossip.Gossip", "Ping"), ("protos.Endorser", "ProcessProposal"),
                  ("gateway.Gateway", "Submit"), ("gateway.Gateway", "CommitStatus"), ("gateway.Gateway", "Evaluate")]
CH_FABRIC_INVALID = ["MVCC_READ_CONFLICT", "MVCC_READ_CONFLICT", "MVCC_READ_CONFLICT", "ENDORSEMENT_POLICY_FAILURE", "PHANTOM_READ_CONFLICT"]
CH_FABRIC_BROADCAST_ERRORS = [
    "implicit policy evaluation failed - 0 sub-policies were satisfied, but this policy requires 1 of the 'Writers' sub-policies to be satisfied",
    "identity expired",
    "bad proposal response: signature verification failed",
]
CH_COMET_PEER_ERRORS = ["EOF", "EOF", "\"read tcp 10.4.1.7:26656->10.4.2.19:39412: i/o timeout\"", "\"pong timeout\"",
                        "\"error with private connection: auth failure: secret conn failed: EOF\""]
CH_PRYSM_TOPICS = ["/eth2/6a95a1a9/beacon_block/ssz_snappy", "/eth2/6a95a1a9/beacon_aggregate_and_proof/ssz_snappy",
                   "/eth2/6a95a1a9/voluntary_exit/ssz_snappy", "/eth2/6a95a1a9/blob_sidecar_{n}/ssz_snappy",
                   "/eth2/6a95a1a9/sync_committee_contribution_and_proof/ssz_snappy"]
CH_LH_SYNC_STATES = [("Syncing Finalized Chain", "Stalled"), ("Stalled", "Syncing Finalized Chain"), ("Syncing Head Chain", "Syncing Finalized Chain"),
                     ("Synced", "Syncing Head Chain"), ("Syncing Head Chain", "Synced")]
CH_BESU_THREADS = ["vert.x-worker-thread-0", "vert.x-worker-thread-0", "vert.x-worker-thread-1", "vert.x-worker-thread-3"]
CH_FIX_SESSIONS = ["FIX.4.4:ACMEOMS->LSEGFX", "FIX.4.4:ACMEOMS->CBOEFX", "FIX.4.2:ACMEDC->BROKERX"]
CH_FIX_REJECTS = [("Value is incorrect (out of range) for this tag", "54"), ("Value is incorrect (out of range) for this tag", "40"),
                  ("Required tag missing", "38"), ("Tag specified without a value", "44"), ("Incorrect data format for value", "60")]
CH_FIX_DISCONNECTS = ["Timed out waiting for heartbeat", "Encountered END_OF_STREAM", "Encountered END_OF_STREAM",
                      "Socket exception (/10.20.4.11:9878): java.io.IOException: Connection reset by peer",
                      "Received logon response before sending request"]


def chain_events() -> list[tuple[float, str, dict]]:
    """Blockchain nodes and financial messaging, which none of the other corpora covers: go-ethereum
    (geth 1.13, terminal format), Bitcoin Core 27 (debug.log), lnd 0.17, the Hyperledger Fabric 2.5 peer
    and orderer, CometBFT under a Cosmos SDK chain (zerolog console), the Solana (Agave) validator,
    Prysm (logrus text), Lighthouse, Erigon 2, Hyperledger Besu, Nethermind (file log) and QuickFIX/J
    (SLF4J through Logback). Written blind for the eighteenth issue-15 pass: before reading the engine
    or any failure analysis; 79 event types."""

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def commas(n: int) -> str:
        return f"{n:,}"

    # go-ethereum and Erigon (log15-style terminal format: the message is padded to 40 columns)
    def geth_ts(g: Gen) -> str:
        return f"12-03|{hms(g)}.{ms3(g)}"

    def eth_block(g: Gen) -> str:
        return commas(g.r.randint(21_300_000, 21_399_999))

    def short_hash(g: Gen) -> str:
        return f"{g.hexs(6)}..{g.hexs(6)}"

    def go_elapsed(g: Gen) -> str:
        # durations that print a non-ASCII unit are quoted by the logfmt encoder
        return g.r.choice([f"{g.r.uniform(1, 400):.3f}ms", f"{g.r.uniform(1, 400):.3f}ms", f"{g.r.uniform(1, 9):.6f}ms",
                           f"\"{g.r.uniform(100, 999):.3f}µs\"", f"{g.r.uniform(1, 3):.3f}s"])

    def padded(width: int, fn):
        # the terminal format pads a key's value to the widest value seen so far
        return lambda g: fn(g).ljust(width)

    def served_method(g: Gen) -> str:
        g.drawn = g.r.choice(CH_GETH_RPC_ERRORS)
        return ("Served " + g.drawn[0]).ljust(40)[len("Served "):]

    def peer_id(g: Gen) -> str:
        return g.hexs(8)

    def storage_size(g: Gen) -> str:
        mib = g.r.uniform(200, 2600)
        return f"{mib:.2f}MiB" if mib < 1024 else f"{mib / 1024:.2f}GiB"

    def head_and_finalized(g: Gen) -> str:
        head = g.r.randint(21_300_000, 21_399_999)
        g.drawn = (g.r.choice(["unknown", commas(head - g.r.randint(64, 96))]),)
        return commas(head)

    # Bitcoin Core
    def btc_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def btc_hash(g: Gen) -> str:
        return "0000000000000000000" + g.hexs(45)

    def btc_height(g: Gen) -> str:
        return g.num(873_000, 874_999)

    def block_version(g: Gen) -> str:
        return g.r.choice(["20000000", "2000e000", f"{g.r.randint(0x20000000, 0x3fffe000):08x}"])

    def btc_date(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def progress(g: Gen) -> str:
        return g.r.choice(["1.000000", "1.000000", "1.000000", f"{g.r.uniform(0.98, 0.999999):.6f}"])

    def cache_mib(g: Gen) -> str:
        mib = g.r.uniform(2, 450)
        g.drawn = (str(int(mib * 7100)),)
        return f"{mib:.1f}"

    # lnd
    def lnd_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice(['18', '34', '95', '185', '203'])}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    # Hyperledger Fabric (default format: time zone, module, function, level, sequence number in hex)
    def fabric_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)} UTC"

    def fabric_seq(g: Gen) -> str:
        return f"{g.r.randint(0x30, 0xfff):03x}"

    def fabric_block(g: Gen) -> str:
        return g.num(1200, 98000)

    def fabric_grpc(g: Gen) -> str:
        g.drawn = g.r.choice(CH_FABRIC_GRPC)
        return g.drawn[0]

    def go_dur(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(0.1, 40):.3f}ms".rstrip("0").rstrip("."), f"{g.r.uniform(100, 999):.3f}µs", f"{g.r.uniform(1, 3):.6f}s"])

    def raft_leader(g: Gen) -> str:
        old, new = g.r.sample(["1", "2", "3"], 2)
        g.drawn = (new,)
        return g.r.choice([old, "0"])

    # CometBFT (Cosmos SDK's zerolog console writer: kitchen time, keys sorted)
    def kitchen(g: Gen) -> str:
        h = g.r.randint(0, 23)
        return f"{h % 12 or 12}:{g.r.randint(0, 59):02d}{'AM' if h < 12 else 'PM'}"

    def upper_hash(g: Gen) -> str:
        return g.hexs(64).upper()

    def comet_height(g: Gen) -> str:
        return g.num(4_100_000, 4_199_999)

    def b64_sig(g: Gen) -> str:
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        return "".join(g.r.choice(alphabet) for _ in range(86)) + "=="

    def comet_peer(g: Gen) -> str:
        return f"\"Peer{{MConn{{{g.ip()}:26656}} {g.hexs(40)} {g.r.choice(['out', 'out', 'in'])}}}\""

    # Solana (env_logger: RFC 3339 with nanoseconds, level padded to 5, module path)
    def sol_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999_999_999):0>9}Z"

    def slot(g: Gen) -> str:
        return g.num(305_000_000, 305_999_999)

    def active_banks(g: Gen) -> str:
        first_slot = g.r.randint(305_000_000, 305_999_990)
        banks = [str(first_slot + i) for i in range(g.r.randint(1, 4))]
        g.drawn = (", ".join(banks),)
        return str(len(banks))

    # Prysm (logrus text formatter)
    def prysm_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def prysm_root(g: Gen) -> str:
        return f"0x{g.hexs(8)}..."

    def beacon_slot(g: Gen) -> str:
        # the slot's epoch and the finalized epoch (normally two behind) are printed with it
        s = g.r.randint(10_560_000, 10_591_999)
        g.drawn = (str(s // 32), str(s // 32 - g.r.choice([2, 2, 2, 3])), str(s - g.r.randint(0, 2)))
        return str(s)

    def beacon_epoch(g: Gen) -> str:
        s = g.r.randint(10_560_000, 10_591_999)
        g.drawn = (str(s // 32 - g.r.choice([2, 2, 2, 3])), str(s))
        return str(s // 32)

    def prysm_topic(g: Gen) -> str:
        return g.r.choice(CH_PRYSM_TOPICS).replace("{n}", g.num(0, 5))

    # Lighthouse (slog terminal format: the message is padded to 40 columns)
    def lh_ts(g: Gen) -> str:
        return f"Dec 03 {hms(g)}.{ms3(g)}"

    def lh_root(g: Gen) -> str:
        return f"0x{g.hexs(4)}…{g.hexs(4)}"

    def lh_block(g: Gen) -> str:
        # a slot without a block prints its placeholder instead of the root
        return g.r.choice([lh_root(g), lh_root(g), lh_root(g), lh_root(g), "   …  empty"])

    def lh_exec(g: Gen) -> str:
        return g.r.choice([f"{lh_root(g)} (verified)", f"{lh_root(g)} (verified)", f"{lh_root(g)} (unverified)", "n/a"])

    def lh_distance(g: Gen) -> str:
        slots = g.r.randint(40, 9000)
        g.drawn = (f"{slots * 12 // 60} mins" if slots < 300 else f"{slots * 12 // 3600} hrs {slots * 12 % 3600 // 60} mins",)
        return str(slots)

    def validator_indices(g: Gen) -> str:
        return ", ".join(g.num(400_000, 1_400_000) for _ in range(g.r.randint(1, 4)))

    # Erigon
    def gb(g: Gen) -> str:
        alloc = g.r.uniform(1, 20)
        g.drawn = (f"{alloc + g.r.uniform(0.5, 12):.1f}GB",)
        return f"{alloc:.1f}GB"

    # Besu (log4j2: time with offset, thread, level padded to 5, class)
    def besu_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}+00:00"

    def base_fee(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(1, 40):.2f} gwei", f"{g.r.uniform(1, 40):.2f} gwei", f"{g.num(7, 999)} wei", f"{g.r.uniform(1, 9):.3f} gwei"])

    def gas_used(g: Gen) -> str:
        used = g.r.randint(0, 30_000_000)
        g.drawn = (f"{used / 300_000:.1f}",)
        return commas(used)

    def full_hash(g: Gen) -> str:
        return "0x" + g.hexs(64)

    # Nethermind (NLog file layout: time with four fractional digits, pipe, message)
    def nm_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{g.num(0, 9999):0>4}"

    def nm_short(g: Gen) -> str:
        return f"0x{g.hexs(6)}...{g.hexs(6)}"

    def right(width: int, fn):
        # Nethermind right-aligns its block statistics in fixed columns
        return lambda g: fn(g).rjust(width)

    # QuickFIX/J through SLF4J and Logback
    def qfj_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def seqnum(g: Gen) -> str:
        n = g.r.randint(2, 90_000)
        g.drawn = (str(n + g.r.randint(1, 40)),)
        return str(n)

    def fix_reject(g: Gen) -> str:
        g.drawn = g.r.choice(CH_FIX_REJECTS)
        return g.drawn[0]

    geth = {"ts": geth_ts}
    btc = {"ts": btc_ts}
    lnd = {"ts": lnd_ts}
    fabric = {"ts": fabric_ts, "id": fabric_seq}
    comet = {"t": kitchen}
    sol = {"ts": sol_ts}
    prysm = {"ts": prysm_ts}
    lh = {"ts": lh_ts}
    erigon = {"ts": geth_ts}
    besu = {"ts": besu_ts, "th": pick(CH_BESU_THREADS)}
    nm = {"ts": nm_ts}
    qfj = {"ts": qfj_ts, "s": pick(CH_FIX_SESSIONS)}
    return [
        # go-ethereum 1.13
        (34, "INFO [{ts}] Imported new potential chain segment     number={n} hash={h} blocks={b} txs={t} mgas={m} elapsed={e} mgasps={ps} dirty={d}",
         {**geth, "n": eth_block, "h": short_hash, "b": pick(["1"]), "t": padded(4, lambda g: g.num(0, 400)), "m": padded(7, lambda g: f"{g.r.uniform(0, 30):.3f}"),
          "e": padded(12, go_elapsed), "ps": padded(7, lambda g: f"{g.r.uniform(10, 400):.3f}"), "d": storage_size}),
        (34, "INFO [{ts}] Chain head was updated                   number={n} hash={h} root={r} elapsed={e}",
         {**geth, "n": eth_block, "h": short_hash, "r": short_hash, "e": go_elapsed}),
        (10, "INFO [{ts}] Forkchoice requested sync to new head    number={n} hash={h} finalized={f}",
         {**geth, "n": head_and_finalized, "h": short_hash, "f": then(0)}),
        (12, "INFO [{ts}] Looking for peers                        peercount={p} tried={t} static={s}",
         {**geth, "p": lambda g: g.num(0, 50), "t": lambda g: g.num(10, 60), "s": pick(["0", "0", "2"])}),
        (6, "WARN [{ts}] Served {m} conn={c} reqid={id} duration={d} err={e}",
         {**geth, "m": served_method, "c": lambda g: f"{g.ip()}:{g.port()}", "id": lambda g: g.num(1, 90000), "d": go_elapsed, "e": then(1)}),
        (3, "INFO [{ts}] Chain reorg detected                     number={n} hash={h} drop={d} dropfrom={df} add={a} addfrom={af}",
         {**geth, "n": eth_block, "h": short_hash, "d": pick(["1", "1", "2"]), "df": short_hash, "a": pick(["1", "1", "2"]), "af": short_hash}),
        (3, "WARN [{ts}] Beacon client online, but no consensus updates received in a while. Please fix your beacon client to follow the chain!", geth),
        (2, "ERROR[{ts}] Snapshot extension registration failed   peer={p} err={e}", {**geth, "p": peer_id, "e": pick(CH_GETH_SNAP_ERRORS)}),
        # Bitcoin Core 27 (debug.log with logtimestamps)
        (24, "{ts} UpdateTip: new best={h} height={n} version=0x{v} log2_work={w} tx={t} date='{d}' progress={p} cache={c}MiB({u}txo)",
         {**btc, "h": btc_hash, "n": btc_height, "v": block_version, "w": lambda g: f"{g.r.uniform(95.5, 95.6):.6f}", "t": lambda g: g.num(1_120_000_000, 1_130_000_000),
          "d": btc_date, "p": progress, "c": cache_mib, "u": then(0)}),
        (20, "{ts} Saw new {via}header hash={h} height={n} peer={p}",
         {**btc, "via": pick(["cmpctblock ", "cmpctblock ", ""]), "h": btc_hash, "n": btc_height, "p": lambda g: g.num(0, 400)}),
        (10, "{ts} New {ct} peer connected: transport: {tr}, version: {v}, blocks={b}, peer={p}",
         {**btc, "ct": pick(CH_BTC_CONN_TYPES), "tr": pick(["v1", "v2", "v2"]), "v": pick(["70016", "70016", "70015"]), "b": btc_height, "p": lambda g: g.num(0, 400)}),
        (5, "{ts} Pre-allocating up to position 0x{x} in {pre}{n}.dat",
         {**btc, "x": lambda g: f"{g.r.randint(1, 8) * 0x1000000:x}", "pre": pick(["blk", "blk", "rev"]), "n": lambda g: f"{g.r.randint(4700, 4820):05d}"}),
        (3, "{ts} Potential stale tip detected, will try using extra outbound peer (last tip update: {s} seconds ago)", {**btc, "s": lambda g: g.num(1800, 4000)}),
        (1, "{ts} Leaving InitialBlockDownload (latching to false)", btc),
        (1, "{ts} Imported mempool transactions from disk: {a} succeeded, {b} failed, {c} expired, {d} already there, {e} waiting for initial broadcast",
         {**btc, "a": lambda g: g.num(20000, 90000), "b": lambda g: g.num(0, 400), "c": lambda g: g.num(0, 40), "d": pick(["0"]), "e": pick(["0", "0", "1"])}),
        # lnd 0.17
        (15, "{ts} [INF] NTFN: New block: height={n}, sha={h}", {**lnd, "n": btc_height, "h": btc_hash}),
        (3, "{ts} [INF] NTFN: Block disconnected from main chain: height={n}, sha={h}", {**lnd, "n": btc_height, "h": btc_hash}),
        (12, "{ts} [INF] HSWC: Garbage collected {k} shared secret hashes at height={n}", {**lnd, "k": lambda g: g.num(0, 40), "n": btc_height}),
        (8, "{ts} [INF] PEER: Negotiated chan series queries with {pk}", {**lnd, "pk": pick(CH_LND_PEERS)}),
        (8, "{ts} [INF] DISC: Creating new GossipSyncer for peer={pk}", {**lnd, "pk": pick(CH_LND_PEERS)}),
        (8, "{ts} [INF] SRVR: Established connection to: {ip}:{port}", {**lnd, "ip": public_ip, "port": pick(["9735", "9735", "9736"])}),
        (4, "{ts} [WRN] SRVR: Already have {n} persistent connection requests for {pk}@{ip}:{port}, connecting anyway.",
         {**lnd, "n": pick(["1", "1", "2"]), "pk": pick(CH_LND_PEERS), "ip": public_ip, "port": pick(["9735"])}),
        # Hyperledger Fabric 2.5 peer
        (20, "{ts} [kvledger] commit -> INFO {id} [{ch}] Committed block [{n}] with {t} transaction(s) in {ms}ms (state_validation={a}ms "
         "block_and_pvtdata_commit={b}ms state_commit={c}ms) commitHash=[{h}]",
         {**fabric, "ch": pick(CH_FABRIC_CHANNELS), "n": fabric_block, "t": lambda g: g.num(1, 10), "ms": lambda g: g.num(5, 900), "a": lambda g: g.num(0, 40),
          "b": lambda g: g.num(2, 400), "c": lambda g: g.num(0, 200), "h": lambda g: g.hexs(64)}),
        (20, "{ts} [gossip.privdata] StoreBlock -> INFO {id} Received block [{n}] from buffer channel={ch}", {**fabric, "n": fabric_block, "ch": pick(CH_FABRIC_CHANNELS)}),
        (20, "{ts} [committer.txvalidator] Validate -> INFO {id} [{ch}] Validated block [{n}] in {ms}ms",
         {**fabric, "ch": pick(CH_FABRIC_CHANNELS), "n": fabric_block, "ms": lambda g: g.num(0, 90)}),
        (14, "{ts} [endorser] callChaincode -> INFO {id} finished chaincode: {cc} duration: {ms}ms channel={ch} txID={tx}",
         {**fabric, "cc": pick(CH_FABRIC_CHAINCODES), "ms": lambda g: g.num(1, 400), "ch": pick(CH_FABRIC_CHANNELS), "tx": lambda g: g.hexs(8)}),
        (25, "{ts} [comm.grpc.server] 1 -> INFO {id} unary call completed grpc.service={svc} grpc.method={m} grpc.peer_address={a} grpc.code=OK grpc.call_duration={d}",
         {**fabric, "svc": fabric_grpc, "m": then(1), "a": lambda g: f"{g.ip()}:{g.port()}", "d": go_dur}),
        (6, "{ts} [valimpl] preprocessProtoBlock -> WARN {id} Channel [{ch}]: Block [{n}] Transaction index [{i}] TxId [{tx}] marked as invalid by committer. "
         "Reason code [{rc}]",
         {**fabric, "ch": pick(CH_FABRIC_CHANNELS), "n": fabric_block, "i": lambda g: g.num(0, 9), "tx": lambda g: g.hexs(64), "rc": pick(CH_FABRIC_INVALID)}),
        # Hyperledger Fabric 2.5 orderer (etcdraft)
        (15, "{ts} [orderer.consensus.etcdraft] propose -> INFO {id} Created block [{n}], there are {k} blocks in flight channel={ch} node={nd}",
         {**fabric, "n": fabric_block, "k": pick(["0", "0", "0", "1", "2"]), "ch": pick(CH_FABRIC_CHANNELS), "nd": pick(["1", "2", "3"])}),
        (15, "{ts} [orderer.consensus.etcdraft] writeBlock -> INFO {id} Writing block [{n}] (Raft index: {ri}) to ledger channel={ch} node={nd}",
         {**fabric, "n": fabric_block, "ri": lambda g: g.num(1300, 99000), "ch": pick(CH_FABRIC_CHANNELS), "nd": pick(["1", "2", "3"])}),
        (5, "{ts} [orderer.common.broadcast] ProcessMessage -> WARN {id} [channel: {ch}] Rejecting broadcast of normal message from {a} because of error: {e}",
         {**fabric, "ch": pick(CH_FABRIC_CHANNELS), "a": lambda g: f"{g.ip()}:{g.port()}", "e": pick(CH_FABRIC_BROADCAST_ERRORS)}),
        (2, "{ts} [orderer.consensus.etcdraft] serveRequest -> INFO {id} Raft leader changed: {a} -> {b} channel={ch} node={nd}",
         {**fabric, "a": raft_leader, "b": then(0), "ch": pick(CH_FABRIC_CHANNELS), "nd": pick(["1", "2", "3"])}),
        # CometBFT 0.38 in a Cosmos SDK 0.50 chain
        (20, "{t} INF finalized block block_app_hash={h} height={n} module=state num_txs_res={k} num_val_updates={v}",
         {**comet, "h": upper_hash, "n": comet_height, "k": lambda g: g.num(0, 40), "v": pick(["0", "0", "0", "1"])}),
        (20, "{t} INF executed block app_hash={h} height={n} module=state", {**comet, "h": upper_hash, "n": comet_height}),
        (20, "{t} INF committed state block_app_hash={h} height={n} module=state", {**comet, "h": upper_hash, "n": comet_height}),
        (10, '{t} INF received proposal module=consensus proposal={{"Type":32,"block_id":{{"hash":"{bh}","parts":{{"hash":"{ph}","total":{pt}}}}},'
         '"height":{n},"pol_round":{pr},"round":{r},"signature":"{sig}","timestamp":"{ts}"}} proposer={p}',
         {**comet, "bh": upper_hash, "ph": upper_hash, "pt": pick(["1", "1", "2"]), "n": comet_height, "pr": pick(["-1", "-1", "-1", "0"]), "r": pick(["0", "0", "0", "1"]),
          "sig": b64_sig, "ts": lambda g: f"2026-12-03T{hms(g)}.{g.num(0, 999_999_999):0>9}Z", "p": lambda g: g.hexs(40).upper()}),
        (10, "{t} INF received complete proposal block hash={h} height={n} module=consensus", {**comet, "h": upper_hash, "n": comet_height}),
        (8, "{t} INF indexed block events height={n} module=txindex", {**comet, "n": comet_height}),
        (5, "{t} ERR Stopping peer for error err={e} module=p2p peer={p}", {**comet, "e": pick(CH_COMET_PEER_ERRORS), "p": comet_peer}),
        # Solana (Agave) validator
        (20, "[{ts} INFO  solana_metrics::metrics] datapoint: shred_insert_is_full total_time_ms={a}i slot={s}i last_index={l}i num_repaired={r}i num_recovered={c}i",
         {**sol, "a": lambda g: g.num(200, 900), "s": slot, "l": lambda g: g.num(200, 1800), "r": pick(["0", "0", "0", "3"]), "c": lambda g: g.num(0, 600)}),
        (15, "[{ts} INFO  solana_metrics::metrics] datapoint: retransmit-first-shred slot={s}i", {**sol, "s": slot}),
        (12, "[{ts} INFO  solana_core::replay_stage] new root {s}", {**sol, "s": slot}),
        (12, "[{ts} INFO  solana_core::replay_stage] bank frozen: {s}", {**sol, "s": slot}),
        (4, "[{ts} WARN  solana_core::replay_stage] {n} active bank(s) to replay: [{l}]", {**sol, "n": active_banks, "l": then(0)}),
        (8, '[{ts} INFO  solana_metrics::metrics] datapoint: block_min_prioritization_fee slot={s}i entity="block" min_prioritization_fee={f}i',
         {**sol, "s": slot, "f": lambda g: g.r.choice(["0", "0", g.num(1, 5000)])}),
        (8, "[{ts} INFO  solana_core::replay_stage] validator fork confirmed {s} {ms}ms", {**sol, "s": slot, "ms": lambda g: g.num(400, 6000)}),
        # Prysm beacon node
        (20, 'time="{ts}" level=info msg="Synced new block" block={b} epoch={e} finalizedEpoch={fe} finalizedRoot={fr} prefix=blockchain slot={s}',
         {**prysm, "b": prysm_root, "e": beacon_epoch, "fe": then(0), "fr": prysm_root, "s": then(1)}),
        (20, 'time="{ts}" level=info msg="Finished applying state transition" attestations={a} payloadHash={p} prefix=blockchain slot={s} syncBitsCount={sb} txCount={t}',
         {**prysm, "a": lambda g: g.num(60, 128), "p": lambda g: "0x" + g.hexs(12), "s": lambda g: g.num(10_560_000, 10_591_999), "sb": lambda g: g.num(380, 512),
          "t": lambda g: g.num(0, 400)}),
        (8, 'time="{ts}" level=info msg="Peer summary" activePeers={a} inbound={i} outbound={o} prefix=p2p',
         {**prysm, "a": lambda g: g.num(20, 80), "i": lambda g: g.num(0, 30), "o": lambda g: g.num(20, 50)}),
        (4, 'time="{ts}" level=info msg="Subscribed to topic" prefix=sync topic="{t}"', {**prysm, "t": prysm_topic}),
        (2, 'time="{ts}" level=info msg="Synced to head of chain" currentSlot={c} prefix=initial-sync syncedSlot={s}',
         {**prysm, "c": beacon_slot, "s": then(2)}),
        # Lighthouse beacon node and validator client
        (20, "{ts} INFO Synced                                  slot: {s}, block: {b}, epoch: {e}, finalized_epoch: {fe}, finalized_root: {fr}, exec_hash: {x}, "
         "peers: {p}, service: slot_notifier",
         {**lh, "s": beacon_slot, "b": lh_block, "e": then(0), "fe": then(1), "fr": lh_root, "x": lh_exec, "p": lambda g: g.num(20, 110)}),
        (12, "{ts} INFO New block received                      root: {r}, slot: {s}", {**lh, "r": full_hash, "s": lambda g: g.num(10_560_000, 10_591_999)}),
        (5, "{ts} INFO Sync state updated                      new_state: {a}, old_state: {b}, service: sync", {**lh, "a": first(CH_LH_SYNC_STATES), "b": then(1)}),
        (4, "{ts} WARN Low peer count                          peer_count: {n}, service: slot_notifier", {**lh, "n": pick(["0", "1", "2", "5"])}),
        (5, "{ts} INFO Syncing                                 est_time: {e}, speed: {sp} slots/sec, distance: {d} slots ({h}), peers: {p}, service: slot_notifier",
         {**lh, "e": lambda g: g.r.choice([f"{g.num(1, 59)} mins", f"{g.num(1, 9)} hrs {g.num(0, 59)} mins"]), "sp": lambda g: f"{g.r.uniform(0.5, 30):.2f}",
          "d": lh_distance, "h": then(0), "p": lambda g: g.num(5, 100)}),
        (8, "{ts} INFO Successfully published attestations     count: {c}, validator_indices: [{vi}], head_block: {hb}, committee_index: {ci}, slot: {s}, type: unaggregated",
         {**lh, "c": pick(["1", "1", "2", "3"]), "vi": validator_indices, "hb": full_hash, "ci": lambda g: g.num(0, 63), "s": lambda g: g.num(10_560_000, 10_591_999)}),
        # Erigon 2.60 (the stage prefix is an argument of the message)
        (15, "[INFO] [{ts}] [{st}] Executed blocks         number={n} blk/s={b} tx/s={t} Mgas/s={m} gasState={gs} batch={bt} alloc={a} sys={s}",
         {**erigon, "st": pick(["7/15 Execution", "7/16 Execution"]), "n": lambda g: g.num(21_300_000, 21_399_999), "b": lambda g: f"{g.r.uniform(0.5, 80):.1f}",
          "t": lambda g: f"{g.r.uniform(50, 9000):.1f}", "m": lambda g: f"{g.r.uniform(5, 900):.1f}", "gs": lambda g: f"{g.r.uniform(0, 0.09):.2f}",
          "bt": lambda g: f"{g.r.uniform(1, 990):.1f}MB", "a": gb, "s": then(0)}),
        (10, "[INFO] [{ts}] [txpool] stat                            pending={p} baseFee={b} queued={q} alloc={a} sys={s}",
         {**erigon, "p": lambda g: g.num(0, 10000), "b": lambda g: g.num(0, 40_000_000_000), "q": lambda g: g.num(0, 30000), "a": gb, "s": then(0)}),
        (10, "[INFO] [{ts}] [p2p] GoodPeers                          eth68={a} eth67={b}", {**erigon, "a": lambda g: g.num(0, 60), "b": lambda g: g.num(0, 40)}),
        (10, "[INFO] [{ts}] head updated                             hash={h} number={n}", {**erigon, "h": full_hash, "n": lambda g: g.num(21_300_000, 21_399_999)}),
        (6, "[INFO] [{ts}] P2P                                      app=caplin peers={p}", {**erigon, "p": lambda g: g.num(20, 80)}),
        # Hyperledger Besu 24
        (20, "{ts} | {th} | INFO  | AbstractEngineNewPayload | Imported #{n} / {t} tx / {w} ws / {b} blobs / base fee {f} / {g} ({p}%) gas / ({h}) in {s}s. Peers: {pe}",
         {**besu, "n": eth_block, "t": lambda g: g.num(0, 400), "w": pick(["16"]), "b": pick(["0", "0", "1", "3", "6"]), "f": base_fee, "g": gas_used, "p": then(0),
          "h": full_hash, "s": lambda g: f"{g.r.uniform(0.01, 2):.3f}", "pe": lambda g: g.num(5, 40)}),
        (5, "{ts} | {th} | INFO  | BackwardSyncContext | Backward sync phase 2 of 2, {p}% completed, imported {n} blocks of at least {m} (current head {c}, "
         "target head {t}). Peers: {pe}",
         {**besu, "p": lambda g: f"{g.r.uniform(0, 99.9):.2f}", "n": lambda g: g.num(1, 900), "m": lambda g: g.num(100, 9000), "c": lambda g: g.num(21_300_000, 21_399_999),
          "t": lambda g: g.num(21_300_000, 21_399_999), "pe": lambda g: g.num(5, 40)}),
        (4, "{ts} | {th} | INFO  | FullImportBlockStep | Import reached block {n} ({h}), {m} Mg/s, Peers: {p}",
         {**besu, "th": pick(["EthScheduler-Services-5 (importBlock)"]), "n": lambda g: str(g.r.randint(100, 99999) * 200), "h": lambda g: f"0x{g.hexs(4)}..{g.hexs(4)}",
          "m": lambda g: f"{g.r.uniform(5, 300):.3f}", "p": lambda g: g.num(1, 40)}),
        # Nethermind 1.25
        (15, "{ts}|Received a new payload: {n} ({h})", {**nm, "n": lambda g: g.num(21_300_000, 21_399_999), "h": full_hash}),
        (15, "{ts}|Processed {n} | {ms}ms of {sl}ms, mgasps {a} total {b}, tps {c} total {d}, bps {e} total {f}, recv queue {q}, proc queue {r}",
         {**nm, "n": right(10, lambda g: g.num(21_300_000, 21_399_999)), "ms": right(8, lambda g: commas(g.r.randint(20, 1800))),
          "sl": right(7, lambda g: commas(g.r.randint(9000, 14000))), "a": right(7, lambda g: f"{g.r.uniform(5, 200):.2f}"),
          "b": right(7, lambda g: f"{g.r.uniform(30, 90):.2f}"), "c": right(7, lambda g: f"{g.r.uniform(10, 1500):.2f}"),
          "d": right(7, lambda g: f"{g.r.uniform(300, 700):.2f}"), "e": right(6, lambda g: f"{g.r.uniform(0.5, 9):.2f}"),
          "f": right(6, lambda g: f"{g.r.uniform(2, 5):.2f}"), "q": pick(["0", "0", "0", "1"]), "r": pick(["0", "0", "1"])}),
        (15, "{ts}|Valid. Result of a new payload: {n} ({h}).", {**nm, "n": lambda g: g.num(21_300_000, 21_399_999), "h": full_hash}),
        (10, "{ts}|Received: ForkchoiceState: (HeadBlockHash: {a}, SafeBlockHash: {b}, FinalizedBlockHash: {c})", {**nm, "a": full_hash, "b": full_hash, "c": full_hash}),
        (8, "{ts}|Block {h} was set as head.", {**nm, "h": full_hash}),
        (6, "{ts}|Peers | with known best block: {a} | all: {b} |", {**nm, "a": lambda g: g.num(10, 100), "b": lambda g: g.num(50, 100)}),
        # QuickFIX/J 2.3 (SLF4JLog with the session id prepended, Logback pattern: time, level, thread, logger)
        (5, "{ts} INFO  [QFJ Message Processor] quickfixj.event - {s}: Initiated logon request", qfj),
        (5, "{ts} INFO  [QFJ Message Processor] quickfixj.event - {s}: Received logon", qfj),
        (3, "{ts} INFO  [QFJ Message Processor] quickfixj.event - {s}: Received logout request", qfj),
        (3, "{ts} INFO  [QFJ Message Processor] quickfixj.event - {s}: Sent logout response", qfj),
        (4, "{ts} INFO  [QFJ Message Processor] quickfixj.event - {s}: MsgSeqNum too high, expecting {a} but received {b}", {**qfj, "a": seqnum, "b": then(0)}),
        (4, "{ts} INFO  [QFJ Message Processor] quickfixj.event - {s}: Sent ResendRequest FROM: {a} TO: {b}", {**qfj, "a": lambda g: g.num(2, 90_000), "b": pick(["0"])}),
        (4, "{ts} ERROR [QFJ Message Processor] quickfixj.errorEvent - {s}: Message {n} Rejected: {r}:{tag}",
         {**qfj, "n": lambda g: g.num(2, 90_000), "r": fix_reject, "tag": then(1)}),
        (3, "{ts} INFO  [{th}] quickfixj.event - {s}: Disconnecting: {r}",
         {**qfj, "th": pick(["QFJ Timer", "NioProcessor-2", "NioProcessor-5"]), "r": pick(CH_FIX_DISCONNECTS)}),
    ]


MD_FF_SEGMENTS = ["/var/media/hls/{s}/{r}/segment_{n:05d}.ts", "/var/media/hls/{s}/{r}/index.m3u8.tmp",
                  "/var/media/dash/{s}/chunk-stream0-{n:05d}.m4s", "/var/media/hls/{s}/{r}/segment_{n:05d}.m4s"]
MD_FF_INPUTS = ["https://origin.media.example.com/live/{s}/{r}/index.m3u8", "https://origin.media.example.com/live/{s}/{r}/segment_{n:05d}.ts",
                "https://cdn.example.net/vod/{s}/master.m3u8"]
MD_STREAMS = ["cam-lobby", "studio-a", "match-7781", "radio-main"]
MD_RENDITIONS = ["1080p", "720p", "480p", "audio"]
MD_FF_CONNECT_ERRORS = ["Connection refused", "Connection refused", "Connection timed out", "No route to host"]
MD_FF_HTTP_ERRORS = [("404", "Not Found"), ("404", "Not Found"), ("403", "Forbidden"), ("503", "Service Unavailable")]
MD_GST_ELEMENTS = ["v4l2src0", "rtspsrc0", "souphttpsrc0", "filesrc0", "udpsrc0"]
MD_GST_DECODERS = ["avdec_h264-0", "vaapih264dec0", "nvh264dec0", "jpegdec0"]
MD_GST_STOP_REASONS = [("not-negotiated", "-4"), ("not-negotiated", "-4"), ("error", "-5"), ("not-linked", "-1")]
MD_GST_STATE_ELEMENTS = ["pipeline0", "pipeline0", "decodebin0", "hlssink2-0", "splitmuxsink0", "queue0"]
MD_GST_STATES = ["READY", "PAUSED", "PLAYING"]
MD_RTMP_APPS = ["live", "live", "ingest", "restream"]
MD_RTMP_FLASHVERS = ["FMLE/3.0 (compatible; FMSc/1.0)", "FMLE/3.0 (compatible; obs-studio/30.2.2)", "LNX 9,0,124,2",
                     "FMLE/3.0 (compatible; Lavf60.16.100)"]
MD_RTMP_HOSTS = ["ingest.media.example.com", "10.20.0.15", "rtmp.example.tv"]
MD_RTMP_NOTIFY = ["http://media-auth.media.svc:8080/rtmp/on_publish", "http://media-auth.media.svc:8080/rtmp/on_play",
                  "http://localhost:8080/hooks/publish_done"]
MD_SRS_TYPES = ["fmle-publish", "fmle-publish", "rtmp-play", "flash-publish"]
MD_SRS_PARAMS = ["", "", "?secret=8f3c2a", "?token=c41e9b77&expire=1764810000"]
MD_MTX_PATHS = ["cam-lobby", "cam-garage", "studio-a", "drone/feed1"]
MD_MTX_TRACKS = ["1 track (H264)", "2 tracks (H264, MPEG-4 Audio)", "2 tracks (H265, Opus)", "1 track (MPEG-4 Audio)"]
MD_MTX_TRANSPORTS = ["UDP", "UDP", "TCP", "UDP-multicast"]
MD_MTX_CONN_CLOSED = ["EOF", "EOF", "terminated", "no one is publishing to path 'cam-garage'",
                      "authentication failed: authentication failed"]
MD_MTX_SESSION_DESTROYED = ["EOF", "session timed out", "terminated", "torn down by {addr}"]
MD_ICE_MOUNTS = ["/live.mp3", "/live.aac", "/jazz-128.mp3", "/talk.ogg"]
MD_ICE_STATS = ["listeners", "listener_peak", "outgoing_kbitrate", "incoming_bitrate", "total_bytes_read", "total_bytes_sent",
                "queue_size", "connected"]
MD_ICE_AGENTS = ["VLC/3.0.20 LibVLC/3.0.20", "iTunes/12.13", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
                 "Lavf/60.16.100", "-"]
MD_LIQ_CLOCKS = ["clock.main", "clock.output.icecast", "clock.local_1"]
MD_LIQ_SOURCES = ["playlist", "next_song", "request.dynamic", "jingles"]
MD_LIQ_OUTPUTS = ["output.icecast", "radio_mp3", "radio_aac"]
# (file, codec, sample rate, channels)
MD_LIQ_TRACKS = [("/music/rock/Foo Fighters - Everlong.mp3", "mp3", "44100", "2"), ("/music/jazz/Miles Davis - So What.flac", "flac", "44100", "2"),
                 ("/music/jingles/station-id-03.mp3", "mp3", "48000", "1"), ("/music/pop/Dua Lipa - Levitating.m4a", "aac", "44100", "2")]
MD_LIQ_FILES = [t[0] for t in MD_LIQ_TRACKS]
MD_LIQ_CONTENT = ["{audio=pcm(stereo)}", "{audio=ffmpeg.audio.raw}", "{audio=pcm(stereo),video=none}"]
MD_JF_APPS = [("Jellyfin Web", "10.10.3"), ("Jellyfin Web", "10.10.3"), ("Jellyfin Android", "2.6.2"),
              ("Infuse-Direct", "8.0.5"), ("Jellyfin Media Player", "1.11.1")]
MD_JF_TITLES = ["Blade Runner 2049", "Ozymandias", "The Grand Budapest Hotel", "Pilot", "Kind of Blue"]
MD_JF_USERS = ["alice", "bob", "kids", "admin"]
MD_PLEX_PATHS = ["/library/sections/{n}/all", "/library/metadata/{n}", "/:/timeline", "/hubs/home/refresh",
                 "/video/:/transcode/universal/decision", "/library/onDeck"]
MD_PLEX_USERS = ["alice", "bob", "grandma.k"]
MD_PLEX_NETS = ["Subnet", "Subnet", "WAN", "Loopback"]
MD_PLEX_FLAGS = ["GZIP", "TLS GZIP", "TLS"]
MD_OME_APPS = ["#default#app", "#default#app", "#default#live"]
MD_OME_STREAMS = ["stream", "cam-lobby", "match-7781"]
MD_KMS_CANDIDATE_TYPES = ["host", "srflx", "relay"]
MD_SHAKA_INPUTS = ["/work/in/{s}_1080p.mp4", "/work/in/{s}_720p.mp4", "/work/in/{s}_audio.mp4", "udp://239.10.0.{n}:5000?interface=10.20.0.15&reuse=1"]
MD_SHAKA_ERRORS = ["8 (PARSER_FAILURE): Cannot parse media file {f}", "3 (FILE_FAILURE): Cannot open file for writing /work/out/{s}/video/init.mp4",
                   "4 (UNIMPLEMENTED): Cannot handle type 14 in MPEG2-TS stream", "9 (ENCRYPTION_FAILURE): Cannot find key of type 'HD'"]
MD_WOWZA_APPS = ["live", "live", "vod-origin"]
MD_WOWZA_PACKETIZERS = ["cupertinostreamingpacketizer", "mpegdashstreamingpacketizer", "sanjosestreamingpacketizer"]
MD_OWNCAST_CODECS = ["x264", "x264", "NVIDIA GPU acceleration", "VA-API"]
MD_OWNCAST_ERRORS = ["set tcp 127.0.0.1:1935: use of closed network connection", "read tcp 10.20.0.15:1935->{ip}:{port}: i/o timeout",
                     "unable to create directory /app/data/hls/0: permission denied"]


def media_events() -> list[tuple[float, str, dict]]:
    """Media streaming and transcoding software none of the other corpora covers: FFmpeg (stderr, with
    libav component prefixes, progress and summary lines), GStreamer (GST_DEBUG lines), nginx-rtmp
    (error log at info level and its access log), SRS 5, MediaMTX, Icecast-KH (error.log and access.log),
    Liquidsoap 2, Jellyfin 10.10 (file log), Plex Media Server, OvenMediaEngine, the Kurento Media Server
    (its log file layout), Shaka Packager 3 (glog), Wowza Streaming Engine (server comment lines of the
    access log) and Owncast (logrus text format without a terminal). Written blind for the eighteenth
    issue-15 pass: before reading the engine or any failure analysis; 101 event types."""

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def av_ptr(g: Gen) -> str:
        return f"0x55{g.hexs(9)}0"

    def stream(g: Gen) -> str:
        return g.r.choice(MD_STREAMS)

    def media_path(templates: list[str]):
        def f(g: Gen) -> str:
            return g.r.choice(templates).format(s=stream(g), r=g.r.choice(MD_RENDITIONS), n=g.r.randint(0, 9999))
        return f

    # FFmpeg
    def clock(g: Gen) -> str:
        return f"{g.r.randint(0, 2):02d}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.r.randint(0, 99):02d}"

    def fps(g: Gen) -> str:
        # the progress line pads its numbers: the padding is part of the printed value
        v = g.r.choice([25, 30, 30, 50, 60]) * g.r.uniform(0.9, 1.05)
        return f"{v:3.0f}" if v >= 9.95 else f"{v:3.1f}"

    def kbytes(g: Gen) -> str:
        return f"{g.r.randint(0, 4_000_000):8d}"

    def x264_type(g: Gen) -> str:
        g.drawn = (f"{g.r.randint(1, 99999):<5d}",)
        return g.r.choice(["I", "P", "B"])

    def dts(g: Gen) -> str:
        d = g.r.randint(0, 90_000_000)
        g.drawn = (str(d - g.r.randint(0, 3000)),)
        return str(d)

    def http_error(g: Gen) -> str:
        g.drawn = g.r.choice(MD_FF_HTTP_ERRORS)
        return g.drawn[0]

    # GStreamer
    def gst_elapsed(g: Gen) -> str:
        return f"{g.r.randint(0, 3)}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}.{g.num(0, 999_999_999):0>9}"

    def gst_pid(g: Gen) -> str:
        return f"{g.r.randint(1, 99999):>5}"

    def gst_thread(g: Gen) -> str:
        return g.r.choice([f"0x7f{g.hexs(9)}0", f"0x55{g.hexs(9)}0", f"{'0x' + g.hexs(7) + '0':>14}"])

    def stop_reason(g: Gen) -> str:
        g.drawn = g.r.choice(MD_GST_STOP_REASONS)
        return g.drawn[0]

    def gst_time(g: Gen) -> str:
        return f"0:00:{g.r.randint(0, 9):02d}.{g.num(0, 999_999_999):0>9}"

    def gst(level: str, cat: str, where: str) -> str:
        # elapsed time, pid in 5 columns, thread in 14, level in 7, category right-aligned in 20
        return "{t} {pid} {th} " + f"{level:<7} {cat:>20} {where}"

    gst_hdr = {"t": gst_elapsed, "pid": gst_pid, "th": gst_thread}

    # nginx-rtmp
    def nginx_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}"

    def conn_no(g: Gen) -> str:
        return g.num(1, 999999)

    def rtmp_server(g: Gen) -> str:
        return g.r.choice(["0.0.0.0:1935", "0.0.0.0:1935", "[::]:1935"])

    def tc_url(g: Gen) -> str:
        app = g.r.choice(MD_RTMP_APPS)
        g.drawn = (app,)
        return f"rtmp://{g.r.choice(MD_RTMP_HOSTS)}:1935/{app}"

    def rtmp_app(g: Gen) -> str:
        # the application name is also the last part of the tcUrl on the same line
        app = g.r.choice(MD_RTMP_APPS)
        g.drawn = (f"rtmp://{g.r.choice(MD_RTMP_HOSTS)}:1935/{app}",)
        return app

    def stream_key(g: Gen) -> str:
        return g.r.choice([stream(g), f"{stream(g)}_{g.hexs(6)}", g.hexs(13)])

    def readable_time(g: Gen) -> str:
        h, m, s = g.r.randint(0, 3), g.r.randint(0, 59), g.r.randint(0, 59)
        return f"{h}h {m}m {s}s" if h else (f"{m}m {s}s" if m else f"{s}s")

    ngx_hdr = {"ts": nginx_ts, "pid": lambda g: g.num(7, 4000), "c": conn_no}
    ngx_tail = {"ip": Gen.ip, "srv": rtmp_server}

    # SRS
    def srs_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def srs_cid(g: Gen) -> str:
        return "".join(g.r.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(8))

    srs_hdr = {"ts": srs_ts, "pid": pick(["1", "1", "7"]), "cid": srs_cid}
    srs = "[{ts}][INFO][{pid}][{cid}] "

    # MediaMTX
    def peer(g: Gen) -> str:
        return f"{g.ip()}:{g.port()}"

    def mtx_session(g: Gen) -> str:
        return g.hexs(8)

    def session_end(g: Gen) -> str:
        return g.r.choice(MD_MTX_SESSION_DESTROYED).format(addr=peer(g))

    def candidate(kind: str):
        def f(g: Gen) -> str:
            typ = g.r.choice(["host", "host", "srflx", "prflx"] if kind == "remote" else ["host", "host", "srflx"])
            return f"{typ}/udp/{g.ip()}/{g.port() if kind == 'remote' else '8189'}"
        return f

    mtx = "{ts} INF "
    mtx_hdr = {"ts": nginx_ts}

    # Icecast-KH
    def ice_ts(g: Gen) -> str:
        return f"2026-12-03  {hms(g)}"

    def ice_stat(g: Gen) -> str:
        name = g.r.choice(MD_ICE_STATS)
        g.drawn = (str(g.r.randint(0, 5000) if name in ("listeners", "listener_peak", "outgoing_kbitrate", "connected")
                       else g.r.randint(1000, 90_000_000)),)
        return name

    # Liquidsoap
    def db(g: Gen) -> str:
        return f"{-g.r.uniform(5, 45):.6f}"

    liq_hdr = {"ts": nginx_ts}

    # Jellyfin
    def jf_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)} +00:00"

    def jf_app(g: Gen) -> str:
        g.drawn = g.r.choice(MD_JF_APPS)
        return g.drawn[0]

    def bool_cap(g: Gen) -> str:
        return g.r.choice(["True", "True", "True", "False"])

    jf = "[{ts}] [INF] [{tid}] "
    jf_err = "[{ts}] [ERR] [{tid}] "
    jf_hdr = {"ts": jf_ts, "tid": lambda g: g.num(5, 160)}

    # Plex
    def plex_ts(g: Gen) -> str:
        return f"Dec 03, 2026 {hms(g)}.{ms3(g)}"

    def plex_thread(g: Gen) -> str:
        return f"0x7f{g.hexs(8)}00"

    def plex_path(g: Gen) -> str:
        return g.r.choice(MD_PLEX_PATHS).format(n=g.r.randint(1, 99999) if g.r.random() < 0.7 else g.r.randint(1, 6))

    def req_id(g: Gen) -> str:
        return f"{g.r.randint(0x100, 0xfffff):x}"

    plex = "{ts} [{th}] DEBUG - "
    plex_hdr = {"ts": plex_ts, "th": plex_thread}

    # OvenMediaEngine
    def ome_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def client_socket(state: str):
        def f(g: Gen) -> str:
            return f"<ClientSocket: 0x7f{g.hexs(8)}10, #{g.r.randint(20, 900)}, {state}, TCP, Nonblocking, {peer(g)}>"
        return f

    def ome(level: str, tag: str, where: str) -> str:
        # time, level letter, [thread name:tid], tag, file:line with the line in 5 columns
        file, line = where.split(":")
        return "[{ts}] " + level + " [{thr}:{tid}] " + f"{tag} | {file}:{line:<5}| "

    def ome_hdr(threads: list[str]) -> dict:
        return {"ts": ome_ts, "thr": pick(threads), "tid": lambda g: g.num(1, 400)}

    # Kurento
    def kms_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)},{us6(g)}"

    def kms_thread(g: Gen) -> str:
        return f"0x00007f{g.hexs(7)}700"

    def ice_candidate(g: Gen) -> str:
        typ = g.r.choice(MD_KMS_CANDIDATE_TYPES)
        rel = f" raddr {g.ip()} rport {g.port()}" if typ != "host" else ""
        return (f"candidate:{g.r.randint(10**8, 4 * 10**9)} 1 udp {g.r.randint(10**6, 2_130_706_431)} {g.ip()} {g.port()} typ {typ}{rel} "
                f"generation 0 ufrag {''.join(g.r.choice('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') for _ in range(4))} "
                f"network-id {g.r.randint(1, 3)}")

    def kms_endpoint(g: Gen) -> str:
        name = f"kmswebrtcendpoint{g.r.randint(0, 400)}"
        g.drawn = (f"{name}-sess0",)
        return name

    def kms(level: str, cat: str, where: str) -> str:
        # time, pid, thread, level right-aligned in 7, category left-aligned in 25
        return "{ts} {pid} {th} " + f"{level:>7} {cat:<25} {where}"

    kms_hdr = {"ts": kms_ts, "pid": lambda g: g.num(1, 40000), "th": kms_thread}

    # Shaka Packager (glog)
    def glog_ts(g: Gen) -> str:
        return f"1203 {hms(g)}.{us6(g)}"

    def shaka_input(g: Gen) -> str:
        return g.r.choice(MD_SHAKA_INPUTS).format(s=stream(g), n=g.r.randint(1, 40))

    def shaka_output(g: Gen) -> str:
        s = stream(g)
        return g.r.choice([f"/work/out/{s}/video/init.mp4", f"/work/out/{s}/audio/init.mp4", f"/work/out/{s}/video_1080p.mp4"])

    def shaka_error(g: Gen) -> str:
        return g.r.choice(MD_SHAKA_ERRORS).format(f=shaka_input(g), s=stream(g))

    shaka_hdr = {"t": glog_ts, "tid": lambda g: g.num(1, 4_000_000)}

    # Wowza Streaming Engine: tab-separated W3C fields, a server comment fills only a few of them
    def wowza_ts(g: Gen) -> str:
        return f"2026-12-03\t{hms(g)}"

    def wowza(msg: str) -> str:
        return "{ts}\tUTC\tcomment\tserver\tINFO\t200\t-\t" + msg + "\t-\t-\t-\t{dur}" + "\t-" * 25

    wowza_hdr = {"ts": wowza_ts, "dur": lambda g: f"{g.r.uniform(0.1, 90000):.3f}", "app": pick(MD_WOWZA_APPS), "s": stream}

    # Owncast (logrus TextFormatter when stdout is not a terminal)
    def owncast_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def owncast_error(g: Gen) -> str:
        return g.r.choice(MD_OWNCAST_ERRORS).format(ip=g.ip(), port=g.port())

    return [
        # FFmpeg 6 (stderr of transcoding jobs)
        (40, "frame={f} fps={fps} q={q} size={sz}kB time={t} bitrate={br}kbits/s speed={sp}x",
         {"f": lambda g: f"{g.r.randint(1, 400000):5d}", "fps": fps, "q": lambda g: g.r.choice([f"{g.r.uniform(18, 35):.1f}", "-1.0"]),
          "sz": kbytes, "t": clock, "br": lambda g: f"{g.r.uniform(64, 9000):6.1f}", "sp": lambda g: f"{g.r.uniform(0.5, 4):.3g}"}),
        (36, "[{mx} @ {p}] Opening '{f}' for writing", {"mx": pick(["hls", "hls", "dash"]), "p": av_ptr, "f": media_path(MD_FF_SEGMENTS)}),
        (14, "[{mx} @ {p}] Opening '{f}' for reading", {"mx": pick(["hls", "https"]), "p": av_ptr, "f": media_path(MD_FF_INPUTS)}),
        (10, "[h264 @ {p}] error while decoding MB {x} {y}, bytestream {n}",
         {"p": av_ptr, "x": lambda g: g.num(0, 119), "y": lambda g: g.num(0, 67), "n": lambda g: str(g.r.choice([-5, -3, g.r.randint(1, 4000)]))}),
        (8, "[h264 @ {p}] concealing {dc} DC, {ac} AC, {mv} MV errors in {t} frame",
         {"p": av_ptr, "dc": first([(str(n),) for n in (120, 960, 3600, 8160)]), "ac": then(0), "mv": then(0), "t": pick(["I", "P", "P", "B"])}),
        (6, "[tcp @ {p}] Connection to tcp://{ip}:{port} failed: {e}",
         {"p": av_ptr, "ip": Gen.ip, "port": pick(["1935", "554", "8554"]), "e": pick(MD_FF_CONNECT_ERRORS)}),
        (6, "[https @ {p}] HTTP error {c} {r}", {"p": av_ptr, "c": http_error, "r": then(1)}),
        (7, "[{mx} @ {p}] Application provided invalid, non monotonically increasing dts to muxer in stream {s}: {a} >= {b}",
         {"mx": pick(["flv", "mp4", "mpegts"]), "p": av_ptr, "s": pick(["0", "1", "1"]), "a": dts, "b": then(0)}),
        (5, "[mpegts @ {p}] Packet corrupt (stream = {s}, dts = {d}).", {"p": av_ptr, "s": pick(["0", "1"]), "d": lambda g: g.r.choice(["NOPTS", g.num(0, 90_000_000)])}),
        (6, "[rtsp @ {p}] max delay reached. need to consume packet", {"p": av_ptr}),
        (6, "[rtsp @ {p}] RTP: missed {n} packets", {"p": av_ptr, "n": lambda g: g.num(1, 400)}),
        (5, "Past duration {d} too large", {"d": lambda g: f"{g.r.uniform(0.6, 1.0):.6f}"}),
        (6, "[libx264 @ {p}] frame {t}:{n} Avg QP:{qp}  size:{sz}",
         {"p": av_ptr, "t": x264_type, "n": then(0), "qp": lambda g: f"{g.r.uniform(14, 34):5.2f}", "sz": lambda g: f"{g.r.randint(40, 400000):6d}"}),
        (3, "[libx264 @ {p}] kb/s:{k}", {"p": av_ptr, "k": lambda g: f"{g.r.uniform(200, 9000):.2f}"}),
        (3, "[aac @ {p}] Qavg: {q}", {"p": av_ptr, "q": lambda g: f"{g.r.uniform(100, 60000):.3f}"}),
        (4, "video:{v}kB audio:{a}kB subtitle:{s}kB other streams:{o}kB global headers:{h}kB muxing overhead: {m}%",
         {"v": lambda g: g.num(100, 4_000_000), "a": lambda g: g.num(0, 200_000), "s": pick(["0", "0", "0", "12"]), "o": pick(["0"]),
          "h": pick(["0", "0", "1"]), "m": lambda g: f"{g.r.uniform(0.01, 12):.6f}"}),
        # GStreamer 1.22 (GST_DEBUG=2,GST_STATES:4 on stderr)
        (10, gst("WARN", "basesrc", "gstbasesrc.c:3132:gst_base_src_loop:<{el}> error: Internal data stream error."),
         {**gst_hdr, "el": pick(MD_GST_ELEMENTS)}),
        (10, gst("WARN", "basesrc", "gstbasesrc.c:3132:gst_base_src_loop:<{el}> error: streaming stopped, reason {r} ({c})"),
         {**gst_hdr, "el": pick(MD_GST_ELEMENTS), "r": stop_reason, "c": then(1)}),
        (6, gst("WARN", "rtspsrc", "gstrtspsrc.c:5964:gst_rtspsrc_loop_udp:<{el}> warning: Could not receive any UDP packets for {s} seconds, "
                "maybe your firewall is blocking it. Retrying using a TCP connection."),
         {**gst_hdr, "el": pick(["rtspsrc0", "rtspsrc1", "source"]), "s": pick(["5.0000", "5.0000", "2.0000"])}),
        (14, gst("INFO", "GST_STATES", "gstelement.c:2806:gst_element_continue_state:<{el}> completed state change to {st}"),
         {**gst_hdr, "el": pick(MD_GST_STATE_ELEMENTS), "st": pick(MD_GST_STATES)}),
        (4, gst("FIXME", "videodecoder", "gstvideodecoder.c:946:gst_video_decoder_drain_out:<{el}> Sub-class should implement drain()"),
         {**gst_hdr, "el": pick(MD_GST_DECODERS)}),
        (5, gst("WARN", "rtpjitterbuffer", "rtpjitterbuffer.c:587:calculate_skew: delta - skew: {d} too big, reset skew"), {**gst_hdr, "d": gst_time}),
        # nginx-rtmp-module 1.2 (error_log at info level)
        (14, "{ts} [info] {pid}#0: *{c} client connected '{ip}'", {**ngx_hdr, "ip": Gen.ip}),
        (14, "{ts} [info] {pid}#0: *{c} connect: app='{app}' args='{a}' flashver='{fv}' swf_url='{su}' tc_url='{tc}' page_url='{pu}' "
         "acodecs={ac} vcodecs={vc} object_encoding={oe}, client: {ip}, server: {srv}",
         {**ngx_hdr, "app": rtmp_app, "a": pick(["", "", "key=7f3a9c"]), "fv": pick(MD_RTMP_FLASHVERS), "su": pick(["", ""]),
          "tc": then(0), "pu": pick([""]), "ac": pick(["0", "0", "3575"]), "vc": pick(["0", "0", "252"]), "oe": pick(["0", "0", "3"]), **ngx_tail}),
        (12, "{ts} [info] {pid}#0: *{c} createStream, client: {ip}, server: {srv}", {**ngx_hdr, **ngx_tail}),
        (10, "{ts} [info] {pid}#0: *{c} publish: name='{n}' args='{a}' type={t} silent={s}, client: {ip}, server: {srv}",
         {**ngx_hdr, "n": stream_key, "a": pick(["", "", "token=c41e9b77"]), "t": pick(["live", "live", "record"]), "s": pick(["0"]), **ngx_tail}),
        (12, "{ts} [info] {pid}#0: *{c} play: name='{n}' args='{a}' start={st} duration={d} reset={r} silent={s}, client: {ip}, server: {srv}",
         {**ngx_hdr, "n": stream_key, "a": pick(["", ""]), "st": pick(["0", "4294965296"]), "d": pick(["0"]), "r": pick(["0", "0", "1"]),
          "s": pick(["0"]), **ngx_tail}),
        (14, "{ts} [info] {pid}#0: *{c} disconnect, client: {ip}, server: {srv}", {**ngx_hdr, **ngx_tail}),
        (12, "{ts} [info] {pid}#0: *{c} deleteStream, client: {ip}, server: {srv}", {**ngx_hdr, **ngx_tail}),
        (8, "{ts} [info] {pid}#0: *{c} notify: publish '{u}', client: {ip}, server: {srv}",
         {**ngx_hdr, "u": pick(MD_RTMP_NOTIFY), **ngx_tail}),
        (5, "{ts} [error] {pid}#0: *{c} live: already publishing, client: {ip}, server: {srv}", {**ngx_hdr, **ngx_tail}),
        # nginx-rtmp access_log, its default "combined" format
        (16, '{ip} [{t}] {cmd} "{app}" "{n}" "{a}" - {rx} {tx} "{pu}" "{fv}" ({d})',
         {"ip": Gen.ip, "t": lambda g: g.clf_time()[1:-1], "cmd": pick(["PUBLISH", "PLAY", "PLAY", "PLAY"]), "app": pick(MD_RTMP_APPS),
          "n": stream_key, "a": pick(["", "", "token=c41e9b77"]), "rx": lambda g: g.num(400, 9_000_000_000), "tx": lambda g: g.num(400, 9_000_000_000),
          "pu": pick(["", "", "https://player.example.tv/watch"]), "fv": pick(MD_RTMP_FLASHVERS), "d": readable_time}),
        # SRS 5 (console log)
        (10, srs + "RTMP client ip={ip}:{port}, fd={fd}", {**srs_hdr, "ip": Gen.ip, "port": Gen.port, "fd": lambda g: g.num(7, 900)}),
        (8, srs + "connect app, tcUrl={tc}, pageUrl={pu}, swfUrl={su}, schema={sch}, vhost={vh}, port={p}, app={app}, args={args}",
         {**srs_hdr, "tc": tc_url, "pu": pick(["", ""]), "su": pick(["", ""]), "sch": pick(["rtmp"]), "vh": pick(["__defaultVhost__", "__defaultVhost__", "ingest.media.example.com"]),
          "p": pick(["1935"]), "app": then(0), "args": pick(["null", "null", "(obj)"])}),
        (8, srs + "client identified, type={t}, vhost={vh}, app={app}, stream={s}, param={pa}, duration={d}ms",
         {**srs_hdr, "t": pick(MD_SRS_TYPES), "vh": pick(["__defaultVhost__"]), "app": pick(MD_RTMP_APPS), "s": stream, "pa": pick(MD_SRS_PARAMS),
          "d": pick(["0", "0", "-1", "3000"])}),
        (18, srs + "<- CPB time={t}, okbps={o1},{o2},{o3}, ikbps={i1},{i2},{i3}, mr={mr}/{mw}, p1stpt={p1}, pnt={pn}",
         {**srs_hdr, "t": lambda g: g.num(0, 90_000_000), "o1": pick(["0", "0", "1"]), "o2": pick(["0"]), "o3": pick(["0"]),
          "i1": lambda g: g.num(200, 9000), "i2": lambda g: g.num(0, 9000), "i3": pick(["0", "0", "2411"]), "mr": pick(["0"]), "mw": pick(["350"]),
          "p1": pick(["20000"]), "pn": pick(["5000", "5000", "20000"])}),
        (16, srs + "-> HLS time={t}ms, sno={n}, ts={f}, dur={d}ms, dva={v}p",
         {**srs_hdr, "t": lambda g: g.num(0, 90_000_000), "n": lambda g: g.num(1, 9000), "f": lambda g: f"{stream(g)}-{g.num(0, 9000)}.ts",
          "d": lambda g: g.num(1400, 10500), "v": pick(["0", "0", "0", "1"])}),
        (6, srs + "Process: cpu={c}%,{m}MB, threads={t}",
         {**srs_hdr, "c": lambda g: f"{g.r.uniform(0, 90):.2f}", "m": lambda g: g.num(12, 900), "t": pick(["2", "2", "3"])}),
        # MediaMTX 1.9
        (12, mtx + "[RTSP] [conn {a}] opened", {**mtx_hdr, "a": peer}),
        (10, mtx + "[RTSP] [conn {a}] closed: {e}", {**mtx_hdr, "a": peer, "e": pick(MD_MTX_CONN_CLOSED)}),
        (12, mtx + "[RTSP] [session {id}] created by {a}", {**mtx_hdr, "id": mtx_session, "a": peer}),
        (8, mtx + "[RTSP] [session {id}] is publishing to path '{p}', {tr}", {**mtx_hdr, "id": mtx_session, "p": pick(MD_MTX_PATHS), "tr": pick(MD_MTX_TRACKS)}),
        (10, mtx + "[RTSP] [session {id}] is reading from path '{p}', with {x}, {tr}",
         {**mtx_hdr, "id": mtx_session, "p": pick(MD_MTX_PATHS), "x": pick(MD_MTX_TRANSPORTS), "tr": pick(MD_MTX_TRACKS)}),
        (10, mtx + "[RTSP] [session {id}] destroyed: {e}", {**mtx_hdr, "id": mtx_session, "e": session_end}),
        (8, mtx + "[HLS] [muxer {p}] created (requested by {ip})", {**mtx_hdr, "p": pick(MD_MTX_PATHS), "ip": Gen.ip}),
        (6, mtx + "[HLS] [muxer {p}] destroyed: {e}", {**mtx_hdr, "p": pick(MD_MTX_PATHS), "e": pick(["not used", "not used", "terminated"])}),
        (5, mtx + "[path {p}] [RTSP source] ready: {tr}", {**mtx_hdr, "p": pick(MD_MTX_PATHS), "tr": pick(MD_MTX_TRACKS)}),
        (6, "{ts} WAR [RTSP] [session {id}] {n} RTP packets lost", {**mtx_hdr, "id": mtx_session, "n": lambda g: g.num(2, 900)}),
        (5, mtx + "[WebRTC] [session {id}] peer connection established, local candidate: {lc}, remote candidate: {rc}",
         {**mtx_hdr, "id": mtx_session, "lc": candidate("local"), "rc": candidate("remote")}),
        # Icecast 2.4.0-kh22 (error.log and access.log)
        (30, '[{ts}] DBUG stats/modify_node_event update "{m}" {k} ({v})', {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS), "k": ice_stat, "v": then(0)}),
        (14, "[{ts}] INFO source/source_main_loop listener count on {m} now {n}", {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS), "n": lambda g: g.num(0, 900)}),
        (5, '[{ts}] INFO connection/_handle_source_request Source logging in at mountpoint "{m}"', {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS)}),
        (4, "[{ts}] INFO format-mp3/format_mp3_get_plugin Created format details for {m}", {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS[:3])}),
        (4, "[{ts}] INFO source/source_init Source {m} initialised", {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS)}),
        (4, '[{ts}] INFO source/source_apply_mount Applying mount information for "{m}"', {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS)}),
        (6, "[{ts}] WARN source/source_read Nothing received on {m} for {n} seconds", {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS), "n": pick(["3", "10", "10"])}),
        (3, "[{ts}] INFO source/source_client_read no more listeners on {m}", {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS)}),
        (3, '[{ts}] INFO source/_free_source freeing source "{m}"', {"ts": ice_ts, "m": pick(MD_ICE_MOUNTS)}),
        (20, '{ip} - {u} [{t}] "{m} {path} {pr}" {s} {b} "{ref}" "{a}" {d}',
         {"ip": Gen.ip, "u": pick(["-", "-", "-", "source"]), "t": lambda g: g.clf_time()[1:-1], "m": pick(["GET", "GET", "GET", "SOURCE"]),
          "path": pick(MD_ICE_MOUNTS), "pr": pick(["HTTP/1.1", "HTTP/1.1", "ICE/1.0", "HTTP/1.0"]), "s": pick(["200", "200", "200", "404"]),
          "b": lambda g: g.num(0, 3_000_000_000), "ref": pick(["-", "-", "https://radio.example.org/player"]), "a": pick(MD_ICE_AGENTS),
          "d": lambda g: g.num(0, 300000)}),
        # Liquidsoap 2.2
        (8, "{ts} [{c}:2] Latency is too high: we must catchup {s} seconds! Check if your system can process your stream fast enough "
         "(CPU usage, disk access, etc) or if your stream should be self-sync (can happen when using `input.ffmpeg`). "
         "Refer to the latency control section of the documentation for more info.",
         {**liq_hdr, "c": pick(MD_LIQ_CLOCKS), "s": lambda g: f"{g.r.uniform(0.05, 60):.2f}"}),
        (12, '{ts} [{src}:3] Prepared "{f}" (RID {n}).', {**liq_hdr, "src": pick(MD_LIQ_SOURCES), "f": pick(MD_LIQ_FILES), "n": lambda g: g.num(1, 90000)}),
        (8, '{ts} [decoder.ffmpeg:3] FFmpeg recognizes "{f}" as audio: {{codec: {c}, {sr}Hz, {ch} channel(s)}}',
         {**liq_hdr, "f": first(MD_LIQ_TRACKS), "c": then(1), "sr": then(2), "ch": then(3)}),
        (6, "{ts} [{o}:3] Connecting mount {m} for {u}@{h}...",
         {**liq_hdr, "o": pick(MD_LIQ_OUTPUTS), "m": pick(MD_ICE_MOUNTS), "u": pick(["source", "source", "dj-live"]), "h": pick(["localhost", "icecast.radio.svc"])}),
        (5, "{ts} [{o}:3] Connection setup was successful.", {**liq_hdr, "o": pick(MD_LIQ_OUTPUTS)}),
        (6, "{ts} [{src}:3] Content type is {ct}.", {**liq_hdr, "src": pick(["output.dummy.2", "source.77", "radio_mp3", "mksafe"]), "ct": pick(MD_LIQ_CONTENT)}),
        (7, "{ts} [{src}:3] Analysis: {a}dB / {b}dB ({x}s / {y}s)",
         {**liq_hdr, "src": pick(["crossfade_0", "crossfade_0", "crossfade_1"]), "a": db, "b": db, "x": lambda g: f"{g.r.uniform(1, 6):.2f}", "y": lambda g: f"{g.r.uniform(1, 6):.2f}"}),
        # Jellyfin 10.10 (log_*.log: Serilog's file template, strings quoted)
        (14, jf + 'Emby.Server.Implementations.Session.SessionManager: Playback stopped reported by app "{app}" "{v}" playing "{ti}". Stopped at "{ms}" ms',
         {**jf_hdr, "app": jf_app, "v": then(1), "ti": pick(MD_JF_TITLES), "ms": lambda g: g.r.choice(["0", g.num(1000, 9_000_000)])}),
        (8, jf + 'Jellyfin.Server.Implementations.Users.UserManager: Authentication request for "{u}" has succeeded.', {**jf_hdr, "u": pick(MD_JF_USERS)}),
        (6, jf + 'Emby.Server.Implementations.Session.SessionManager: Current/Max sessions for user "{u}": {a}/{b}',
         {**jf_hdr, "u": pick(MD_JF_USERS), "a": pick(["1", "1", "2", "3"]), "b": pick(["0", "0", "5"])}),
        (5, jf + "Emby.Server.Implementations.Session.SessionManager: Creating new access token for user {id}", {**jf_hdr, "id": Gen.uuid}),
        (12, jf + 'Emby.Server.Implementations.HttpServer.WebSocketManager: WS "{ip}" request', {**jf_hdr, "ip": Gen.ip}),
        (10, jf + 'Jellyfin.Api.Helpers.MediaInfoHelper: User policy for "{u}". EnablePlaybackRemuxing: {a} EnableVideoPlaybackTranscoding: {b} '
         "EnableAudioPlaybackTranscoding: {c}", {**jf_hdr, "u": pick(MD_JF_USERS), "a": bool_cap, "b": bool_cap, "c": bool_cap}),
        (6, jf + "Emby.Server.Implementations.Session.SessionWebSocketListener: Sending ForceKeepAlive message to {n} inactive WebSockets.",
         {**jf_hdr, "n": pick(["1", "1", "2", "4"])}),
        (5, jf_err + "MediaBrowser.MediaEncoding.Transcoding.TranscodeManager: FFmpeg exited with code {n}",
         {**jf_hdr, "n": pick(["1", "1", "187", "234", "254"])}),
        # Plex Media Server 1.40 (Plex Media Server.log, debug logging on)
        (16, plex + "Request: [{ip}:{port} ({net})] {m} {path} ({n} live) #{rid} {fl} Signed-in Token ({u})",
         {**plex_hdr, "ip": Gen.ip, "port": Gen.port, "net": pick(MD_PLEX_NETS), "m": pick(["GET", "GET", "GET", "PUT"]), "path": plex_path,
          "n": lambda g: g.num(1, 40), "rid": req_id, "fl": pick(MD_PLEX_FLAGS), "u": pick(MD_PLEX_USERS)}),
        (16, plex + "Completed: [{ip}:{port}] {s} {m} {path} ({n} live) #{rid} {fl} {ms}ms {b} bytes (pipelined: {pl})",
         {**plex_hdr, "ip": Gen.ip, "port": Gen.port, "s": pick(["200", "200", "200", "401", "404"]), "m": pick(["GET", "GET", "PUT"]), "path": plex_path,
          "n": lambda g: g.num(1, 40), "rid": req_id, "fl": pick(MD_PLEX_FLAGS), "ms": lambda g: g.num(0, 900), "b": lambda g: g.num(0, 400000),
          "pl": lambda g: g.num(1, 40)}),
        (6, plex + "Auth: authenticated user {n} as {u}", {**plex_hdr, "n": pick(["1", "3", "7"]), "u": pick(MD_PLEX_USERS)}),
        (5, plex + "Selecting best audio stream for part ID {id} (autoselect: {a} language: {l})",
         {**plex_hdr, "id": lambda g: g.num(1000, 99999), "a": pick(["1", "1", "0"]), "l": pick(["en", "en", "de", "fr"])}),
        # OvenMediaEngine 0.16
        (6, ome("I", "RTMPProvider", "rtmp_provider.cpp:216") + "The RTMP client has disconnected: [{app}/{s}], remote: {sock}",
         {**ome_hdr(["SPRTMP-t1935"]), "app": pick(MD_OME_APPS), "s": pick(MD_OME_STREAMS), "sock": client_socket("Disconnected")}),
        (6, ome("I", "Provider", "stream.cpp:65") + "{app}/{s}({id}) has been stopped playing stream",
         {**ome_hdr(["SPRTMP-t1935", "SPSRT-t9999"]), "app": pick(MD_OME_APPS), "s": pick(MD_OME_STREAMS), "id": lambda g: g.num(100, 9999)}),
        (6, ome("I", "MediaRouter", "mediarouter_application.cpp:569") + "[{app}/{s}({id})] Trying to delete a stream",
         {**ome_hdr(["SPRTMP-t1935", "SPSRT-t9999"]), "app": pick(MD_OME_APPS), "s": pick(MD_OME_STREAMS), "id": lambda g: g.num(100, 9999)}),
        (8, ome("I", "Signalling", "rtc_signalling_server.cpp:231") + "New client is connected: {sock}",
         {**ome_hdr(["SPRtcSig-T3333"]), "sock": client_socket("Connected")}),
        (5, ome("W", "APIController", "controller.h:154") + "HTTP error occurred: [HTTP] Could not find the stream: [{vh}/{app}/{s}] (404)",
         {**ome_hdr(["SPAPISvr-T8081"]), "vh": pick(["default"]), "app": pick(MD_OME_APPS), "s": pick(MD_OME_STREAMS)}),
        (4, ome("E", "FFmpeg", "third_parties.cpp:110") + "[AVFormatContext: {p}] Application provided invalid, non monotonically increasing dts to muxer "
         "in stream {n}: {a} >= {b}", {**ome_hdr(["AppWorker"]), "p": lambda g: f"0x7f{g.hexs(9)}0", "n": pick(["0", "1"]), "a": dts, "b": then(0)}),
        # Kurento Media Server 7 (/var/log/kurento-media-server)
        (12, kms("info", "KurentoWebSocketTransport", "WebSocketTransport.cpp:280 keepAliveSessions()  Keep alive {id}"), {**kms_hdr, "id": Gen.uuid}),
        (10, kms("info", "KurentoServerMethods", "ServerMethods.cpp:811 ping()  WebSocket Ping/Pong"), kms_hdr),
        (10, kms("info", "webrtcendpoint", "kmswebrtcendpoint.c:439 kms_webrtc_endpoint_add_ice_candidate() <{obj}>  "
                 "Add ICE candidate '{c}' for session '{sess}'"),
         {**kms_hdr, "obj": kms_endpoint, "c": ice_candidate, "sess": then(0)}),
        (4, kms("fixme", "KurentoWebSocketTransport", "WebSocketTransport.cpp:352 keepAliveSessions()  Session should be removed: {id}"), {**kms_hdr, "id": Gen.uuid}),
        # Shaka Packager 3 (glog)
        (6, "I{t} {tid} demuxer.cc:94] Demuxer::Run() on file '{f}'.", {**shaka_hdr, "f": shaka_input}),
        (6, "I{t} {tid} demuxer.cc:160] Initialize Demuxer for file '{f}'.", {**shaka_hdr, "f": shaka_input}),
        (5, "I{t} {tid} mp4_muxer.cc:166] MP4 file '{f}' finalized.", {**shaka_hdr, "f": shaka_output}),
        (3, "Packaging completed successfully.", {}),
        (3, "E{t} {tid} packager_main.cc:554] Packaging Error: {e}", {**shaka_hdr, "e": shaka_error}),
        # Wowza Streaming Engine 4.8 (wowzastreamingengine_access.log, server comments)
        (6, wowza("LiveStreamPacketizerCupertino.handlePacket[{app}/_definst_/{s}]: Video codec:{c} isCompatible:{ok}"),
         {**wowza_hdr, "c": pick(["H264", "H264", "H265"]), "ok": pick(["true", "true", "false"])}),
        (5, wowza("MediaStreamMap.getLiveStreamPacketizer[{app}/_definst_/{s}]: Create live stream packetizer: {pk}:{s2}"),
         {**wowza_hdr, "s": first([(s,) for s in MD_STREAMS]), "pk": pick(MD_WOWZA_PACKETIZERS), "s2": then(0)}),
        (4, wowza("LiveStreamPacketizerCupertino.init[{app}/_definst_/{s}]: playlistChunkCount:{n}"), {**wowza_hdr, "n": pick(["3", "3", "6"])}),
        # Owncast 0.1
        (6, 'time="{ts}" level=info msg="Inbound stream connected."', {"ts": owncast_ts}),
        (6, 'time="{ts}" level=info msg="Inbound stream disconnected."', {"ts": owncast_ts}),
        (3, 'time="{ts}" level=info msg="Video transcoder started using {c} with {n} stream variants."',
         {"ts": owncast_ts, "c": pick(MD_OWNCAST_CODECS), "n": pick(["1", "1", "2", "3"])}),
        (2, 'time="{ts}" level=info msg="RTMP is accepting inbound streams on port {p}."', {"ts": owncast_ts, "p": pick(["1935"])}),
        (3, 'time="{ts}" level=warning msg="{e}"', {"ts": owncast_ts, "e": owncast_error}),
    ]


# (friendly name, IEEE address, kind): the kind picks the payload a device publishes
IOT_Z2M_DEVICES = [("kitchen_light", "0x0017880103ae1e56", "light"), ("living_room/motion", "0x00158d0004485c2e", "motion"),
                   ("hallway_thermostat", "0x0c4314fffe8a5e1b", "climate"), ("garage_door", "0x00158d00045f0ee8", "contact"),
                   ("0x842e14fffe94b694", "0x842e14fffe94b694", "plug")]
# (vendor, description, model) as Zigbee2MQTT's converters name a supported device
IOT_Z2M_MODELS = [("Xiaomi", "Aqara temperature, humidity and pressure sensor", "WSDCGQ11LM"),
                  ("IKEA", "TRADFRI bulb E27, white spectrum, globe, opal, 806 lm", "LED1836G9"),
                  ("Philips", "Hue white and color ambiance E26/E27", "9290022166"),
                  ("TuYa", "Smart plug (with power monitoring)", "TS011F_plug_1")]
IOT_Z2M_SET_KEYS = [("state", '{"state":"ON"}'), ("state", '{"state":"OFF"}'), ("state", '{"state":"TOGGLE"}'),
                    ("brightness", '{"brightness":180}'), ("color_temp", '{"color_temp":370}'),
                    ("occupied_heating_setpoint", '{"occupied_heating_setpoint":21.5}')]
IOT_Z2M_COMMANDS = ['genOnOff.on({}', 'genOnOff.off({}', 'genLevelCtrl.moveToLevelWithOnOff({"level":115,"transtime":0}',
                    'lightingColorCtrl.moveToColorTemp({"colortemp":370,"transtime":0}']
IOT_Z2M_MAC_ERRORS = ["'MAC no ack' (233)", "'MAC no ack' (233)", "'MAC channel access failure' (225)", "'MAC transaction expired' (240)"]
IOT_NR_BROKERS = ["Local Mosquitto", "HiveMQ edge", "plant-broker"]
IOT_NR_BROKER_URLS = ["mqtt://10.0.4.2:1883", "mqtts://broker.plant.local:8883", "mqtt://localhost:1883"]
IOT_NR_FUNCTIONS = ["Parse payload", "Convert to °C", "Build alert", "Split readings"]
IOT_NR_ERRORS = ["TypeError: Cannot read properties of undefined (reading 'temperature')",
                 "TypeError: Cannot read properties of undefined (reading 'temperature')",
                 "ReferenceError: payload is not defined (line 3, col 9)",
                 "SyntaxError: Unexpected token u in JSON at position 0",
                 "TypeError: msg.payload.readings.map is not a function"]
IOT_TB_TOKENS = ["A1_TEST_TOKEN", "4GKuaqAXvihjWVB0YdLL", "kX9vP2mQ7rT4wYz1bC3d"]
IOT_TB_CLIENTS = ["mqttjs_256e15d9", "paho48107360572381", "esp32-boiler-07", ""]
IOT_TB_TOPICS = ["v1/devices/me/telemetry", "v1/devices/me/attributes", "v1/gateway/telemetry", "v1/devices/me/rpc/response/17"]
IOT_CS_REGIONS = ["eu868", "eu868", "us915_1"]
IOT_CS_GATEWAYS = ["0016c001f153a14c", "d4adbdfffe9e33b0", "6c0309fffeb273d0"]
IOT_CS_APPS = ["4b8c1e2a-77d3-4f0e-9a65-1c2d3e4f5a6b", "9f3e2d1c-0b8a-4c7d-8e6f-5a4b3c2d1e0f"]
IOT_CS_DEVEUIS = ["70b3d57ed005e8a1", "a84041000181c2f0", "0004a30b001c8a77", "24e124136c225107"]
IOT_KE_NODES = ["edge-node-1", "rpi4-gw-07", "jetson-line3"]
IOT_KE_TOPICS = ["$hw/events/upload/#", "$hw/events/device/+/+/state/update", "$hw/events/device/+/+/twin/+",
                 "$hw/events/node/+/membership/get", "SYS/dis/upload_records"]
IOT_KE_WS_ERRORS = ["websocket: bad handshake", "websocket: bad handshake",
                    "dial tcp 10.20.0.5:10000: connect: connection refused",
                    "x509: certificate signed by unknown authority"]
# (dial error, the response message built from the HTTP response, empty without one)
IOT_KE_DIAL_ERRORS = [("websocket: bad handshake", "response code: 404, response body: 404 page not found"),
                      ("websocket: bad handshake", "response code: 401, response body: Unauthorized"),
                      ("websocket: bad handshake", "response code: 502"),
                      ("dial tcp 10.20.0.5:10000: connect: connection refused", ""), ("dial tcp 10.20.0.5:10000: i/o timeout", "")]
IOT_KE_ENROLL_ERRORS = ["timeout to wait for the previous connection to be cleaned up", "node edge-node-1 already connected",
                        "reach node limit"]
# openHAB items: (name, kind); the kind decides how the state prints
IOT_OH_ITEMS = [("LivingRoom_Temperature", "temperature"), ("Kitchen_Light", "switch"), ("FrontDoor_Contact", "contact"),
                ("Bedroom_Dimmer", "dimmer"), ("Washer_Power", "power")]
IOT_OH_GROUPS = [("gLights", "Kitchen_Light", "switch"), ("gWindows", "FrontDoor_Contact", "contact"),
                 ("gTemperatures", "LivingRoom_Temperature", "temperature")]
IOT_OH_THINGS = ["zwave:device:controller:node12", "mqtt:topic:mosquitto:boiler", "hue:0210:bridge1:3", "deconz:deconz:home"]
# (status before, status after) of a thing, with the detail and description openHAB appends
IOT_OH_THING_STATUSES = [("ONLINE", "OFFLINE (COMMUNICATION_ERROR): Node is not communicating with controller"),
                         ("OFFLINE (COMMUNICATION_ERROR): Node is not communicating with controller", "ONLINE"),
                         ("ONLINE", "OFFLINE (COMMUNICATION_ERROR): java.net.NoRouteToHostException: No route to host"),
                         ("ONLINE", "OFFLINE (BRIDGE_OFFLINE)"), ("UNINITIALIZED", "INITIALIZING"), ("INITIALIZING", "UNKNOWN"),
                         ("UNKNOWN", "ONLINE")]
IOT_OH_TRIGGERS = [("deconz:switch:home:00158d0001234567011000:buttonevent", "1002"),
                   ("deconz:switch:home:00158d0001234567011000:buttonevent", "2002"),
                   ("astro:sun:local:set#event", "START"), ("astro:sun:local:rise#event", "END"),
                   ("zwave:device:controller:node7:scene_number", "1.0")]
# ESPHome entities: (name, unit, accuracy decimals, low, high)
IOT_ESP_SENSORS = [("Living Room Temperature", "°C", "1", 17.0, 26.0), ("Humidity", "%", "1", 30.0, 70.0),
                   ("WiFi Signal", "dBm", "0", -85.0, -40.0), ("Power", "W", "2", 0.0, 2400.0), ("Uptime", "s", "0", 10.0, 900000.0)]
IOT_ESP_BINARY = ["Motion", "Door", "Button"]
IOT_ESP_SWITCHES = ["Relay", "Pump", "Fan"]
IOT_ESP_COMPONENTS = ["wifi", "api", "bme280.sensor", "dallas.temp.sensor", "mqtt"]
IOT_MQTT_CLIENTS = ["sensor-hub-0042", "greengrass-core-7", "nodered_5f2a9c1e", "plc-gw-03", "zigbee2mqtt_7c9e"]
IOT_HIVEMQ_KICK_REASONS = ["Another client connected with the same client identifier",
                           "The client was idle for too long without sending an MQTT control packet",
                           "Sent a PUBLISH to an invalid topic", "Client exceeded the maximum packet size"]
IOT_HIVEMQ_DROP_REASONS = ["The client message queue is full", "The client message queue is full", "Maximum packet size exceeded"]
IOT_MQTT_TOPICS = ["factory/line1/plc/status", "fleet/truck-17/gps", "home/+/temperature", "devices/sensor-hub-0042/telemetry"]
IOT_VMQ_REASONS = ["invalid_credentials", "no_matching_hook_found", "plugin_chain_exhausted", "error"]
IOT_VMQ_USERS = ['<<"fleet-ingest">>', '<<"plant-sensors">>', "undefined"]
IOT_EDGEX_SERVICES = [("core-data", "59880"), ("core-metadata", "59881"), ("core-command", "59882"), ("device-virtual", "59900"),
                      ("device-modbus", "59901")]
IOT_BALENA_SERVICES = ["controller", "browser", "octoprint", "mqtt-bridge"]
IOT_BALENA_API_CALLS = [("GET", "/v1/healthy", "200"), ("GET", "/v1/healthy", "200"), ("GET", "/v2/state/status", "200"),
                        ("POST", "/v1/update", "204"), ("GET", "/v2/applications/state", "200"), ("POST", "/v1/restart", "200")]
IOT_BALENA_REPORT_ERRORS = ["", "getaddrinfo EAI_AGAIN api.balena-cloud.com", "Timeout awaiting 'request' for 30000ms",
                            "certificate has expired"]
# generic (recipe-run) components; the nucleus' own plugins log through their own classes
IOT_GG_COMPONENTS = ["com.acme.SensorReader", "com.acme.ModbusBridge", "com.acme.EdgeInference"]
# (state before, state after) of a component's lifecycle
IOT_GG_TRANSITIONS = [("NEW", "INSTALLED"), ("INSTALLED", "STARTING"), ("STARTING", "RUNNING"), ("RUNNING", "STOPPING"),
                      ("STOPPING", "FINISHED"), ("RUNNING", "ERRORED"), ("ERRORED", "STARTING"), ("FINISHED", "STARTING")]
# what each component prints on stdout
IOT_GG_STDOUT = {"com.acme.SensorReader": ["Published reading to local/sensors/temperature", "Sleeping 5 seconds"],
                 "com.acme.ModbusBridge": ["Connected to Modbus slave 10.20.3.40:502", "Read 24 registers from unit 1"],
                 "com.acme.EdgeInference": ["Loaded model defect-detector v7 in 812 ms", "Frame 48213: 0 defects, 41.7 ms"]}
# the run command of each component's recipe, as the nucleus prints it (a JSON list, the newline escaped)
IOT_GG_COMMANDS = {"com.acme.SensorReader": "python3 -u /greengrass/v2/packages/artifacts/com.acme.SensorReader/1.4.2/reader.py\\n",
                   "com.acme.ModbusBridge": "java -jar /greengrass/v2/packages/artifacts/com.acme.ModbusBridge/2.0.1/bridge.jar\\n",
                   "com.acme.EdgeInference": "python3 -u /greengrass/v2/packages/artifacts-unarchived/com.acme.EdgeInference/0.9.3/inference/serve.py --model /greengrass/v2/work/models\\n"}
IOT_GG_THINGS = ["gg-core-plant1-07", "gg-core-plant1-08", "gg-core-fleet-21"]


def iot_events() -> list[tuple[float, str, dict]]:
    """IoT and edge-fleet software none of the other corpora covers: Zigbee2MQTT 1.x, Node-RED,
    ThingsBoard (MQTT transport), ChirpStack v4 (Rust tracing), KubeEdge edgecore (through journald's
    klog) and cloudcore, openHAB 4 (events.log), ESPHome (device log), the HiveMQ CE event.log,
    VerneMQ (lager), EdgeX Foundry (logfmt), the balena supervisor (journal) and the AWS IoT
    Greengrass v2 nucleus (greengrass.log). Written blind for the eighteenth issue-15 pass: before
    reading the engine or any failure analysis; 74 event types."""

    def esc(text: str) -> str:
        # render() unescapes doubled braces across the whole line, values included
        return text.replace("{", "{{").replace("}", "}}")

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def day_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def milli_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def micro_z(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{us6(g)}Z"

    clock = {"hms": "00:00:00"}

    def journal_ts(g: Gen) -> str:
        clock["hms"] = hms(g)
        return f"Dec 03 {clock['hms']}"

    def klog_ts(g: Gen) -> str:
        return f"1203 {hms(g)}.{us6(g)}"

    def journal_klog_ts(g: Gen) -> str:
        # klog's line is written in the same second journald stamps it
        return f"1203 {clock['hms']}.{us6(g)}"

    def mqtt_peer_ip(g: Gen) -> str:
        return g.r.choice([g.ip(), f"192.168.{g.r.randint(0, 3)}.{g.r.randint(2, 254)}"])

    # Zigbee2MQTT
    def z2m_device(g: Gen) -> str:
        g.drawn = g.r.choice(IOT_Z2M_DEVICES)
        return g.drawn[0]

    def z2m_topic(g: Gen) -> str:
        return f"zigbee2mqtt/{z2m_device(g)}"

    def z2m_payload(g: Gen) -> str:
        lq = g.r.randint(3, 255)
        kind = g.drawn[2]
        if kind == "light":
            body = {"brightness": g.r.randint(1, 254), "color_mode": "color_temp", "color_temp": g.r.randint(153, 454),
                    "linkquality": lq, "state": g.r.choice(["ON", "OFF"])}
        elif kind == "motion":
            body = {"battery": g.r.randint(40, 100), "illuminance": g.r.randint(0, 900), "linkquality": lq,
                    "occupancy": g.r.choice([True, False]), "voltage": g.r.randint(2800, 3100)}
        elif kind == "climate":
            body = {"battery": g.r.randint(40, 100), "linkquality": lq, "local_temperature": round(g.r.uniform(17, 24), 1),
                    "occupied_heating_setpoint": g.r.choice([19, 20, 21.5]), "running_state": g.r.choice(["heat", "idle"])}
        elif kind == "contact":
            body = {"battery": g.r.randint(40, 100), "contact": g.r.choice([True, False]), "linkquality": lq,
                    "temperature": g.r.randint(8, 24), "voltage": g.r.randint(2800, 3100)}
        else:
            body = {"current": round(g.r.uniform(0, 9), 2), "energy": round(g.r.uniform(0, 400), 2), "linkquality": lq,
                    "power": g.r.randint(0, 2200), "state": g.r.choice(["ON", "OFF"]), "voltage": g.r.randint(225, 240)}
        return esc(json.dumps(body, separators=(",", ":")))

    def z2m_set(g: Gen) -> str:
        g.drawn = (*g.r.choice(IOT_Z2M_SET_KEYS), z2m_device(g))
        return f"zigbee2mqtt/{g.drawn[2]}/set"

    def z2m_publish_error(g: Gen) -> str:
        ieee = g.r.choice(IOT_Z2M_DEVICES)[1]
        opts = ('{"sendWhen":"immediate","timeout":10000,"disableResponse":false,"disableRecovery":false,"disableDefaultResponse":false,'
                '"direction":0,"srcEndpoint":null,"reservedBits":0,"manufacturerCode":null,"transactionSequenceNumber":null,"writeUndiv":false}')
        error = g.r.choice([
            f"Error: Command {ieee}/{g.r.choice(['1', '1', '11'])} {g.r.choice(IOT_Z2M_COMMANDS)}, {opts}) failed "
            f"(Data request failed with error: {g.r.choice(IOT_Z2M_MAC_ERRORS)})",
            f"Error: Command {ieee}/1 {g.r.choice(IOT_Z2M_COMMANDS)}, {opts}) failed (Timeout - 10000ms)",
        ])
        return esc(error)

    # Node-RED
    def nr_ts(g: Gen) -> str:
        return f"{g.r.choice(['3', '4'])} Dec {hms(g)}"

    def nr_broker_url(g: Gen) -> str:
        client = g.r.choice(["", f"nodered_{g.hexs(8)}@", "plant-flows@"])
        return client + g.r.choice(IOT_NR_BROKER_URLS)

    # ThingsBoard
    def tb_thread(g: Gen) -> str:
        return f"nioEventLoopGroup-4-{g.r.randint(1, 8)}"

    def tb_worker(g: Gen) -> str:
        return f"ForkJoinPool-9-worker-{g.r.randint(1, 31)}"

    # ChirpStack
    def cs_gateway_topic(g: Gen) -> str:
        region = g.drawn[0]
        event = g.r.choice(["up", "up", "up", "up", "stats", "ack"])
        return f"{region}/gateway/{g.r.choice(IOT_CS_GATEWAYS)}/event/{event}"

    def cs_gateway(g: Gen) -> str:
        g.drawn = (g.r.choice(IOT_CS_GATEWAYS),)
        return g.drawn[0]

    def cs_event_topic(g: Gen) -> str:
        return f"application/{g.r.choice(IOT_CS_APPS)}/device/{g.drawn[0]}/event/{g.r.choice(['up', 'up', 'up', 'status', 'join'])}"

    # KubeEdge
    def edge_host(g: Gen) -> str:
        g.drawn = (g.r.choice(IOT_KE_NODES),)
        return g.drawn[0]

    def edge_pid(g: Gen) -> str:
        # journald's pid and klog's thread id are the same number; the node registers under the host's name
        g.drawn = (g.drawn[0], g.r.choice(["24092", "14390", "27641"]))
        return g.drawn[1]

    def ke_node(g: Gen) -> str:
        return g.r.choice(IOT_KE_NODES)

    # openHAB
    def oh_logger(name: str) -> str:
        # the event logger's pattern truncates the category from the left and pads it to 36 columns
        return f"[{name[-36:]:<36}]"

    def oh_value(g: Gen, kind: str) -> str:
        if kind == "temperature":
            return f"{g.r.uniform(17, 26):.1f} °C"
        if kind == "switch":
            return g.r.choice(["ON", "OFF"])
        if kind == "contact":
            return g.r.choice(["OPEN", "CLOSED"])
        if kind == "dimmer":
            return str(g.r.randint(0, 100))
        return f"{g.r.uniform(0, 2200):.1f} W"

    def oh_change(g: Gen, kind: str) -> tuple[str, str]:
        new = oh_value(g, kind)
        old = "NULL" if g.r.random() < 0.05 else oh_value(g, kind)
        while old == new:
            old = oh_value(g, kind)
        return old, new

    def oh_item(g: Gen) -> str:
        name, kind = g.r.choice(IOT_OH_ITEMS)
        g.drawn = (name, *oh_change(g, kind))
        return name

    def oh_group(g: Gen) -> str:
        group, member, kind = g.r.choice(IOT_OH_GROUPS)
        g.drawn = (group, *oh_change(g, kind), member)
        return group

    def oh_command(g: Gen) -> str:
        name, kind = g.r.choice(IOT_OH_ITEMS[1:2] + IOT_OH_ITEMS[3:4])
        g.drawn = (name, "REFRESH" if g.r.random() < 0.15 else oh_value(g, kind))
        return name

    def oh_prediction(g: Gen) -> str:
        name, kind = g.r.choice(IOT_OH_ITEMS[1:2] + IOT_OH_ITEMS[3:4])
        g.drawn = (name, oh_value(g, kind))
        return name

    def oh_thing_status(g: Gen) -> str:
        g.drawn = g.r.choice(IOT_OH_THING_STATUSES)
        return g.drawn[0]

    # ESPHome
    def esp_sensor(g: Gen) -> str:
        name, unit, decimals, low, high = g.r.choice(IOT_ESP_SENSORS)
        g.drawn = (name, f"{g.r.uniform(low, high):.5f}", unit, decimals)
        return name

    # HiveMQ
    def expiry_stamp(g: Gen) -> str:
        return day_ts(g)

    # VerneMQ
    def lager_pid(g: Gen) -> str:
        return f"<0.{g.num(400, 99000)}.{g.r.choice(['0', '0', '651'])}>"

    def subscriber_id(g: Gen) -> str:
        # lager prints the subscriber id as its Erlang term: {MountPoint, ClientId}
        return esc(f'{{[],<<"{g.r.choice(IOT_MQTT_CLIENTS)}">>}}')

    def vmq_publish(g: Gen) -> str:
        topic = ",".join(f'<<"{w}">>' for w in g.r.choice(IOT_MQTT_TOPICS).split("/"))
        return esc(f'[undefined,{{[],<<"{g.r.choice(IOT_MQTT_CLIENTS)}">>}},{g.r.choice(["0", "1"])},[{topic}],<<"{g.hexs(8)}">>,false]')

    # EdgeX
    def edgex_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(1, 999999999):0>9}".rstrip("0") + "Z"

    def edgex_service(g: Gen) -> str:
        g.drawn = g.r.choice(IOT_EDGEX_SERVICES)
        return g.drawn[0]

    def correlation(g: Gen) -> str:
        return g.r.choice(["", g.uuid(), g.uuid()])

    # balena supervisor
    def balena_host(g: Gen) -> str:
        return g.r.choice(["655d524", "902f8f0", "748f535"])

    def balena_image(g: Gen) -> str:
        image = {"image": {"name": f"registry2.balena-cloud.com/v2/{g.hexs(32)}@sha256:{g.hexs(64)}", "appId": 2007974,
                           "serviceName": g.r.choice(IOT_BALENA_SERVICES), "imageId": g.r.randint(6374100, 6374299),
                           "serviceId": g.r.randint(1927500, 1944199), "releaseId": g.r.choice([2771256, 2771301]),
                           "commit": g.r.choice(["a2620a4c47d6402ce31874a7b42f1a82", "c91e0b7d3f5a48e2b6d17c0a9e4f3b21"])}}
        return esc(json.dumps(image, separators=(",", ":")))

    def balena_service(g: Gen) -> str:
        service = {"service": {"appId": 2007974, "serviceId": g.r.randint(1927500, 1944199), "serviceName": g.r.choice(IOT_BALENA_SERVICES),
                               "commit": g.r.choice(["a2620a4c47d6402ce31874a7b42f1a82", "c91e0b7d3f5a48e2b6d17c0a9e4f3b21"]),
                               "releaseId": g.r.choice([2771256, 2771301])}}
        return esc(json.dumps(service, separators=(",", ":")))

    def balena_report_error(g: Gen) -> str:
        return esc(json.dumps({"error": {"message": g.r.choice(IOT_BALENA_REPORT_ERRORS)}}, separators=(",", ":")))

    def balena_call(g: Gen) -> str:
        g.drawn = g.r.choice(IOT_BALENA_API_CALLS)
        return g.drawn[0]

    # Greengrass
    def gg_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{ms3(g)}Z"

    def gg_component(g: Gen) -> str:
        g.drawn = (g.r.choice(IOT_GG_COMPONENTS),)
        return g.drawn[0]

    def gg_lifecycle_thread(g: Gen) -> str:
        # each component's lifecycle runs on a thread named after it; later slots read the component
        return f"{gg_component(g)}-lifecycle"

    def gg_script(g: Gen) -> str:
        return f"services.{g.drawn[0]}.lifecycle.Run"

    def gg_command(g: Gen) -> str:
        return '["' + IOT_GG_COMMANDS[g.drawn[0]] + '"]'

    def gg_transition(g: Gen) -> str:
        g.drawn = g.r.choice(IOT_GG_TRANSITIONS)
        return g.drawn[0]

    z2m = "Zigbee2MQTT:"
    nr = "{ts} - "
    def tb(level: str, thread: str = "{th}") -> str:
        return "{ts} [" + thread + "] " + level + " o.t.s.t.mqtt.MqttTransportHandler - [{sid}] "

    tb_slots = {"ts": java_ts, "th": tb_thread, "sid": Gen.uuid}
    tb_worker_slots = {"ts": java_ts, "wk": tb_worker, "sid": Gen.uuid}
    cs = "{ts}  "
    edge = "{jt} {host} edgecore[{pid}]: "
    edge_slots = {"jt": journal_ts, "host": edge_host, "pid": edge_pid, "kt": journal_klog_ts, "pid2": then(1)}
    oh = "{ts} [INFO ] "
    esp = "[{t}]"
    hive = "{ts} - "
    vmq = "{ts} "
    edgex = "level=INFO ts={ts} app="
    balena = "{jt} {host} balena-supervisor[{pid}]: "
    balena_slots = {"jt": journal_ts, "host": balena_host, "pid": pick(["1888", "965", "1480"])}
    gg = "{ts} "
    return [
        # Zigbee2MQTT 1.x (console and file transport: level padded to five, then the time)
        (40, z2m + "info  {ts}: MQTT publish: topic '{t}', payload '{p}'", {"ts": day_ts, "t": z2m_topic, "p": z2m_payload}),
        (12, z2m + "debug {ts}: Received MQTT message on '{t}' with data '{d}'", {"ts": day_ts, "t": z2m_set, "d": lambda g: esc(g.drawn[1])}),
        (10, z2m + "debug {ts}: Publishing '{ty}' '{k}' to '{dev}'",
         {"ts": day_ts, "ty": pick(["set", "set", "set", "get"]), "k": lambda g: g.r.choice(IOT_Z2M_SET_KEYS)[0], "dev": z2m_device}),
        (7, z2m + "error {ts}: Publish '{ty}' '{k}' to '{dev}' failed: '{e}'",
         {"ts": day_ts, "ty": pick(["set"]), "k": lambda g: g.r.choice(IOT_Z2M_SET_KEYS)[0], "dev": z2m_device, "e": z2m_publish_error}),
        (3, z2m + "info  {ts}: Device '{dev}' joined", {"ts": day_ts, "dev": lambda g: f"0x{g.r.choice(['00158d', '842e14', '0c4314'])}{g.hexs(10)}"}),
        (3, z2m + "info  {ts}: Starting interview of '{dev}'", {"ts": day_ts, "dev": lambda g: f"0x{g.r.choice(['00158d', '842e14', '0c4314'])}{g.hexs(10)}"}),
        (2, z2m + "info  {ts}: Successfully interviewed '{dev}', device has successfully been paired",
         {"ts": day_ts, "dev": lambda g: f"0x{g.r.choice(['00158d', '842e14', '0c4314'])}{g.hexs(10)}"}),
        (1, z2m + "error {ts}: Failed to interview '{dev}', device has not successfully been paired",
         {"ts": day_ts, "dev": lambda g: f"0x{g.r.choice(['00158d', '842e14', '0c4314'])}{g.hexs(10)}"}),
        (2, z2m + "info  {ts}: Device '{dev}' is supported, identified as: {v} {d} ({m})",
         {"ts": day_ts, "dev": lambda g: f"0x{g.r.choice(['00158d', '842e14', '0c4314'])}{g.hexs(10)}", "v": first(IOT_Z2M_MODELS), "d": then(1), "m": then(2)}),
        # Node-RED (runtime log: day month time - [level] [type:name] message)
        (10, nr + "[info] [mqtt-broker:{b}] Connected to broker: {u}", {"ts": nr_ts, "b": pick(IOT_NR_BROKERS), "u": nr_broker_url}),
        (6, nr + "[info] [mqtt-broker:{b}] Disconnected from broker: {u}", {"ts": nr_ts, "b": pick(IOT_NR_BROKERS), "u": nr_broker_url}),
        (8, nr + "[info] [mqtt-broker:{b}] Connection failed to broker: {u}", {"ts": nr_ts, "b": pick(IOT_NR_BROKERS), "u": nr_broker_url}),
        (14, nr + "[error] [function:{f}] {e}", {"ts": nr_ts, "f": pick(IOT_NR_FUNCTIONS), "e": pick(IOT_NR_ERRORS)}),
        (3, nr + "[info] Started flows", {"ts": nr_ts}),
        (2, nr + "[info] Stopped flows", {"ts": nr_ts}),
        # ThingsBoard 3.x MQTT transport (logback: time [thread] level logger - message)
        (14, tb("INFO ") + "Processing connect msg for client: {c}!", {**tb_slots, "c": pick(IOT_TB_CLIENTS)}),
        (12, tb("INFO ") + "Processing connect msg for client with user name: {u}!", {**tb_slots, "u": pick(IOT_TB_TOKENS)}),
        (12, tb("INFO ", "{wk}") + "Client connected!", tb_worker_slots),
        (11, tb("INFO ", "{wk}") + "Client disconnected!", tb_worker_slots),
        (4, tb("WARN ") + "Failed to process publish msg [{t}][{id}]", {**tb_slots, "t": pick(IOT_TB_TOPICS), "id": lambda g: g.num(1, 65535)}),
        # ChirpStack v4 (tracing's full formatter: time, level, spans, target, fields)
        (30, cs + 'INFO chirpstack::gateway::backend::mqtt: Message received from gateway region_config_id="{r}" topic="{t}" qos={q} json={j}',
         {"ts": micro_z, "r": first([(r,) for r in IOT_CS_REGIONS]), "t": cs_gateway_topic, "q": pick(["0", "0", "1"]), "j": pick(["false", "false", "true"])}),
        (20, cs + 'INFO up{{deduplication_id={u}}}: chirpstack::uplink: Uplink received m_type="{m}"',
         {"ts": micro_z, "u": Gen.uuid, "m": pick(["UnconfirmedDataUp", "UnconfirmedDataUp", "ConfirmedDataUp", "JoinRequest"])}),
        (6, cs + "WARN up{{deduplication_id={u}}}:data_up: chirpstack::uplink::data: No device-session exists for dev_addr dev_addr={a}",
         {"ts": micro_z, "u": Gen.uuid, "a": lambda g: g.r.choice(["00000022", "260b1c4f", g.hexs(8)])}),
        (12, cs + 'INFO up{{deduplication_id={u}}}:data_up{{dev_eui="{e}"}}: chirpstack::integration::mqtt: Publishing event topic={t}',
         {"ts": micro_z, "u": Gen.uuid, "e": first([(d,) for d in IOT_CS_DEVEUIS]), "t": cs_event_topic}),
        (12, cs + "INFO stats{{gateway_id={gw}}}: chirpstack::storage::metrics: Metrics saved name={n} aggregation={a}",
         {"ts": micro_z, "gw": cs_gateway, "n": lambda g: f"gw:{g.drawn[0]}", "a": pick(["HOUR", "DAY", "MONTH"])}),
        (5, cs + "INFO stats{{gateway_id={gw}}}: chirpstack::storage::gateway: Gateway state updated gateway_id={gw2}",
         {"ts": micro_z, "gw": cs_gateway, "gw2": then(0)}),
        (3, cs + "WARN chirpstack::uplink: tx_info of uplink event is empty, skipping", {"ts": micro_z}),
        # KubeEdge edgecore (klog through journald) and cloudcore (klog in its pod)
        (5, edge + "I{kt}   {pid2} websocket.go:51] Websocket start to connect Access", edge_slots),
        (5, edge + "E{kt}   {pid2} websocket.go:90] Init websocket connection failed {e}", {**edge_slots, "e": pick(IOT_KE_WS_ERRORS)}),
        (3, edge + "E{kt}   {pid2} ws.go:77] dial websocket error({e}), response message: {r}", {**edge_slots, "e": first(IOT_KE_DIAL_ERRORS), "r": then(1)}),
        (4, edge + 'I{kt}   {pid2} kubelet_node_status.go:68] "Attempting to register node" node="{n}"', {**edge_slots, "n": then(0)}),
        (8, edge + "I{kt}   {pid2} client.go:89] edge-hub-cli subscribe topic to {t}", {**edge_slots, "t": pick(IOT_KE_TOPICS)}),
        (10, "I{kt}       1 messagehandler.go:296] edge node {n} for project {p} connected",
         {"kt": klog_ts, "n": ke_node, "p": pick(["e632aba927ea4ac2b575ec1603d56f10"])}),
        (7, "I{kt}       1 messagehandler.go:341] edge node {n} for project {p} disconnected",
         {"kt": klog_ts, "n": ke_node, "p": pick(["e632aba927ea4ac2b575ec1603d56f10"])}),
        (2, "E{kt}       1 messagehandler.go:290] fail to enroll node {n}, reason {r}", {"kt": klog_ts, "n": ke_node, "r": pick(IOT_KE_ENROLL_ERRORS)}),
        # openHAB 4 events.log (log4j2: time [level] [category truncated and padded to 36] - event)
        (40, oh + oh_logger("openhab.event.ItemStateChangedEvent") + " - Item '{i}' changed from {a} to {b}",
         {"ts": milli_ts, "i": oh_item, "a": then(1), "b": then(2)}),
        (8, oh + oh_logger("openhab.event.GroupItemStateChangedEvent") + " - Item '{i}' changed from {a} to {b} through {m}",
         {"ts": milli_ts, "i": oh_group, "a": then(1), "b": then(2), "m": then(3)}),
        (18, oh + oh_logger("openhab.event.ItemCommandEvent") + " - Item '{i}' received command {c}", {"ts": milli_ts, "i": oh_command, "c": then(1)}),
        (8, oh + oh_logger("openhab.event.ItemStatePredictedEvent") + " - Item '{i}' predicted to become {v}", {"ts": milli_ts, "i": oh_prediction, "v": then(1)}),
        (8, oh + oh_logger("openhab.event.ThingStatusInfoChangedEvent") + " - Thing '{t}' changed from {a} to {b}",
         {"ts": milli_ts, "t": pick(IOT_OH_THINGS), "a": oh_thing_status, "b": then(1)}),
        (6, oh + oh_logger("openhab.event.ChannelTriggeredEvent") + " - {c} triggered {e}", {"ts": milli_ts, "c": first(IOT_OH_TRIGGERS), "e": then(1)}),
        # ESPHome device log as the dashboard prints it ([time][level][tag:line]: message)
        (40, esp + "[D][sensor:093]: '{n}': Sending state {v} {u} with {d} decimals of accuracy",
         {"t": hms, "n": esp_sensor, "v": then(1), "u": then(2), "d": then(3)}),
        (14, esp + "[D][binary_sensor:036]: '{n}': Sending state {s}", {"t": hms, "n": pick(IOT_ESP_BINARY), "s": pick(["ON", "OFF"])}),
        # turn_on() and turn_off() each log their own line
        (5, esp + "[D][switch:012]: '{n}' Turning ON.", {"t": hms, "n": pick(IOT_ESP_SWITCHES)}),
        (5, esp + "[D][switch:016]: '{n}' Turning OFF.", {"t": hms, "n": pick(IOT_ESP_SWITCHES)}),
        (6, esp + "[W][component:237]: Component {c} took a long time for an operation ({ms} ms).",
         {"t": hms, "c": pick(IOT_ESP_COMPONENTS), "ms": lambda g: g.num(31, 900)}),
        (5, esp + "[W][component:238]: Components should block for at most 30 ms.", {"t": hms}),
        # HiveMQ CE event.log (time - event)
        (18, hive + "Client ID: {c}, IP: {ip}, Clean Start: {cs}, Session Expiry: {se} connected.",
         {"ts": java_ts, "c": pick(IOT_MQTT_CLIENTS), "ip": mqtt_peer_ip, "cs": pick(["true", "true", "false"]), "se": pick(["0", "0", "3600", "4294967295"])}),
        (11, hive + "Client ID: {c}, IP: {ip} disconnected gracefully.", {"ts": java_ts, "c": pick(IOT_MQTT_CLIENTS), "ip": mqtt_peer_ip}),
        (8, hive + "Client ID: {c}, IP: {ip} disconnected ungracefully.", {"ts": java_ts, "c": pick(IOT_MQTT_CLIENTS), "ip": mqtt_peer_ip}),
        (6, hive + "Client ID: {c}, IP: {ip} was disconnected. reason: {r}.",
         {"ts": java_ts, "c": pick([*IOT_MQTT_CLIENTS, "UNKNOWN"]), "ip": mqtt_peer_ip, "r": pick(IOT_HIVEMQ_KICK_REASONS)}),
        (4, hive + "Outgoing publish message was dropped. Receiving client: {c}, topic: {t}, qos: {q}, reason: {r}.",
         {"ts": java_ts, "c": pick(IOT_MQTT_CLIENTS), "t": pick(IOT_MQTT_TOPICS), "q": pick(["0", "1", "1", "2"]), "r": pick(IOT_HIVEMQ_DROP_REASONS)}),
        (2, hive + "Client ID: {c} session has expired at {at}. All persistent data for this client has been removed.",
         {"ts": java_ts, "c": pick(IOT_MQTT_CLIENTS), "at": expiry_stamp}),
        # VerneMQ (lager console.log: time [severity] pid@module:function:line message)
        (8, vmq + "[warning] {pid}@vmq_mqtt_fsm:check_user:557 can't authenticate client {s} from {peer} due to {r}",
         {"ts": milli_ts, "pid": lager_pid, "s": subscriber_id, "peer": lambda g: f"{mqtt_peer_ip(g)}:{g.port()}", "r": pick(IOT_VMQ_REASONS)}),
        (7, vmq + "[warning] {pid}@vmq_mqtt_fsm:connected:442 client {s} with username {u} stopped due to keepalive expired",
         {"ts": milli_ts, "pid": lager_pid, "s": subscriber_id, "u": pick(IOT_VMQ_USERS)}),
        (3, vmq + "[error] {pid}@vmq_mqtt_fsm:auth_on_publish:691 can't auth publish {p} due to {r}",
         {"ts": milli_ts, "pid": lager_pid, "p": vmq_publish, "r": pick(IOT_VMQ_REASONS[:2])}),
        (2, vmq + "[info] {pid}@vmq_reg_trie:handle_info:204 loaded {n} subscriptions into vmq_reg_trie",
         {"ts": milli_ts, "pid": lager_pid, "n": lambda g: g.num(0, 48000)}),
        # EdgeX Foundry (go-kit logfmt)
        (12, edgex + 'core-data source=event.go:287 msg="Putting event on message queue"', {"ts": edgex_ts}),
        (12, edgex + 'core-data source=event.go:305 msg="Event Published on message queue. Topic: {t}, Correlation-id: {c} "',
         {"ts": edgex_ts, "t": pick(["events"]), "c": correlation}),
        (2, edgex + '{app} source=httpserver.go:152 msg="Web server starting ({a})"',
         {"ts": edgex_ts, "app": edgex_service, "a": lambda g: f"{g.r.choice(['0.0.0.0', '0.0.0.0', 'localhost'])}:{g.drawn[1]}"}),
        # balena supervisor (journal: time host unit[pid]: [level] message)
        (10, balena + "[info]    Applying target state", balena_slots),
        (8, balena + "[success] Device state apply success", balena_slots),
        (14, balena + "[api]     {m} {path} {s} - {ms} ms",
         {**balena_slots, "m": balena_call, "path": then(1), "s": then(2), "ms": lambda g: f"{g.r.uniform(0.8, 60):.3f}"}),
        (4, balena + "[event]   Event: Delta image download {j}", {**balena_slots, "j": balena_image}),
        (4, balena + "[event]   Event: Image downloaded {j}", {**balena_slots, "j": balena_image}),
        (5, balena + "[event]   Event: Service started {j}", {**balena_slots, "j": balena_service}),
        (3, balena + "[event]   Event: Service exit {j}", {**balena_slots, "j": balena_service}),
        (3, balena + "[event]   Event: Device state report failure {j}", {**balena_slots, "j": balena_report_error}),
        (5, balena + "[debug]   Attempting container log timestamp flush...", balena_slots),
        # AWS IoT Greengrass v2 nucleus (greengrass.log: time [level] (thread) logger: event. message. {context})
        (15, gg + "[INFO] ({th}) com.aws.greengrass.lifecyclemanager.GenericExternalService: service-set-state. "
         "{{serviceName={c}, currentState={a}, newState={b}}}",
         {"ts": gg_ts, "th": gg_lifecycle_thread, "c": then(0), "a": gg_transition, "b": then(1)}),
        (10, gg + "[INFO] (Copier) {c}: stdout. {line}. {{scriptName={sc}, serviceName={c2}, currentState=RUNNING}}",
         {"ts": gg_ts, "c": gg_component, "line": lambda g: g.r.choice(IOT_GG_STDOUT[g.drawn[0]]), "sc": gg_script, "c2": then(0)}),
        (5, gg + "[INFO] ({th}) {c}: shell-runner-start. {{scriptName={sc}, serviceName={c2}, currentState=STARTING, command={cmd}}}",
         {"ts": gg_ts, "th": gg_lifecycle_thread, "c": then(0), "sc": gg_script, "c2": then(0), "cmd": gg_command}),
        (4, gg + "[INFO] ({th}) com.aws.greengrass.mqttclient.AwsIotMqtt5Client: Successfully connected to AWS IoT Core. "
         "{{clientId={c}, sessionPresent={s}}}",
         {"ts": gg_ts, "th": lambda g: f"Thread-{g.num(3, 9)}", "c": lambda g: g.r.choice(IOT_GG_THINGS) + g.r.choice(["", "", "#2"]), "s": pick(["false", "true"])}),
        (3, gg + "[INFO] ({th}) com.aws.greengrass.deployment.DeploymentService: Received deployment in the queue. "
         "{{deploymentId={d}, DeploymentType=IOT_JOBS, serviceName=DeploymentService, currentState=RUNNING}}",
         {"ts": gg_ts, "th": lambda g: f"pool-3-thread-{g.num(1, 30)}", "d": Gen.uuid}),
    ]


# GamePlatform: written blind for the twentieth issue-15 pass (w-100), scored once.
GM_PLAYERS = ["Notch_Fan42", "xXSlayerXx", "BlockyMcBuild", "redstone_rita", "Kappa_Viking"]
GM_MC_LOST_REASONS = ["Disconnected", "Disconnected", "Disconnected", "Timed out",
                      "Internal Exception: java.net.SocketException: Connection reset", "Kicked by an operator"]
GM_MC_CHAT = ["anyone got spare iron?", "gg", "brb", "where is the nether portal", "lag?", "who took my diamonds >:("]
GM_MC_MOBS = ["Zombie", "Skeleton", "Husk", "Piglin Brute", "Vindicator", "Drowned"]
GM_MC_ADVANCEMENTS = ["Stone Age", "Acquire Hardware", "Hot Stuff", "We Need to Go Deeper", "Diamonds!", "Ice Bucket Challenge"]
GM_MC_GOALS = ["Sky's the Limit", "The City at the End of the Game", "Great View From Up Here"]
GM_MC_CHALLENGES = ["Return to Sender", "Cover Me in Debris", "How Did We Get Here?"]
GM_MC_GAMEMODES = ["Creative", "Survival", "Spectator"]
GM_PAPER_PLUGINS = [("LuckPerms", "5.4.141"), ("EssentialsX", "2.20.1"), ("WorldEdit", "7.3.8+6939-7d32b45"), ("Geyser-Spigot", "2.4.4-SNAPSHOT")]
GM_VELOCITY_SERVERS = ["lobby", "survival", "minigames", "creative"]
GM_VELOCITY_KICKS = ["You are banned from this server.", "Server closed", "You have been idle for too long!",
                     "Outdated client! Please use 1.21.4"]
GM_BDS_PLAYERS = ["MinerMom77", "CreeperHugger", "Zed Bedrock", "PocketPanda"]
# (name, SteamID3); bots print BOT where players print their SteamID
GM_CS_PLAYERS = [("s1mple_fan", "[U:1:412873305]"), ("Albert", "BOT"), ("Gabe", "BOT"), ("fl0ppy", "[U:1:96120447]"),
                 ("NaVi Jr", "[U:1:1187342210]"), ("headsh0t.exe", "[U:1:305517962]")]
GM_CS_HUMANS = [p for p in GM_CS_PLAYERS if p[1] != "BOT"]
GM_CS_WEAPONS = ["ak47", "ak47", "m4a1_silencer", "awp", "deagle", "usp_silencer", "glock", "mp9", "knife"]
GM_CS_HITGROUPS = ["head", "chest", "chest", "stomach", "left arm", "right leg", "generic"]
GM_CS_ITEMS = ["ak47", "m4a1_silencer", "awp", "item_assaultsuit", "item_kevlar", "flashbang", "smokegrenade", "defuser"]
GM_CS_GRENADES = ["hegrenade", "flashbang", "smokegrenade", "molotov", "decoy"]
GM_CS_CHAT = ["gg", "eco this round", "rush B", "nice shot", "ff", "save"]
GM_CS_DISCONNECTS = ["NETWORK_DISCONNECT_DISCONNECT_BY_USER", "NETWORK_DISCONNECT_DISCONNECT_BY_USER", "NETWORK_DISCONNECT_TIMEDOUT",
                     "NETWORK_DISCONNECT_KICKED_IDLE", "NETWORK_DISCONNECT_STEAM_LOGOFF"]
GM_CS_TEAM_EVENTS = [("CT", "SFUI_Notice_CTs_Win"), ("CT", "SFUI_Notice_Bomb_Defused"), ("CT", "SFUI_Notice_Target_Saved"),
                     ("TERRORIST", "SFUI_Notice_Terrorists_Win"), ("TERRORIST", "SFUI_Notice_Target_Bombed")]
GM_CS_RCON = ["status", "mp_restartgame 1", "changelevel de_mirage", "sv_cheats 0", "users"]
GM_FACTORIO_PLAYERS = ["belt_enjoyer", "SpaghettiBase", "TrainLord", "biter_bait"]
# (old state, new state) of a peer as the multiplayer manager walks it through a join or a leave
GM_FACTORIO_STATES = [("Ready", "ConnectedWaitingForMap"), ("ConnectedWaitingForMap", "ConnectedDownloadingMap"),
                      ("ConnectedDownloadingMap", "ConnectedLoadingMap"), ("ConnectedLoadingMap", "TryingToCatchUp"),
                      ("TryingToCatchUp", "WaitingForCommandToStartSendingTickClosures"),
                      ("WaitingForCommandToStartSendingTickClosures", "InGame"), ("InGame", "DisconnectScheduled"),
                      ("DisconnectScheduled", "Disconnected")]
GM_FACTORIO_CHAT = ["need more iron plates", "train crash at the north junction lol", "biters attacking the east wall", "rocket launched!"]
GM_VALHEIM_CHARACTERS = ["Bjorn", "Astrid", "Ulfhednar", "Sigrun the Bold"]
GM_VALHEIM_EVENTS = ["army_eikthyr", "foresttrolls", "skeletons", "blobs", "wolves", "army_theelder"]
GM_UE_MAPS = ["/Game/Maps/Arena_01", "/Game/Maps/Harbor", "/Game/Maps/Lobby"]
GM_UE_NAMES = ["Player_7F3A", "Kestrel", "dune_runner", "Mx. Static"]
GM_UE_PLATFORMS = [("NULL", "NULL:DESKTOP-7H2K3LM-4F1D9C6E4B2A8E71C0D3A95B"), ("STEAM", "STEAM:76561198012345678"),
                   ("STEAM", "STEAM:76561198187654321"), ("EOS", "EOS:0002a1f4c3b24d6e9f8a7b6c5d4e3f21|a7b3c9d1e2f34a5b6c7d8e9f0a1b2c3d")]
GM_UE_MATCH_STATES = [("EnteringMap", "WaitingToStart"), ("WaitingToStart", "InProgress"), ("InProgress", "WaitingPostMatch"),
                      ("WaitingPostMatch", "LeavingMap")]
GM_AGONES_GS = ["default/arena-fleet-7pjrq-x2k9d", "default/arena-fleet-7pjrq-hm4tz", "games/lobby-gs-5f8xw"]
GM_AGONES_STATES = ["RequestReady", "RequestReady", "Allocated", "Reserved", "Shutdown", "Unhealthy"]
GM_NAKAMA_ERRORS = ["websocket: close 1006 (abnormal closure): unexpected EOF", "websocket: close 1001 (going away)",
                    "read tcp 172.18.0.3:7350->{ip}:{port}: i/o timeout"]
GM_NAKAMA_PING_ERRORS = ["write tcp 172.18.0.3:7350->{ip}:{port}: write: broken pipe", "websocket: close sent"]
GM_WINGS_ACTIONS = ["start", "start", "stop", "restart", "kill"]
GM_WINGS_SERVERS = ["2e07026f-ef54-4125-ad02-1d4bdf673bd5", "a67db310-6b08-4bd6-95d0-8fa0ac094a94",
                    "d4da20d8-7852-4d3e-adbd-23dabfd365bc", "8c1f5e2a-3b7d-4e90-a6c4-f19d2b0e7a35"]
GM_RUST_NAMES = ["Shrek", "nakedguy", "RoofCamper", "Zerg Leader"]
GM_RUST_DISCONNECTS = ["closing", "closing", "Disconnected", "Timed Out", "Steam Auth Timeout"]
GM_RUST_EVENTS = ["assets/prefabs/npc/cargo plane/cargo_plane.prefab", "assets/prefabs/npc/patrol helicopter/patrolhelicopter.prefab",
                  "assets/content/vehicles/boats/cargoship/cargoshiptest.prefab", "assets/prefabs/misc/xmas/santasleigh/santasleigh.prefab"]


def game_events() -> list[tuple[float, str, dict]]:
    """Game servers and their orchestration: the Minecraft Java server (vanilla latest.log) with
    Paper's own lines, the Velocity proxy, the Minecraft Bedrock Dedicated Server, Counter-Strike 2's
    srcds log, Factorio headless (factorio-current.log and the console log), the Valheim dedicated
    server, an Unreal Engine dedicated server (LogNet, LogGameMode), the Agones SDK server (logrus
    JSON), Nakama (zap JSON), the Pterodactyl Wings daemon and the Rust dedicated server. Written
    blind for the twentieth issue-15 pass: before reading the engine or any failure analysis;
    87 event types."""

    def esc(text: str) -> str:
        # render() unescapes doubled braces across the whole line, values included
        return text.replace("{", "{{").replace("}", "}}")

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    def uuid4(g: Gen) -> str:
        u = g.uuid()
        return f"{u[:14]}4{u[15:19]}{g.r.choice('89ab')}{u[20:]}"

    # Minecraft Java (log4j: [time] [thread/level]: message)
    def mc_auth_thread(g: Gen) -> str:
        return f"User Authenticator #{g.r.randint(0, 14)}"

    def mc_address(g: Gen) -> str:
        return f"/{g.r.choice([g.ip(), f'192.168.1.{g.r.randint(2, 254)}'])}:{g.port()}"

    def java_double(g: Gen, lo: float, hi: float) -> str:
        # Double.toString: a short value after a teleport or spawn, a long one after walking
        v = g.r.uniform(lo, hi)
        return repr(round(v, g.r.choice([1, 1, 13, 14])))

    def behind(g: Gen) -> str:
        g.drawn = (str(g.r.randint(2001, 30000)),)
        return g.drawn[0]

    # Paper
    def plugin(g: Gen) -> str:
        g.drawn = g.r.choice(GM_PAPER_PLUGINS)
        return g.drawn[0]

    # Bedrock Dedicated Server
    def bds_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}:{ms3(g)}"

    def xuid(g: Gen) -> str:
        return f"25354{g.r.randint(10**10, 10**11 - 1)}"

    # Counter-Strike 2
    def cs_ts(g: Gen) -> str:
        return f"12/03/2026 - {hms(g)}"

    def cs_uid(g: Gen) -> str:
        return str(g.r.randint(2, 24))

    def coord(g: Gen) -> str:
        return str(g.r.randint(-2600, 2600))

    def zcoord(g: Gen) -> str:
        return str(g.r.randint(-420, 260))

    sides = {"actor": "CT"}

    def cs_team(g: Gen) -> str:
        sides["actor"] = g.r.choice(["CT", "TERRORIST"])
        return sides["actor"]

    def other_team(g: Gen) -> str:
        # the victim is on the other side but for the odd team kill
        if g.r.random() < 0.04:
            return sides["actor"]
        return "TERRORIST" if sides["actor"] == "CT" else "CT"

    def damage(g: Gen) -> str:
        g.drawn = (str(g.r.randint(4, 120)),)
        return g.drawn[0]

    def cs_team_event(g: Gen) -> str:
        g.drawn = g.r.choice(GM_CS_TEAM_EVENTS)
        return g.drawn[0]

    # Factorio
    def uptime(g: Gen) -> str:
        return f"{g.r.uniform(1, 200000):8.3f}"

    def factorio_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    # Valheim (Unity's player log: date time: message)
    def valheim_ts(g: Gen) -> str:
        return f"12/03/2026 {hms(g)}"

    def steam64(g: Gen) -> str:
        return str(76561197960265728 + g.r.randint(10**7, 3 * 10**8))

    def zdoid_user(g: Gen) -> str:
        g.drawn = ("0", "0") if g.r.random() < 0.15 else (str(g.r.randint(-2**31, 2**31 - 1)), str(g.r.randint(1, 40)))
        return g.drawn[0]

    # Unreal Engine (time, frame counter modulo 1000 padded to three)
    def ue_ts(g: Gen) -> str:
        return f"2026.12.03-{hms(g).replace(':', '.')}:{ms3(g)}"

    def ue_frame(g: Gen) -> str:
        return f"{g.r.randint(0, 999):>3}"

    def ue_platform(g: Gen) -> str:
        g.drawn = g.r.choice(GM_UE_PLATFORMS)
        return g.drawn[1]

    def ue_object(prefix: str):
        return lambda g: f"{prefix}_{2147482000 + g.r.randint(0, 600)}"

    def pc(g: Gen) -> str:
        g.drawn = (f"BP_PlayerController_C_{2147482000 + g.r.randint(0, 600)}",)
        return g.drawn[0]

    # Agones SDK server (logrus JSON, keys sorted)
    def agones_time(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{g.num(0, 999999):0>6}Z"

    def agones_labels(g: Gen) -> str:
        labels = dict(g.r.sample([("match-id", g.uuid()[:8]), ("map", g.r.choice(["arena", "harbor"])),
                                  ("mode", g.r.choice(["ranked", "casual"]))], g.r.randint(1, 3)))
        return esc(json.dumps(labels, separators=(",", ":"), sort_keys=True))

    # Nakama (zap JSON)
    def nakama_err(pool: list[str]):
        return lambda g: g.r.choice(pool).replace("{ip}", g.ip()).replace("{port}", g.port())

    # Pterodactyl Wings (apex cli handler: level padded to five, then the time)
    def wings_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}.{ms3(g)}"

    def lock_id(g: Gen) -> str:
        # a version 1 UUID: time fields first, then the node's clock sequence and MAC
        return f"{g.hexs(8)}-{g.hexs(4)}-11f0-b114-c4c6e6686181"

    def wings_server(g: Gen) -> str:
        g.drawn = (g.r.choice(GM_WINGS_SERVERS),)
        return g.drawn[0]

    # Rust
    def rust_peer(g: Gen) -> str:
        g.drawn = (steam64(g),)
        return f"{g.ip()}:{g.port()}"

    def thousands(g: Gen) -> str:
        return f"{g.r.randint(20000, 900000):,}"

    def secs(g: Gen) -> str:
        return f"{g.r.uniform(0, 3):.2f}"

    mc = "[{t}] [Server thread/INFO]: "
    mc_slots = {"t": hms}
    player = pick(GM_PLAYERS)
    vel = "[{t} INFO]: "
    bds = "[{ts} INFO] "
    cs = "L {ts}: "
    cs_actor = '"{p}<{u}><{s}><{team}>"'
    cs_slots = {"ts": cs_ts, "p": first(GM_CS_PLAYERS), "u": cs_uid, "s": then(1), "team": cs_team}
    human_slots = {**cs_slots, "p": first(GM_CS_HUMANS)}
    victim = '"{p2}<{u2}><{s2}><{team2}>"'
    victim_slots = {"p2": first(GM_CS_PLAYERS), "u2": cs_uid, "s2": then(1), "team2": other_team}
    pos = "[{x} {y} {z}]"
    pos2 = "[{x2} {y2} {z2}]"
    pos_slots = {"x": coord, "y": coord, "z": zcoord, "x2": coord, "y2": coord, "z2": zcoord}
    vh = "{ts}: "
    ue = "[{ts}][{f}]"
    ue_slots = {"ts": ue_ts, "f": ue_frame}
    conn = ("[UNetConnection] RemoteAddr: {ip}:{port}, Name: IpConnection_{cn}, Driver: GameNetDriver IpNetDriver_{dn}, "
            "IsServer: YES, PC: {pc}, Owner: {owner}, UniqueId: {uid}")
    conn_slots = {"ip": Gen.ip, "port": Gen.port, "cn": lambda g: str(2147482000 + g.r.randint(0, 600)),
                  "dn": lambda g: str(2147482000 + g.r.randint(0, 600)), "pc": pc, "owner": then(0),
                  "uid": lambda g: g.r.choice(GM_UE_PLATFORMS)[1]}
    agones_tail = '"severity":"debug","source":"*sdkserver.SDKServer","time":"{ts}"}}'
    gs = pick(GM_AGONES_GS)
    def nk(level: str, line: int) -> str:
        return '{{"level":"' + level + '","ts":"{ts}","caller":"server/session_ws.go:' + str(line) + '","msg":"'

    nk_ids = '"uid":"{uid}","sid":"{sid}"'
    nk_slots = {"ts": ts, "uid": uuid4, "sid": uuid4}
    wings = " INFO: [{ts}] "
    wings_info = {"ts": wings_ts}
    rust = "{peer}/{sid}/{name} "
    rust_slots = {"peer": rust_peer, "sid": then(0), "name": pick(GM_RUST_NAMES)}
    return [
        # Minecraft Java server 1.21 (vanilla latest.log)
        (20, "[{t}] [{th}/INFO]: UUID of player {p} is {u}", {"t": hms, "th": mc_auth_thread, "p": player, "u": uuid4}),
        (20, mc + "{p}[{a}] logged in with entity id {id} at ({x}, {y}, {z})",
         {**mc_slots, "p": player, "a": mc_address, "id": lambda g: g.num(1, 250000),
          "x": lambda g: java_double(g, -3000, 3000), "y": lambda g: java_double(g, -60, 200), "z": lambda g: java_double(g, -3000, 3000)}),
        (22, mc + "{p} joined the game", {**mc_slots, "p": player}),
        (20, mc + "{p} left the game", {**mc_slots, "p": player}),
        (18, mc + "{p} lost connection: {r}", {**mc_slots, "p": player, "r": pick(GM_MC_LOST_REASONS)}),
        (25, mc + "<{p}> {m}", {**mc_slots, "p": player, "m": pick(GM_MC_CHAT)}),
        (10, "[{t}] [Server thread/WARN]: Can't keep up! Is the server overloaded? Running {ms}ms or {n} ticks behind",
         {**mc_slots, "ms": behind, "n": lambda g: str(int(g.drawn[0]) // 50)}),
        (8, mc + "{p} has made the advancement [{a}]", {**mc_slots, "p": player, "a": pick(GM_MC_ADVANCEMENTS)}),
        (3, mc + "{p} has reached the goal [{a}]", {**mc_slots, "p": player, "a": pick(GM_MC_GOALS)}),
        (2, mc + "{p} has completed the challenge [{a}]", {**mc_slots, "p": player, "a": pick(GM_MC_CHALLENGES)}),
        (6, mc + "{p} was slain by {k}", {**mc_slots, "p": player, "k": lambda g: g.r.choice([*GM_MC_MOBS, g.r.choice(GM_PLAYERS)])}),
        (4, mc + "{p} fell from a high place", {**mc_slots, "p": player}),
        (3, mc + "{p} drowned", {**mc_slots, "p": player}),
        (4, mc + "Saving the game (this may take a moment!)", mc_slots),
        (4, mc + "Saved the game", mc_slots),
        (3, mc + "[{p}: Set own game mode to {m} Mode]", {**mc_slots, "p": player, "m": pick(GM_MC_GAMEMODES)}),
        (2, mc + "[{p}: Set the time to {n}]", {**mc_slots, "p": player, "n": pick(["1000", "6000", "13000", "18000"])}),
        # Paper's own lines in the same file
        (2, mc + "[{pl}] Enabling {pl2} v{v}", {**mc_slots, "pl": plugin, "pl2": then(0), "v": then(1)}),
        (2, "[{t}] [Paper Watchdog Thread/ERROR]: The server has not responded for {n} seconds! Creating thread dump",
         {**mc_slots, "n": pick(["10", "15", "20", "25", "30"])}),
        # Velocity proxy (console: [time level]: message)
        (12, vel + "[connected player] {p} ({a}) has connected", {"t": hms, "p": player, "a": mc_address}),
        (10, vel + "[connected player] {p} ({a}) has disconnected", {"t": hms, "p": player, "a": mc_address}),
        (14, vel + "[server connection] {p} -> {s} has connected", {"t": hms, "p": player, "s": pick(GM_VELOCITY_SERVERS)}),
        (4, vel + "[connected player] {p} ({a}): kicked from server {s}: {r}",
         {"t": hms, "p": player, "a": mc_address, "s": pick(GM_VELOCITY_SERVERS), "r": pick(GM_VELOCITY_KICKS)}),
        (3, "[{t} ERROR]: [connected player] {p} ({a}): unable to connect to server {s}",
         {"t": hms, "p": player, "a": mc_address, "s": pick(GM_VELOCITY_SERVERS)}),
        # Minecraft Bedrock Dedicated Server
        (8, bds + "Player connected: {p}, xuid: {x}", {"ts": bds_ts, "p": pick(GM_BDS_PLAYERS), "x": xuid}),
        (5, bds + "Player Spawned: {p} xuid: {x}, pfid: {f}", {"ts": bds_ts, "p": pick(GM_BDS_PLAYERS), "x": xuid, "f": lambda g: g.hexs(16)}),
        (7, bds + "Player disconnected: {p}, xuid: {x}, pfid: {f}", {"ts": bds_ts, "p": pick(GM_BDS_PLAYERS), "x": xuid, "f": lambda g: g.hexs(16)}),
        # Counter-Strike 2 dedicated server (srcds log)
        (6, cs + '"{p}<{u}><{s}><>" connected, address "{a}"',
         {**cs_slots, "a": lambda g: g.r.choice(["", f"{g.ip()}:{g.port()}", f"{g.ip()}:27005"])}),
        (5, cs + '"{p}<{u}><{s}><>" STEAM USERID validated', human_slots),
        (6, cs + '"{p}<{u}><{s}>" switched from team <{a}> to <{b}>',
         {**cs_slots, "a": pick(["Unassigned", "Unassigned", "Spectator", "CT", "TERRORIST"]), "b": pick(["CT", "TERRORIST", "Spectator"])}),
        (25, cs + cs_actor + " " + pos + " killed " + victim + " " + pos2 + ' with "{w}"',
         {**cs_slots, **victim_slots, **pos_slots, "w": pick(GM_CS_WEAPONS)}),
        (10, cs + cs_actor + " " + pos + " killed " + victim + " " + pos2 + ' with "{w}" (headshot)',
         {**cs_slots, **victim_slots, **pos_slots, "w": pick(GM_CS_WEAPONS)}),
        (30, cs + cs_actor + " " + pos + " attacked " + victim + " " + pos2 + ' with "{w}" (damage "{d}") (damage_armor "{da}") (health "{h}") (armor "{ar}") (hitgroup "{hg}")',
         {**cs_slots, **victim_slots, **pos_slots, "w": pick(GM_CS_WEAPONS), "d": damage,
          "da": lambda g: str(g.r.randint(0, 12)), "h": lambda g: str(max(0, 100 - int(g.drawn[0]))), "ar": lambda g: str(g.r.randint(0, 100)),
          "hg": pick(GM_CS_HITGROUPS)}),
        (10, cs + cs_actor + ' purchased "{i}"', {**cs_slots, "i": pick(GM_CS_ITEMS)}),
        (6, cs + cs_actor + " threw {gr} " + pos, {**cs_slots, **pos_slots, "gr": pick(GM_CS_GRENADES)}),
        (8, cs + cs_actor + ' say "{m}"', {**human_slots, "m": pick(GM_CS_CHAT)}),
        (4, cs + cs_actor + ' say_team "{m}"', {**human_slots, "m": pick(GM_CS_CHAT)}),
        (5, cs + cs_actor + ' disconnected (reason "{r}")', {**cs_slots, "r": pick(GM_CS_DISCONNECTS)}),
        (6, cs + 'World triggered "Round_Start"', {"ts": cs_ts}),
        (6, cs + 'World triggered "Round_End"', {"ts": cs_ts}),
        (6, cs + 'Team "{t}" triggered "{e}" (CT "{a}") (T "{b}")',
         {"ts": cs_ts, "t": cs_team_event, "e": then(1), "a": lambda g: g.num(0, 13), "b": lambda g: g.num(0, 13)}),
        (2, cs + 'rcon from "{a}": command "{c}"', {"ts": cs_ts, "a": lambda g: f"{g.ip()}:{g.port()}", "c": pick(GM_CS_RCON)}),
        # Factorio headless: factorio-current.log (uptime, level, source:line) and the console log
        (16, "{up} Info ServerMultiplayerManager.cpp:1081: updateTick({tick}) received stateChanged peerID({p}) oldState({a}) newState({b})",
         {"up": uptime, "tick": lambda g: g.num(100000, 90000000), "p": lambda g: g.num(1, 40),
          "a": first(GM_FACTORIO_STATES), "b": then(1)}),
        (4, "{up} Info AppManager.cpp:287: Saving to _autosave{n} (non-blocking).", {"up": uptime, "n": lambda g: g.num(1, 5)}),
        (4, "{up} Info AppManagerStates.cpp:1802: Saving finished", {"up": uptime}),
        (6, "{ts} [JOIN] {p} joined the game", {"ts": factorio_ts, "p": pick(GM_FACTORIO_PLAYERS)}),
        (5, "{ts} [LEAVE] {p} left the game", {"ts": factorio_ts, "p": pick(GM_FACTORIO_PLAYERS)}),
        (6, "{ts} [CHAT] {p}: {m}", {"ts": factorio_ts, "p": pick(GM_FACTORIO_PLAYERS), "m": pick(GM_FACTORIO_CHAT)}),
        # Valheim dedicated server
        (6, vh + "Got connection SteamID {s}", {"ts": valheim_ts, "s": steam64}),
        (6, vh + "Got handshake from client {s}", {"ts": valheim_ts, "s": steam64}),
        (10, vh + "Got character ZDOID from {c} : {a}:{b}", {"ts": valheim_ts, "c": pick(GM_VALHEIM_CHARACTERS), "a": zdoid_user, "b": then(1)}),
        (6, vh + "Closing socket {s}", {"ts": valheim_ts, "s": steam64}),
        (2, vh + "Peer {s} has wrong password", {"ts": valheim_ts, "s": steam64}),
        (8, vh + " Connections {n} ZDOS:{z}  sent:{s} recv:{r}",
         {"ts": valheim_ts, "n": lambda g: g.num(0, 10), "z": lambda g: g.num(80000, 900000), "s": lambda g: g.num(0, 600),
          "r": lambda g: g.num(0, 600)}),
        (4, vh + "World saved ( {ms}ms )", {"ts": valheim_ts, "ms": lambda g: f"{g.r.uniform(40, 3000):.3f}"}),
        (2, vh + "Random event set:{e}", {"ts": valheim_ts, "e": pick(GM_VALHEIM_EVENTS)}),
        # Unreal Engine 5 dedicated server
        (8, ue + "LogNet: NotifyAcceptingConnection accepted from: {ip}:{port}", {**ue_slots, "ip": Gen.ip, "port": Gen.port}),
        (6, ue + "LogNet: Server accepting post-challenge connection from: {ip}:{port}", {**ue_slots, "ip": Gen.ip, "port": Gen.port}),
        (6, ue + "LogNet: Login request: ?Name={n}?SplitscreenCount=1 userId: {u} platform: {p}",
         {**ue_slots, "n": pick(GM_UE_NAMES), "u": ue_platform, "p": then(0)}),
        (6, ue + "LogNet: Join request: {m}?Name={n}?SplitscreenCount=1", {**ue_slots, "m": pick(GM_UE_MAPS), "n": pick(GM_UE_NAMES)}),
        (6, ue + "LogNet: Join succeeded: {n}", {**ue_slots, "n": pick(GM_UE_NAMES)}),
        (5, ue + "LogNet: UNetConnection::Close: " + conn + ", Channels: {ch}, Time: {t}",
         {**ue_slots, **conn_slots, "ch": lambda g: g.num(2, 60), "t": ue_ts}),
        (3, ue + "LogNet: Warning: UNetConnection::Tick: Connection TIMED OUT. Closing connection.. Elapsed: {e}, Real: {r}, Good: {gd}, "
         "DriverTime: {d}, Threshold: {th}, " + conn,
         {**ue_slots, **conn_slots, "e": lambda g: f"{g.r.uniform(30, 80):.2f}", "r": lambda g: f"{g.r.uniform(30, 80):.2f}",
          "gd": lambda g: f"{g.r.uniform(30, 80):.2f}", "d": lambda g: f"{g.r.uniform(100, 9000):.2f}", "th": pick(["30.00", "60.00"])}),
        (3, ue + "LogGameMode: Display: Match State Changed from {a} to {b}", {**ue_slots, "a": first(GM_UE_MATCH_STATES), "b": then(1)}),
        # Agones SDK server sidecar (log level Debug)
        (30, '{{"gsKey":"{k}","message":"Health Ping Received",' + agones_tail, {"k": gs, "ts": agones_time}),
        (3, '{{"gsKey":"{k}","message":"Received Ready request, adding to queue",' + agones_tail, {"k": gs, "ts": agones_time}),
        (2, '{{"gsKey":"{k}","message":"Received Shutdown request, adding to queue",' + agones_tail, {"k": gs, "ts": agones_time}),
        (1, '{{"gsKey":"{k}","message":"Received Reserve request, adding to queue",' + agones_tail, {"k": gs, "ts": agones_time}),
        (5, '{{"gsKey":"{k}","message":"Updating state","severity":"debug","source":"*sdkserver.SDKServer","state":"{s}","time":"{ts}"}}',
         {"k": gs, "s": pick(GM_AGONES_STATES), "ts": agones_time}),
        (2, '{{"gsKey":"{k}","labels":{lb},"message":"Updating label",' + agones_tail, {"k": gs, "lb": agones_labels, "ts": agones_time}),
        (1, '{{"gsKey":"{k}","message":"Connection to Kubernetes service established","severity":"info","source":"*sdkserver.SDKServer","time":"{ts}","try":{n}}}',
         {"k": gs, "ts": agones_time, "n": pick(["0", "0", "0", "1", "2"])}),
        (2, '{{"failureCount":{n},"gsKey":"{k}","message":"GameServer Health Check failed","severity":"warning","source":"*sdkserver.SDKServer","time":"{ts}"}}',
         {"n": pick(["1", "2", "3"]), "k": gs, "ts": agones_time}),
        # Nakama (zap JSON; the session logger carries uid and sid)
        (15, nk("info", 93) + 'New WebSocket session connected",' + nk_ids + ',"format":{fmt}}}',
         {**nk_slots, "fmt": pick(["0", "0", "1"])}),
        (12, nk("info", 441) + 'Closed client connection",' + nk_ids + "}}", nk_slots),
        (3, nk("warn", 236) + 'Could not send ping",' + nk_ids + ',"error":"{e}"}}', {**nk_slots, "e": nakama_err(GM_NAKAMA_PING_ERRORS)}),
        (5, nk("debug", 171) + 'Error reading message from client",' + nk_ids + ',"error":"{e}"}}',
         {**nk_slots, "e": nakama_err(GM_NAKAMA_ERRORS)}),
        # Pterodactyl Wings
        (10, wings + "acquired exclusive lock on power actions, processing event... action={a} lock_id={l} server={s}",
         {**wings_info, "a": pick(GM_WINGS_ACTIONS), "l": lock_id, "s": pick(GM_WINGS_SERVERS)}),
        (10, wings + "releasing exclusive lock for power action action={a} lock_id={l} server={s}",
         {**wings_info, "a": pick(GM_WINGS_ACTIONS), "l": lock_id, "s": pick(GM_WINGS_SERVERS)}),
        (6, wings + "syncing server configuration with panel server={s}", {**wings_info, "s": pick(GM_WINGS_SERVERS)}),
        (8, wings + "performing server limit modification on-the-fly server={s}", {**wings_info, "s": pick(GM_WINGS_SERVERS)}),
        (6, wings + "completed server preflight, starting boot process... server={s}", {**wings_info, "s": pick(GM_WINGS_SERVERS)}),
        (6, wings + "starting resource polling for container container_id={c} environment=docker",
         {**wings_info, "c": wings_server}),
        (2, wings + "detected server as entering a crashed state; running crash handler server={s}", {**wings_info, "s": pick(GM_WINGS_SERVERS)}),
        # Rust dedicated server
        (6, rust + "joined [{os}/{sid2}]", {**rust_slots, "os": pick(["windows", "windows", "osx", "linux"]), "sid2": then(0)}),
        (5, rust + "disconnecting: {r}", {**rust_slots, "r": pick(GM_RUST_DISCONNECTS)}),
        (4, "Saved {n} ents, cache({a}), write({b}), disk({c}).", {"n": thousands, "a": secs, "b": secs, "c": secs}),
        (3, "[event] {e}", {"e": pick(GM_RUST_EVENTS)}),
    ]


ID_SUFFIX = "dc=example,dc=test"
ID_REALM = "EXAMPLE.TEST"
ID_IPA_SERVERS = ["ipa1.example.test", "ipa2.example.test", "ipa3.example.test"]
ID_IPA_CLIENTS = ["web01.example.test", "db02.example.test", "bastion.example.test", "ci-runner-3.example.test"]
ID_USERS = ["alice", "bob", "svc_backup", "jenkins", "admin"]
ID_GROUPS = ["admins", "developers", "dba", "ipausers"]
# (base, scope) of the searches SSSD, the IPA framework and replication issue
ID_SEARCH_BASES = [(f"cn=accounts,{ID_SUFFIX}", "2"), (f"cn=users,cn=accounts,{ID_SUFFIX}", "1"), (f"cn=hbac,{ID_SUFFIX}", "1"),
                   ("", "0"), (f"cn=sudorules,cn=sudo,{ID_SUFFIX}", "1"), (f"cn=ipa,cn=etc,{ID_SUFFIX}", "0")]
ID_SEARCH_FILTERS = ["(&(uid={u})(objectclass=posixAccount)(uid=*)(&(uidNumber=*)(!(uidNumber=0))))",
                     "(&(objectClass=ipaHost)(fqdn={h}))", "(objectClass=*)",
                     "(&(objectClass=ipaHBACRule)(ipaEnabledFlag=TRUE)(accessRuleType=allow))",
                     "(&(objectClass=posixGroup)(member=uid={u},cn=users,cn=accounts," + ID_SUFFIX + "))",
                     "(|(objectclass=ipasudorule)(objectclass=ipasudocmd))"]
ID_SEARCH_ATTRS = ["objectClass", "uid", "uidNumber", "gidNumber", "cn", "memberOf", "krbPrincipalName", "ipaUniqueID",
                   "nsAccountLock", "loginShell", "homeDirectory", "supportedControl", "namingContexts"]
ID_MOD_TARGETS = [f"uid={{u}},cn=users,cn=accounts,{ID_SUFFIX}", f"fqdn={{h}},cn=computers,cn=accounts,{ID_SUFFIX}",
                  f"cn={{g}},cn=groups,cn=accounts,{ID_SUFFIX}", "cn=MasterCRL,ou=crlIssuingPoints,ou=ca,o=ipaca"]
# (err, tag) of a completed operation: searches, modifies, adds, deletes and extended operations
ID_RESULTS = [("0", "101"), ("0", "101"), ("0", "101"), ("0", "101"), ("32", "101"), ("0", "103"), ("0", "103"),
              ("0", "105"), ("68", "105"), ("0", "107"), ("0", "120"), ("50", "103")]
# the text a failed bind's result carries after its times
ID_BIND_FAILURES = [("49", "Invalid credentials"), ("49", "Invalid credentials"), ("19", "Account locked out"),
                    ("53", "Account inactivated. Contact system administrator.")]
ID_DISCONNECT_REASONS = ["Cleanly Closed Connection - U1", "Cleanly Closed Connection - U1", "Cleanly Closed Connection - U1",
                         "Idle Timeout Exceeded - T1", "Bad Ber Tag or uncleanly closed connection - B1"]
ID_DISCONNECT_ERRORS = [("Connection reset by peer", "Bad Ber Tag or uncleanly closed connection - B1"),
                        ("Broken pipe", "Server or network error - T2"),
                        ("Connection timed out", "Server or network error - T2")]
ID_EXT_OPS = [("1.3.6.1.4.1.1466.20037", "start_tls_plugin"), ("2.16.840.1.113730.3.5.12", "replication-multisupplier-extop"),
              ("1.3.6.1.4.1.4203.1.11.3", "whoami-plugin"), ("2.16.840.1.113730.3.8.10.1", "ipa_pwd_extop")]
ID_REPL_ERRORS = [("-1", "Can't contact LDAP server"), ("-1", "Can't contact LDAP server"), ("49", "Invalid credentials"),
                  ("-2", "Local error")]
ID_SSSD_DOMAINS = ["example.test", "corp.example.com"]
# (data provider request, responder that sent it)
ID_SSSD_REQUESTS = [("PAM Authenticate", "sssd.pam"), ("PAM Account", "sssd.pam"), ("PAM Open Session", "sssd.pam"),
                    ("Initgroups", "sssd.nss"), ("Account", "sssd.nss"), ("SUDO Rules", "sssd.sudo")]
ID_SSSD_RESULTS = [("0", "Success"), ("0", "Success"), ("0", "Success"), ("0", "Success"), ("5", "Input/output error"),
                   ("110", "Connection timed out"), ("2", "No such file or directory")]
ID_PAM_SERVICES = ["sshd", "sudo", "login", "gdm-password", "sudo-i"]
ID_PAM_RESULTS = [("0", "Success"), ("0", "Success"), ("7", "Authentication failure"), ("6", "Permission denied"),
                  ("9", "Authentication service cannot retrieve authentication info"), ("13", "User account has expired")]
ID_HBAC_RULES = ["allow_all", "allow_ssh_admins", "dba_to_db_hosts", "jenkins_ci_runners"]
ID_KRB_ERRORS = [("-1765328360", "Preauthentication failed"), ("-1765328360", "Preauthentication failed"),
                 ("-1765328361", "Password has expired"), ("-1765328228", "Cannot contact any KDC for realm 'EXAMPLE.TEST'"),
                 ("-1765328378", "Client 'svc_old@EXAMPLE.TEST' not found in Kerberos database")]
ID_SSSD_OFFLINE = [("5", "Input/output error"), ("110", "Connection timed out"), ("111", "Connection refused")]
# IPA API commands: (command, JSON parameters of the audit record, arguments as the httpd log repr()s them)
ID_IPA_COMMANDS = [("user_show", '{{"uid": "{u}", "all": false, "version": "2.254"}}', "'{u}', version='2.254'"),
                   ("user_find", '{{"criteria": "{u}", "sizelimit": 100, "version": "2.254"}}', "'{u}', sizelimit=100, version='2.254'"),
                   ("group_add_member", '{{"cn": "{g}", "user": ["{u}"], "version": "2.254"}}', "'{g}', user=('{u}',), version='2.254'"),
                   ("host_show", '{{"fqdn": "{h}", "version": "2.254"}}', "'{h}', version='2.254'"),
                   ("cert_request", '{{"csr": "-----BEGIN CERTIFICATE REQUEST-----...", "principal": "HTTP/{h}@EXAMPLE.TEST", "add": true}}',
                    "'-----BEGIN CERTIFICATE REQUEST-----...', principal='HTTP/{h}@EXAMPLE.TEST', add=True, version='2.254'"),
                   ("ping", '{{"version": "2.254"}}', "version='2.254'"),
                   ("otptoken_add", '{{"ipatokenowner": "{u}", "type": "totp", "version": "2.254"}}', "ipatokenowner='{u}', type='totp', version='2.254'")]
ID_IPA_OUTCOMES = ["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "NotFound", "ACIError", "DuplicateEntry"]
# certificates certmonger tracks on an IPA server: (nickname, token, NSS database) or a PEM file
ID_CERTMONGER_NSS = [("Server-Cert", "NSS Certificate DB", "/etc/dirsrv/slapd-EXAMPLE-TEST"),
                     ("auditSigningCert cert-pki-ca", "NSS Certificate DB", "/etc/pki/pki-tomcat/alias"),
                     ("ocspSigningCert cert-pki-ca", "NSS Certificate DB", "/etc/pki/pki-tomcat/alias"),
                     ("subsystemCert cert-pki-ca", "NSS Certificate DB", "/etc/pki/pki-tomcat/alias")]
ID_CERTMONGER_FILES = ["/var/lib/ipa/certs/httpd.crt", "/var/kerberos/krb5kdc/kdc.crt", "/var/lib/ipa/ra-agent.pem"]
ID_AK_PATHS = ["/api/v3/core/users/me/", "/api/v3/flows/executor/default-authentication-flow/?query=next%3D%252F",
               "/api/v3/outposts/instances/", "/application/o/grafana/.well-known/openid-configuration",
               "/api/v3/core/applications/?ordering=name&page=1&page_size=20", "/application/o/token/"]
ID_AK_USERS = ["akadmin", "alice", "bob", "AnonymousUser"]
ID_AK_AGENTS = ["Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "goauthentik.io/outpost/2024.10.4",
                "Grafana/11.3.1", "python-requests/2.32.3"]
ID_AK_TASKS = ["apply_blueprint", "apply_blueprint", "outpost_controller", "clean_expired_models", "ldap_sync_single",
               "certificate_discovery", "event_notification_handler"]
ID_AK_ROUTER_PATHS = ["/-/health/live/", "/-/health/ready/", "/static/dist/poly.js", "/static/dist/assets/icons/icon_left_brand.svg",
                      "/ws/client/", "/outpost.goauthentik.io/auth/nginx"]
ID_ZITADEL_PROJECTIONS = ["projections.users14", "projections.login_names3", "projections.sessions8", "projections.notifications",
                          "projections.instance_domains", "projections.org_metadata2", "projections.auth_requests"]
ID_KRATOS_CALLS = [("GET", "/sessions/whoami", "<nil>", "200", "OK"), ("GET", "/sessions/whoami", "<nil>", "200", "OK"),
                   ("GET", "/sessions/whoami", "<nil>", "401", "Unauthorized"),
                   ("GET", "/self-service/login/browser", "<nil>", "303", "See Other"),
                   ("POST", "/self-service/login", "REDACTED", "303", "See Other"),
                   ("POST", "/self-service/login", "REDACTED", "400", "Bad Request"),
                   ("GET", "/self-service/registration/browser", "<nil>", "303", "See Other"),
                   ("GET", "/health/ready", "<nil>", "200", "OK")]
ID_HYDRA_CALLS = [("POST", "/oauth2/token", "<nil>", "200", "OK"), ("POST", "/oauth2/token", "<nil>", "200", "OK"),
                  ("POST", "/oauth2/token", "<nil>", "400", "Bad Request"), ("GET", "/oauth2/auth", "REDACTED", "302", "Found"),
                  ("GET", "/.well-known/openid-configuration", "<nil>", "200", "OK"), ("GET", "/userinfo", "<nil>", "200", "OK"),
                  ("POST", "/admin/oauth2/introspect", "<nil>", "200", "OK"), ("GET", "/health/ready", "<nil>", "200", "OK")]
# (message, reason, status, status code) of the errors Hydra reports
ID_HYDRA_ERRORS = [("invalid_client", "The requested OAuth 2.0 Client does not exist.", "Unauthorized", "401"),
                   ("invalid_grant", "The authorization code has already been used.", "Bad Request", "400"),
                   ("invalid_grant", "The refresh token has not been found: not_found", "Bad Request", "400"),
                   ("request_unauthorized", "Check that you provided valid credentials in the right format.", "Unauthorized", "401")]
ID_ORY_AGENTS = ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                 "Go-http-client/1.1", "node-fetch", "okhttp/4.12.0"]
ID_KRATOS_HOSTS = ["auth.example.test", "auth.example.test", "kratos.ory.svc.cluster.local:4433"]
ID_HYDRA_HOSTS = ["auth.example.test", "hydra.ory.svc.cluster.local:4444", "hydra-admin.ory.svc.cluster.local:4445"]
ID_CASDOOR_ROUTES = [("GET", "/api/get-account"), ("GET", "/api/get-account"), ("POST", "/api/login"),
                     ("GET", "/api/get-organization-applications"), ("POST", "/api/login/oauth/access_token"),
                     ("GET", "/api/userinfo"), ("GET", "/api/get-users")]
ID_CASDOOR_MISSES = ["/favicon.ico", "/.env", "/api/v1/users", "/wp-login.php"]
# Vaultwarden's Rocket routes: (route name, method, path as requested, route pattern, responses)
ID_VW_ROUTES = [("login", "POST", "/identity/connect/token", "/identity/connect/token", ["200 OK", "200 OK", "200 OK", "400 Bad Request"]),
                ("sync", "GET", "/api/sync?excludeDomains=true", "/api/sync?<data..>", ["200 OK"]),
                ("get_known_device", "GET", "/api/devices/knowndevice", "/api/devices/knowndevice", ["200 OK"]),
                ("prelogin", "POST", "/identity/accounts/prelogin", "/identity/accounts/prelogin", ["200 OK"]),
                ("websockets_hub", "GET", "/notifications/hub?access_token={tok}", "/notifications/hub?<data..>",
                 ["101 Switching Protocols", "101 Switching Protocols", "401 Unauthorized"]),
                ("put_cipher", "PUT", "/api/ciphers/{uuid}", "/api/ciphers/<cipher_id>", ["200 OK"]),
                ("icon_external", "GET", "/icons/{domain}/icon.png", "/icons/<domain>/icon.png", ["200 OK", "200 OK", "404 Not Found"])]
ID_VW_EMAILS = ["alice@example.test", "bob@example.test", "family.admin@example.test", "ops@example.test"]
ID_VW_DOMAINS = ["github.com", "accounts.google.com", "login.microsoftonline.com", "bank.example"]
ID_STEP_CALLS = [("POST", "/1.0/sign", "201"), ("POST", "/1.0/renew", "201"), ("GET", "/health", "200"), ("GET", "/health", "200"),
                 ("GET", "/roots", "200"), ("POST", "/acme/acme/new-order", "201"), ("POST", "/acme/acme/authz/{id}", "200"),
                 ("POST", "/acme/acme/order/{id}/finalize", "200"), ("GET", "/acme/acme/directory", "200")]
ID_STEP_ERRORS = [("POST", "/1.0/sign", "401", "authority.Authorize; jwk.AuthorizeSign: jwk.authorizeToken; jwk token subject cannot be empty"),
                  ("POST", "/1.0/sign", "401", "authority.Authorize: token already used"),
                  ("POST", "/1.0/renew", "401", "authority.Rekey: certificate has expired"),
                  ("POST", "/acme/acme/challenge/{id}/{id2}", "400", "The server could not connect to validation target")]
ID_STEP_AGENTS = ["Smallstep CLI/0.28.2 (linux/amd64)", "Go-http-client/2.0", "certbot/2.11.0", "cert-manager-certificates/v1.16.2"]
ID_LE_DOMAINS = ["example.test", "www.example.test", "mail.example.test", "git.example.test"]
ID_LE_ENDPOINTS = [("GET", "/directory", "200"), ("HEAD", "/acme/new-nonce", "200"), ("POST", "/acme/new-order", "201"),
                   ("POST", "/acme/authz/{id}/{n}", "200"), ("POST", "/acme/chall/{id}/{n}/{t}", "200"),
                   ("POST", "/acme/finalize/{id}/{n}", "200"), ("POST", "/acme/cert/{h}", "200")]
ID_LE_HOOKS = ["systemctl reload nginx", "systemctl reload postfix dovecot", "/usr/local/bin/push-cert.sh"]
ID_LE_FAILURES = ["Some challenges have failed.", "Error creating new order :: too many certificates (5) already issued for this exact set of domains in the last 168h0m0s",
                  "HTTPSConnectionPool(host='acme-v02.api.letsencrypt.org', port=443): Read timed out. (read timeout=45)"]
# ghostunnel processes: (mode, listen address, target address, pid)
ID_GHOST_TUNNELS = [("server", "0.0.0.0:8443", "tcp:127.0.0.1:8080", "2741"), ("server", "0.0.0.0:8443", "tcp:127.0.0.1:8080", "2741"),
                    ("server", "0.0.0.0:5433", "tcp:127.0.0.1:5432", "3310"), ("client", "localhost:6380", "tcp:10.20.4.11:6379", "9180")]
ID_GHOST_SUBJECTS = ["CN=billing-api", "CN=orders-worker,OU=payments", "CN=backup-agent,O=Example Corp", "CN=grafana"]
ID_GHOST_HANDSHAKE = ["remote error: tls: bad certificate", "tls: client didn't provide a certificate", "EOF",
                      "tls: failed to verify certificate: x509: certificate signed by unknown authority"]


def identity_events() -> list[tuple[float, str, dict]]:
    """Identity, secrets and certificate software none of the other corpora covers: the 389 Directory
    Server of a FreeIPA domain (access log, errors log), SSSD (sssd_be, sssd_pam, krb5_child debug
    logs), the FreeIPA API (its IPA.API journal audit record and ipa's wsgi lines in httpd's error
    log), certmonger, authentik (structlog JSON, the Go router), ZITADEL (logrus text), Ory Kratos
    and Ory Hydra (logrusx text), Casdoor (Beego's router log), Vaultwarden, smallstep step-ca,
    the Let's Encrypt certbot (letsencrypt.log) and ghostunnel. Written blind for the twentieth
    issue-15 pass: before reading the engine or any failure analysis; 85 event types."""

    def esc(text: str) -> str:
        # render() unescapes doubled braces across the whole line, values included
        return text.replace("{", "{{").replace("}", "}}")

    def us6(g: Gen) -> str:
        return f"{g.num(0, 999999):0>6}"

    def ms3(g: Gen) -> str:
        return f"{g.num(0, 999):0>3}"

    clock = {"hms": "00:00:00"}

    def journal_ts(g: Gen) -> str:
        clock["hms"] = hms(g)
        return f"Dec 03 {clock['hms']}"

    def user(g: Gen) -> str:
        return g.r.choice(ID_USERS)

    def client_host(g: Gen) -> str:
        return g.r.choice(ID_IPA_CLIENTS)

    def fill(g: Gen, text: str) -> str:
        return text.format(u=user(g), h=client_host(g), g=g.r.choice(ID_GROUPS))

    # 389 Directory Server (access and errors logs share the high-resolution time)
    def ds_ts(g: Gen) -> str:
        return f"03/Dec/2026:{hms(g)}.{g.num(0, 999999999):0>9} +0000"

    def conn(g: Gen) -> str:
        return g.num(1, 480000)

    def op(g: Gen) -> str:
        return str(g.r.choice([0, 0, 1, 1, 2, 3, g.r.randint(4, 900)]))

    def fd(g: Gen) -> str:
        return g.num(64, 1200)

    def op_time(g: Gen) -> str:
        seconds = 0 if g.r.random() < 0.97 else g.r.randint(1, 4)
        return f"{seconds}.{g.r.randint(1000, 9999999):0>9}"

    def ds_peer(g: Gen) -> str:
        return g.r.choice([g.ip(), g.ip(), "local", "::1"])

    def ds_server_ip(g: Gen) -> str:
        peer = g.drawn[0] if g.drawn else ""
        if peer == "local":
            return "/run/slapd-EXAMPLE-TEST.socket"
        return "::1" if peer == "::1" else g.r.choice(["10.40.0.11", "10.40.0.12"])

    def ds_conn_peer(g: Gen) -> str:
        g.drawn = (ds_peer(g),)
        return g.drawn[0]

    def bind_dn(g: Gen) -> str:
        return g.r.choice(["cn=Directory Manager", f"uid={user(g)},cn=users,cn=accounts,{ID_SUFFIX}",
                           f"uid={user(g)},cn=users,cn=accounts,{ID_SUFFIX}", f"uid=sudo,cn=sysaccounts,cn=etc,{ID_SUFFIX}"])

    def gssapi_identity(g: Gen) -> str:
        return g.r.choice([f"fqdn={client_host(g)},cn=computers,cn=accounts,{ID_SUFFIX}",
                           f"fqdn={client_host(g)},cn=computers,cn=accounts,{ID_SUFFIX}",
                           f"krbprincipalname=ldap/{g.r.choice(ID_IPA_SERVERS)}@{ID_REALM},cn=services,cn=accounts,{ID_SUFFIX}",
                           f"uid={user(g)},cn=users,cn=accounts,{ID_SUFFIX}"])

    def search_base(g: Gen) -> str:
        g.drawn = g.r.choice(ID_SEARCH_BASES)
        return g.drawn[0]

    def search_filter(g: Gen) -> str:
        return fill(g, g.r.choice(ID_SEARCH_FILTERS))

    def search_attrs(g: Gen) -> str:
        return " ".join(g.r.sample(ID_SEARCH_ATTRS, g.r.randint(1, 4)))

    def mod_target(g: Gen) -> str:
        return fill(g, g.r.choice(ID_MOD_TARGETS))

    def result_code(g: Gen) -> str:
        g.drawn = g.r.choice(ID_RESULTS)
        return g.drawn[0]

    def entries(g: Gen) -> str:
        err, tag = g.drawn
        return str(g.r.choice([0, 1, 1, 1, 2, 14, 250])) if tag == "101" and err == "0" else "0"

    def agreement(g: Gen) -> str:
        peer = g.r.choice(ID_IPA_SERVERS)
        g.drawn = (peer,)
        return f"cn=meTo{peer}"

    # SSSD
    def sssd_ts(g: Gen) -> str:
        # SSSD pads the hour with a space, not a zero
        return f"2026-12-03 {g.r.randint(0, 23):>2}:{g.r.randint(0, 59):02d}:{g.r.randint(0, 59):02d}"

    def rid(g: Gen) -> str:
        return g.num(1, 90000)

    def dp_request(g: Gen) -> str:
        g.drawn = (*g.r.choice(ID_SSSD_REQUESTS), g.num(1, 90000))
        return g.drawn[0]

    def sssd_user(g: Gen) -> str:
        return f"{user(g)}@{g.r.choice(ID_SSSD_DOMAINS)}"

    # FreeIPA
    def ipa_command(g: Gen) -> str:
        name, params, args = g.r.choice(ID_IPA_COMMANDS)
        u, h, grp = user(g), client_host(g), g.r.choice(ID_GROUPS)
        g.drawn = (name, esc(params.format(u=u, h=h, g=grp)), args.format(u=u, h=h, g=grp))
        return name

    def ipa_actor(g: Gen) -> str:
        return g.r.choice([f"admin@{ID_REALM}", f"{user(g)}@{ID_REALM}", f"host/{client_host(g)}@{ID_REALM}", "[autobind]"])

    def apache_ts(g: Gen) -> str:
        return f"Thu Dec 03 {hms(g)}.{us6(g)} 2026"

    # certmonger
    def not_after(g: Gen) -> str:
        return f"2027{g.r.randint(1, 12):02d}{g.r.randint(1, 28):02d}{hms(g).replace(':', '')}"

    # authentik
    def ak_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}.{us6(g)}"

    def ak_host(g: Gen) -> str:
        return g.r.choice(["auth.example.test", "auth.example.test", "authentik-server.auth.svc:9000"])

    def ak_context(g: Gen) -> str:
        action = g.drawn[0]
        if action == "login":
            ctx = {"auth_method": g.r.choice(["password", "password", "auth_webauthn_pwl", "token"]), "auth_method_args": {}}
        elif action == "login_failed":
            ctx = {"stage": {"app": "authentik_stages_password", "model_name": "passwordstage", "name": "default-authentication-password",
                             "pk": uuid_plain(g)}, "password": "********************", "username": user(g)}
        else:
            ctx = {}
        return esc(json.dumps(ctx))

    def ak_action(g: Gen) -> str:
        g.drawn = (g.r.choice(["login", "login", "login", "logout", "login_failed", "authorize_application"]),)
        return g.drawn[0]

    def uuid_plain(g: Gen) -> str:
        return g.hexs(32)

    def ak_user_email(g: Gen) -> str:
        g.drawn = (user(g),)
        return f"{g.drawn[0]}@example.test"

    def ak_user_pk(g: Gen) -> str:
        return str(g.r.choice([1, 5, 7, 12, 31]))

    # Ory Kratos and Hydra (logrusx prints Go maps, keys sorted)
    redacted = ('Value is sensitive and has been redacted. To see the value set config key "log.leak_sensitive_values = true" '
                'or environment variable "LOG_LEAK_SENSITIVE_VALUES=true".')

    def ory_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def ory_call(pool: list[tuple[str, str, str, str, str]]):
        def f(g: Gen) -> str:
            g.drawn = g.r.choice(pool)
            return g.drawn[0]
        return f

    def ory_query(g: Gen) -> str:
        return redacted if g.drawn[2] == "REDACTED" else "<nil>"

    def ory_headers(g: Gen) -> str:
        headers = {"accept": g.r.choice(["application/json", "*/*", "text/html,application/xhtml+xml"]),
                   "user-agent": g.r.choice(ID_ORY_AGENTS)}
        if g.r.random() < 0.5:
            headers["cookie"] = redacted
        if g.r.random() < 0.6:
            headers["x-forwarded-for"] = g.ip()
        if g.r.random() < 0.3:
            headers["authorization"] = redacted
        return " ".join(f"{k}:{v}" for k, v in sorted(headers.items()))

    def ory_response_headers(g: Gen) -> str:
        status = g.drawn[3]
        if status in ("302", "303"):
            return "cache-control:private, no-cache, no-store, must-revalidate location:" + g.r.choice(
                ["https://auth.example.test/login?flow=" + g.uuid(), "https://app.example.test/callback?code=" + g.hexs(43)])
        return "cache-control:private, no-cache, no-store, must-revalidate content-type:application/json; charset=utf-8 vary:Origin"

    def ory_took(g: Gen) -> str:
        return g.r.choice([f"{g.r.uniform(0.2, 9.9):.6f}ms", f"{g.r.randint(10, 900)}.{g.num(0, 999999):0>6}ms",
                           f"{g.r.randint(100, 999)}.{g.num(0, 999):0>3}µs"])

    def ory_remote(g: Gen) -> str:
        return f"{g.ip()}:{g.port()}"

    ory_request = ("http_request=map[headers:map[{hd}] host:{host} method:{m} path:{path} query:{q} remote:{rem} scheme:{sch}]")
    ory_request_slots = {"hd": ory_headers, "path": then(1), "q": ory_query, "rem": ory_remote,
                         "sch": pick(["http", "https"])}
    ory_response = "http_response=map[headers:map[{rh}] size:{sz} status:{st} text_status:{tst} took:{took}]"
    ory_response_slots = {"rh": ory_response_headers, "sz": lambda g: g.num(0, 4200), "st": then(3), "tst": then(4), "took": ory_took}

    def hydra_error(g: Gen) -> str:
        g.drawn = g.r.choice(ID_HYDRA_ERRORS)
        return g.drawn[0]

    def hydra_error_call(g: Gen) -> str:
        g.drawn = ("POST", "/oauth2/token", "<nil>")
        return "POST"

    # Casdoor (Beego's router log pads its columns)
    def beego_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}.{ms3(g)}"

    def beego_ip(g: Gen) -> str:
        return f"{g.ip():>15}"

    def beego_dur(g: Gen) -> str:
        d = g.r.choice([f"{g.r.uniform(0.1, 9.9):.6f}ms", f"{g.r.randint(100, 999)}.{g.num(0, 999):0>3}µs", f"{g.r.uniform(10, 400):.6f}ms"])
        return f"{d:>13}"

    def beego_route(g: Gen) -> str:
        g.drawn = g.r.choice(ID_CASDOOR_ROUTES)
        return f"{g.drawn[0]:<7}"

    # Vaultwarden
    def vw_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}.{ms3(g)}"

    def vw_route(g: Gen) -> str:
        route, method, path, pattern, responses = g.r.choice(ID_VW_ROUTES)
        path = path.format(tok=f"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.{g.hexs(40)}", uuid=g.uuid(), domain=g.r.choice(ID_VW_DOMAINS))
        g.drawn = (method, path[:80], route, pattern, g.r.choice(responses))
        return method

    def vw_route_name(g: Gen) -> str:
        vw_route(g)
        return g.drawn[2]

    # step-ca (logrus text, fields sorted)
    def step_ts(g: Gen) -> str:
        return f"2026-12-03T{hms(g)}Z"

    def step_call(g: Gen) -> str:
        method, path, status = g.r.choice(ID_STEP_CALLS)
        g.drawn = (method, path.format(id=g.hexs(32)), status)
        return method

    def step_error(g: Gen) -> str:
        method, path, status, error = g.r.choice(ID_STEP_ERRORS)
        g.drawn = (method, path.format(id=g.hexs(32), id2=g.hexs(32)), status, error)
        return method

    def step_duration(draw):
        # the duration leads the sorted fields; it draws the request the later fields read
        def f(g: Gen) -> str:
            draw(g)
            ns = g.r.randint(90000, 400000000)
            g.drawn = (*g.drawn, str(ns))
            return f"{ns / 1e6:.6f}ms"
        return f

    def xid(g: Gen) -> str:
        return "ct" + "".join(g.r.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(18))

    # certbot
    def le_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)},{ms3(g)}"

    def le_domain(g: Gen) -> str:
        return g.r.choice(ID_LE_DOMAINS)

    def le_endpoint(g: Gen) -> str:
        method, path, status = g.r.choice(ID_LE_ENDPOINTS)
        g.drawn = (method, path.format(id=g.num(1000000000, 2999999999), n=g.num(100000000000, 999999999999),
                                       t=g.r.choice(["ZkTc1A", "Jd3wNw", "p4Xq9g"]), h=g.hexs(36)), status)
        return method

    # ghostunnel
    def gt_ts(g: Gen) -> str:
        return f"2026/12/03 {hms(g)}.{us6(g)}"

    def gt_tunnel(g: Gen) -> str:
        g.drawn = g.r.choice(ID_GHOST_TUNNELS)
        return g.drawn[3]

    def gt_peer(g: Gen) -> str:
        return f"tcp:{g.ip()}:{g.port()}"

    def gt_subject(g: Gen) -> str:
        return g.r.choice(ID_GHOST_SUBJECTS) if g.drawn[0] == "server" else "no tls"

    def gt_target_tls(g: Gen) -> str:
        return "no tls" if g.drawn[0] == "server" else "CN=redis.internal.example.test"

    def gt_bytes(g: Gen) -> str:
        n = g.r.choice([g.r.randint(0, 1023), g.r.uniform(1, 1023), g.r.uniform(1, 900)])
        if isinstance(n, int):
            return f"{n} bytes"
        return f"{n:.1f} {g.r.choice(['KiB', 'KiB', 'MiB'])}"

    ds = "[{ts}] "
    ds_slots = {"ts": ds_ts, "c": conn, "op": op}
    sssd_be = "({t}): [be[{dom}]] "
    sssd_slots = {"t": sssd_ts, "dom": pick(ID_SSSD_DOMAINS), "rid": rid}
    sssd_pam = "({t}): [pam] "
    ipa_host = pick(ID_IPA_SERVERS)
    ak_request = ('{{"auth_via": "{av}", "domain_url": "{du}", "event": "{path}", "host": "{host}", "level": "info", '
                  '"logger": "authentik.asgi", "method": "{m}", "pid": {pid}, "remote": "{ip}", "request_id": "{rid}", '
                  '"runtime": {rt}, "schema_name": "public", "scheme": "https", "status": {st}, "timestamp": "{ts}", '
                  '"user": "{u}", "user_agent": "{ua}"}}')
    ak_pid = pick(["47", "48", "51", "2314"])
    zitadel = 'time="{ts}" level=info msg='
    zitadel_caller = "/home/runner/work/zitadel/zitadel/internal/"
    kratos_tail = " service_name=Ory Kratos service_version={v}"
    hydra_tail = " service_name=Ory Hydra service_version={v}"
    kratos_slots = {"ts": ory_ts, **ory_request_slots, "host": pick(ID_KRATOS_HOSTS), "v": pick(["v1.3.1"])}
    hydra_slots = {"ts": ory_ts, **ory_request_slots, "host": pick(ID_HYDRA_HOSTS), "v": pick(["v2.2.0"])}
    casdoor = "{ts} [D] [router.go:1305]  |{ip}| {st} |{d}|"
    vw = "[{ts}]"
    step = 'time="{ts}" level='
    step_tail = ' method={m} name=ca path={path} protocol={proto} referer= remote-address={ip} request-id={rid} size={sz} status={st} user-agent="{ua}" user-id='
    step_slots = {"ts": step_ts, "m": then(0), "dn": lambda g: g.drawn[-1], "ft": lambda g: f"2026-12-03T{hms(g)}Z",
                  "path": then(1), "proto": pick(["HTTP/2.0", "HTTP/1.1"]), "ip": Gen.ip, "rid": xid, "sz": lambda g: g.num(0, 6000),
                  "st": then(2), "ua": pick(ID_STEP_AGENTS)}
    le = "{ts}:"
    gt = "[{pid}] {ts} "
    return [
        # 389 Directory Server access log (FreeIPA's dirsrv)
        (30, ds + "conn={c} fd={fd} slot={sl} connection from {peer} to {srv}",
         {**ds_slots, "fd": fd, "sl": fd, "peer": ds_conn_peer, "srv": ds_server_ip}),
        (12, ds + "conn={c} fd={fd} slot={sl} SSL connection from {peer} to {srv}",
         {**ds_slots, "fd": fd, "sl": fd, "peer": lambda g: g.ip(), "srv": pick(["10.40.0.11", "10.40.0.12"])}),
        (18, ds + 'conn={c} op={op} BIND dn="{dn}" method=128 version=3', {**ds_slots, "dn": bind_dn}),
        (24, ds + 'conn={c} op={op} BIND dn="" method=sasl version=3 mech={mech}', {**ds_slots, "mech": pick(["GSSAPI", "GSSAPI", "GSSAPI", "EXTERNAL"])}),
        (24, ds + 'conn={c} op={op} RESULT err=0 tag=97 nentries=0 wtime={w} optime={o} etime={e} dn="{dn}"',
         {**ds_slots, "w": op_time, "o": op_time, "e": op_time, "dn": gssapi_identity}),
        (14, ds + "conn={c} op={op} RESULT err=14 tag=97 nentries=0 wtime={w} optime={o} etime={e}, SASL bind in progress",
         {**ds_slots, "w": op_time, "o": op_time, "e": op_time}),
        (5, ds + "conn={c} op={op} RESULT err={err} tag=97 nentries=0 wtime={w} optime={o} etime={e} - {txt}",
         {**ds_slots, "err": first(ID_BIND_FAILURES), "w": op_time, "o": op_time, "e": op_time, "txt": then(1)}),
        (40, ds + 'conn={c} op={op} SRCH base="{b}" scope={sc} filter="{f}" attrs="{a}"',
         {**ds_slots, "b": search_base, "sc": then(1), "f": search_filter, "a": search_attrs}),
        (8, ds + 'conn={c} op={op} SRCH base="{b}" scope={sc} filter="{f}" attrs=ALL',
         {**ds_slots, "b": search_base, "sc": then(1), "f": search_filter}),
        (40, ds + "conn={c} op={op} RESULT err={err} tag={tag} nentries={n} wtime={w} optime={o} etime={e}",
         {**ds_slots, "err": result_code, "tag": then(1), "n": entries, "w": op_time, "o": op_time, "e": op_time}),
        (10, ds + 'conn={c} op={op} MOD dn="{dn}"', {**ds_slots, "dn": mod_target}),
        (3, ds + 'conn={c} op={op} ADD dn="{dn}"', {**ds_slots, "dn": mod_target}),
        (2, ds + 'conn={c} op={op} DEL dn="{dn}"', {**ds_slots, "dn": mod_target}),
        (8, ds + 'conn={c} op={op} EXT oid="{oid}" name="{name}"', {**ds_slots, "oid": first(ID_EXT_OPS), "name": then(1)}),
        (18, ds + "conn={c} op={op} UNBIND", ds_slots),
        (22, ds + "conn={c} op={op} fd={fd} Disconnect - {r}", {**ds_slots, "fd": fd, "r": pick(ID_DISCONNECT_REASONS)}),
        (4, ds + "conn={c} op={op} fd={fd} Disconnect - {err} - {r}", {**ds_slots, "fd": fd, "err": first(ID_DISCONNECT_ERRORS), "r": then(1)}),
        # 389 Directory Server errors log
        (4, ds + '- ERR - NSMMReplicationPlugin - bind_and_check_pwp - agmt="{a}" ({p}:389) - Replication bind with GSSAPI auth failed: LDAP error {c} ({t}) ()',
         {"ts": ds_ts, "a": agreement, "p": lambda g: g.drawn[0].split(".")[0], "c": first(ID_REPL_ERRORS), "t": then(1)}),
        (3, ds + '- INFO - NSMMReplicationPlugin - bind_and_check_pwp - agmt="{a}" ({p}:389): Replication bind with GSSAPI auth resumed',
         {"ts": ds_ts, "a": agreement, "p": lambda g: g.drawn[0].split(".")[0]}),
        (4, ds + "- ERR - slapi_ldap_bind - Error: could not perform interactive bind for id [] authentication mechanism [GSSAPI]: error {c} ({t})",
         {"ts": ds_ts, "c": first([*ID_REPL_ERRORS[2:], ("-1", "Can't contact LDAP server")]), "t": then(1)}),
        (2, ds + "- NOTICE - NSMMReplicationPlugin - multisupplier_be_state_change - Replica {s} is coming online; enabling replication",
         {"ts": ds_ts, "s": pick([ID_SUFFIX, "o=ipaca"])}),
        (1, ds + "- INFO - slapd_daemon - slapd started.  Listening on {a} port {p} for {k} requests",
         {"ts": ds_ts, "a": pick(["All Interfaces"]), "p": first([("389",), ("636",)]), "k": lambda g: "LDAP" if g.drawn[0] == "389" else "LDAPS"}),
        # SSSD debug logs (sssd_example.test.log, sssd_pam.log, krb5_child.log)
        (30, sssd_be + "[dp_attach_req] (0x0400): [RID#{rid}] DP Request [{req} #{n}]: REQ_TRACE: New request. [{resp} CID #{cid}] Flags [{fl}].",
         {**sssd_slots, "req": first(ID_SSSD_REQUESTS), "n": lambda g: g.num(1, 90000), "resp": then(1), "cid": lambda g: g.num(1, 400),
          "fl": pick(["0000", "0001"])}),
        (30, sssd_be + "[dp_req_done] (0x0400): [RID#{rid}] DP Request [{req} #{n}]: Request handler finished [{ret}]: {txt}",
         {**sssd_slots, "req": dp_request, "n": then(2), "ret": first(ID_SSSD_RESULTS), "txt": then(1)}),
        (10, sssd_be + "[ipa_hbac_evaluate_rules] (0x0400): [RID#{rid}] Access granted by HBAC rule [{rule}]", {**sssd_slots, "rule": pick(ID_HBAC_RULES)}),
        (4, sssd_be + "[ipa_hbac_evaluate_rules] (0x0080): [RID#{rid}] Access denied by HBAC rules", sssd_slots),
        (5, sssd_be + "[be_resolve_server_process] (0x0200): [RID#{rid}] Found address for server {s}: [{ip}] TTL {ttl}",
         {**sssd_slots, "s": pick(ID_IPA_SERVERS), "ip": Gen.ip, "ttl": pick(["7200", "7200", "86400", "300"])}),
        (2, sssd_be + "[sdap_id_op_connect_done] (0x0020): [RID#{rid}] Failed to connect, going offline ({c} [{txt}])",
         {**sssd_slots, "c": first(ID_SSSD_OFFLINE), "txt": then(1)}),
        (2, sssd_be + "[sdap_kinit_done] (0x0100): [RID#{rid}] Could not get TGT: {c} [{txt}]", {**sssd_slots, "c": first(ID_SSSD_OFFLINE), "txt": then(1)}),
        (5, "({t}): [krb5_child[{pid}]] [get_and_save_tgt] (0x0020): [RID#{rid}] 1720: [{c}][{m}]",
         {"t": sssd_ts, "pid": lambda g: g.num(2000, 990000), "rid": rid, "c": first(ID_KRB_ERRORS), "m": then(1)}),
        (14, sssd_pam + "[pam_print_data] (0x0100): [CID#{cid}] user: {u}", {"t": sssd_ts, "cid": lambda g: g.num(1, 9000), "u": sssd_user}),
        (14, sssd_pam + "[pam_print_data] (0x0100): [CID#{cid}] service: {s}", {"t": sssd_ts, "cid": lambda g: g.num(1, 9000), "s": pick(ID_PAM_SERVICES)}),
        (12, sssd_pam + "[pam_reply] (0x0200): [CID#{cid}] pam_reply initially called with result [{c}]: {m}. this result might be changed during processing",
         {"t": sssd_ts, "cid": lambda g: g.num(1, 9000), "c": first(ID_PAM_RESULTS), "m": then(1)}),
        # FreeIPA: the API's audit record in the journal, and ipa's own line in httpd's error log
        (14, "{jt} {host} {exe}[{pid}]: [IPA.API] {actor}: {cmd}: {res} [{cid}] {params}",
         {"jt": journal_ts, "host": ipa_host, "exe": pick(["/mod_wsgi", "/mod_wsgi", "/mod_wsgi", "/usr/bin/ipa", "/usr/sbin/ipa-server-upgrade"]),
          "pid": lambda g: g.num(2000, 400000), "actor": ipa_actor, "cmd": ipa_command, "res": pick(ID_IPA_OUTCOMES),
          "cid": lambda g: g.r.choice([f"ldap2_{g.num(139900000000000, 140399999999999)}", "no_connection_id"]), "params": then(1)}),
        (14, "[{ts}] [wsgi:error] [pid {pid}:tid {tid}] [remote {ip}:{port}] ipa: INFO: [{srv}] {actor}: {cmd}/1({args}): {res}",
         {"ts": apache_ts, "pid": lambda g: g.num(2000, 400000), "tid": lambda g: g.num(139900000000000, 140399999999999), "ip": Gen.ip,
          "port": Gen.port, "srv": pick(["jsonserver_session", "jsonserver_session", "jsonserver_kerb", "xmlserver"]), "actor": ipa_actor,
          "cmd": ipa_command, "args": then(2), "res": pick(ID_IPA_OUTCOMES)}),
        # certmonger (journal)
        (3, '{jt} {host} certmonger[{pid}]: Certificate named "{n}" in token "{t}" in database "{d}" issued by CA and saved.',
         {"jt": journal_ts, "host": ipa_host, "pid": pick(["1187", "2210"]), "n": first(ID_CERTMONGER_NSS), "t": then(1), "d": then(2)}),
        (3, '{jt} {host} certmonger[{pid}]: Certificate named "{n}" in token "{t}" in database "{d}" will not be valid after {na}.',
         {"jt": journal_ts, "host": ipa_host, "pid": pick(["1187", "2210"]), "n": first(ID_CERTMONGER_NSS), "t": then(1), "d": then(2), "na": not_after}),
        (3, '{jt} {host} certmonger[{pid}]: Certificate in file "{f}" issued by CA and saved.',
         {"jt": journal_ts, "host": ipa_host, "pid": pick(["1187", "2210", "941"]), "f": pick(ID_CERTMONGER_FILES)}),
        (2, '{jt} {host} certmonger[{pid}]: Certificate in file "{f}" will not be valid after {na}.',
         {"jt": journal_ts, "host": ipa_host, "pid": pick(["1187", "2210", "941"]), "f": pick(ID_CERTMONGER_FILES), "na": not_after}),
        # authentik server and worker (structlog JSON, keys sorted) and its Go router
        (30, ak_request,
         {"av": pick(["session", "session", "oauth_token", "api_token"]), "du": ak_host, "path": pick(ID_AK_PATHS), "host": ak_host,
          "m": pick(["GET", "GET", "GET", "POST", "PATCH"]), "pid": ak_pid, "ip": Gen.ip, "rid": uuid_plain, "rt": lambda g: g.num(3, 900),
          "st": pick(["200", "200", "200", "204", "302", "403", "404"]), "ts": ak_ts, "u": pick(ID_AK_USERS), "ua": pick(ID_AK_AGENTS)}),
        (8, '{{"action": "{a}", "auth_via": "{av}", "client_ip": "{ip}", "context": {ctx}, "domain_url": "{du}", "event": "Created Event", '
            '"host": "{host}", "level": "info", "logger": "authentik.events.models", "pid": {pid}, "request_id": "{rid}", "schema_name": "public", '
            '"timestamp": "{ts}", "user": {{"email": "{em}", "pk": {pk}, "username": "{u}"}}}}',
         {"a": ak_action, "av": pick(["session", "unauthenticated"]), "ip": Gen.ip, "ctx": ak_context, "du": ak_host, "host": ak_host, "pid": ak_pid,
          "rid": uuid_plain, "ts": ak_ts, "em": ak_user_email, "pk": ak_user_pk, "u": then(0)}),
        (12, '{{"domain_url": null, "event": "Task started", "level": "info", "logger": "authentik.root.celery", "pid": {pid}, "schema_name": "public", '
             '"task_id": "{tid}", "task_name": "{tn}", "timestamp": "{ts}"}}',
         {"pid": pick(["188", "194", "603"]), "tid": Gen.uuid, "tn": pick(ID_AK_TASKS), "ts": ak_ts}),
        (12, '{{"domain_url": null, "event": "Task finished", "level": "info", "logger": "authentik.root.celery", "pid": {pid}, "schema_name": "public", '
             '"state": "{s}", "task_id": "{tid}", "task_name": "{tn}", "timestamp": "{ts}"}}',
         {"pid": pick(["188", "194", "603"]), "s": pick(["SUCCESS", "SUCCESS", "SUCCESS", "SUCCESS", "FAILURE", "RETRY"]), "tid": uuid_plain,
          "tn": pick(ID_AK_TASKS), "ts": ak_ts}),
        (18, '{{"event":"{path}","host":"{host}","level":"info","logger":"authentik.router","method":"{m}","remote":"{rem}","runtime":"{rt}",'
             '"scheme":"{sch}","size":{sz},"status":{st},"timestamp":"{ts}","user_agent":"{ua}"}}',
         {"path": pick(ID_AK_ROUTER_PATHS), "host": ak_host, "m": pick(["GET", "GET", "HEAD"]), "rem": lambda g: f"{g.ip()}:{g.port()}",
          "rt": lambda g: f"{g.r.uniform(0.05, 40):.3f}", "sch": pick(["http", "https"]), "sz": lambda g: g.num(0, 90000),
          "st": pick(["200", "200", "200", "304", "101"]), "ts": lambda g: f"2026-12-03T{hms(g)}Z",
          "ua": pick([*ID_AK_AGENTS, "goauthentik.io/healthcheck"])}),
        # ZITADEL (its logging wraps logrus' text formatter)
        (6, zitadel + '"verify migration" caller="' + zitadel_caller + 'migration/migration.go:43" name={p}',
         {"ts": ory_ts, "p": pick(ID_ZITADEL_PROJECTIONS)}),
        (5, zitadel + '"starting migration" caller="' + zitadel_caller + 'migration/migration.go:66" name={p}',
         {"ts": ory_ts, "p": pick(ID_ZITADEL_PROJECTIONS)}),
        (5, zitadel + '"projection starts prefilling" caller="' + zitadel_caller + 'eventstore/handler/v2/handler.go:80" projection={p}',
         {"ts": ory_ts, "p": pick(ID_ZITADEL_PROJECTIONS)}),
        (3, zitadel + '"projection is prefilling" caller="' + zitadel_caller + 'eventstore/handler/v2/handler.go:87" projection={p}',
         {"ts": ory_ts, "p": pick(ID_ZITADEL_PROJECTIONS)}),
        (5, zitadel + '"projections ended prefilling" caller="' + zitadel_caller + 'eventstore/handler/v2/handler.go:123" projection={p} took={d}',
         {"ts": ory_ts, "p": pick(ID_ZITADEL_PROJECTIONS), "d": ory_took}),
        # Ory Kratos (logrusx text: msg unquoted, then the fields sorted)
        (20, "time={ts} level=info msg=started handling request audience=application " + ory_request + kratos_tail,
         {**kratos_slots, "m": ory_call(ID_KRATOS_CALLS)}),
        (20, "time={ts} level=info msg=completed handling request audience=application " + ory_request + " " + ory_response + kratos_tail,
         {**kratos_slots, "m": ory_call(ID_KRATOS_CALLS), **ory_response_slots}),
        (6, "time={ts} level=info msg=Identity authenticated successfully and was issued an Ory Kratos Session Cookie. audience=audit "
            + ory_request + " identity_id={iid}" + kratos_tail + " session_id={sid}",
         {**kratos_slots, "m": ory_call(ID_KRATOS_CALLS[4:5]), "iid": Gen.uuid, "sid": Gen.uuid}),
        (3, "time={ts} level=info msg=Identity authenticated successfully and was issued an Ory Kratos Session Token. audience=audit "
            + ory_request + " identity_id={iid}" + kratos_tail + " session_id={sid}",
         {**kratos_slots, "m": ory_call(ID_KRATOS_CALLS[4:5]), "iid": Gen.uuid, "sid": Gen.uuid}),
        # Ory Hydra
        (16, "time={ts} level=info msg=started handling request audience=application " + ory_request + hydra_tail,
         {**hydra_slots, "m": ory_call(ID_HYDRA_CALLS)}),
        (16, "time={ts} level=info msg=completed handling request audience=application " + ory_request + " " + ory_response + hydra_tail,
         {**hydra_slots, "m": ory_call(ID_HYDRA_CALLS), **ory_response_slots}),
        (6, "time={ts} level=error msg=An error occurred while handling a request audience=application "
            "error=map[debug: message:{em} reason:{er} status:{es} status_code:{ec}] " + ory_request + hydra_tail,
         {**hydra_slots, "em": hydra_error, "er": then(1), "es": then(2), "ec": then(3), "m": hydra_error_call}),
        # Casdoor (Beego router log)
        (18, casdoor + "   match| {m}  {path}   r:{pat}",
         {"ts": beego_ts, "ip": beego_ip, "st": pick(["200", "200", "200", "200", "401", "500"]), "d": beego_dur, "m": beego_route,
          "path": then(1), "pat": then(1)}),
        (4, casdoor + " nomatch| {m}  {path}",
         {"ts": beego_ts, "ip": beego_ip, "st": pick(["404"]), "d": beego_dur, "m": lambda g: f"{g.r.choice(['GET', 'GET', 'POST']):<7}",
          "path": pick(ID_CASDOOR_MISSES)}),
        (2, "{ts} [I] [server.go:280]  http server Running on http://:{p}", {"ts": beego_ts, "p": pick(["8000"])}),
        # Vaultwarden
        (30, vw + "[request][INFO] {m} {path}", {"ts": vw_ts, "m": vw_route, "path": then(1)}),
        (30, vw + "[response][INFO] ({r}) {m} {pat} => {st}", {"ts": vw_ts, "r": vw_route_name, "m": then(0), "pat": then(3), "st": then(4)}),
        (8, vw + "[vaultwarden::api::identity][INFO] User {u} logged in successfully. IP: {ip}", {"ts": vw_ts, "u": pick(ID_VW_EMAILS), "ip": Gen.ip}),
        (4, vw + "[vaultwarden::api::identity][ERROR] Username or password is incorrect. Try again. IP: {ip}. Username: {u}.",
         {"ts": vw_ts, "ip": Gen.ip, "u": pick([*ID_VW_EMAILS, "admin@example.test", "test@test.com"])}),
        (2, vw + "[vaultwarden::api::core::two_factor::authenticator][ERROR] Invalid TOTP code! Server time: {st} UTC IP: {ip}",
         {"ts": vw_ts, "st": lambda g: f"2026-12-03 {hms(g)}", "ip": Gen.ip}),
        (1, vw + "[vaultwarden::api::admin][ERROR] Invalid admin token. IP: {ip}", {"ts": vw_ts, "ip": Gen.ip}),
        (6, vw + "[vaultwarden::api::notifications][INFO] Accepting Rocket WS connection from {ip}", {"ts": vw_ts, "ip": Gen.ip}),
        (2, vw + "[vaultwarden::auth][ERROR] {e}", {"ts": vw_ts, "e": pick(["Issuer is invalid", "Token is expired", "Invalid claim"])}),
        # smallstep step-ca (request log of its logrus middleware)
        (20, step + "info duration={d} duration-ns={dn} fields.time=\"{ft}\"" + step_tail, {**step_slots, "d": step_duration(step_call)}),
        (5, step + "warning duration={d} duration-ns={dn} error=\"{err}\" fields.time=\"{ft}\"" + step_tail,
         {**step_slots, "d": step_duration(step_error), "err": then(3)}),
        (1, "2026/12/03 {t} Serving HTTPS on :{p} ...", {"t": hms, "p": pick(["9000", "443"])}),
        # certbot (letsencrypt.log: time:LEVEL:logger:message)
        (3, le + "DEBUG:certbot._internal.main:certbot version: {v}", {"ts": le_ts, "v": pick(["2.11.0", "2.9.0", "3.0.1"])}),
        (6, le + "DEBUG:certbot._internal.display.obj:Notifying user: Processing /etc/letsencrypt/renewal/{d}.conf", {"ts": le_ts, "d": le_domain}),
        (4, le + "DEBUG:certbot._internal.storage:Should renew, less than 30 days before certificate expiry {x} UTC.",
         {"ts": le_ts, "x": lambda g: f"2026-12-{g.r.randint(4, 31):02d} {hms(g)}"}),
        (4, le + "INFO:certbot._internal.renewal:Certificate is due for renewal, auto-renewing...", {"ts": le_ts}),
        (10, le + "DEBUG:acme.client:Sending GET request to {u}.", {"ts": le_ts, "u": pick(["https://acme-v02.api.letsencrypt.org/directory"])}),
        (14, le + 'DEBUG:urllib3.connectionpool:https://acme-v02.api.letsencrypt.org:443 "{m} {p} HTTP/1.1" {s} {n}',
         {"ts": le_ts, "m": le_endpoint, "p": then(1), "s": then(2), "n": lambda g: g.r.choice(["0", "None", g.num(300, 3900)])}),
        (4, le + "INFO:certbot._internal.auth_handler:{c} challenge for {d}", {"ts": le_ts, "c": pick(["http-01", "http-01", "dns-01"]), "d": le_domain}),
        (3, le + "INFO:certbot._internal.auth_handler:Waiting for verification...", {"ts": le_ts}),
        (2, le + "INFO:certbot._internal.hooks:Running deploy-hook command: {c}", {"ts": le_ts, "c": pick(ID_LE_HOOKS)}),
        (2, le + "WARNING:certbot._internal.renewal:Attempting to renew cert ({d}) from /etc/letsencrypt/renewal/{d2}.conf produced an unexpected error: {e}. Skipping.",
         {"ts": le_ts, "d": first([(d,) for d in ID_LE_DOMAINS]), "d2": then(0), "e": pick(ID_LE_FAILURES)}),
        # ghostunnel
        (24, gt + "opening pipe: {peer} [{sub}] <-> {tgt} [{ttls}]",
         {"pid": gt_tunnel, "ts": gt_ts, "peer": gt_peer, "sub": gt_subject, "tgt": then(2), "ttls": gt_target_tls}),
        (22, gt + "closed pipe: {peer} [{sub}] <-> {tgt} [{ttls}] [forwarded {f}, returned {r}, open {o}]",
         {"pid": gt_tunnel, "ts": gt_ts, "peer": gt_peer, "sub": gt_subject, "tgt": then(2), "ttls": gt_target_tls, "f": gt_bytes, "r": gt_bytes,
          "o": lambda g: f"{g.r.uniform(0.001, 600):.9f}s".rstrip("0")}),
        (6, gt + "error on TLS handshake from {peer}: {e}", {"pid": gt_tunnel, "ts": gt_ts, "peer": gt_peer, "e": pick(ID_GHOST_HANDSHAKE)}),
        (1, gt + "starting ghostunnel in {m} mode", {"pid": gt_tunnel, "ts": gt_ts, "m": then(0)}),
        (1, gt + "listening for connections on {a}", {"pid": gt_tunnel, "ts": gt_ts, "a": then(1)}),
    ]


MP_HOSTS = ["mx1", "mx2"]
MP_LOCAL_DOMAINS = ["example.com", "corp.example.com"]
MP_USERS = ["alice", "bob", "carol.nguyen"]
MP_SENDERS = ["newsletter@news.shopwave.example", "billing@vendor-invoices.example", "noreply@github.com",
                "j.meier@partner-gmbh.example", "support@helpdesk.example.net"]
MP_SPAM_SENDERS = ["info@promo-deals7.example", "admin@secure-verify.example", "hr@jobs-offer.example"]
MP_REMOTE_HOSTS = [("mail-wm1-f45.google.com", "209.85.128.45"), ("mail-eopbgr70071.outbound.protection.outlook.com", "40.107.7.71"),
                     ("smtp.partner-gmbh.example", "198.51.100.23"), ("out-12.smtp.shopwave.example", "203.0.113.12"),
                     ("unknown", "185.220.101.37")]
MP_DKIM_SELECTORS = [("mail", "example.com"), ("s2026", "corp.example.com"), ("default", "example.com")]
MP_REMOTE_DKIM = [("20230601", "gmail.com"), ("selector1", "partner-gmbh.example"), ("k1", "news.shopwave.example"),
                    ("google", "helpdesk.example.net")]
MP_DKIM_KEY_ERRORS = ["'{s}._domainkey.{d}' record not found", "'{s}._domainkey.{d}' query timed out",
                        "'{s}._domainkey.{d}' query failed"]
MP_SPF_RESULTS = ["pass", "pass", "pass", "fail", "softfail", "neutral", "none"]
MP_RSPAMD_HAM_SYMBOLS = [("BAYES_HAM", -3.0, -0.5, "{:.2f}%"), ("R_SPF_ALLOW", -0.2, -0.2, "+ip4:{ip}"),
                           ("R_DKIM_ALLOW", -0.2, -0.2, "{dom}:s=ok"), ("DMARC_POLICY_ALLOW", -0.5, -0.5, "{dom};none"),
                           ("MIME_GOOD", -0.1, -0.1, "text/plain"), ("ARC_NA", 0.0, 0.0, ""), ("RCVD_TLS_LAST", 0.0, 0.0, ""),
                           ("MID_RHS_MATCH_FROM", 0.0, 0.0, ""), ("FROM_HAS_DN", 0.0, 0.0, ""), ("RCPT_COUNT_ONE", 0.0, 0.0, "1"),
                           ("ASN", 0.0, 0.0, "asn:15169, ipnet:209.85.128.0/17, country:US")]
MP_RSPAMD_SPAM_SYMBOLS = [("BAYES_SPAM", 4.0, 5.1, "{:.2f}%"), ("RBL_SPAMHAUS_ZEN", 7.0, 7.0, "{ip}:from"),
                            ("R_SPF_FAIL", 1.0, 1.0, "-all"), ("DMARC_POLICY_REJECT", 2.0, 2.0, "{dom} : No valid SPF, No valid DKIM;reject"),
                            ("FUZZY_DENIED", 8.0, 12.0, "1:{hex}:1.00:txt"), ("URIBL_BLACK", 7.5, 7.5, "bit.example:url"),
                            ("HFILTER_HOSTNAME_UNKNOWN", 2.5, 2.5, ""), ("MIME_HTML_ONLY", 0.2, 0.2, ""), ("FORGED_SENDER", 0.3, 0.3, "")]
MP_RSPAMD_ACTIONS = [("F", "no action"), ("F", "no action"), ("F", "no action"), ("F", "add header"), ("T", "add header"),
                       ("T", "reject"), ("F", "greylist"), ("T", "soft reject")]
MP_RSPAMD_DNS_CHECKS = [("zen.spamhaus.org", "1.0.0.127.zen.spamhaus.org", "no error", "no records with this name"),
                          ("multi.uribl.com", "test.uribl.com.multi.uribl.com", "no error", "no records with this name"),
                          ("bl.spamcop.net", "1.0.0.127.bl.spamcop.net", "refused", "no records with this name")]
MP_SA_SYMBOLS_HAM = ["BAYES_00", "DKIM_SIGNED", "DKIM_VALID", "DKIM_VALID_AU", "HTML_MESSAGE", "RCVD_IN_DNSWL_NONE",
                       "SPF_HELO_NONE", "SPF_PASS", "T_SCC_BODY_TEXT_LINE"]
MP_SA_SYMBOLS_SPAM = ["BAYES_99", "BAYES_999", "HTML_IMAGE_ONLY_16", "MIME_HTML_ONLY", "RCVD_IN_SBL_CSS", "URIBL_ABUSE_SURBL",
                        "FREEMAIL_FORGED_REPLYTO", "SPF_SOFTFAIL", "RDNS_NONE"]
MP_SA_USERS = [("debian-spamd", "112"), ("amavis", "110"), ("vmail", "5000")]
MP_AMAVIS_PASSED = [("CLEAN", "RelayedInbound"), ("CLEAN", "RelayedInbound"), ("CLEAN", "RelayedInternal"),
                      ("SPAMMY", "RelayedTaggedInbound"), ("BAD-HEADER-0", "RelayedInbound")]
MP_AMAVIS_BLOCKED = [("SPAM", "DiscardedInbound,Quarantined"), ("SPAM", "DiscardedInbound,Quarantined"),
                       ("INFECTED (Win.Test.EICAR_HDB-1)", "DiscardedInbound,Quarantined"),
                       ("BANNED (multipart/mixed | application/x-msdownload,.exe,.exe-ms,invoice_2026.exe)", "BouncedInbound,Quarantined")]
MP_OPENSMTPD_FAILED = [('RCPT TO:<{u}@example.com>', '550 Invalid recipient: <{u}@example.com>'),
                         ('MAIL FROM:<{s}>', '421 4.7.0 Temporary Error'),
                         ('AUTH LOGIN', '503 5.5.1 Invalid command: Command not supported'),
                         ('RCPT TO:<postmaster@{d}>', '550 5.7.1 Delivery not authorized, message refused')]
MP_OPENSMTPD_DISCONNECT = ["quit", "quit", "quit", "disconnect", "timeout", "io-error: Connection reset by peer"]
MP_OPENSMTPD_RELAYS = [("gmail-smtp-in.l.google.com", "142.250.102.27", "Ok", "250 2.0.0 OK  1764765296 a640c23a62f3a-ab7c1c8e2f1si1023456066b.512 - gsmtp"),
                         ("mx.partner-gmbh.example", "198.51.100.25", "Ok", "250 2.0.0 Ok: queued as 4XyZ7k1Qm9z3"),
                         ("example-com.mail.protection.outlook.com", "52.101.68.14", "TempFail", "421 4.7.0 Temporary server error. Please try again later."),
                         ("mail.shopwave.example", "203.0.113.40", "PermFail", "550 5.1.1 <j.doe@shopwave.example>: Recipient address rejected: User unknown")]
MP_HARAKA_RETVALS = [("rcpt", "rcpt_to.in_host_list", "hook_rcpt", "DENY", "I cannot deliver mail for <{u}@{d}>"),
                       ("connect", "dns-list", "onConnect", "DENYDISCONNECT", "host [{ip}] is blacklisted by zen.spamhaus.org"),
                       ("mail", "spf", "hook_mail", "DENY", "SPF Fail"),
                       ("data_post", "spamassassin", "hook_data_post", "DENY", "spam score exceeded threshold")]
MP_HARAKA_BOUNCES = ["Domain {d} sends and receives no email (NULL MX)", "Tried all MXs",
                       "550 5.1.1 The email account that you tried to reach does not exist.", "No MX for {d}"]
MP_CYRUS_MECHS = ["plaintext+TLS", "PLAIN+TLS", "PLAIN+TLS", "LOGIN+TLS", "XOAUTH2+TLS"]
MP_CYRUS_BADLOGIN = ["SASL(-13): authentication failure: checkpass failed", "SASL(-13): user not found: checkpass failed",
                       "SASL(-13): authentication failure: Password verification failed"]
MP_CIPHERS = [("TLSv1.3", "TLS_AES_256_GCM_SHA384", "256"), ("TLSv1.3", "TLS_AES_128_GCM_SHA256", "128"),
                ("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384", "256")]
MP_COURIER_ERRORS = ["550 User unknown.", "513 Relaying denied.", "517-SPF fail: {ip} is not permitted to send mail for {d}.",
                       "421 Service temporarily unavailable."]
MP_COURIER_PEERS = [("gmail.com", "someone@gmail.com"), ("partner-gmbh.example", "m.weber@partner-gmbh.example"),
                      ("shopwave.example", "orders@shopwave.example")]
MP_ROUNDCUBE_IMAP_ERRORS = ["AUTHENTICATE PLAIN: Authentication failed.", "LOGIN: Authentication failed.",
                              "Empty startup greeting (localhost:143)"]
MP_ROUNDCUBE_SMTP_ERRORS = [("Authentication failure: SASL authentication failure (Code: 535)", "140"),
                              ("Failed to add recipient '{u}@{d}' (Code: 550)", "355"),
                              ("Connection refused (Code: )", "92")]
MP_SOGO_PATHS = ["/SOGo/so/{u}/Mail/0/folderINBOX/changes", "/SOGo/so/{u}/Mail/0/folderINBOX/uids",
                   "/SOGo/so/{u}/Calendar/personal/eventslist", "/SOGo/dav/{u}/Calendar/personal/",
                   "/SOGo/dav/{u}/Contacts/personal/", "/SOGo/connect"]
MP_ZIMBRA_UAS = ["ZimbraWebClient - FF133 (Linux)/10.1.2_GA_4702", "zclient/10.1.2_GA_4702", "Zimbra Desktop/7.3.1 (Win10)"]
MP_ZIMBRA_SOAP = ["SearchRequest", "SearchRequest", "GetMsgRequest", "NoOpRequest", "GetFolderRequest", "SendMsgRequest"]
MP_ZIMBRA_FOLDERS = [("2", "Inbox"), ("5", "Sent"), ("3", "Trash"), ("4", "Junk"), ("257", "Projects")]
MP_LISTS = ["announce@lists.example.com", "dev@lists.example.com", "board@lists.example.com"]
MP_MM_HOLD_REASONS = ["The message is not from a list member", "Message has implicit destination",
                        "The message's content type was explicitly disallowed", "Message has more than 10 recipients",
                        "The message is not from a list member; Message has a matching header"]
MP_MM_REST = [("GET", "/3.1/lists", "200"), ("GET", "/3.1/lists/{l}/held", "200"), ("POST", "/3.1/queues/in", "201"),
                ("GET", "/3.1/members/find", "200"), ("GET", "/3.1/domains/lists.example.com", "200")]
MP_SMTP_FAILURES = [("550", "5.1.1 <{r}>: Recipient address rejected: User unknown in virtual mailbox table"),
                      ("452", "4.2.2 The email account that you tried to reach is over quota"),
                      ("554", "5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org")]


def mail_events() -> list[tuple[float, str, dict]]:
    """Mail and groupware software none of the other corpora covers: Rspamd (rspamd.log), SpamAssassin
    spamd, amavisd-new, OpenDKIM, OpenDMARC, OpenSMTPD, Haraka, Cyrus IMAP (imapd, lmtpd), Courier
    (courieresmtpd, courierd, courierlocal, courieresmtp, imapd), Roundcube (userlogins and errors
    logs), SOGo, the Zimbra mailbox.log, Mailman 3 (mailman, smtp, vette and http logs) and Sympa.
    Written blind for the twentieth issue-15 pass: before reading the engine or any failure
    analysis; 82 event types."""

    def esc(text: str) -> str:
        # render() unescapes doubled braces across the whole line, values included
        return text.replace("{", "{{").replace("}", "}}")

    def sys_ts(g: Gen) -> str:
        # RFC 3164 stamps pad a one-digit day with a space
        return f"Dec  3 {hms(g)}"

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice(['185.220', '45.148', '91.92', '141.98'])}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    def local_addr(g: Gen) -> str:
        return f"{g.r.choice(MP_USERS)}@{g.r.choice(MP_LOCAL_DOMAINS)}"

    def sender(g: Gen) -> str:
        return g.r.choice(MP_SENDERS + MP_SPAM_SENDERS[:1])

    def msgid(g: Gen) -> str:
        return g.r.choice([f"CA{g.hexs(4).upper()}{g.hexs(20)}@mail.gmail.com",
                           f"2026120{g.r.randint(2, 3)}{hms(g).replace(':', '')}.{g.hexs(10).upper()}@mx1.example.com",
                           f"{g.uuid()}@partner-gmbh.example",
                           f"{g.num(100000000, 999999999)}.{g.num(1000, 99999)}.{g.num(10**18, 10**19 - 1)}@lists.example.com"])

    def queue_id(g: Gen) -> str:
        # the MTA's queue id, long (Postfix-style base-52) or short hex
        if g.r.random() < 0.6:
            return f"4{''.join(g.r.choice('BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789') for _ in range(10))}z{g.r.randint(1, 9)}{g.hexs(2).upper()}"
        return g.hexs(10).upper()

    def remote_host(g: Gen) -> str:
        g.drawn = g.r.choice(MP_REMOTE_HOSTS)
        return g.drawn[0]

    # Rspamd (file logger: time #pid(worker) <tag>; module; function: message)
    def rspamd_ts(g: Gen) -> str:
        return f"2026-12-03 {hms(g)}"

    def rspamd_result(g: Gen) -> str:
        # the verdict, action, score and symbols are drawn together; later slots read them
        flag, action = g.r.choice(MP_RSPAMD_ACTIONS)
        pool = MP_RSPAMD_SPAM_SYMBOLS if flag == "T" or action != "no action" else MP_RSPAMD_HAM_SYMBOLS
        picked = g.r.sample(pool, g.r.randint(2, 5)) + g.r.sample(MP_RSPAMD_HAM_SYMBOLS[4:], g.r.randint(1, 3))
        total, parts = 0.0, []
        for name, low, high, opt in picked:
            score = g.r.uniform(low, high)
            total += score
            option = opt.replace("{ip}", g.ip()).replace("{dom}", g.r.choice(MP_LOCAL_DOMAINS)).replace("{hex}", g.hexs(10))
            if "{:.2f}" in option:
                option = option.format(g.r.uniform(80, 100))
            parts.append(f"{name}({score:.2f}){{{option + ';' if option else ''}}}")
        g.drawn = (flag, action, f"{total:.2f}/15.00", esc(",".join(sorted(parts))))
        return flag

    def rspamd_pid(g: Gen) -> str:
        return g.r.choice(["2841", "2842", "2843"])

    def rspamd_tag(g: Gen) -> str:
        return g.hexs(6)

    def rspamd_rcpts(g: Gen) -> str:
        return ",".join(local_addr(g) for _ in range(g.r.choice([1, 1, 1, 2, 3])))

    def rspamd_greylist_until(g: Gen) -> str:
        return f"Thu, 03 Dec 2026 {hms(g)} GMT"

    def rspamd_dns_check(g: Gen) -> str:
        g.drawn = g.r.choice(MP_RSPAMD_DNS_CHECKS)
        return g.drawn[2]

    # SpamAssassin spamd
    def sa_user(g: Gen) -> str:
        g.drawn = g.r.choice(MP_SA_USERS)
        return g.drawn[0]

    def sa_ham_symbols(g: Gen) -> str:
        return ",".join(sorted(g.r.sample(MP_SA_SYMBOLS_HAM, g.r.randint(3, 7))))

    def sa_spam_symbols(g: Gen) -> str:
        return ",".join(sorted(g.r.sample(MP_SA_SYMBOLS_SPAM, g.r.randint(3, 7)) + g.r.sample(MP_SA_SYMBOLS_HAM[1:5], 1)))

    # amavisd-new
    def amavis_pid(g: Gen) -> str:
        g.drawn = (g.r.choice(["18231", "18232", "20417"]),)
        return g.drawn[0]

    def amavis_tag(g: Gen) -> str:
        # the log tag repeats the child's pid (zero-padded to five) and counts its tasks
        return f"{g.drawn[0]:0>5}-{g.r.randint(1, 40):02d}"

    def amavis_passed(g: Gen) -> str:
        g.drawn = g.r.choice(MP_AMAVIS_PASSED)
        return g.drawn[0]

    def amavis_blocked(g: Gen) -> str:
        g.drawn = g.r.choice(MP_AMAVIS_BLOCKED)
        return g.drawn[0]

    def amavis_flags(g: Gen) -> str:
        return esc(g.drawn[1])

    def amavis_mail_id(g: Gen) -> str:
        return "".join(g.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") for _ in range(12))

    def amavis_rcpts(g: Gen) -> str:
        return ",".join(f"<{local_addr(g)}>" for _ in range(g.r.choice([1, 1, 1, 2, 3])))

    def amavis_hits(g: Gen) -> str:
        return f"{g.r.uniform(-4, 4.9):.3f}"

    def amavis_spam_hits(g: Gen) -> str:
        return "-" if g.drawn[0].startswith(("INFECTED", "BANNED")) else f"{g.r.uniform(6.3, 38):.3f}"

    def amavis_quarantine(g: Gen) -> str:
        kind = {"S": "spam", "I": "virus", "B": "banned"}[g.drawn[0][0]]
        return f"{kind}-{amavis_mail_id(g)}"

    # OpenDKIM / OpenDMARC
    def dkim_key_error(g: Gen) -> str:
        s, d = g.drawn
        return g.r.choice(MP_DKIM_KEY_ERRORS).replace("{s}", s).replace("{d}", d)

    def dmarc_domain(g: Gen) -> str:
        return g.r.choice([d for _, d in MP_REMOTE_DKIM] + ["shopwave.example", "secure-verify.example"])

    # OpenSMTPD
    def smtpd_session(g: Gen) -> str:
        return g.hexs(16)

    def smtpd_failed(g: Gen) -> str:
        user, spammer, domain = g.r.choice(["jdoe", "sales", "test"]), g.r.choice(MP_SPAM_SENDERS), g.r.choice(MP_LOCAL_DOMAINS)
        g.drawn = tuple(x.replace("{u}", user).replace("{s}", spammer).replace("{d}", domain) for x in g.r.choice(MP_OPENSMTPD_FAILED))
        return g.drawn[0]

    def smtpd_relay(g: Gen) -> str:
        g.drawn = g.r.choice(MP_OPENSMTPD_RELAYS)
        return f"{g.drawn[0]} [{g.drawn[1]}]"

    def smtpd_delay(g: Gen) -> str:
        return g.r.choice([f"{g.r.randint(1, 59)}s", f"{g.r.randint(1, 59)}s", f"{g.r.randint(1, 30)}m{g.r.randint(0, 59)}s",
                           f"{g.r.randint(1, 4)}h{g.r.randint(0, 59)}m{g.r.randint(0, 59)}s"])

    def smtpd_evpid(g: Gen) -> str:
        return g.hexs(16)

    # Haraka
    def haraka_uuid(g: Gen) -> str:
        return g.uuid().upper()

    def haraka_txn(g: Gen) -> str:
        return f"{g.uuid().upper()}.{g.r.choice(['1', '1', '1', '2'])}"

    def haraka_txn_drawn(g: Gen) -> str:
        g.drawn = (haraka_txn(g),)
        return g.drawn[0]

    def haraka_flag(g: Gen) -> str:
        return g.r.choice(["Y", "N", "N"])

    def haraka_counts(g: Gen) -> str:
        return g.r.choice(["1/0/0", "1/0/0", "0/0/0", "2/0/0", "0/0/1", "0/1/0"])

    def haraka_hook(g: Gen) -> str:
        d = g.r.choice(MP_LOCAL_DOMAINS)
        g.drawn = tuple(x.replace("{u}", g.r.choice(["sales", "jdoe", "info"])).replace("{d}", d).replace("{ip}", public_ip(g))
                        for x in g.r.choice(MP_HARAKA_RETVALS))
        return g.drawn[0]

    def haraka_bounce(g: Gen) -> str:
        return g.r.choice(MP_HARAKA_BOUNCES).replace("{d}", g.r.choice(["shopwave.example", "old-domain.example", "example.net"]))

    def haraka_lr(g: Gen) -> str:
        return g.r.choice(["", "", "", "550 I cannot deliver mail for <sales@example.com>", "535 5.7.8 Authentication failed",
                           "554 host [185.220.101.37] is blacklisted by zen.spamhaus.org"])

    # Cyrus IMAP
    def cyrus_client(g: Gen) -> str:
        return g.r.choice([f"{g.r.choice(['webmail', 'localhost'])} [{g.ip()}]", f"unknown [{public_ip(g)}]",
                           f"dsl-{g.num(10, 250)}.isp.example [{public_ip(g)}]"])

    def cyrus_session(g: Gen) -> str:
        return f"imap1.example.com-{g.num(1000, 65000)}-{g.num(1764720000, 1764806399)}-1-{g.num(10**18, 10**19 - 1)}"

    def cyrus_mailbox(g: Gen) -> str:
        return f"{g.r.choice(MP_LOCAL_DOMAINS)}!user.{g.r.choice(MP_USERS).replace('.', '^')}{g.r.choice(['', '', '', '.Junk', '.Lists.dev'])}"

    def cyrus_cipher(g: Gen) -> str:
        g.drawn = g.r.choice(MP_CIPHERS)
        return g.drawn[0]

    # Courier
    def courier_id(g: Gen) -> str:
        return f"{g.hexs(8).upper()}.{g.hexs(8).upper()}.{g.hexs(8).upper()}"

    def courier_ip(g: Gen) -> str:
        return f"[::ffff:{g.r.choice([g.ip(), public_ip(g)])}]"

    def courier_error(g: Gen) -> str:
        return g.r.choice(MP_COURIER_ERRORS).replace("{ip}", public_ip(g)).replace("{d}", g.r.choice(MP_SENDERS).split("@")[1])

    # Roundcube
    def rc_ts(g: Gen) -> str:
        return f"03-Dec-2026 {hms(g)} +0000"

    def rc_session(g: Gen) -> str:
        # the line prefix shows the session id's first eight characters; the message the whole id
        g.drawn = ("".join(g.r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(26)),)
        return g.drawn[0][:8]

    def rc_remote(g: Gen) -> str:
        return g.r.choice([g.ip(), g.ip(), f"10.0.4.10 (X-Forwarded-For: {public_ip(g)})"])

    def rc_smtp_error(g: Gen) -> str:
        message, line = g.r.choice(MP_ROUNDCUBE_SMTP_ERRORS)
        g.drawn = (message.replace("{u}", g.r.choice(["jdoe", "sales"])).replace("{d}", g.r.choice(["shopwave.example", "example.net"])), line)
        return g.drawn[0]

    # SOGo
    def sogo_path(g: Gen) -> str:
        return g.r.choice(MP_SOGO_PATHS).replace("{u}", local_addr(g).replace("@", "%40"))

    # Zimbra
    def zimbra_soap_thread(g: Gen) -> str:
        g.drawn = (g.r.choice(MP_ZIMBRA_SOAP),)
        return f"qtp{g.r.choice(['1050349584', '2108297339'])}-{g.num(100, 99999)}:https://mail.example.com/service/soap/{g.drawn[0]}"

    def zimbra_account(g: Gen) -> str:
        return f"{g.r.choice(MP_USERS)}@example.com"

    def zimbra_folder(g: Gen) -> str:
        g.drawn = g.r.choice(MP_ZIMBRA_FOLDERS)
        return g.drawn[1]

    def zimbra_folder_id(g: Gen) -> str:
        g.drawn = g.r.choice(MP_ZIMBRA_FOLDERS)
        return g.drawn[0]

    # Mailman 3
    def mm_ts(g: Gen) -> str:
        return f"Dec 03 {hms(g)} 2026"

    def mm_rest(g: Gen) -> str:
        method, path, status = g.r.choice(MP_MM_REST)
        g.drawn = (method, path.replace("{l}", g.r.choice(MP_LISTS).replace("@", ".")), status)
        return method

    def mm_failed_rcpt(g: Gen) -> str:
        g.drawn = (g.r.choice(["old.member@example.net", "j.doe@shopwave.example"]), *g.r.choice(MP_SMTP_FAILURES))
        return g.drawn[0]

    # Sympa
    def sympa_spool_id(g: Gen) -> str:
        # the spool id ends in the list's address; later slots read the list
        g.drawn = (g.r.choice(MP_LISTS),)
        stamp = g.num(1764720000, 1764806399)
        return f"{g.r.choice(['5', '5', '1'])}.{g.r.choice(['5', '1'])}.{stamp}.{stamp}.{g.num(100000, 999999)}.{g.drawn[0]}"

    syslog = "{ts} {host} "
    sys_slots = {"ts": sys_ts, "host": pick(MP_HOSTS)}
    rspamd = "{ts} #{pid}(normal) <{tag}>; "
    rspamd_slots = {"ts": rspamd_ts, "pid": rspamd_pid, "tag": rspamd_tag}
    spamd = syslog + "spamd[{pid}]: "
    spamd_slots = {**sys_slots, "pid": pick(["1944", "1945", "1946"])}
    amavis = syslog + "amavis[{pid}]: ({tag}) "
    amavis_slots = {**sys_slots, "pid": amavis_pid, "tag": amavis_tag}
    dkim = syslog + "opendkim[{pid}]: {q}: "
    dkim_slots = {**sys_slots, "pid": pick(["812"]), "q": queue_id}
    dmarc = syslog + "opendmarc[{pid}]: {q}"
    dmarc_slots = {**sys_slots, "pid": pick(["815"]), "q": queue_id}
    osmtpd = syslog + "smtpd[{pid}]: {sid} "
    osmtpd_slots = {**sys_slots, "pid": pick(["40213", "40215"]), "sid": smtpd_session}
    cyrus = "{ts} imap1 cyrus/"
    cyrus_slots = {"ts": sys_ts}
    courier = "{ts} {host} "
    courier_slots = sys_slots
    rc = "[{ts}]: <{sid}> "
    rc_slots = {"ts": rc_ts, "sid": rc_session}
    sogo = "{ts} sogod [{pid}]: "
    sogo_slots = {"ts": lambda g: f"Dec 03 {hms(g)}", "pid": pick(["2917", "2918", "2931"])}
    zimbra = "{ts} "
    mm = "{ts} ({pid}) "
    mm_slots = {"ts": mm_ts}
    sympa = "{ts} lists "
    return [
        # Rspamd 3.x (file logging)
        (35, rspamd + "task; rspamd_task_write_log: id: <{mid}>, qid: <{q}>, ip: {ip}, from: <{f}>, (default: {flag} ({action}): "
         "[{score}] [{syms}]), len: {len}, time: {t}ms, dns req: {dns}, digest: <{dg}> rcpts: <{rc}>, mime_rcpt: <{mr}>,",
         {**rspamd_slots, "mid": msgid, "q": queue_id, "ip": lambda g: g.r.choice([h for _, h in MP_REMOTE_HOSTS] + [public_ip(g)]),
          "f": sender, "flag": rspamd_result, "action": then(1), "score": then(2), "syms": then(3),
          "len": lambda g: g.num(900, 250000), "t": lambda g: f"{g.r.uniform(40, 3800):.2f}", "dns": lambda g: g.num(4, 80),
          "dg": lambda g: g.hexs(32), "rc": rspamd_rcpts, "mr": rspamd_rcpts}),
        (25, rspamd + "task; accept_socket: accepted connection from {ip} port {port}, task ptr: {ptr}",
         {**rspamd_slots, "ip": pick(["127.0.0.1", "::1", "10.0.2.15"]), "port": Gen.port, "ptr": lambda g: f"0000{g.r.choice(['55', '56'])}{g.hexs(10)}"}),
        (25, rspamd + "task; rspamd_message_parse: loaded message; id: <{mid}>; queue-id: <{q}>; size: {size}; checksum: <{ck}>",
         {**rspamd_slots, "mid": msgid, "q": queue_id, "size": lambda g: g.num(900, 250000), "ck": lambda g: g.hexs(32)}),
        (6, rspamd + "task; rspamd_message_parse: loaded message; id: <{mid}>; size: {size}; checksum: <{ck}>",
         {**rspamd_slots, "mid": msgid, "size": lambda g: g.num(900, 250000), "ck": lambda g: g.hexs(32)}),
        (5, rspamd + 'lua; greylist.lua:{line}: greylisted until "{until}", new record',
         {**rspamd_slots, "line": pick(["216"]), "until": rspamd_greylist_until}),
        (3, rspamd + "task; rspamd_stat_check_autolearn: <{mid}>: autolearn {cls} for classifier '{c}' as message's action is {a}, score: {s}",
         {**rspamd_slots, "mid": msgid, "cls": first([("spam", "reject"), ("ham", "no action")]), "c": pick(["bayes"]), "a": then(1),
          "s": lambda g: f"{g.r.uniform(15.5, 40) if g.drawn[0] == 'spam' else g.r.uniform(-8, -2):.2f}"}),
        (2, "{ts} #{pid}(normal) <{tag}>; monitored; rspamd_monitored_dns_cb: DNS reply returned '{got}' for {zone} while '{want}' was "
         "expected when querying for '{name}'(likely resolver misconfiguration)",
         {"ts": rspamd_ts, "pid": rspamd_pid, "tag": rspamd_tag, "got": rspamd_dns_check, "zone": then(0), "want": then(3), "name": then(1)}),
        # SpamAssassin spamd (syslog)
        (15, spamd + "spamd: connection from {h} [{ip}]:{port} to port 783, fd {fd}",
         {**spamd_slots, "h": first([("localhost", "127.0.0.1"), ("localhost", "::1"), ("mx2.example.com", "10.0.2.16")]), "ip": then(1),
          "port": Gen.port, "fd": pick(["5", "6"])}),
        (14, spamd + "spamd: processing message <{mid}> for {u}:{uid}", {**spamd_slots, "mid": msgid, "u": sa_user, "uid": then(1)}),
        # one statement: spamd prints its verdict ("clean message" or "identified spam") through a variable
        (16, spamd + "spamd: {v} ({s}/5.0) for {u}:{uid} in {t} seconds, {b} bytes.",
         {**spamd_slots, "v": first([("clean message",), ("clean message",), ("clean message",), ("identified spam",)]),
          "s": lambda g: f"{g.r.uniform(-5, 4.9) if g.drawn[0][0] == 'c' else g.r.uniform(5, 38):.1f}", "u": sa_user, "uid": then(1),
          "t": lambda g: f"{g.r.uniform(0.2, 14):.1f}", "b": lambda g: g.num(900, 250000)}),
        (16, spamd + "spamd: result: {yn} {s} - {syms} scantime={t},size={b},user={u},uid={uid},required_score=5.0,rhost={h},raddr={ip},"
         "rport={port},mid=<{mid}>,bayes={bayes},autolearn={al} autolearn_force=no",
         {**spamd_slots, "yn": first([(".", "ham"), (".", "ham"), (".", "ham"), ("Y", "spam")]),
          "s": lambda g: g.num(-4, 4) if g.drawn[0] == "." else g.num(5, 38),
          "syms": lambda g: sa_ham_symbols(g) if g.drawn[0] == "." else sa_spam_symbols(g),
          "t": lambda g: f"{g.r.uniform(0.2, 9):.1f}", "b": lambda g: g.num(900, 250000), "u": sa_user, "uid": then(1),
          "h": pick(["localhost"]), "ip": pick(["127.0.0.1", "::1"]), "port": Gen.port, "mid": msgid,
          "bayes": lambda g: g.r.choice(["0.000000", f"{g.r.uniform(0, 0.05):.6f}", f"{g.r.uniform(0.95, 1):.6f}"]),
          "al": pick(["no", "no", "ham", "spam", "disabled", "unavailable"])}),
        (5, spamd + "prefork: child states: {st}", {**spamd_slots, "st": lambda g: "".join(g.r.choice("IIIB") for _ in range(g.r.randint(2, 5)))}),
        (4, spamd + "spamd: handled cleanup of child pid [{c}] due to SIGCHLD: exit {e}",
         {**spamd_slots, "c": lambda g: g.num(20000, 60000), "e": pick(["0", "0", "0", "1"])}),
        # amavisd-new (default log_templ at log level 0)
        (25, amavis + "Passed {cat} {{{fl}}}, [{ip}]:{port} [{ip2}] <{f}> -> {rc}, Queue-ID: {q}, Message-ID: <{mid}>, mail_id: {mi}, "
         "Hits: {hits}, size: {size}, queued_as: {qa}, {ms} ms",
         {**amavis_slots, "cat": amavis_passed, "fl": amavis_flags, "ip": Gen.ip, "port": Gen.port, "ip2": public_ip, "f": sender,
          "rc": amavis_rcpts, "q": queue_id, "mid": msgid, "mi": amavis_mail_id, "hits": amavis_hits, "size": lambda g: g.num(900, 250000),
          "qa": queue_id, "ms": lambda g: g.num(180, 9000)}),
        (7, amavis + "Blocked {cat} {{{fl}}}, [{ip}]:{port} [{ip2}] <{f}> -> {rc}, quarantine: {qf}, Queue-ID: {q}, Message-ID: <{mid}>, "
         "mail_id: {mi}, Hits: {hits}, size: {size}, {ms} ms",
         {**amavis_slots, "cat": amavis_blocked, "fl": amavis_flags, "ip": Gen.ip, "port": Gen.port, "ip2": public_ip,
          "f": pick(MP_SPAM_SENDERS), "rc": amavis_rcpts, "qf": amavis_quarantine, "q": queue_id, "mid": msgid, "mi": amavis_mail_id,
          "hits": amavis_spam_hits, "size": lambda g: g.num(900, 250000), "ms": lambda g: g.num(300, 12000)}),
        (2, amavis + "(!)ClamAV-clamd: Can't connect to UNIX socket /var/run/clamav/clamd.ctl: {e}, retrying ({n})",
         {**amavis_slots, "e": pick(["No such file or directory", "Connection refused"]), "n": pick(["1", "2"])}),
        # OpenDKIM (syslog; the job id is the MTA's queue id)
        (24, dkim + "DKIM-Signature field added (s={s}, d={d})", {**dkim_slots, "s": first(MP_DKIM_SELECTORS), "d": then(1)}),
        (14, dkim + "{h} [{ip}] not internal", {**dkim_slots, "h": remote_host, "ip": then(1)}),
        (12, dkim + "not authenticated", dkim_slots),
        (8, dkim + "no signature data", dkim_slots),
        (3, dkim + "bad signature data", dkim_slots),
        (3, dkim + "key retrieval failed (s={s}, d={d}): {e}", {**dkim_slots, "s": first(MP_REMOTE_DKIM), "d": then(1), "e": dkim_key_error}),
        (4, dkim + "no signing table match for '{a}'", {**dkim_slots, "a": lambda g: f"{g.r.choice(['root', 'www-data', 'nagios'])}@{g.r.choice(['web01.example.com', 'mx1.example.com'])}"}),
        # OpenDMARC
        (20, dmarc + ": {d} {r}", {**dmarc_slots, "d": dmarc_domain, "r": pick(["pass", "pass", "pass", "none", "none", "fail"])}),
        (16, dmarc + ": SPF({m}): {d} {r}", {**dmarc_slots, "m": pick(["mailfrom", "mailfrom", "helo"]), "d": dmarc_domain, "r": pick(MP_SPF_RESULTS)}),
        (5, dmarc + " ignoring Authentication-Results at {n} from {h}",
         {**dmarc_slots, "n": pick(["0", "1", "2"]), "h": pick(["mx.google.com", "mx1.example.com", "spf.protection.outlook.com"])}),
        (1, dmarc + ": opendmarc_policy_query_dmarc({d}) returned status {s}", {**dmarc_slots, "d": dmarc_domain, "s": pick(["2", "3", "4"])}),
        # OpenSMTPD (syslog; the session id is a 64-bit hex number)
        (20, osmtpd + "smtp connected address={ip} host={h}",
         {**osmtpd_slots, "ip": lambda g: g.r.choice([public_ip(g), g.ip(), "198.51.100.23"]), "h": lambda g: g.r.choice(["<unknown>", remote_host(g)])}),
        (8, osmtpd + "smtp tls ciphers={c}", {**osmtpd_slots, "c": lambda g: "{}:{}:{}".format(*g.r.choice(MP_CIPHERS))}),
        (5, osmtpd + "smtp authentication user={u} result=ok", {**osmtpd_slots, "u": pick(MP_USERS)}),
        (4, osmtpd + "smtp authentication user={u} result=permfail", {**osmtpd_slots, "u": pick([*MP_USERS, "admin", "test"])}),
        (14, osmtpd + "smtp message msgid={m} size={s} nrcpt={n} proto={p}",
         {**osmtpd_slots, "m": lambda g: g.hexs(8), "s": lambda g: g.num(900, 250000), "n": pick(["1", "1", "1", "2", "4"]), "p": pick(["ESMTP", "ESMTP", "SMTP"])}),
        (16, osmtpd + "smtp envelope evpid={e} from=<{f}> to=<{t}>", {**osmtpd_slots, "e": smtpd_evpid, "f": sender, "t": local_addr}),
        (10, osmtpd + 'mta delivery evpid={e} from=<{f}> to=<{t}> rcpt=<-> source="{src}" relay="{r}" delay={d} result="{res}" stat="{st}"',
         {**osmtpd_slots, "e": smtpd_evpid, "f": local_addr, "t": lambda g: g.r.choice(["j.doe@shopwave.example", "m.weber@partner-gmbh.example", "someone@gmail.com"]),
          "src": pick(["192.0.2.10", "192.0.2.11"]), "r": smtpd_relay, "d": smtpd_delay, "res": then(2), "st": then(3)}),
        (10, osmtpd + "mda delivery evpid={e} from=<{f}> to=<{t}> rcpt=<{r}> user={u} delay={d} result=Ok stat=Delivered",
         {**osmtpd_slots, "e": smtpd_evpid, "f": sender, "t": local_addr, "r": local_addr, "u": pick(["vmail"]), "d": smtpd_delay}),
        (6, osmtpd + 'smtp failed-command command="{c}" result="{r}"', {**osmtpd_slots, "c": smtpd_failed, "r": then(1)}),
        (18, osmtpd + "smtp disconnected reason={r}", {**osmtpd_slots, "r": pick(MP_OPENSMTPD_DISCONNECT)}),
        # Haraka (log.ini format=default, timestamps off: [LEVEL] [uuid] [plugin] message)
        (14, "[NOTICE] [{u}] [core] connect ip={ip} port={p} local_ip={lip} local_port={lp}",
         {"u": haraka_uuid, "ip": lambda g: g.r.choice([public_ip(g), g.ip()]), "p": Gen.port, "lip": pick(["192.0.2.20"]), "lp": pick(["25", "25", "587", "465"])}),
        (14, '[NOTICE] [{u}] [core] disconnect ip={ip} rdns={rd} helo={he} relay={rl} early=N esmtp={es} tls={tls} pipe={pp} errors={er} '
         'txns={tx} rcpts={rc} msgs={ms} bytes={b} lr="{lr}" time={t}',
         {"u": haraka_txn, "ip": lambda g: g.r.choice([public_ip(g), g.ip()]),
          "rd": lambda g: g.r.choice(["NXDOMAIN", remote_host(g), "mail.partner-gmbh.example"]),
          "he": pick(["mail.partner-gmbh.example", "[185.220.101.37]", "WIN-7N1FIECL6IC", "localhost"]), "rl": haraka_flag, "es": pick(["Y", "Y", "N"]),
          "tls": pick(["Y", "N"]), "pp": haraka_flag, "er": pick(["0", "0", "0", "1"]), "tx": pick(["0", "1", "1", "2"]),
          "rc": haraka_counts, "ms": haraka_counts, "b": lambda g: g.r.choice(["0", g.num(300, 90000)]), "lr": haraka_lr,
          "t": lambda g: f"{g.r.uniform(0.05, 30):.3f}"}),
        (10, '[NOTICE] [{u}] [core] message mid=<{mid}> size={s} rcpts={rc} delay={d} code={c} msg="{m}"',
         {"u": haraka_txn, "mid": msgid, "s": lambda g: g.num(300, 90000), "rc": haraka_counts, "d": lambda g: f"{g.r.uniform(0.005, 2):.3f}",
          "c": pick(["CONT", "OK", "OK"]), "m": pick(["", ""])}),
        (10, '[NOTICE] [{u}] [core] queue code=OK msg="Message Queued ({u2})"', {"u": haraka_txn_drawn, "u2": then(0)}),
        (6, '[INFO] [{u}] [core] hook={h} plugin={p} function={fn} params="{pa}" retval={rv} msg="{m}"',
         {"u": haraka_txn, "h": haraka_hook, "p": then(1), "fn": then(2), "pa": lambda g: g.r.choice(["", f"<{local_addr(g)}>"]), "rv": then(3), "m": then(4)}),
        (5, "[INFO] [-] [outbound] Transaction delivery for domain: {d}", {"d": pick(["gmail.com", "partner-gmbh.example", "outlook.com"])}),
        (3, "[INFO] [{u}] [outbound] bouncing mail: {r}", {"u": lambda g: f"{haraka_txn(g)}.1", "r": haraka_bounce}),
        (2, "[ERROR] [-] [dns-list] {q} -> Error: queryA {e} {q2}",
         {"q": first([("2.0.0.127.zen.spamhaus.org.",), ("2.0.0.127.b.barracudacentral.org.",)]), "e": pick(["ENOTFOUND", "ETIMEOUT"]), "q2": then(0)}),
        # Cyrus IMAP 3 (syslog ident cyrus/<service>)
        (14, cyrus + "imaps[{pid}]: login: {c} {u} {m} User logged in SESSIONID=<{sid}>",
         {**cyrus_slots, "pid": lambda g: g.num(3000, 60000), "c": cyrus_client, "u": lambda g: f"{g.r.choice(MP_USERS)}@{g.r.choice(MP_LOCAL_DOMAINS)}",
          "m": pick(MP_CYRUS_MECHS), "sid": cyrus_session}),
        (6, cyrus + "imaps[{pid}]: badlogin: {c} {m} [{e}]",
         {**cyrus_slots, "pid": lambda g: g.num(3000, 60000), "c": cyrus_client, "m": pick(["PLAIN", "LOGIN", "plaintext"]), "e": pick(MP_CYRUS_BADLOGIN)}),
        (12, cyrus + "{svc}[{pid}]: accepted connection", {**cyrus_slots, "svc": pick(["imaps", "imaps", "imap", "lmtp", "sieve"]), "pid": lambda g: g.num(3000, 60000)}),
        (6, cyrus + "imap[{pid}]: starttls: {v} with cipher {c} ({b}/{b2} bits new) no authentication",
         {**cyrus_slots, "pid": lambda g: g.num(3000, 60000), "v": cyrus_cipher, "c": then(1), "b": then(2), "b2": then(2)}),
        (16, cyrus + "lmtp[{pid}]: Delivered: <{mid}> to mailbox: {mb}", {**cyrus_slots, "pid": lambda g: g.num(3000, 60000), "mid": msgid, "mb": cyrus_mailbox}),
        (4, cyrus + "imaps[{pid}]: Expunged {n} messages from {mb}", {**cyrus_slots, "pid": lambda g: g.num(3000, 60000), "n": lambda g: g.num(1, 60), "mb": cyrus_mailbox}),
        (8, cyrus + "{svc}[{pid}]: USAGE {u} user: {a} sys: {b}",
         {**cyrus_slots, "svc": pick(["imaps", "imap", "lmtp"]), "pid": lambda g: g.num(3000, 60000), "u": lambda g: g.r.choice([f"{g.r.choice(MP_USERS)}@example.com", "<none>"]),
          "a": lambda g: f"{g.r.uniform(0, 0.9):.6f}", "b": lambda g: f"{g.r.uniform(0, 0.5):.6f}"}),
        # Courier (courierlogger: no pid)
        (6, courier + "courieresmtpd: error,relay={ip},from=<{f}>,to=<{t}>: {e}",
         {**courier_slots, "ip": lambda g: f"::ffff:{public_ip(g)}", "f": pick(MP_SPAM_SENDERS), "t": lambda g: f"{g.r.choice(['sales', 'jdoe', 'info'])}@example.com", "e": courier_error}),
        (8, courier + "courierd: started,id={id},from=<{f}>,module=esmtp,host={h},addr=<{a}>",
         {**courier_slots, "id": courier_id, "f": local_addr, "h": first(MP_COURIER_PEERS), "a": then(1)}),
        (8, courier + "courierd: completed,id={id}", {**courier_slots, "id": courier_id}),
        (10, courier + "courierlocal: id={id},from=<{f}>,addr=<{a}>,size={s},success: Message delivered.",
         {**courier_slots, "id": courier_id, "f": sender, "a": local_addr, "s": lambda g: g.num(900, 250000)}),
        (6, courier + "courieresmtp: id={id},from=<{f}>,addr=<{a}>,status: success",
         {**courier_slots, "id": courier_id, "f": local_addr, "a": pick(["j.doe@shopwave.example", "m.weber@partner-gmbh.example", "someone@gmail.com"])}),
        (12, courier + "imapd-ssl: LOGIN, user={u}, ip={ip}, port=[{p}], protocol=IMAP", {**courier_slots, "u": local_addr, "ip": courier_ip, "p": Gen.port}),
        (10, courier + "imapd-ssl: LOGOUT, user={u}, ip={ip}, headers={h}, body={b}, rcvd={r}, sent={s}, time={t}, starttls=1",
         {**courier_slots, "u": local_addr, "ip": courier_ip, "h": lambda g: g.num(0, 90000), "b": lambda g: g.num(0, 900000),
          "r": lambda g: g.num(100, 9000), "s": lambda g: g.num(1000, 900000), "t": lambda g: g.num(1, 7200)}),
        (4, courier + "imapd-ssl: LOGIN FAILED, user={u}, ip={ip}", {**courier_slots, "u": pick(["admin", "test", "alice@example.com", "info@example.com"]), "ip": courier_ip}),
        # Roundcube 1.6 (logs/userlogins.log and logs/errors.log)
        (10, rc + "Successful login for {u} (ID: {id}) from {ip} in session {s}",
         {**rc_slots, "u": local_addr, "id": lambda g: g.num(1, 40), "ip": rc_remote, "s": then(0)}),
        (5, rc + "Failed login for {u} from {ip} in session {s} (error: {e})",
         {**rc_slots, "u": lambda g: g.r.choice([local_addr(g), "admin", "test@example.com"]), "ip": rc_remote, "s": then(0), "e": pick(["0", "0", "3"])}),
        (4, rc + "IMAP Error: Login failed for {u} against {h} from {ip}. {e} in /var/www/roundcube/program/lib/Roundcube/rcube_imap.php "
         "on line 211 (POST /?_task=login&_action=login)",
         {**rc_slots, "u": lambda g: g.r.choice([local_addr(g), "admin"]), "h": pick(["localhost", "imap1.example.com"]), "ip": rc_remote,
          "e": pick(MP_ROUNDCUBE_IMAP_ERRORS)}),
        (2, rc + "SMTP Error: {e} in /var/www/roundcube/program/lib/Roundcube/rcube_smtp.php on line {ln} "
         "(POST /?_task=mail&_unlock=loading{t}&_framed=1&_action=send)",
         {**rc_slots, "e": rc_smtp_error, "ln": then(1), "t": lambda g: g.num(1764720000000, 1764806399999)}),
        # SOGo (sogod access and application lines)
        (22, sogo + '{ip} "{m} {p} HTTP/1.1" {s} {b}/{rb} {t} - - {mem} - {n}',
         {**sogo_slots, "ip": Gen.ip, "m": pick(["POST", "POST", "GET", "PROPFIND", "REPORT"]), "p": sogo_path, "s": pick(["200", "200", "200", "207", "401", "404"]),
          "b": lambda g: g.num(0, 90000), "rb": lambda g: g.num(0, 4000), "t": lambda g: f"{g.r.uniform(0.001, 1.5):.3f}",
          "mem": lambda g: g.r.choice(["0", f"{g.r.randint(4, 900)}K"]), "n": lambda g: g.num(1, 40)}),
        (4, sogo + "SOGoRootPage Login from '{ip}' for user '{u}' might not have worked - password policy: {pp}  grace: -1  expire: -1  bound: 0",
         {**sogo_slots, "ip": lambda g: g.r.choice([public_ip(g), f"{public_ip(g)}, 10.0.4.10"]), "u": pick(["admin", "alice", "test", "info@example.com"]),
          "pp": pick(["65535"])}),
        (2, sogo + "[ERROR] <0x0x{h}[WOWatchDog]> No child available to handle incoming request!", {**sogo_slots, "h": lambda g: f"55{g.hexs(10)}"}),
        # Zimbra 10 mailbox.log (log4j: time level [thread] [context] category - message)
        (12, zimbra + "INFO  [{th}] [name={u};mid={mid};ip={ip};ua={ua};soapId={sid};] soap - {req}",
         {"ts": java_ts, "th": zimbra_soap_thread, "u": zimbra_account, "mid": lambda g: g.num(2, 60), "ip": Gen.ip, "ua": pick(MP_ZIMBRA_UAS),
          "sid": lambda g: g.hexs(8), "req": then(0)}),
        (8, zimbra + "INFO  [ImapSSLServer-{n}] [ip={ip};oip={oip};via={via}(nginx/1.20.0);cid={cid};] imap - user {u} authenticated, mechanism={m}",
         {"ts": java_ts, "n": lambda g: g.num(100, 99999), "ip": pick(["10.0.5.20"]), "oip": lambda g: g.r.choice([g.ip(), public_ip(g)]),
          "via": pick(["10.0.5.20"]), "cid": lambda g: g.num(1000, 999999), "u": zimbra_account, "m": pick(["PLAIN", "LOGIN", "OAUTHBEARER"])}),
        (10, zimbra + "INFO  [LmtpServer-{n}] [name={u};mid={mid};ip={ip};] lmtp - Delivering message: size={s} bytes, nrcpts={r}, sender={f}, msgid=<{m}>",
         {"ts": java_ts, "n": lambda g: g.num(1, 99999), "u": zimbra_account, "mid": lambda g: g.num(2, 60), "ip": pick(["10.0.5.21"]),
          "s": lambda g: g.num(900, 250000), "r": pick(["1", "1", "2"]), "f": sender, "m": msgid}),
        (10, zimbra + "INFO  [LmtpServer-{n}] [name={u};mid={mid};msgid=<{m}>;ip={ip};] mailop - Adding Message: id={id}, Message-ID=<{m2}>, parentId=-1, folderId={fid}, folderName={fn}.",
         {"ts": java_ts, "n": lambda g: g.num(1, 99999), "u": zimbra_account, "mid": lambda g: g.num(2, 60), "m": msgid, "ip": pick(["10.0.5.21"]),
          "id": lambda g: g.num(257, 99999), "m2": msgid, "fid": zimbra_folder_id, "fn": then(1)}),
        (4, zimbra + "INFO  [{th}] [oip={ip};ua={ua};soapId={sid};] account - authentication failed for [{u}] ({r})",
         {"ts": java_ts, "th": lambda g: f"qtp1050349584-{g.num(100, 99999)}:https://mail.example.com/service/soap/AuthRequest",
          "ip": lambda g: g.r.choice([g.ip(), public_ip(g)]), "ua": pick(MP_ZIMBRA_UAS), "sid": lambda g: g.hexs(8), "u": zimbra_account,
          "r": pick(["invalid password", "invalid password", "account lockout due to too many failed logins", "account is locked"])}),
        (4, zimbra + "INFO  [{th}] [name={u};mid={mid};ip={ip};ua={ua};soapId={sid};] mailop - Moving Message (id={id}) to Folder {fn} (id={fid})",
         {"ts": java_ts, "th": lambda g: f"qtp2108297339-{g.num(100, 99999)}:https://mail.example.com/service/soap/MsgActionRequest",
          "u": zimbra_account, "mid": lambda g: g.num(2, 60), "ip": Gen.ip, "ua": pick(MP_ZIMBRA_UAS), "sid": lambda g: g.hexs(8),
          "id": lambda g: g.num(257, 99999), "fn": zimbra_folder, "fid": then(0)}),
        # Mailman 3 (logging template: time (pid) message)
        (8, mm + "ACCEPT: <{m}>", {**mm_slots, "pid": pick(["2895919"]), "m": msgid}),
        (10, mm + "<{m}> smtp to {l} for {n} recips, completed in {t} seconds",
         {**mm_slots, "pid": pick(["2895922"]), "m": msgid, "l": pick(MP_LISTS), "n": lambda g: g.num(1, 480), "t": lambda g: repr(g.r.uniform(0.002, 9))}),
        (10, mm + "<{m}> post to {l} from {f}, {s} bytes",
         {**mm_slots, "pid": pick(["2895922"]), "m": msgid, "l": pick(MP_LISTS), "f": lambda g: g.r.choice([local_addr(g), sender(g)]), "s": lambda g: g.num(300, 90000)}),
        (2, mm + "<{m}> post to {l} from {f}, {s} bytes, {n} failures",
         {**mm_slots, "pid": pick(["2895922"]), "m": msgid, "l": pick(MP_LISTS), "f": local_addr, "s": lambda g: g.num(300, 90000), "n": lambda g: g.num(1, 6)}),
        (2, mm + "<{m}> delivery to {r} failed with code {c}, {e}",
         {**mm_slots, "pid": pick(["2895922"]), "m": msgid, "r": mm_failed_rcpt, "c": then(1),
          "e": lambda g: g.drawn[2].replace("{r}", g.drawn[0]).replace("{ip}", "192.0.2.30")}),
        (4, mm + "HOLD: {l} post from {f} held, message-id=<{m}>: {r}",
         {**mm_slots, "pid": pick(["2895921"]), "l": pick(MP_LISTS), "f": lambda g: g.r.choice(MP_SPAM_SENDERS + MP_SENDERS[:2]), "m": msgid,
          "r": pick(MP_MM_HOLD_REASONS)}),
        (8, '[{t}] "{m} {p} HTTP/1.1" {s} {b} "-" "{ua}"',
         {"t": lambda g: g.clf_time()[1:-1], "m": mm_rest, "p": then(1), "s": then(2), "b": lambda g: g.num(0, 9000),
          "ua": pick(["GNU Mailman REST client v3.3.5", "curl/7.88.1"])}),
        # Sympa 6.2 (syslog: level, caller, message)
        (6, sympa + "sympa_msg[{pid}]: notice Sympa::Spindle::ProcessIncoming::_twist() Processing Sympa::Message <{id}>; envelope_sender={es}; "
         "message_id={m}; sender={s}",
         {"ts": sys_ts, "pid": pick(["4179"]), "id": sympa_spool_id, "es": local_addr, "m": msgid, "s": local_addr}),
        (6, sympa + "sympa_msg[{pid}]: info Sympa::Spindle::DistributeMessage::_distribute_msg() Message Sympa::Message <{id}> for Sympa::List <{l}> "
         "from {f} accepted ({t} seconds, {n} sessions, {k} subscribers), message ID={m}, size={s}",
         {"ts": sys_ts, "pid": pick(["4179"]), "id": sympa_spool_id, "l": then(0), "f": local_addr, "t": lambda g: f"{g.r.uniform(0.05, 4):.2f}",
          "n": lambda g: g.num(1, 12), "k": lambda g: g.num(3, 900), "m": msgid, "s": lambda g: g.num(300, 90000)}),
    ]


# EmbeddedPlatform: written blind for the twenty-second issue-15 pass (w-112), scored once.
EMB_UBOOT_VERSIONS = ["2023.04", "2024.01", "2024.10-rc3"]
EMB_UBOOT_DRAM = ["512 MiB", "1 GiB", "1 GiB", "2 GiB", "4 GiB"]
EMB_UBOOT_ENV = ["MMC", "MMC", "SPIFlash", "FAT"]
EMB_UBOOT_LOAD_ADDRS = ["82000000", "40480000", "80800000", "48000000"]
EMB_UBOOT_FDT_ADDRS = ["83000000", "43000000", "88000000"]
# (speed and type words the MMC core prints together, card address)
EMB_MMC_CARDS = [("high speed SDHC", "aaaa"), ("ultra high speed SDR104 SDXC", "59b4"), ("HS200 MMC", "0001"),
                 ("high speed SDIO", "0001"), ("ultra high speed DDR50 SDHC", "e624")]
# (USB vendor id, product id, bcdDevice) of what hangs off the boards' hubs
EMB_USB_DEVICES = [("0bda", "8153", "30.00"), ("0424", "2514", "b.b3"), ("1a86", "7523", "2.64"), ("2c7c", "0125", "3.18"),
                   ("0403", "6001", "6.00")]
EMB_USB_HOSTS = ["dwc2", "ehci-platform", "xhci-hcd"]
EMB_BRCM_FIRMWARE = [("brcm/brcmfmac43455-sdio", "BCM4345/6"), ("brcm/brcmfmac43430-sdio", "BCM43430/1"),
                     ("brcm/brcmfmac43456-sdio", "BCM4345/9")]
EMB_SPI_NOR = [("w25q128", "16384"), ("mx25l25635e", "32768"), ("is25lp064a", "8192"), ("n25q256a", "32768")]
EMB_EEPROMS = [("256", "24c02", "1"), ("4096", "24c32", "32"), ("32768", "24c256", "64")]
# (network driver, device) pairs of the boards' MACs; phylib prints them before the interface
EMB_NICS = [("fec", "30be0000.ethernet", "eth0"), ("stmmaceth", "ff540000.ethernet", "eth0"), ("bcmgenet", "fd580000.ethernet", "eth0"),
            ("lan78xx", "1-1.1.1:1.0", "eth1"), ("mvneta", "f1070000.ethernet", "eth1")]
EMB_LINK_SPEEDS = ["1Gbps", "1Gbps", "100Mbps", "10Mbps"]
EMB_FLOW_CONTROL = ["rx/tx", "rx/tx", "off", "rx"]
EMB_ROOTFS = ["squashfs", "squashfs", "ext4", "ubifs"]
EMB_ZEPHYR_BUILDS = ["v3.5.0", "v3.6.0-1842-g3f1b2a9c7d5e", "v3.7.0", "v4.0.0"]
EMB_ZEPHYR_FATAL = [("0", "CPU exception"), ("0", "CPU exception"), ("2", "Stack overflow"), ("4", "Kernel panic"), ("3", "Kernel oops")]
EMB_ZEPHYR_THREADS = ["sensor_thread", "main", "sysworkq", "net_mgmt", "ble_rx"]
EMB_BT_PLATFORMS = [("Nordic Semiconductor", "0002"), ("Nordic Semiconductor", "0002"), ("Silicon Labs", "02ff"),
                    ("Zephyr Project", "05f1")]
# (magic, swap_type, copy_done, image_ok) of MCUboot's primary slot
EMB_MCUBOOT_STATES = [("good", "0x1", "0x3", "0x1"), ("good", "0x1", "0x3", "0x1"), ("good", "0x2", "0x1", "0x3"),
                      ("unset", "0x1", "0x3", "0x3"), ("good", "0x4", "0x1", "0x1")]
EMB_LFS_MOUNTS = ["/lfs", "/lfs", "/lfs1", "/storage"]
EMB_IDF_VERSIONS = ["v5.1.2", "v5.2.1", "v5.3-dirty", "v4.4.6"]
EMB_IDF_SEGMENT_KINDS = ["map", "load", "load", "map", "load"]
EMB_IDF_HEAP = [("3FFAE6E0", "00001920", "6", "DRAM"), ("3FFB9A20", "00026600", "153", "DRAM"),
                ("3FFE0440", "0001FBC0", "126", "D/IRAM"), ("40094A8C", "0000B574", "45", "IRAM")]
# (state before, state after, reason code) of the Wi-Fi station's state machine
EMB_IDF_WIFI_STATES = [("init", "auth", "b0"), ("auth", "assoc", "0"), ("assoc", "run", "10"), ("run", "init", "c800"),
                       ("auth", "init", "200"), ("assoc", "init", "8a0"), ("run", "init", "ec0")]
EMB_SSIDS = ["PlantFloor-IoT", "Lab-2.4G", "HOME-8F2C", "gw-07-ap"]
EMB_IDF_BANDWIDTHS = ["BW20", "BW20", "40U", "40D"]
EMB_MQTT_HOSTS = ["mqtt.example.com", "broker.plant1.internal", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com"]
EMB_IDF_TRANSPORT_ERRORS = ["32774", "32774", "32772", "32773", "32771"]
EMB_RTOS_TASKS = ["IP-task", "MQTT Agent Task", "OTA Task", "ETHER_RECEI", "main"]
# (state before, state after) of a FreeRTOS+TCP socket
EMB_TCP_STATES = [("eCLOSED", "eCONNECT_SYN"), ("eCONNECT_SYN", "eSYN_FIRST"), ("eSYN_FIRST", "eESTABLISHED"),
                  ("eESTABLISHED", "eFIN_WAIT_1"), ("eFIN_WAIT_1", "eFIN_WAIT_2"), ("eFIN_WAIT_2", "eTIME_WAIT"),
                  ("eESTABLISHED", "eCLOSE_WAIT"), ("eCONNECT_SYN", "eCLOSE_WAIT")]
EMB_OWRT_IFACES = ["wan", "wan", "lan", "wan6", "guest"]
EMB_OWRT_DEVICES = ["eth0", "eth1", "lan1", "lan2", "wan", "br-lan", "phy0-ap0"]
EMB_OWRT_PROCD_SERVICES = [("dnsmasq", "cfg01411c"), ("odhcpd", "instance1"), ("uhttpd", "main"), ("mosquitto", "instance1"),
                           ("collectd", "instance1")]
EMB_WLANS = ["wlan0", "wlan1", "phy0-ap0", "phy1-ap0"]
EMB_WPA_PROTOS = ["RSN", "RSN", "RSN", "WPA"]
EMB_DHCPV6_TYPES = ["SOLICIT", "REQUEST", "RENEW", "RENEW", "REBIND", "RELEASE"]
EMB_OWRT_LANS = ["br-lan", "br-lan", "br-guest"]
EMB_SSH_USERS = ["root", "root", "admin", "ubnt"]
EMB_DROPBEAR_EXITS = ["Disconnect received", "Disconnect received", "Exited normally", "Keepalive timeout",
                      "Error reading: Connection reset by peer", "Max auth tries reached - user 'root'"]
EMB_BB_HOSTS = ["buildroot", "rpi-gw-07", "edge-a53"]
# (tty, command) of inittab entries BusyBox init respawns
EMB_BB_INITTAB = [("", "/etc/init.d/rcS"), ("/dev/ttyS0", "/sbin/getty -L ttyS0 115200 vt100"), ("/dev/ttymxc0", "/sbin/getty -L ttymxc0 115200 vt100"),
                  ("", "/usr/sbin/watchdog -T 15 -t 5 /dev/watchdog"), ("/dev/console", "-/bin/sh")]
EMB_HOSTS = ["gw-plant1-07", "kiosk-3f2a", "hmi-line4"]
EMB_CONNMAN_IFACES = ["wlan0", "eth0", "wlan0", "usb0"]
EMB_CONNMAN_FLAGS = [("69699", "UP,RUNNING,LOWER_UP"), ("4099", "UP"), ("4098", "DOWN"), ("69699", "UP,RUNNING,LOWER_UP")]
EMB_RAUC_SLOTS = [("rootfs.0", "/dev/mmcblk0p2"), ("rootfs.1", "/dev/mmcblk0p3"), ("appfs.0", "/dev/mmcblk0p5"),
                  ("appfs.1", "/dev/mmcblk0p6"), ("bootloader.0", "/dev/mmcblk0boot0")]
EMB_RAUC_IMAGES = ["/run/rauc/bundle/rootfs.ext4", "/run/rauc/bundle/core-image-minimal-imx8mm.ext4", "/run/rauc/bundle/appfs.squashfs",
                   "/run/rauc/bundle/u-boot.imx"]
EMB_RAUC_ERRORS = ["Failed updating slot rootfs.1: failed to run hook: Child process exited with code 1",
                   "Compatible mismatch: Expected 'acme-gw-imx8mm' but bundle manifest has 'acme-gw-rpi4'",
                   "signature verification failed: Verify error:certificate has expired",
                   "Failed to download bundle https://updates.example.com/gw/bundle-3.4.1.raucb: Transfer failed: error: Timeout was reached"]
# (image, device, handler) entries of a sw-description
EMB_SWU_IMAGES = [("rootfs.ext4.gz", "/dev/mmcblk0p3", "raw"), ("core-image-base-imx6ull.ubifs", "/dev/ubi0_1", "ubivol"),
                  ("zImage", "/dev/mtd2", "flash"), ("app.tar.gz", "/opt/app", "archive")]
EMB_MENDER_TRANSITIONS = [("check-wait", "CheckWait", "update-check", "Sync"), ("update-check", "Sync", "update-fetch", "Download_Enter"),
                          ("update-fetch", "Download_Enter", "update-store", "Download_Enter"),
                          ("update-store", "Download_Enter", "update-install", "ArtifactInstall_Enter"),
                          ("update-install", "ArtifactInstall_Enter", "reboot", "ArtifactReboot_Enter"),
                          ("inventory-update", "Sync", "check-wait", "Idle"), ("update-check", "Sync", "check-wait", "Idle"),
                          ("update-error", "ArtifactFailure_Enter", "rollback", "ArtifactRollback_Enter")]
EMB_MENDER_RELEASES = ["gw-3.4.1", "gw-3.4.2-rc1", "kiosk-2026.12.0"]
EMB_MENDER_DEVICE_TYPES = ["raspberrypi4", "imx8mmevk", "beaglebone-yocto"]
EMB_MENDER_AUTH_ERRORS = ["Transient error: Authorization request error: dial tcp: lookup hosted.mender.io: Temporary failure in name resolution",
                          "Transient error: Authorization request error: Post \\\"https://hosted.mender.io/api/devices/v1/authentication/auth_requests\\\": "
                          "x509: certificate has expired or is not yet valid",
                          "Unauthorized: authentication request rejected server error message: dev auth: unauthorized"]
# (recipe with version, recipe file under the layers)
EMB_BB_RECIPES = [("busybox-1.36.1-r0", "/home/build/poky/meta/recipes-core/busybox/busybox_1.36.1.bb"),
                  ("linux-imx-6.6.23+git-r0", "/home/build/meta-freescale/recipes-kernel/linux/linux-imx_6.6.bb"),
                  ("glibc-2.39+git-r0", "/home/build/poky/meta/recipes-core/glibc/glibc_2.39.bb"),
                  ("openssl-3.2.1-r0", "/home/build/poky/meta/recipes-connectivity/openssl/openssl_3.2.1.bb"),
                  ("rauc-1.11.3-r0", "/home/build/meta-rauc/recipes-core/rauc/rauc_1.11.3.bb"),
                  ("acme-gateway-app-3.4.1-r0", "/home/build/meta-acme/recipes-apps/acme-gateway-app/acme-gateway-app_git.bb")]
EMB_BB_TASKS = ["do_fetch", "do_unpack", "do_patch", "do_configure", "do_compile", "do_compile", "do_install", "do_package",
                "do_populate_sysroot", "do_package_write_ipk"]
EMB_BB_SETSCENE_TASKS = ["do_populate_sysroot", "do_package_write_ipk", "do_packagedata", "do_deploy_source_date_epoch"]
EMB_BB_FETCH_URLS = ["git://github.com/acme/gateway-app.git;protocol=https;branch=main",
                     "https://www.openssl.org/source/openssl-3.2.1.tar.gz", "https://busybox.net/downloads/busybox-1.36.1.tar.bz2"]
# Android HALs
EMB_AUDIO_SND_DEVICES = [("2", "speaker"), ("3", "speaker-reverse"), ("14", "headphones"), ("36", "handset-mic"), ("44", "speaker-mic")]
EMB_AUDIO_USECASES = [("0", "deep-buffer-playback"), ("1", "low-latency-playback"), ("2", "audio-ull-playback"), ("14", "audio-record"),
                      ("5", "compress-offload-playback")]
EMB_HIDL_SERVICES = ["android.hardware.health@2.1::IHealth", "android.hardware.wifi@1.0::IWifi",
                     "vendor.qti.hardware.perf@2.2::IPerf", "android.hardware.camera.provider@2.4::ICameraProvider"]
EMB_HIDL_MISSING = ["android.hardware.configstore@1.0::ISurfaceFlingerConfigs", "android.hardware.power.stats@1.0::IPowerStats",
                    "android.hardware.graphics.allocator@4.0::IAllocator", "vendor.qti.hardware.display.mapper@3.0::IQtiMapper"]


def embedded_events() -> list[tuple[float, str, dict]]:
    """Embedded and edge-device software none of the other corpora covers: the U-Boot console, the
    Linux boot console of ARM boards (device-tree drivers: MMC, USB, brcmfmac, raspberrypi-hwmon,
    spi-nor, imx-sdma, at24, rtc-pcf8563, phylib, thermal, watchdog), Zephyr RTOS logging with
    MCUboot, ESP-IDF, FreeRTOS+TCP (demo logging), OpenWrt through logread (netifd with its udhcpc
    output, procd, hostapd, odhcpd, dropbear), BusyBox init through BusyBox syslogd, ConnMan, RAUC,
    SWUpdate (console notifier), the Mender 2 client, Yocto's BitBake and Android HALs in logcat's
    threadtime format (healthd, libhidl's service lookups, hwservicemanager, the Qualcomm
    audio_hw_primary HAL). Written blind for the twenty-second issue-15 pass: before reading the
    engine or any failure analysis; 126 event types."""

    clock = {"hms": "00:00:00"}

    def wall(g: Gen) -> str:
        clock["hms"] = hms(g)
        return clock["hms"]

    # U-Boot
    def uboot_build(g: Gen) -> str:
        return f"Nov {g.r.randint(10, 28)} 2026 - {hms(g)} +0000"

    def uboot_read(g: Gen) -> str:
        # bytes, milliseconds and the rate U-Boot's print_size derives from them
        size = g.r.choice([g.r.randint(20000, 90000), g.r.randint(4_000_000, 30_000_000)])
        ms = max(1, size // g.r.randint(9000, 40000))
        rate = size / ms * 1000
        unit, div = ("MiB", 1 << 20) if rate >= 1 << 20 else ("KiB", 1 << 10)
        value = rate / div
        shown = f"{value:.1f}".removesuffix(".0")
        g.drawn = (str(ms), f"{shown} {unit}")
        return str(size)

    # Linux kernel console
    def kernel_ts(g: Gen) -> str:
        # printk pads the seconds to five columns inside the brackets; runtime events come late
        return f"{g.r.choice([g.r.randint(0, 9), g.r.randint(0, 60), g.r.randint(60, 99999)]):>5}.{g.num(0, 999999):0>6}"

    def kernel_boot_ts(g: Gen) -> str:
        # drivers probe during the first seconds of boot
        return f"{g.r.randint(0, 14):>5}.{g.num(0, 999999):0>6}"

    def usb_port(g: Gen) -> str:
        return g.r.choice(["1-1", "1-1.3", "1-1.2", "2-1", "1-1.1.2"])

    def mmc_card(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_MMC_CARDS)
        return g.drawn[0]

    def nic(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_NICS)
        return g.drawn[0]

    def rtc_time(g: Gen) -> str:
        h = hms(g)
        hh, mm, ss = (int(x) for x in h.split(":"))
        g.drawn = (str(1796256000 + hh * 3600 + mm * 60 + ss),)
        return f"2026-12-03T{h}"

    # Zephyr
    def zephyr_ts(g: Gen) -> str:
        s = g.r.choice([g.r.randint(0, 9), g.r.randint(0, 3599), g.r.randint(0, 86399)])
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{g.num(0, 999):0>3},{g.num(0, 999):0>3}"

    def zephyr_boot_ts(g: Gen) -> str:
        return f"00:00:0{g.r.randint(0, 2)}.{g.num(0, 999):0>3},{g.num(0, 999):0>3}"

    def zephyr_ptr(g: Gen) -> str:
        return f"0x2000{g.hexs(4)}"

    def ble_addr(g: Gen) -> str:
        return ":".join(g.hexs(2).upper() for _ in range(6))

    # ESP-IDF
    def idf_ms(g: Gen) -> str:
        return str(g.r.choice([g.r.randint(20, 900), g.r.randint(900, 9000), g.r.randint(9000, 4_000_000)]))

    def idf_segment(g: Gen) -> str:
        size = g.r.randint(0x200, 0x9FFFF)
        g.drawn = (f"{size:05x}", f"{size:6d}")
        return str(g.r.randint(0, 5))

    def idf_heap(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_IDF_HEAP)
        return g.drawn[0]

    def idf_state(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_IDF_WIFI_STATES)
        return g.drawn[0]

    def mac(g: Gen) -> str:
        return ":".join(g.hexs(2) for _ in range(6))

    def lan_ip(g: Gen) -> str:
        return f"192.168.{g.r.choice(['1', '1', '0', '10', '178'])}.{g.r.randint(2, 254)}"

    def gateway_ip(g: Gen) -> str:
        return g.r.choice(["192.168.1.1", "192.168.0.1", "10.20.0.1"])

    # FreeRTOS+TCP demo logging: message counter, tick count, task name
    def rtos_seq(g: Gen) -> str:
        return g.num(0, 9999)

    def rtos_hex_ip(g: Gen) -> str:
        return "".join(f"{int(x):02x}" for x in lan_ip(g).split("."))

    # OpenWrt logread
    def owrt_ts(g: Gen) -> str:
        return f"Thu Dec  3 {hms(g)} 2026"

    def odhcpd_duid(g: Gen) -> str:
        return g.r.choice([f"00010001{g.hexs(8)}{g.hexs(12)}", f"00040000{g.hexs(24)}", f"00030001{g.hexs(12)}"])

    def odhcpd_leases(g: Gen) -> str:
        # the lease buffer lists each address it hands out (1 to 3), prefix length after a slash
        n = g.r.choice([1, 1, 1, 2, 3])
        return " ".join(g.r.choice([f"fd{g.hexs(2)}:{g.hexs(4)}:{g.hexs(4)}::{g.hexs(3)}/128",
                                    f"2001:db8:{g.hexs(4)}:{g.r.randint(1, 9)}0::/60"]) for _ in range(n))

    def public_ip(g: Gen) -> str:
        return f"{g.r.choice(['185.220', '45.148', '91.92', '141.98'])}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}"

    # BusyBox syslogd, journald
    def bb_ts(g: Gen) -> str:
        return f"Dec  3 {hms(g)}"

    def journal_ts(g: Gen) -> str:
        return f"Dec 03 {wall(g)}"

    def inittab(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_BB_INITTAB)
        return g.drawn[0]

    def connman_flags(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_CONNMAN_FLAGS)
        return g.drawn[0]

    def rauc_txn(g: Gen) -> str:
        # RAUC prints the first eight characters of the transaction UUID
        return g.hexs(8)

    def rauc_slot(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_RAUC_SLOTS)
        return g.drawn[0]

    def swu_image(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_SWU_IMAGES)
        return g.drawn[0]

    # Mender (logrus through journald; logrus stamps the same second journald does)
    def mender_ts(g: Gen) -> str:
        return f"2026-12-03T{clock['hms']}Z"

    def mender_transition(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_MENDER_TRANSITIONS)
        return g.drawn[0]

    def mender_url(g: Gen) -> str:
        return (f"https://s3.amazonaws.com/hosted-mender-artifacts/{g.hexs(24)}/{g.uuid()}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                f"&X-Amz-Credential=AKIAQWI25QR6NDTJ7DLD%2F20261203%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261203T{clock['hms'].replace(':', '')}Z"
                f"&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature={g.hexs(64)}")

    # BitBake
    def bb_recipe(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_BB_RECIPES)
        return g.drawn[0]

    def bb_recipe_file(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_BB_RECIPES)
        return g.drawn[1]

    def bb_task_total(g: Gen) -> str:
        return g.r.choice(["4127", "4127", "5318", "2045"])

    def bb_sstate(g: Gen) -> str:
        wanted = g.r.randint(800, 4000)
        local = g.r.randint(0, wanted)
        missed = wanted - local
        current = g.r.randint(0, 900)
        g.drawn = (str(local), str(missed), str(current), str(local * 100 // wanted),
                   str((local + current) * 100 // (wanted + current)))
        return str(wanted)

    # Android logcat (threadtime): date time, pid and tid padded to five, level, tag padded to eight
    def logcat_ts(g: Gen) -> str:
        return f"12-03 {hms(g)}.{g.num(0, 999):0>3}"

    def hal_pid(g: Gen) -> str:
        g.drawn = (g.r.choice(["1042", "1057", "1213", "2286"]),)
        return g.drawn[0]

    def audio_tid(g: Gen) -> str:
        return g.r.choice([g.drawn[0], str(g.r.randint(1000, 9999))])

    def audio_usecase(g: Gen) -> str:
        g.drawn = g.r.choice(EMB_AUDIO_USECASES)
        return g.drawn[0]

    def battery(g: Gen) -> str:
        level = g.r.randint(3, 100)
        g.drawn = (str(g.r.randint(3500, 4400)), f"{g.r.randint(20, 45)}.{g.r.randint(0, 9)}", g.r.choice(["2", "2", "2", "3"]),
                   g.r.choice(["2", "3", "3", "5"]), str(g.r.choice([-1, 1]) * g.r.randint(10000, 2500000)),
                   g.r.choice(["3000000", "4410000", "2800000"]), str(g.r.randint(0, 900)), g.r.choice(["u", "a", "", "w"]))
        return str(level)

    uk = "[{kt}] "
    kt = {"kt": kernel_ts}
    kb = {"kt": kernel_boot_ts}
    zt = "[{zt}] "
    zs = {"zt": zephyr_ts}
    zb = {"zt": zephyr_boot_ts}
    rtos = "{seq} {tick} "
    rtos_slots = {"seq": rtos_seq, "tick": lambda g: g.num(300, 900000)}
    lr = "{lt} "
    owrt = {"lt": owrt_ts}
    bbsys = "{st} {host} daemon.info init: "
    bb_slots = {"st": bb_ts, "host": pick(EMB_BB_HOSTS)}
    jr = "{jt} {host} "
    conn = jr + "connmand[{pid}]: "
    conn_slots = {"jt": journal_ts, "host": pick(EMB_HOSTS), "pid": pick(["312", "298"])}
    rauc = jr + "rauc[{pid}]: "
    rauc_slots = {"jt": journal_ts, "host": pick(EMB_HOSTS), "pid": pick(["482", "517"])}
    mender = jr + 'mender[{pid}]: time="{t}" '
    mender_slots = {"jt": journal_ts, "host": pick(EMB_HOSTS), "pid": pick(["182", "203"]), "t": mender_ts}
    lc = "{ts}  {pid}  {tid} "
    audio_slots = {"ts": logcat_ts, "pid": hal_pid, "tid": audio_tid}
    return [
        # U-Boot console
        (3, "U-Boot {v} ({d})", {"v": pick(EMB_UBOOT_VERSIONS), "d": uboot_build}),
        (3, "DRAM:  {n}", {"n": pick(EMB_UBOOT_DRAM)}),
        (3, "Loading Environment from {s}... OK", {"s": pick(EMB_UBOOT_ENV)}),
        (4, "Hit any key to stop autoboot:  {n}", {"n": pick(["0", "0", "1", "2", "3"])}),
        (4, "switch to partitions #{p}, OK", {"p": pick(["0", "0", "1"])}),
        (4, "mmc{n}(part {p}) is current device", {"n": pick(["0", "1", "2"]), "p": pick(["0", "0", "1"])}),
        (14, "{b} bytes read in {ms} ms ({r}/s)", {"b": uboot_read, "ms": then(0), "r": then(1)}),
        (3, "## Booting kernel from Legacy Image at {a} ...", {"a": pick(EMB_UBOOT_LOAD_ADDRS)}),
        (3, "## Flattened Device Tree blob at {a}", {"a": pick(EMB_UBOOT_FDT_ADDRS)}),
        (2, "Card did not respond to voltage select! : {e}", {"e": pick(["-110", "-110", "-95"])}),
        (3, "DHCP client bound to address {ip} ({ms} ms)", {"ip": lan_ip, "ms": lambda g: g.num(2, 4000)}),
        (3, "Starting kernel ...", {}),
        # Linux boot console of ARM boards (the driver is the statement's; the device instance is printed)
        (6, uk + "mmc{n}: new {m} card at address {a}", {**kb, "n": pick(["0", "1", "2"]), "m": mmc_card, "a": then(1)}),
        (6, uk + "usb {p}: new {s} USB device number {n} using {h}",
         {**kt, "p": usb_port, "s": pick(["high-speed", "high-speed", "full-speed", "SuperSpeed"]), "n": lambda g: g.num(2, 12), "h": pick(EMB_USB_HOSTS)}),
        (5, uk + "usb {p}: New USB device found, idVendor={v}, idProduct={i}, bcdDevice={b}",
         {**kt, "p": usb_port, "v": first(EMB_USB_DEVICES), "i": then(1), "b": then(2)}),
        (3, uk + "brcmfmac: brcmf_fw_alloc_request: using {f} for chip {c}", {**kb, "f": first(EMB_BRCM_FIRMWARE), "c": then(1)}),
        (4, uk + "raspberrypi-hwmon {d}: Undervoltage detected!", {**kt, "d": pick(["raspberrypi-hwmon"])}),
        (3, uk + "raspberrypi-hwmon {d}: Voltage normalised", {**kt, "d": pick(["raspberrypi-hwmon"])}),
        (3, uk + "spi-nor spi{b}.{c}: {chip} ({kb} Kbytes)", {**kb, "b": pick(["0", "0", "1"]), "c": pick(["0", "0", "1"]), "chip": first(EMB_SPI_NOR), "kb": then(1)}),
        (2, uk + "imx-sdma {d}: loaded firmware {a}.{b}", {**kb, "d": pick(["30bd0000.dma-controller", "302c0000.dma-controller"]), "a": pick(["4", "3"]), "b": pick(["5", "6", "1"])}),
        (3, uk + "at24 {d}: {n} byte {m} EEPROM, {w}, {pw} bytes/write",
         {**kb, "d": pick(["0-0050", "1-0050", "2-0057"]), "n": first(EMB_EEPROMS), "m": then(1), "w": pick(["writable", "writable", "read-only"]), "pw": then(2)}),
        (3, uk + "rtc-pcf8563 {d}: setting system clock to {t} UTC ({e})", {**kb, "d": pick(["1-0051", "0-0051"]), "t": rtc_time, "e": then(0)}),
        (6, uk + "{drv} {dev} {ifc}: Link is Up - {s}/{dup} - flow control {fc}",
         {**kt, "drv": nic, "dev": then(1), "ifc": then(2), "s": pick(EMB_LINK_SPEEDS), "dup": pick(["Full", "Full", "Half"]), "fc": pick(EMB_FLOW_CONTROL)}),
        (4, uk + "{drv} {dev} {ifc}: Link is Down", {**kt, "drv": nic, "dev": then(1), "ifc": then(2)}),
        (2, uk + "thermal thermal_zone{n}: critical temperature reached ({t} C), shutting down",
         {**kt, "n": pick(["0", "0", "1"]), "t": pick(["105", "110", "95"])}),
        (2, uk + "watchdog: watchdog{n}: watchdog did not stop!", {**kt, "n": pick(["0", "0", "1"])}),
        (2, uk + "VFS: Mounted root ({fs} filesystem) readonly on device {ma}:{mi}.",
         {**kb, "fs": pick(EMB_ROOTFS), "ma": pick(["179", "31", "254"]), "mi": pick(["2", "3", "6"])}),
        (2, uk + "random: crng init done", kb),
        # Zephyr RTOS logging ([uptime] <level> module: message) with MCUboot
        (2, "*** Booting Zephyr OS build {v} ***", {"v": pick(EMB_ZEPHYR_BUILDS)}),
        (3, zt + "<inf> net_config: Initializing network", zb),
        (2, zt + "<inf> net_config: Waiting interface {n} ({p}) to be up...", {**zb, "n": pick(["1", "1", "2"]), "p": zephyr_ptr}),
        (4, zt + "<inf> net_config: IPv4 address: {ip}", {**zs, "ip": lan_ip}),
        (3, zt + "<inf> net_config: Lease time: {s} seconds", {**zs, "s": pick(["86400", "43200", "3600", "600"])}),
        (6, zt + "<inf> net_dhcpv4: Received: {ip}", {**zs, "ip": lan_ip}),
        (3, zt + "<inf> bt_hci_core: Identity: {a} ({k})", {**zs, "a": ble_addr, "k": pick(["random", "random", "public"])}),
        (2, zt + "<inf> bt_hci_core: HW Platform: {p} (0x{c})", {**zs, "p": first(EMB_BT_PLATFORMS), "c": then(1)}),
        (3, zt + "<inf> mcuboot: Primary image: magic={m}, swap_type={s}, copy_done={c}, image_ok={i}",
         {**zb, "m": first(EMB_MCUBOOT_STATES), "s": then(1), "c": then(2), "i": then(3)}),
        (3, zt + "<inf> mcuboot: Jumping to the first image slot", zb),
        (3, zt + "<inf> littlefs: {m} mounted", {**zs, "m": pick(EMB_LFS_MOUNTS)}),
        (1, zt + "<err> os: >>> ZEPHYR FATAL ERROR {n}: {r} on CPU {c}", {**zs, "n": first(EMB_ZEPHYR_FATAL), "r": then(1), "c": pick(["0", "0", "1"])}),
        (1, zt + "<err> os: Current thread: {p} ({t})", {**zs, "p": zephyr_ptr, "t": pick(EMB_ZEPHYR_THREADS)}),
        # ESP-IDF (level (milliseconds since boot) tag: message; the Wi-Fi blob prints "wifi:" unspaced)
        (2, "I ({ms}) boot: ESP-IDF {v} 2nd stage bootloader", {"ms": lambda g: g.num(25, 35), "v": pick(EMB_IDF_VERSIONS)}),
        (4, "I ({ms}) esp_image: segment {n}: paddr={pa} vaddr={va} size={sz}h ({dec}) {k}",
         {"ms": lambda g: g.num(60, 400), "n": idf_segment, "pa": lambda g: f"000{g.hexs(5)}", "va": lambda g: g.r.choice(["3f4", "3ff", "400", "401"]) + g.hexs(5),
          "sz": then(0), "dec": then(1), "k": pick(EMB_IDF_SEGMENT_KINDS)}),
        (3, "I ({ms}) heap_init: At {a} len {l} ({k} KiB): {t}", {"ms": lambda g: g.num(250, 450), "a": idf_heap, "l": then(1), "k": then(2), "t": then(3)}),
        (8, "I ({ms}) wifi:state: {a} -> {b} ({c})", {"ms": idf_ms, "a": idf_state, "b": then(1), "c": then(2)}),
        (4, "I ({ms}) wifi:new:<{p},{s}>, old:<{op},{os}>, ap:<{ap},{as}>, sta:<{sp},{ss}>, prof:{pr}",
         {"ms": idf_ms, "p": pick(["1", "6", "11", "36"]), "s": pick(["0", "0", "1", "2"]), "op": pick(["1", "6", "11"]), "os": pick(["0", "0", "1"]),
          "ap": pick(["255", "255", "1"]), "as": pick(["255", "255", "0"]), "sp": pick(["1", "6", "11", "36"]), "ss": pick(["0", "0", "1"]),
          "pr": pick(["1", "1", "6"])}),
        (5, "I ({ms}) wifi:connected with {s}, aid = {a}, channel {c}, {bw}, bssid = {b}",
         {"ms": idf_ms, "s": pick(EMB_SSIDS), "a": lambda g: g.num(1, 12), "c": pick(["1", "6", "11", "36"]), "bw": pick(EMB_IDF_BANDWIDTHS), "b": mac}),
        (6, "I ({ms}) esp_netif_handlers: sta ip: {ip}, mask: {m}, gw: {gw}",
         {"ms": idf_ms, "ip": lan_ip, "m": pick(["255.255.255.0", "255.255.255.0", "255.255.240.0"]), "gw": gateway_ip}),
        (3, "I ({ms}) wifi:AP's beacon interval = {b} us, DTIM period = {d}", {"ms": idf_ms, "b": pick(["102400", "102400", "204800"]), "d": pick(["1", "1", "2", "3"])}),
        (3, "E ({ms}) esp-tls: couldn't get hostname for :{h}: getaddrinfo() returns {rc}, addrinfo={p}",
         {"ms": idf_ms, "h": pick(EMB_MQTT_HOSTS), "rc": pick(["202", "202", "200"]), "p": pick(["0x0"])}),
        (3, "E ({ms}) TRANSPORT_BASE: Failed to open a new connection: {c}", {"ms": idf_ms, "c": pick(EMB_IDF_TRANSPORT_ERRORS)}),
        (4, "E ({ms}) MQTT_CLIENT: Error transport connect", {"ms": idf_ms}),
        (2, "I ({ms}) main_task: Returned from app_main()", {"ms": lambda g: g.num(300, 2000)}),
        # FreeRTOS+TCP (demo logging: message counter, tick count, [task] message)
        (3, rtos + "[IP-task] vDHCPProcess: offer {ip}ip", {**rtos_slots, "ip": rtos_hex_ip}),
        (3, rtos + "[IP-task] IP Address: {ip}", {**rtos_slots, "ip": lan_ip}),
        (2, rtos + "[IP-task] Gateway Address: {ip}", {**rtos_slots, "ip": gateway_ip}),
        (5, rtos + "[{task}] FreeRTOS_connect: {s} to {ip}ip:{p}",
         {**rtos_slots, "task": pick(EMB_RTOS_TASKS[1:3]), "s": lambda g: g.num(1024, 65000), "ip": rtos_hex_ip, "p": pick(["8883", "443", "1883"])}),
        (6, rtos + "[IP-task] Socket {s} -> {ip}ip:{p} State {a}->{b}",
         {**rtos_slots, "s": lambda g: g.num(1024, 65000), "ip": rtos_hex_ip, "p": pick(["8883", "443", "1883"]), "a": first(EMB_TCP_STATES), "b": then(1)}),
        (5, rtos + "[{task}] Heap: current {c} lowest {l}", {**rtos_slots, "task": pick(EMB_RTOS_TASKS), "c": lambda g: g.num(150000, 240000), "l": lambda g: g.num(90000, 150000)}),
        (3, rtos + "[ETHER_RECEI] Network buffers: {c} lowest {l}", {**rtos_slots, "c": pick(["60", "58", "44", "12"]), "l": pick(["2", "3", "7", "40"])}),
        # OpenWrt through logread (time facility.level process: message)
        (8, lr + "daemon.notice netifd: Interface '{i}' is now up", {**owrt, "i": pick(EMB_OWRT_IFACES)}),
        (5, lr + "daemon.notice netifd: Interface '{i}' is now down", {**owrt, "i": pick(EMB_OWRT_IFACES)}),
        (3, lr + "daemon.notice netifd: Interface '{i}' is setting up now", {**owrt, "i": pick(EMB_OWRT_IFACES)}),
        (4, lr + "daemon.notice netifd: Interface '{i}' has link connectivity", {**owrt, "i": pick(EMB_OWRT_IFACES)}),
        (5, lr + "daemon.notice netifd: Network device '{d}' link is up", {**owrt, "d": pick(EMB_OWRT_DEVICES)}),
        (4, lr + "daemon.notice netifd: Network device '{d}' link is down", {**owrt, "d": pick(EMB_OWRT_DEVICES)}),
        (5, lr + "daemon.notice netifd: {i} ({pid}): udhcpc: broadcasting discover", {**owrt, "i": pick(["wan", "wan", "wwan"]), "pid": lambda g: g.num(1500, 9000)}),
        (4, lr + "daemon.notice netifd: {i} ({pid}): udhcpc: broadcasting select for {ip}, server {s}",
         {**owrt, "i": pick(["wan", "wan", "wwan"]), "pid": lambda g: g.num(1500, 9000), "ip": Gen.ip, "s": pick(["10.0.0.1", "10.64.0.1", "100.64.0.1"])}),
        (4, lr + "daemon.notice netifd: {i} ({pid}): udhcpc: lease of {ip} obtained from {s}, lease time {t}",
         {**owrt, "i": pick(["wan", "wan", "wwan"]), "pid": lambda g: g.num(1500, 9000), "ip": Gen.ip, "s": pick(["10.0.0.1", "10.64.0.1", "100.64.0.1"]),
          "t": pick(["86400", "43200", "3600", "600"])}),
        (2, lr + "daemon.info procd: Instance {s}::{i} s in a crash loop {n} crashes, {t} seconds since last crash",
         {**owrt, "s": first(EMB_OWRT_PROCD_SERVICES), "i": then(1), "n": pick(["6", "6", "7"]), "t": pick(["0", "0", "1", "2"])}),
        (10, lr + "daemon.info hostapd: {w}: STA {m} IEEE 802.11: associated (aid {a})", {**owrt, "w": pick(EMB_WLANS), "m": mac, "a": lambda g: g.num(1, 20)}),
        (6, lr + "daemon.info hostapd: {w}: STA {m} IEEE 802.11: disassociated", {**owrt, "w": pick(EMB_WLANS), "m": mac}),
        (4, lr + "daemon.info hostapd: {w}: STA {m} IEEE 802.11: deauthenticated due to inactivity (timer DEAUTH/REMOVE)",
         {**owrt, "w": pick(EMB_WLANS), "m": mac}),
        (8, lr + "daemon.info hostapd: {w}: STA {m} WPA: pairwise key handshake completed ({p})", {**owrt, "w": pick(EMB_WLANS), "m": mac, "p": pick(EMB_WPA_PROTOS)}),
        (8, lr + "daemon.notice hostapd: {w}: AP-STA-CONNECTED {m}", {**owrt, "w": pick(EMB_WLANS), "m": mac}),
        (6, lr + "daemon.notice hostapd: {w}: AP-STA-DISCONNECTED {m}", {**owrt, "w": pick(EMB_WLANS), "m": mac}),
        (2, lr + "daemon.notice hostapd: {w}: AP-STA-POSSIBLE-PSK-MISMATCH {m}", {**owrt, "w": pick(EMB_WLANS), "m": mac}),
        (6, lr + "daemon.info odhcpd[{pid}]: DHCPV6 {t} {ia} from {d} on {i}: {s} {a}",
         {**owrt, "pid": pick(["1502", "1502", "1611"]), "t": pick(EMB_DHCPV6_TYPES), "ia": pick(["IA_NA", "IA_NA", "IA_PD"]), "d": odhcpd_duid,
          "i": pick(EMB_OWRT_LANS), "s": pick(["ok"]), "a": odhcpd_leases}),
        (3, lr + "daemon.notice odhcpd[{pid}]: Using a RA lifetime of {n} seconds on {i}",
         {**owrt, "pid": pick(["1502", "1502", "1611"]), "n": pick(["1800", "1800", "0", "5400"]), "i": pick(EMB_OWRT_LANS)}),
        (5, lr + "authpriv.info dropbear[{pid}]: Child connection from {ip}:{p}",
         {**owrt, "pid": lambda g: g.num(2000, 30000), "ip": lambda g: g.r.choice([lan_ip(g), public_ip(g)]), "p": Gen.port}),
        (4, lr + "authpriv.notice dropbear[{pid}]: Password auth succeeded for '{u}' from {ip}:{p}",
         {**owrt, "pid": lambda g: g.num(2000, 30000), "u": pick(EMB_SSH_USERS[:2]), "ip": lan_ip, "p": Gen.port}),
        (4, lr + "authpriv.warn dropbear[{pid}]: Bad password attempt for '{u}' from {ip}:{p}",
         {**owrt, "pid": lambda g: g.num(2000, 30000), "u": pick(EMB_SSH_USERS), "ip": public_ip, "p": Gen.port}),
        (5, lr + "authpriv.info dropbear[{pid}]: Exit ({u}) from <{ip}:{p}>: {r}",
         {**owrt, "pid": lambda g: g.num(2000, 30000), "u": pick(EMB_SSH_USERS[:2]), "ip": lambda g: g.r.choice([lan_ip(g), public_ip(g)]), "p": Gen.port,
          "r": pick(EMB_DROPBEAR_EXITS)}),
        # BusyBox init through BusyBox syslogd
        (3, bbsys + "starting pid {pid}, tty '{t}': '{c}'", {**bb_slots, "pid": lambda g: g.num(80, 4000), "t": inittab, "c": then(1)}),
        (2, bbsys + "process '{c}' (pid {pid}) exited. Scheduling for restart.",
         {**bb_slots, "c": lambda g: g.r.choice(EMB_BB_INITTAB[1:])[1], "pid": lambda g: g.num(80, 4000)}),
        (1, bbsys + "reloading /etc/inittab", bb_slots),
        # ConnMan (journal)
        (4, conn + "{i} {{add}} address {ip}/{pl} label {l} family {f}",
         {**conn_slots, "i": first([(i,) for i in EMB_CONNMAN_IFACES]), "ip": lan_ip, "pl": pick(["24", "24", "20"]), "l": then(0), "f": pick(["2"])}),
        (5, conn + "{i} {{RX}} {p} packets {b} bytes", {**conn_slots, "i": pick(EMB_CONNMAN_IFACES), "p": lambda g: g.num(0, 9000000), "b": lambda g: g.num(0, 4 * 10**9)}),
        (5, conn + "{i} {{TX}} {p} packets {b} bytes", {**conn_slots, "i": pick(EMB_CONNMAN_IFACES), "p": lambda g: g.num(0, 9000000), "b": lambda g: g.num(0, 4 * 10**9)}),
        (3, conn + "{i} {{update}} flags {f} <{n}>", {**conn_slots, "i": pick(EMB_CONNMAN_IFACES), "f": connman_flags, "n": then(1)}),
        (3, conn + "{i} {{newlink}} index {x} address {m} mtu {mtu}",
         {**conn_slots, "i": pick(EMB_CONNMAN_IFACES), "x": pick(["2", "3", "4"]), "m": lambda g: mac(g).upper(), "mtu": pick(["1500", "1500", "1400"])}),
        (2, conn + "{i} {{add}} route {d} gw {gw} scope {s} <{sn}>",
         {**conn_slots, "i": pick(EMB_CONNMAN_IFACES), "d": pick(["0.0.0.0", "192.168.1.0"]), "gw": gateway_ip, "s": first([("0", "UNIVERSE"), ("253", "LINK")]),
          "sn": then(1)}),
        (3, conn + "ntp: time slew {o} s", {**conn_slots, "o": lambda g: f"{g.r.uniform(-0.05, 0.05):+.6f}"}),
        # RAUC (journal)
        (3, rauc + "Installation {t} started", {**rauc_slots, "t": rauc_txn}),
        (2, rauc + "Installation {t} succeeded", {**rauc_slots, "t": rauc_txn}),
        (1, rauc + "Installation {t} failed: {e}", {**rauc_slots, "t": rauc_txn, "e": pick(EMB_RAUC_ERRORS)}),
        (3, rauc + "Updating {d} with {i}", {**rauc_slots, "d": lambda g: g.r.choice(EMB_RAUC_SLOTS)[1], "i": pick(EMB_RAUC_IMAGES)}),
        (4, rauc + "Updating slot {s} status", {**rauc_slots, "s": rauc_slot}),
        (2, rauc + "Skipping update for correct image '{i}'", {**rauc_slots, "i": pick(EMB_RAUC_IMAGES)}),
        # SWUpdate (console notifier: [level] : state : message; TRACE lines name their function)
        (2, "[INFO ] : SWUPDATE started :  Software Update started !", {}),
        (3, "[TRACE] : SWUPDATE running :  [extract_file_to_tmp] : Found file", {}),
        (3, "[TRACE] : SWUPDATE running :  [parse_images] : Found Image: {i} in device : {d} for handler {h}",
         {"i": swu_image, "d": then(1), "h": then(2)}),
        (3, "[TRACE] : SWUPDATE running :  [install_single_image] : Found installer for stream {i} {h}", {"i": swu_image, "h": then(2)}),
        (2, "[INFO ] : SWUPDATE successful ! SWUPDATE successful !", {}),
        (1, "[ERROR] : SWUPDATE failed [{c}] Image invalid or corrupted. Not installing ...", {"c": pick(["1"])}),
        (1, "[ERROR] : SWUPDATE failed [{c}] ERROR cpio_utils.c : copyfile : 712 : HASH mismatch : {a} <--> {b}",
         {"c": pick(["0"]), "a": lambda g: g.hexs(64), "b": lambda g: g.hexs(64)}),
        # Mender 2 client (logrus through journald)
        (6, mender + 'level=info msg="State transition: {a} [{an}] -> {b} [{bn}]" module=mender',
         {**mender_slots, "a": mender_transition, "an": then(1), "b": then(2), "bn": then(3)}),
        (2, mender + 'level=info msg="Correct request for getting image from: {u} [name: {r}; devices: [{d}]]" module=client_update',
         {**mender_slots, "u": mender_url, "r": pick(EMB_MENDER_RELEASES), "d": pick(EMB_MENDER_DEVICE_TYPES)}),
        (2, mender + 'level=info msg="successfully received new authorization data from server {s}" module=mender',
         {**mender_slots, "s": pick(["https://hosted.mender.io", "https://mender.acme-devices.example"])}),
        (2, mender + 'level=error msg="Authorize failed: {e}" module=mender', {**mender_slots, "e": pick(EMB_MENDER_AUTH_ERRORS)}),
        (2, mender + 'level=info msg="no public key was provided for authenticating the artifact" module=installer', mender_slots),
        # Yocto BitBake (knotty output)
        (20, "NOTE: Running task {n} of {t} ({f}:{k})", {"n": lambda g: g.num(1, 4000), "t": bb_task_total, "f": bb_recipe_file, "k": pick(EMB_BB_TASKS)}),
        (8, "NOTE: Running setscene task {n} of {t} ({f}:{k}_setscene)",
         {"n": lambda g: g.num(1, 2000), "t": pick(["2045", "1988", "3120"]), "f": bb_recipe_file, "k": pick(EMB_BB_SETSCENE_TASKS)}),
        (15, "NOTE: recipe {r}: task {k}: Started", {"r": bb_recipe, "k": pick(EMB_BB_TASKS)}),
        (14, "NOTE: recipe {r}: task {k}: Succeeded", {"r": bb_recipe, "k": pick(EMB_BB_TASKS)}),
        (1, "NOTE: recipe {r}: task {k}: Failed", {"r": bb_recipe, "k": pick(["do_compile", "do_fetch", "do_install"])}),
        (1, "ERROR: Task ({f}:{k}) failed with exit code '{c}'", {"f": bb_recipe_file, "k": pick(["do_compile", "do_fetch", "do_install"]), "c": pick(["1", "1", "2"])}),
        (2, "WARNING: {r} do_fetch: Failed to fetch URL {u}, attempting MIRRORS if available", {"r": bb_recipe, "u": pick(EMB_BB_FETCH_URLS)}),
        (2, "NOTE: Tasks Summary: Attempted {a} tasks of which {b} didn't need to be rerun and all succeeded.",
         {"a": lambda g: g.num(2000, 5400), "b": lambda g: g.num(100, 2000)}),
        (2, "Sstate summary: Wanted {w} Local {l} Mirrors {mr} Missed {m} Current {c} ({p}% match, {q}% complete)",
         {"w": bb_sstate, "l": then(0), "mr": pick(["0"]), "m": then(1), "c": then(2), "p": then(3), "q": then(4)}),
        # Android HALs in logcat's threadtime format
        (8, lc + "I healthd : battery l={l} v={v} t={t} h={h} st={st} c={c} fc={fc} cc={cc} chg={chg}",
         {"ts": logcat_ts, "pid": pick(["1042"]), "tid": pick(["1042"]), "l": battery, "v": then(0), "t": then(1), "h": then(2), "st": then(3),
          "c": then(4), "fc": then(5), "cc": then(6), "chg": then(7)}),
        (3, lc + "W HidlServiceManagement: Waited one second for {s}/{i}",
         {"ts": logcat_ts, "pid": lambda g: g.num(1000, 9999), "tid": lambda g: g.num(1000, 9999), "s": pick(EMB_HIDL_SERVICES), "i": pick(["default", "default", "slot1"])}),
        (3, lc + "I hwservicemanager: getTransport: Cannot find entry {s}/{i} in either framework or device VINTF manifest.",
         {"ts": logcat_ts, "pid": pick(["1013"]), "tid": pick(["1013"]), "s": pick(EMB_HIDL_MISSING), "i": pick(["default"])}),
        (6, lc + "D audio_hw_primary: enable_snd_device: snd_device({n}: {d})", {**audio_slots, "n": first(EMB_AUDIO_SND_DEVICES), "d": then(1)}),
        (5, lc + "D audio_hw_primary: select_devices for use case ({u})", {**audio_slots, "u": lambda g: g.r.choice(EMB_AUDIO_USECASES)[1]}),
        (5, lc + "D audio_hw_primary: out_standby: enter: stream ({p}) usecase({n}: {u})",
         {**audio_slots, "p": lambda g: f"0x{g.r.choice(['e9', 'f2', '7a'])}{g.hexs(6)}", "n": audio_usecase, "u": then(1)}),
    ]


CORPORA = {"K8sPlatform": k8s_events, "DataPlatform": data_events, "OpsPlatform": ops_events,
           "ServicePlatform": service_events, "EdgePlatform": edge_events,
           "ToolingPlatform": tooling_events, "MeshPlatform": mesh_events,
           "StackPlatform": stack_events, "CloudPlatform": cloud_events,
           "RuntimePlatform": runtime_events, "InfraPlatform": infra_events,
           "EnterprisePlatform": enterprise_events, "HybridPlatform": hybrid_events,
           "ResearchPlatform": research_events, "ClusterOpsPlatform": clusterops_events,
           "DataAppPlatform": dataapp_events, "WebAppPlatform": webapp_events,
           "ObservabilityPlatform": observability_events, "NetworkPlatform": network_events,
           "MLPlatform": ml_events, "SecOpsPlatform": secops_events,
           "AnalyticsPlatform": analytics_events, "StoragePlatform": storage_events,
           "DeliveryPlatform": delivery_events, "CommsPlatform": comms_events,
           "HostPlatform": host_events,
           "LegacyPlatform": legacy_events, "ChainPlatform": chain_events,
           "MediaPlatform": media_events, "IoTPlatform": iot_events,
           "GamePlatform": game_events,
           "IdentityPlatform": identity_events,
           "MailPlatform": mail_events,
           "EmbeddedPlatform": embedded_events}
_SLOT = re.compile(r"\{(\w+)\}")
# doubled braces are matched first so that a literal "{{word}}" (ConnMan's "{add}") is no slot
_SLOT_OR_BRACES = re.compile(r"\{\{|\}\}|\{(\w+)\}")


def render(fmt: str, slots: dict, g: Gen) -> tuple[str, str]:
    def value(m: re.Match) -> str:
        if m.group(1) is None:
            return m.group(0)
        fn = slots[m.group(1)]
        return fn(g)

    def hole(m: re.Match) -> str:
        return m.group(0) if m.group(1) is None else "<*>"

    message = _SLOT_OR_BRACES.sub(value, fmt).replace("{{", "{").replace("}}", "}")
    template = _SLOT_OR_BRACES.sub(hole, fmt).replace("{{", "{").replace("}}", "}")
    return message, template


def generate(name: str, lines: int, seed: int) -> list[tuple[str, str, str]]:
    g = Gen(random.Random(f"{name}:{seed}"))
    events = CORPORA[name]()
    weights = [w for w, _, _ in events]
    out = []
    for _ in range(lines):
        k = g.r.choices(range(len(events)), weights)[0]
        _, fmt, slots = events[k]
        msg, tpl = render(fmt, slots, g)
        out.append((msg, f"E{k + 1}", tpl))
    return out


def check(name: str, rows: list[tuple[str, str, str]]) -> None:
    """The generator's self-check: every line matches its ground-truth template (each <*> any
    text, the rest literal) and event ids and templates correspond one to one."""
    compiled: dict[str, re.Pattern] = {}
    ids: dict[str, set[str]] = {}
    for i, (msg, eid, tpl) in enumerate(rows, 1):
        pattern = compiled.get(tpl)
        if pattern is None:
            pattern = compiled[tpl] = re.compile("(.*?)".join(map(re.escape, tpl.split("<*>"))), re.DOTALL)
        if not pattern.fullmatch(msg):
            raise SystemExit(f"{name} line {i} ({eid}) does not match its template:\n  {msg}\n  {tpl}")
        ids.setdefault(tpl, set()).add(eid)
    shared = {t: e for t, e in ids.items() if len(e) > 1}
    if shared:
        raise SystemExit(f"{name}: one template for several event ids: {shared}")


def write(out_dir: Path, name: str, rows: list[tuple[str, str, str]]) -> None:
    d = out_dir / name
    d.mkdir(parents=True, exist_ok=True)
    for suffix in ("_structured_corrected.csv", "_structured.csv"):
        with open(d / f"{name}_2k.log{suffix}", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["LineId", "Content", "EventId", "EventTemplate"])
            for i, (msg, eid, tpl) in enumerate(rows, 1):
                w.writerow([i, msg, eid, tpl])
    (d / f"{name}_2k.log").write_text("".join(m + "\n" for m, _, _ in rows), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--lines", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    for name in CORPORA:
        rows = generate(name, args.lines, args.seed)
        check(name, rows)
        write(args.out, name, rows)
        print(f"{name}: {len(rows)} lines, {len({t for _, _, t in rows})} event types -> {args.out / name}")


if __name__ == "__main__":
    main()
