"""Ingestion masks records with the runtime's one redaction stage (``logmesh_runtime.redaction``)."""

from logmesh_runtime.redaction import MASK, Redactor, luhn_ok

__all__ = ["MASK", "Redactor", "luhn_ok"]
