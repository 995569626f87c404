"""template-matching settings (env vars ``LOGMESH_<FIELD>``). Every field has an embedded default."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from logmesh_runtime.settings import ServiceSettings, refuse_placeholder


class TemplateMatchingSettings(ServiceSettings):
    service_name: str = "template-matching"

    # ClickHouse ---------------------------------------------------------------------------
    clickhouse_dsn: str | None = Field(
        default=None,
        description="clickhouse-connect DSN, e.g. http://default:pw@clickhouse:8123 or chdb:///abs/path. "
        "Unset: embedded chDB under data_dir/template-matching/chdb.",
    )
    clickhouse_database: str = Field(default="logmesh", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    log_ttl_days: int = Field(default=30, ge=1, description="Log rows older than this are dropped by ClickHouse TTL.")
    insert_batch_rows: int = Field(default=20_000, ge=1, description="Most records polled (and inserted) per batch.")
    insert_linger_ms: int = Field(default=200, ge=1, description="How long a poll waits to fill a batch.")
    # Counted in record batches as the broker holds them, compressed: the mesh's zstd batches of logs.records run
    # ~23 bytes per record (scenario --timeline: fetched bytes per poll), so 256 KiB is ~11k records, which a poll
    # at 50k records/s gathers within the linger and a backlog holds at once. It was 4 MiB, sized when batches went
    # uncompressed (~450 bytes a record: ~9k records); compressed that is ~180k records, never there, so every fetch
    # waited out the linger at the broker (Tansu answers later still) while template-matching had nothing to handle.
    # Bounded at 5 MiB: Tansu 0.6 never answers a fetch whose min bytes exceed that (bench/tansu_fetch_min_bytes.py).
    insert_fill_bytes: int = Field(
        default=256 * 1024, ge=1, le=5 * 1_048_576,
        description="A poll waits (up to insert_linger_ms) until this much has arrived, as the broker stores it "
                    "(compressed; at most 5 MiB).",
    )
    # a full batch is ~insert_batch_rows x ~450 bytes; the fetch must be allowed to bring it (per partition)
    kafka_partition_fetch_bytes: int = Field(
        default=4 * 1_048_576, ge=1024, description="Most data a consumer fetches per partition per request."
    )
    clickhouse_async_insert: bool = Field(
        default=False, description="Server only: let ClickHouse buffer small inserts (wait_for_async_insert=1)."
    )

    # LLM (off unless llm_model is set) ----------------------------------------------------
    llm_model: str | None = Field(default=None, description="litellm model name, e.g. openai/gpt-4o-mini; unset = no LLM.")
    llm_api_base: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_s: float = Field(default=30.0, gt=0)
    llm_batch_size: int = Field(default=10, ge=1, description="Lines (templates) per LLM request.")
    llm_batch_wait_s: float = Field(default=2.0, gt=0, description="Longest wait to fill an LLM batch.")
    llm_concurrency: int = Field(default=5, ge=1, description="LLM batches in flight at once.")
    llm_max_attempts: int = Field(default=3, ge=1)
    llm_backoff_s: float = Field(default=1.0, gt=0, description="First retry delay; doubles, with jitter.")
    llm_queue_size: int = Field(default=1000, ge=1, description="Pending LLM items; beyond this new ones are dropped.")

    # anomalies ------------------------------------------------------------------------------
    anomaly_window_s: int = Field(default=60, ge=1, description="Width of one counting window (event time).")
    anomaly_baseline_windows: int = Field(default=10, ge=1, description="Windows in the rolling baseline.")
    anomaly_min_history: int = Field(default=3, ge=1, description="Windows of history before spikes are judged.")
    anomaly_spike_factor: float = Field(default=3.0, gt=1)
    anomaly_spike_min_count: int = Field(default=10, ge=1)
    anomaly_error_rate_delta: float = Field(default=0.2, gt=0, le=1)
    anomaly_error_min_count: int = Field(default=5, ge=1)
    anomaly_new_template_min_level: str = Field(default="WARN", description="New templates below this level are not anomalies.")
    anomaly_cooldown_s: int = Field(default=600, ge=0)

    # log evidence ---------------------------------------------------------------------------
    evidence_max_templates: int = Field(default=10, ge=1)
    evidence_samples: int = Field(default=3, ge=1)
    evidence_max_bytes: int = Field(default=16_000, ge=512)
    evidence_pad_s: int = Field(default=300, ge=0, description="Widen the incident window by this much each side.")

    @field_validator("clickhouse_dsn", "llm_model", "llm_api_base", "llm_api_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value  # compose passes ${VAR:-} as ""

    @field_validator("llm_api_key")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        return refuse_placeholder(value, "LOGMESH_LLM_API_KEY")

    def resolved_clickhouse_dsn(self) -> str:
        if self.clickhouse_dsn:
            return self.clickhouse_dsn
        path = (self.state_dir / "chdb").resolve()
        path.mkdir(parents=True, exist_ok=True)
        return f"chdb://{path}"
