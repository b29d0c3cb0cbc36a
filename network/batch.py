"""Batch execution: one mapping function, serial by default, Dask distributed on request.

Batch work (scenarios × origins, leave-one-out ranking) is a list of pure tasks. It runs
serially with the built-in ``map``; with a scheduler it is mapped over Dask workers::

    with mapper_for("local") as mapper:        # a LocalCluster on this machine
        results = list(mapper(task, items))
    with mapper_for("tcp://host:8786") as mapper:   # an existing cluster
        ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager


@contextmanager
def mapper_for(scheduler: str | None = None, n_workers: int = 2) -> Iterator[Callable]:
    """Yield ``mapper(func, items) -> iterator of results`` (in input order).

    Parameters
    ----------
    scheduler : str or None
        ``None`` runs serially; ``"local"`` starts a Dask ``LocalCluster`` on loopback;
        anything else is the address of an existing scheduler.
    n_workers : int
        Workers of the local cluster (one thread each).
    """
    if scheduler is None:
        yield map
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        from .errors import NetworkError

        raise NetworkError("Dask is not installed: pip install 'suining-network[dask]'") from exc
    if scheduler == "local":
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1")
        client = Client(cluster)
    else:
        cluster, client = None, Client(scheduler)
    try:
        def mapper(func: Callable, items: Iterable):
            futures = client.map(func, list(items), pure=False)
            for fut in futures:
                yield fut.result()

        yield mapper
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
