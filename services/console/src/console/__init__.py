"""logmesh console: the operator's web console and read commands over the services' HTTP APIs."""
