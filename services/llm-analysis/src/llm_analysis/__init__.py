"""logmesh llm-analysis: incidents, evidence assembly, deterministic diagnosis and LLM analysis."""
