"""Online log template engine: masking, mining and a fast matching path.

Pure domain code (no I/O). See docs/decisions/template-engine.md for the design.

    engine = TemplateEngine()
    m = engine.add("Accepted password for root from 10.0.0.1 port 22 ssh2")
    m.template     # 'Accepted password for root from <*> port <*> ssh2'
    m.template_id  # blake2b of the normalised template text (stable everywhere)
"""

from __future__ import annotations

from .core import EngineConfig, Match, TemplateEngine, normalise_template, template_id
from .masking import VAR, mask_token

__all__ = [
    "VAR",
    "EngineConfig",
    "Match",
    "TemplateEngine",
    "mask_token",
    "normalise_template",
    "template_id",
]
