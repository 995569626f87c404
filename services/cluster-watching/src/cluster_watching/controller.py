"""The LogAnalysisJob controller: a job becomes an AnalysisRequest, its result comes back into its status."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from cluster_watching import domain
from cluster_watching.ports import Kubernetes, Obj
from logmesh_contracts import AnalysisRequest, AnalysisResult

log = logging.getLogger(__name__)
KIND = "loganalysisjobs"


@dataclass
class JobController:
    kubernetes: Kubernetes
    publish: Callable[[AnalysisRequest], Awaitable[None]]
    clock: Callable[[], datetime]
    requested: dict[str, int] = field(default_factory=dict)  # uid -> generation handed to analysis
    on_phase: Callable[[str], None] = lambda _phase: None  # metrics hook

    async def _patch(self, namespace: str, name: str, status: Obj) -> None:
        await self.kubernetes.patch_status(KIND, namespace, name, status)
        self.on_phase(str(status.get("phase")))

    async def on_job(self, event_type: str, job: Obj) -> None:
        m = job.get("metadata") or {}
        uid, generation = m.get("uid", ""), m.get("generation", 1)
        namespace, name = m.get("namespace", ""), m.get("name", "")
        if event_type == "DELETED":
            self.requested.pop(uid, None)
            return
        status = job.get("status") or {}
        if status.get("phase") == "Running" and status.get("observedGeneration") == generation:
            if uid not in self.requested:  # first sight after a restart: publish again (same event_id, deduped)
                self.requested[uid] = generation
                with contextlib.suppress(ValueError):
                    await self.publish(domain.job_request(job, self.clock()))
            return
        if not domain.job_needs_request(job) or self.requested.get(uid) == generation:
            return
        now = self.clock()
        if not status.get("phase") or status.get("observedGeneration") != generation:
            await self._patch(namespace, name, domain.status_pending(job, now))
        try:
            request = domain.job_request(job, now)
        except ValueError as exc:
            log.info("LogAnalysisJob %s/%s is invalid: %s", namespace, name, exc)
            await self._patch(namespace, name, domain.status_failed(job, f"invalid spec: {exc}", now))
            self.requested[uid] = generation
            return
        # Running before the request exists, so a fast result can never be overwritten by Running
        await self._patch(namespace, name, domain.status_running(job, request, now))
        await self.publish(request)
        self.requested[uid] = generation

    async def on_result(self, result: AnalysisResult) -> bool:
        """Write a result into its job's status; False when it is not for a job (or the job is gone)."""
        target = domain.parse_requested_by(result.requested_by)
        if target is None:
            return False
        namespace, name = target
        job = await self.kubernetes.get(KIND, namespace, name)
        if job is None:
            return False
        status = job.get("status") or {}
        done = status.get("phase") in ("Completed", "Failed")
        if done and (status.get("result") or {}).get("incidentId") == result.incident_id:
            return True  # redelivered result: already written
        await self._patch(namespace, name, domain.status_from_result(job, result, self.clock()))
        return True
