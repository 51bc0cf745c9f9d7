"""The floor of a PyFlink start-up: a bare TableEnvironment inserting one datagen row into a print
table, on the local mini-cluster. `python -m bench.bare` prints the row (`+I[1]`) on stdout, where
the print connector writes, and ends; bench/run.py times the command to that line."""
from pyflink.table import EnvironmentSettings, TableEnvironment


def main() -> None:
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("CREATE TABLE one_row (n INT) WITH ('connector' = 'datagen', 'number-of-rows' = '1', "
                      "'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '1')")
    t_env.execute_sql("CREATE TABLE shown (n INT) WITH ('connector' = 'print')")
    t_env.execute_sql("INSERT INTO shown SELECT n FROM one_row").wait()


if __name__ == "__main__":
    main()
