"""Progress of a snapshot load: a live ``rich`` table on a terminal, nothing anywhere else.

A large tenant takes minutes to read; an administrator at a terminal should see which collection is still
loading. Logs, pipes and tests get no output (and ``rich`` is not even imported for them).
"""

from __future__ import annotations

import sys
from typing import Any


class LoadProgress:
    """Silent progress; also the interface the rich display implements."""

    def begin(self, name: str) -> None:
        return None

    def advance(self, name: str, items: int) -> None:
        return None

    def done(self, name: str, ok: bool) -> None:
        return None

    def close(self) -> None:
        return None


class RichProgress(LoadProgress):
    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(SpinnerColumn(), TextColumn("{task.description:<32}"),
                                  TextColumn("{task.fields[items]:>9,} items"), TimeElapsedColumn(),
                                  console=Console(stderr=True), transient=True)
        self._tasks: dict[str, Any] = {}
        self._items: dict[str, int] = {}
        self._progress.start()

    def begin(self, name: str) -> None:
        self._tasks[name] = self._progress.add_task(f"reading {name}", total=None, items=0)

    def advance(self, name: str, items: int) -> None:
        task = self._tasks.get(name)
        if task is not None:
            self._items[name] = self._items.get(name, 0) + items
            self._progress.update(task, items=self._items[name])

    def done(self, name: str, ok: bool) -> None:
        task = self._tasks.get(name)
        if task is not None:
            mark = "[green]read[/green]" if ok else "[red]failed[/red]"
            self._progress.update(task, description=f"{mark} {name}", total=1, completed=1)

    def close(self) -> None:
        self._progress.stop()


def open_progress(enabled: bool | None = None) -> LoadProgress:
    """The display to use: ``enabled=None`` means "when stderr is a terminal"."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    return RichProgress() if enabled else LoadProgress()
