"""The facilitator server's kernel manager: a kernel whose page is gone is shut down within two minutes.

Jupyter's idle culler cannot do it while a meeting goes on: it counts every iopub message as activity, and a
dashboard kernel whose tab was closed still polls the workspace and redraws when another tab saves, so it is
never idle (round 1 found 27 kernels, 4.3 GB, none culled). Voilà 0.5.13 cannot shut a kernel down when its page
closes either (its shutdown request is refused, upstream #1458). What does tell a closed page apart is the
kernel's websocket: the page holds one while it is open. So a kernel with **no connection** for
``cull_disconnected_after`` seconds is shut down, busy or not, active or not; a connected kernel is kept, however
quiet. Kernels waiting in Voilà's preheated pool have never had a page and are left alone (Voilà's own subclass
skips them before this check runs).

Imported by Voilà by name (``multi_kernel_manager_class``), so importing this module costs the command line
nothing.
"""

from __future__ import annotations

import time

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float


class FacilitatorKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` that also culls kernels without a page (no websocket) after a while."""

    cull_disconnected_after = Float(
        90.0,
        config=True,
        help="Seconds a kernel may stay without any websocket connection (its page closed) before it is shut "
        "down; checked every cull_interval seconds. 0 turns it off.",
    )

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]  # jupyter_server is untyped
        #: kernel id → monotonic time since which it has had no connection
        self._alone_since: dict[str, float] = {}

    def connections(self, kernel_id: str) -> int:
        """Open websocket connections of the kernel now."""
        return int(self._kernel_connections.get(kernel_id, 0))

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Shut the kernel down if it has had no page long enough; otherwise Jupyter's idle rule applies."""
        for gone in [k for k in self._alone_since if k not in self._kernels]:
            del self._alone_since[gone]
        if kernel_id not in self._kernels:
            return
        limit = float(self.cull_disconnected_after)
        if limit > 0:
            now = time.monotonic()
            if self.connections(kernel_id):
                self._alone_since.pop(kernel_id, None)
            else:
                since = self._alone_since.setdefault(kernel_id, now)
                if now - since >= limit:
                    self.log.warning(
                        "Culling kernel %s: no page connected for %d s (its tab was closed)", kernel_id, now - since
                    )
                    self._alone_since.pop(kernel_id, None)
                    await self.shutdown_kernel(kernel_id)  # type: ignore[no-untyped-call]
                    return
        await super().cull_kernel_if_idle(kernel_id)  # type: ignore[no-untyped-call]
