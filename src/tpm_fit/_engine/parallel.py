"""Work on several threads, for the batch path's numpy and pyarrow passes (which release the GIL).

One helper, used to share the kernel's blocks of rows: the items are cut into contiguous shares,
this thread works on the first while a short-lived pool works on the others, and every exception
reaches the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["run_shares"]

T = TypeVar("T")


def run_shares(work: Callable[[Sequence[T]], None], items: Sequence[T], threads: int) -> None:
    """Call ``work`` on ``threads`` contiguous shares of ``items`` at once (in order within each).

    With one thread (or one item) ``work(items)`` runs here; nothing else starts. Shares write
    to disjoint parts of their outputs, so the result is the same for any number of threads.
    """
    count = len(items)
    shares = [items[count * k // threads : count * (k + 1) // threads] for k in range(max(1, threads))]
    shares = [share for share in shares if len(share)]
    if len(shares) <= 1:
        work(items)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(shares) - 1, thread_name_prefix="tpm_fit") as pool:
        futures = [pool.submit(work, share) for share in shares[1:]]
        work(shares[0])
        for future in futures:
            future.result()
