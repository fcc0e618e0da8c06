"""Progress of long work (build, load, validation) on a terminal.

A :class:`Reporter` shows each step with a spinner and its time on a terminal, and prints one
plain line per step elsewhere (CI logs); :class:`SilentReporter` shows nothing (tests).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress


class Progress(Protocol):
    """What long-running work reports to."""

    def step(self, title: str) -> AbstractContextManager[None]:  # pragma: no cover - protocol
        """A context manager around one step of the work."""
        ...

    def note(self, message: str) -> None:  # pragma: no cover - protocol
        """A remark that belongs to the current step."""
        ...


class SilentReporter:
    """Reports nothing."""

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Run the step silently."""
        yield

    def note(self, message: str) -> None:
        """Drop the remark."""


class Reporter:
    """Reports steps on a console (standard error by default)."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console if console is not None else Console(stderr=True)

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Show a spinner while the step runs, then its outcome and duration."""
        start = time.perf_counter()
        try:
            if self.console.is_terminal:
                with self.console.status(f"{title} ..."):
                    yield
            else:
                self.console.print(f"==> {title} ...", highlight=False)
                yield
        except BaseException:
            self.console.print(f"[red]FAILED[/red] {title} ({time.perf_counter() - start:.1f} s)")
            raise
        self.console.print(f"[green]done[/green]   {title} ({time.perf_counter() - start:.1f} s)")

    def note(self, message: str) -> None:
        """Print a remark, indented under the current step."""
        self.console.print(f"       {message}", highlight=False)


QUIET_BELOW = 1000
"""Off a terminal, :func:`counter` reports nothing for work of fewer items than this."""


@contextmanager
def counter(what: str, console: Console | None = None) -> Iterator[Callable[[int, int], None]]:
    """A ``(done, total)`` progress callback: a bar on a terminal, a line per 10 % elsewhere
    (for :data:`QUIET_BELOW` items or more)."""
    con = console if console is not None else Console(stderr=True)
    if con.is_terminal:
        columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with RichProgress(*columns, console=con, transient=True) as bar:
            task = bar.add_task(what, total=None)
            yield lambda done, total: bar.update(task, completed=done, total=total)
        return
    last = [-1]

    def report(done: int, total: int) -> None:
        if total < QUIET_BELOW:
            return
        tenth = done * 10 // max(total, 1)
        if tenth > last[0]:
            last[0] = tenth
            con.print(f"{what}: {done} of {total}", highlight=False)

    yield report
