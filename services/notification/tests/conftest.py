"""Fixtures of the notification tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from notification.testing.harness import TOKEN
from notification.testing.slack_server import LoopbackSlack


@pytest.fixture
async def slack() -> AsyncIterator[LoopbackSlack]:
    async with LoopbackSlack(token=TOKEN) as server:
        yield server
