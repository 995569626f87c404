"""Test support shared by every service's tests: real components, chosen per machine, and an in-memory mesh."""

from logmesh_testing.kafka import read_topic, wait_for_messages
from logmesh_testing.memory_mesh import InMemoryMesh
from logmesh_testing.polling import wait_until

__all__ = ["InMemoryMesh", "read_topic", "wait_for_messages", "wait_until"]
