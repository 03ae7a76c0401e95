"""Waiting for a condition instead of sleeping a fixed time (not a test module)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 60.0, interval: float = 0.05, what: str = "") -> T:
    """Poll `condition` until it returns something truthy and return that; fail after `timeout` seconds.

    The timeout is an upper bound for a loaded machine, not the expected wait: a condition that holds
    returns at once."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what or condition}")
        time.sleep(interval)
