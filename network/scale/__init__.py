"""Scale-out: many tasks over phases, serially or on Dask distributed workers."""
