"""The facilitator server's culling: a kernel without a page goes, however active; one with a page stays."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest

from alliance_lens.facilitator_kernels import FacilitatorKernelManager
from alliance_lens.serve import voila_settings


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _kernel() -> SimpleNamespace:
    # always just active: Jupyter's own idle rule would never cull it
    return SimpleNamespace(
        execution_state="idle",
        kernel_name="python3",
        kernel_spec=SimpleNamespace(metadata={}),
        last_activity=dt.datetime.now(dt.UTC),
    )


def test_a_kernel_without_a_page_is_shut_down_after_the_limit_even_when_active(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = _Clock()
    monkeypatch.setattr("alliance_lens.facilitator_kernels.time.monotonic", clock)
    km = FacilitatorKernelManager(cull_disconnected_after=90, cull_idle_timeout=600)
    shut: list[str] = []

    async def shutdown_kernel(kernel_id: str, *_a: object, **_k: object) -> None:
        shut.append(kernel_id)
        km._kernels.pop(kernel_id)

    monkeypatch.setattr(km, "shutdown_kernel", shutdown_kernel)
    km._kernels.update({"closed": _kernel(), "open": _kernel()})
    km._kernel_connections.update({"closed": 1, "open": 1})

    async def check() -> None:
        for kid in list(km._kernels):
            km._kernels[kid].last_activity = dt.datetime.now(dt.UTC)  # other tabs keep saving
            await km.cull_kernel_if_idle(kid)

    asyncio.run(check())
    km._kernel_connections["closed"] = 0  # its tab is closed: the websocket went
    asyncio.run(check())  # t = 0 s without a page
    clock.now += 89
    asyncio.run(check())
    assert shut == []  # 89 s: not yet
    clock.now += 1
    asyncio.run(check())
    assert shut == ["closed"]  # 90 s without a page: gone, though active all along
    clock.now += 3600
    asyncio.run(check())
    assert shut == ["closed"] and list(km._kernels) == ["open"]  # a tab that is open keeps its kernel


def test_a_page_back_within_the_limit_resets_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock()
    monkeypatch.setattr("alliance_lens.facilitator_kernels.time.monotonic", clock)
    km = FacilitatorKernelManager(cull_disconnected_after=90, cull_idle_timeout=600)
    shut: list[str] = []

    async def shutdown_kernel(kernel_id: str, *_a: object, **_k: object) -> None:
        shut.append(kernel_id)

    monkeypatch.setattr(km, "shutdown_kernel", shutdown_kernel)
    km._kernels["k"] = _kernel()
    km._kernel_connections["k"] = 0
    asyncio.run(km.cull_kernel_if_idle("k"))
    clock.now += 80
    km._kernel_connections["k"] = 1  # reconnected (a reload, a flaky network)
    asyncio.run(km.cull_kernel_if_idle("k"))
    km._kernel_connections["k"] = 0
    clock.now += 80
    asyncio.run(km.cull_kernel_if_idle("k"))
    assert shut == []


def test_the_facilitator_server_culls_by_connection_every_15_seconds() -> None:
    facilitator = voila_settings("facilitator", port=1, ip="127.0.0.1", token=None, port_given=True)
    assert facilitator["VoilaConfiguration"]["multi_kernel_manager_class"] == (
        "alliance_lens.facilitator_kernels.FacilitatorKernelManager"
    )
    assert facilitator["MappingKernelManager"]["cull_interval"] == 15
    # 90 s without a page + at most one 15 s interval: within the 2 minutes promised
    assert facilitator["FacilitatorKernelManager"]["cull_disconnected_after"] == 90.0
    clients = voila_settings("clients", port=1, ip="127.0.0.1", token=None, port_given=True)
    assert clients["MappingKernelManager"]["cull_interval"] == 60
