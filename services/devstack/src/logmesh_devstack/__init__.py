"""logmesh developer stack: the `logmesh` CLI, the embedded stack launcher and the demo (never in production images)."""
