"""What a signal does at each stage of a run (order_analytics/interrupts.py); the real signals at real moments
of a real run are in tests/e2e/test_interrupts.py."""
import os
import signal

import pytest

from order_analytics import interrupts


@pytest.fixture
def handlers():
    saved = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    interrupts.install()
    yield
    interrupts.doing("starting", resume="")
    signal.signal(signal.SIGINT, saved[0])
    signal.signal(signal.SIGTERM, saved[1])


def test_a_signal_while_a_submission_is_waited_for_stops_the_job_once_it_runs(handlers):
    interrupts.defer()
    os.kill(os.getpid(), signal.SIGTERM)  # Python runs the handler before the next line
    with pytest.raises(KeyboardInterrupt):
        interrupts.running()


def test_a_signal_while_the_job_runs_is_a_keyboard_interrupt_and_ignored_while_it_stops(handlers):
    interrupts.running()
    with pytest.raises(KeyboardInterrupt):
        os.kill(os.getpid(), signal.SIGINT)
    interrupts.stopping()
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
