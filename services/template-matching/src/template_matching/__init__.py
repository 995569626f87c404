"""logmesh template-matching: templates for every log record, ClickHouse storage, anomalies, log evidence."""
