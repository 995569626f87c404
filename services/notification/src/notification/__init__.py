"""logmesh notification service: Slack threads with live analysis, other sinks, feedback capture."""
