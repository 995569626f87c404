"""Settings of the console (env vars ``LOGMESH_<FIELD>``): where the services' HTTP APIs are."""

from __future__ import annotations

from pydantic import Field, SecretStr

from logmesh_runtime.settings import ServiceSettings


class ConsoleSettings(ServiceSettings):
    service_name: str = "console"
    llm_analysis_url: str | None = Field(default=None, description="Incidents and analyses.")
    template_matching_url: str | None = Field(default=None, description="Log search, templates, anomalies.")
    cluster_watching_url: str | None = Field(default=None, description="The cluster context buffer.")
    knowledge_storage_url: str | None = Field(default=None, description="Past cases.")
    api_key: SecretStr | None = Field(default=None, description="Sent as a bearer token to the services.")
    refresh_s: float = Field(default=3.0, gt=0, description="How often open pages poll for updates.")

    def urls(self) -> dict[str, str]:
        found = {"llm-analysis": self.llm_analysis_url, "template-matching": self.template_matching_url,
                 "cluster-watching": self.cluster_watching_url, "knowledge-storage": self.knowledge_storage_url}
        return {name: url for name, url in found.items() if url}
