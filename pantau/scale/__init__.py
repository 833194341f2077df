"""Scaling the per-article pipeline: worker processes on one machine (``workers``), a Dask cluster
(``cluster``), Parquet for results in transit and exports (``parquet``), and the progress bar
long commands show on a terminal (``progress``)."""
