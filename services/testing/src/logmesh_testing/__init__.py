"""Test support shared by every service's tests: real components, chosen per machine."""

from logmesh_testing.kafka import read_topic, wait_for_messages
from logmesh_testing.polling import wait_until

__all__ = ["read_topic", "wait_for_messages", "wait_until"]
