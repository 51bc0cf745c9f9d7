"""The console's memory of printed rows: a row replayed after a restart is not shown again."""
from order_analytics.analyses import registry
from order_analytics.printed import PrintedMemory

TOTALS = registry()["3a"]


def row(customer, orders):
    return {"analysis": "3a", "customerId": customer, "total": 0, "orders": orders}


def test_a_replayed_row_is_skipped_across_a_restart(tmp_path):
    path = tmp_path / "printed.jsonl"
    memory = PrintedMemory(path, resuming=False)
    assert [memory.first_time(TOTALS, row("c1", n)) for n in (1, 2, 3)] == [True, True, True]
    assert memory.first_time(TOTALS, row("c2", 1))
    memory.close()  # the runner dies here; the job continues from a checkpoint taken after order 1
    again = PrintedMemory(path, resuming=True)
    assert [again.first_time(TOTALS, row("c1", n)) for n in (2, 3, 4)] == [False, False, True]
    assert not again.first_time(TOTALS, row("c2", 1))


def test_a_fresh_start_forgets_and_a_bounded_run_remembers_nothing(tmp_path):
    path = tmp_path / "printed.jsonl"
    PrintedMemory(path, resuming=False).first_time(TOTALS, row("c1", 1))
    assert PrintedMemory(path, resuming=False).first_time(TOTALS, row("c1", 1))
    bounded = PrintedMemory(None, resuming=False)
    assert bounded.first_time(TOTALS, row("c1", 1)) and bounded.first_time(TOTALS, row("c1", 2))


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path):
    path = tmp_path / "printed.jsonl"
    path.write_text('["3a", "c1", 5]\n["3a", "c2", ')
    memory = PrintedMemory(path, resuming=True)
    assert not memory.first_time(TOTALS, row("c1", 5)) and memory.first_time(TOTALS, row("c2", 1))
