"""logmesh contracts: the only vocabulary the services share."""

from logmesh_contracts.base import Event, ExternalPayload, Value, stable_id, utcnow
from logmesh_contracts.models import *  # noqa: F403
from logmesh_contracts.models import CATEGORIES
from logmesh_contracts.topics import SERVICES, TOPICS, Topic, by_name, consumed_by, produced_by

__all__ = [
    "CATEGORIES",
    "SERVICES",
    "TOPICS",
    "Event",
    "ExternalPayload",
    "Topic",
    "Value",
    "by_name",
    "consumed_by",
    "produced_by",
    "stable_id",
    "utcnow",
]
