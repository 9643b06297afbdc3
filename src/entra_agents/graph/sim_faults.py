"""Fault injection for the Graph simulator: throttling, outages, slowness and broken pages.

Reliability tests (and ``entra-agents tenant serve --fault-...``) switch these on to prove that a client
retries what Graph asks it to retry and ends with the same data as a clean read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

BrokenMode = Literal["malformed", "truncated"]


@dataclass
class Faults:
    """What to break. Request counting covers every request the simulator answers, including each request
    inside a ``$batch`` (Graph throttles those one by one), and the ``$batch`` envelope itself."""

    throttle_every: int = 0  # every Nth request is answered 429 TooManyRequests
    retry_after: int = 1  # seconds, sent as Retry-After with every injected 429
    unavailable_once_at: int = 0  # the Nth request is answered 503 (once)
    unavailable_every: int = 0  # every Nth request is answered 503
    slow_ms: int = 0  # every HTTP response is delayed this long
    broken_page: int = 0  # the first time any collection serves its Nth page, that page is broken
    broken_mode: BrokenMode = "malformed"  # malformed JSON, or a body cut short with the connection closed

    def __post_init__(self) -> None:
        for name in ("throttle_every", "retry_after", "unavailable_once_at", "unavailable_every", "slow_ms",
                     "broken_page"):
            if getattr(self, name) < 0:
                raise ValueError(f"Faults.{name} must not be negative")
        if self.broken_mode not in ("malformed", "truncated"):
            raise ValueError("Faults.broken_mode must be 'malformed' or 'truncated'")

    @property
    def active(self) -> bool:
        return any((self.throttle_every, self.unavailable_once_at, self.unavailable_every, self.slow_ms,
                    self.broken_page))


@dataclass
class InjectedFault:
    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


class FaultState:
    """Counters behind ``Faults``; thread-safe because the simulator answers on several threads."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.configure(faults or Faults())

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self.counted = 0
            self.page_broken = False
            self.injected: list[tuple[int, int]] = []  # (request number, status) of every injected error

    def next_request(self) -> InjectedFault | None:
        """Count one request; return the error to answer it with, if a fault is due."""
        with self._lock:
            self.counted += 1
            n, f = self.counted, self.faults
            fault: InjectedFault | None = None
            if f.throttle_every and n % f.throttle_every == 0:
                fault = InjectedFault(429, "TooManyRequests",
                                      "Too many requests. Please retry after the time in the Retry-After header.",
                                      {"Retry-After": str(f.retry_after)})
            elif (f.unavailable_every and n % f.unavailable_every == 0) or n == f.unavailable_once_at:
                fault = InjectedFault(503, "ServiceNotAvailable",
                                      "The service is temporarily unavailable. Please retry later.")
            if fault is not None:
                self.injected.append((n, fault.status))
            return fault

    def break_page(self, page: int | None) -> str | None:
        """The broken-page mode if this collection page is the one to break (only ever once)."""
        with self._lock:
            if not self.faults.broken_page or self.page_broken or page != self.faults.broken_page:
                return None
            self.page_broken = True
            return self.faults.broken_mode

    @property
    def delay_seconds(self) -> float:
        return self.faults.slow_ms / 1000.0
