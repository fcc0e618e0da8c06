"""The commit gate (kg/engine/gate.py): queries share it, a write holds it alone, a waiting
write goes before queries that come after it, and a wait past the time limit gives up cleanly."""

from __future__ import annotations

import asyncio

import pytest

from kg.engine.gate import CommitGate, GateTimeout


async def _wait_until(condition: object, timeout_s: float = 2.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not condition():  # type: ignore[operator]
            await asyncio.sleep(0.005)


async def _query_holding(gate: CommitGate) -> tuple[asyncio.Task[None], asyncio.Event]:
    """A query that holds the gate (shared) until the returned event is set."""
    holding, let_go = asyncio.Event(), asyncio.Event()

    async def long_query() -> None:
        async with gate.hold(exclusive=False, timeout_s=2):
            holding.set()
            await let_go.wait()

    task = asyncio.ensure_future(long_query())
    await holding.wait()
    return task, let_go


async def _entering(gate: CommitGate, *, exclusive: bool) -> tuple[asyncio.Task[None], asyncio.Event]:
    """A request that enters the gate (setting the returned event) and leaves at once, started
    and given a moment to get in or to queue."""
    got_in = asyncio.Event()

    async def enter() -> None:
        async with gate.hold(exclusive=exclusive, timeout_s=2):
            got_in.set()

    task = asyncio.ensure_future(enter())
    await asyncio.sleep(0.02)
    return task, got_in


def test_queries_share_the_gate() -> None:
    async def run() -> int:
        gate, inside, most = CommitGate(), 0, 0

        async def query() -> None:
            nonlocal inside, most
            async with gate.hold(exclusive=False, timeout_s=2):
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0.05)
                inside -= 1

        await asyncio.gather(*(query() for _ in range(4)))
        return most

    assert asyncio.run(run()) == 4


def test_a_write_waits_for_the_queries_in_flight_and_queries_after_it_wait_for_the_write() -> None:
    async def run() -> list[str]:
        gate, order = CommitGate(), []
        first_in = asyncio.Event()
        let_go = asyncio.Event()

        async def first_query() -> None:
            async with gate.hold(exclusive=False, timeout_s=2):
                first_in.set()
                await let_go.wait()
                order.append("query in flight")

        async def write() -> None:
            async with gate.hold(exclusive=True, timeout_s=2):
                order.append("write")

        async def late_query() -> None:
            async with gate.hold(exclusive=False, timeout_s=2):
                order.append("query after the write")

        tasks = [asyncio.ensure_future(first_query())]
        await first_in.wait()
        tasks.append(asyncio.ensure_future(write()))
        await asyncio.sleep(0.02)  # the write now waits
        tasks.append(asyncio.ensure_future(late_query()))
        await asyncio.sleep(0.02)
        assert order == []  # neither the write nor the later query got in
        let_go.set()
        await asyncio.gather(*tasks)
        return order

    assert asyncio.run(run()) == ["query in flight", "write", "query after the write"]


def test_a_wait_past_the_limit_raises_and_leaves_the_gate_usable() -> None:
    async def run() -> None:
        gate = CommitGate()
        task, let_go = await _query_holding(gate)
        with pytest.raises(GateTimeout):
            async with gate.hold(exclusive=True, timeout_s=0.05):
                raise AssertionError("the write got in while a query held the gate")
        # the write that gave up does not hold back queries that come after it
        async with gate.hold(exclusive=False, timeout_s=0.5):
            pass
        let_go.set()
        await task
        await _wait_until(lambda: not gate.busy)
        async with gate.hold(exclusive=True, timeout_s=0.5):
            assert gate.busy

    asyncio.run(run())


def test_a_cancelled_waiting_write_lets_the_queries_behind_it_in() -> None:
    async def run() -> None:
        gate = CommitGate()

        async def write() -> None:
            async with gate.hold(exclusive=True, timeout_s=2):
                raise AssertionError("the cancelled write got in")

        reader, let_go = await _query_holding(gate)
        writer = asyncio.ensure_future(write())
        await asyncio.sleep(0.02)
        waiting_query, got_in = await _entering(gate, exclusive=False)
        assert not got_in.is_set()  # behind the waiting write
        writer.cancel()
        await asyncio.wait_for(waiting_query, 1.0)  # let in once the write gave up
        assert got_in.is_set()
        let_go.set()
        await reader
        with pytest.raises(asyncio.CancelledError):
            await writer

    asyncio.run(run())


def test_a_write_cancelled_while_it_holds_the_gate_leaves_it_open() -> None:
    async def run() -> None:
        gate = CommitGate()
        inside = asyncio.Event()

        async def write() -> None:
            async with gate.hold(exclusive=True, timeout_s=2):
                inside.set()
                await asyncio.sleep(10)

        writer = asyncio.ensure_future(write())
        await inside.wait()
        writer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writer
        assert not gate.busy
        async with gate.hold(exclusive=False, timeout_s=0.5):  # open: no timeout
            pass
        async with gate.hold(exclusive=True, timeout_s=0.5):
            pass

    asyncio.run(run())


def test_a_query_cancelled_while_a_write_waits_still_lets_the_write_in() -> None:
    async def run() -> None:
        gate = CommitGate()
        reader, _ = await _query_holding(gate)
        writer, wrote = await _entering(gate, exclusive=True)
        assert not wrote.is_set()  # waits for the query in flight
        reader.cancel()  # the client went away: the query's exit wakes the write
        with pytest.raises(asyncio.CancelledError):
            await reader
        await asyncio.wait_for(writer, 1.0)
        assert wrote.is_set() and not gate.busy

    asyncio.run(run())
