"""What a run prints: its results on stdout (each once), progress and status on stderr."""
from __future__ import annotations

import sys

from order_analytics import analyses, console
from order_analytics.pipeline import Pipeline
from order_analytics.printed import PrintedMemory


def say(message: str) -> None:
    """Progress and status: stderr, so stdout carries only results."""
    print(message, file=sys.stderr, flush=True)



class ResultPrinter:
    """Prints a console run's result rows as the seed's lines or JSON, each once, and counts them."""

    def __init__(self, pipeline: Pipeline, output_format: str, memory: PrintedMemory):
        self.pipeline, self.output_format, self.memory = pipeline, output_format, memory
        self.changelog = console.Changelog()
        self.dead_letter_places: set[tuple] = set()
        self.results = self.dead_letters = 0

    def show(self, row: dict) -> None:
        if "op" in row:  # a change of an updating table
            row = self.changelog.row(row)
            if row is None:
                return
        if row["analysis"] == "dead_letter":
            place = (row["partition"], row["offset"])
            if place in self.dead_letter_places:  # written again after a restart of the job
                return
            self.dead_letter_places.add(place)
            self.dead_letters += 1
            say(f"⚠ set aside bad record #{self.dead_letters} (partition {row['partition']}, "
                f"offset {row['offset']}): {row['error']} -> {self.pipeline.dead_letter_topic}")
            return
        if not self.memory.first_time(analyses.registry()[row["analysis"]], row):
            return  # written again after a restart from a checkpoint: shown before
        self.results += 1
        for line in console.lines(row, self.output_format):
            print(line, flush=True)

    def summary(self) -> str:
        return f"{self.results} results, {self.dead_letters} bad records set aside on {self.pipeline.dead_letter_topic}"
