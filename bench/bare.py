"""The floor of a PyFlink start-up: a bare TableEnvironment inserting one datagen row into a print
table, on the local mini-cluster. `python -m bench.bare` prints the row (`+I[1]`) on stdout, where
the print connector writes, and ends; bench/run.py times the command to that line. It runs on a JVM
without the project's class archive (order_analytics/infra/jvm_archive.py), as stock PyFlink does."""
from order_analytics.infra.jvm_archive import one_row_job

if __name__ == "__main__":
    one_row_job()
