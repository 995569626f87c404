"""logmesh ingestion: HTTP and logs.raw in, validated and normalised logs.records out."""
