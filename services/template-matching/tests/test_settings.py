"""Settings bounds that protect the record path."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from template_matching.settings import TemplateMatchingSettings


def test_a_fill_size_the_embedded_broker_never_answers_is_refused() -> None:
    assert TemplateMatchingSettings(insert_fill_bytes=5 * 1_048_576).insert_fill_bytes == 5 * 1_048_576
    with pytest.raises(ValidationError, match="insert_fill_bytes"):
        TemplateMatchingSettings(insert_fill_bytes=6 * 1_048_576)  # Tansu leaves such fetches unanswered
