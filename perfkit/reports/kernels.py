"""The Jupyter kernels the notebook suite runs its notebooks on: which kernel, how its
client talks to it, and how it is shut down.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets.config import Config

KERNEL = "perfkit"
FALLBACK_KERNEL = "python3"


def kernel_name() -> str:
    """``perfkit`` when installed (``make setup``), else ``python3``: the kernel of the
    running interpreter (jupyter_client starts a ``python`` kernelspec with sys.executable),
    so a perfkit installed from its wheel runs its notebooks with no kernel to install."""
    return KERNEL if KERNEL in KernelSpecManager().find_kernel_specs() else FALLBACK_KERNEL


def kernel_config(sockets: Path) -> Config:
    """Kernels talk over IPC (local socket files), not TCP: nothing listens on the network,
    and ipykernel does not warn about unencrypted TCP for every notebook. The socket files
    go into ``sockets``, a folder of this kernel's own: jupyter_client's default is
    ``kernel-ipc-<n>`` in the working directory with the first free ``n``, so two kernels
    started at once in one directory could pick the same files, and each client would then
    talk to the other's kernel ("Invalid Signature")."""
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(sockets / "kernel")
    return config


class QuietShutdownKernelManager(AsyncKernelManager):
    """A kernel manager whose shutdown does not interrupt the kernel first.

    jupyter_client sends a kernel SIGINT before it asks it to shut down, in case a cell is
    still running. papermill's last request to a kernel is a ``kernel_info`` whose reply it
    reads and then shuts down at once, so the SIGINT can land while the kernel is still
    inside that request's handler: ipykernel then prints ``[IPKernelApp] ERROR |
    KeyboardInterrupt caught in kernel.`` to the terminal (in two of the three whole
    suite runs watched here; strace shows a SIGINT to every kernel at its shutdown, and none with
    this manager). The suite shuts a kernel down when its cells are done, or one failed or
    timed out; the shutdown request, then SIGTERM and SIGKILL after ``shutdown_wait_time``,
    still end a kernel that is busy."""

    async def _async_interrupt_kernel(self) -> None:
        if not self.shutting_down:
            await super()._async_interrupt_kernel()
