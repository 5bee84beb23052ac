"""The Dask client behind every command's ``--dask ADDRESS`` (``fastio convert --dask``,
``zoo gwas --dask``): one place that turns an address into a client and closes both
the client and any cluster it started."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

__all__ = ["dask_client"]


@contextmanager
def dask_client(address: str, **local_cluster) -> Iterator:
    """A ``distributed.Client`` of the scheduler at ``address``; ``'local'`` starts a
    ``LocalCluster(**local_cluster)`` for the duration instead. Both are closed on exit."""
    if not address:
        raise ValueError(f"Expected a Dask scheduler address or 'local', got {address!r}")
    from distributed import Client, LocalCluster   # heavy: only once a command asks for Dask

    if address == "local":
        with LocalCluster(**local_cluster) as cluster, Client(cluster) as client:
            yield client
    else:
        with Client(address) as client:
            yield client
