"""The figures of a soak run (bench/soak.py): a chart with the faults marked, and docs/reliability.md."""
from __future__ import annotations

from pathlib import Path


def slope_per_min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope in units per minute of (seconds, value) points."""
    if len(points) < 3:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return round(60 * sum((t - mean_t) * (v - mean_v) for t, v in points) / var, 2) if var else None


def series(samples: list[dict], field: str) -> dict[str, list[tuple[float, float]]]:
    named: dict[str, list[tuple[float, float]]] = {}
    for sample in samples:
        for name, value in sample[field].items():
            if value is not None:
                named.setdefault(name, []).append((sample["at"], value))
    return named


def floors(points: list[tuple[float, float]], window_s: float = 60) -> list[tuple[float, float]]:
    """The lowest heap of each minute: the heap just after a GC, where live data shows."""
    buckets: dict[int, tuple[float, float]] = {}
    for at, value in points:
        key = int(at // window_s)
        if key not in buckets or value < buckets[key][1]:
            buckets[key] = (at, value)
    return [buckets[key] for key in sorted(buckets)]


def heal_times(figures: dict) -> list[dict]:
    """Per fault: seconds from its end until the lag is back at most where it was before (or 2 s of orders)."""
    samples = [s for s in figures["samples"] if s["lag"] is not None]
    healed = []
    for fault in figures["faults"]:
        before = [s["lag"] for s in samples if s["at"] < fault["at"]][-3:]
        limit = max(max(before, default=0), 2 * figures["rate"])
        after = [s for s in samples if s["at"] > fault["done_at"] and s["lag"] <= limit]
        healed.append({**fault, "healed_after_s": round(after[0]["at"] - fault["at"], 1) if after else None})
    return healed


def summary(figures: dict) -> dict:
    samples = figures["samples"]
    half = samples[len(samples) // 2:]  # after the start-up, where a leak would show
    lags = [(s["at"], s["lag"]) for s in samples if s["lag"] is not None]
    results = {k: v for k, v in figures["results"].items() if isinstance(v, dict)}
    return {
        "orders": figures["results"]["orders_on_topic"],
        "lost": sum(r["lost"] for r in results.values()),
        "twice": sum(r["twice"] for r in results.values()),
        "rss_slope_mb_per_min": {name: slope_per_min(points) for name, points in series(half, "rss_mb").items()},
        "heap_after_gc_slope_mb_per_min": {name: slope_per_min(floors(points))
                                           for name, points in series(half, "heap_mb").items()},
        "longest_lag": max(lags, key=lambda point: point[1], default=None),
        "faults": heal_times(figures),
    }


MEMORY_NOTE = (
    "Memory: the one state that grows with the orders is the memory of the orderIds already counted "
    "(one entry per order, kept for `state.dedup_window`); the customers' and categories' state is "
    "bounded by the 2,000 customers and the categories. With `state.dedup_window={window}` it holds "
    "at most {window} of orders ({held:,} at {rate:,} orders/s; the soak's redeliveries come "
    "within milliseconds; the window runs in processing time, so while the job catches up on a "
    "backlog it holds {window} of what it reads, more than that), so checkpoint size and heap "
    "after GC level off once the window is full; "
    "the slopes below are over the second half of the run. The default window, 7 days, would keep "
    "every orderId of the run. Each TaskManager ({memory}) has about 900 MB of heap for it.")


def chart(figures: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = figures["samples"]
    fig, axes = plt.subplots(4, 1, figsize=(10, 11), sharex=True)
    for name, points in series(samples, "rss_mb").items():
        axes[0].plot([t / 60 for t, _ in points], [v for _, v in points], label=name)
    for name, points in series(samples, "heap_mb").items():
        axes[1].plot([t / 60 for t, _ in floors(points)], [v for _, v in floors(points)], marker=".", label=name)
    lag = [(s["at"] / 60, s["lag"]) for s in samples if s["lag"] is not None]
    axes[2].plot([t for t, _ in lag], [v for _, v in lag], color="tab:red")
    size = [(s["at"] / 60, s["checkpoint_mb"]) for s in samples if s["checkpoint_mb"] is not None]
    axes[3].plot([t for t, _ in size], [v for _, v in size], color="tab:green")
    titles = ["RSS MB (process and its children)", "heap MB after GC (lowest per minute)",
              "consumer lag (orders)", "last checkpoint MB"]
    for axis, title in zip(axes, titles):
        axis.set_title(title, fontsize=10)
        for fault in figures["faults"]:
            axis.axvline(fault["at"] / 60, color="grey", linestyle="--")
    for fault in figures["faults"]:
        axes[0].annotate(fault["fault"], (fault["at"] / 60, axes[0].get_ylim()[1]), fontsize=7, rotation=90,
                         va="top", ha="right")
    axes[0].legend(fontsize=7, ncol=3)
    axes[1].legend(fontsize=7, ncol=3)
    axes[3].set_xlabel("minutes")
    fig.suptitle(f"soak: {figures['minutes']} min at {figures['rate']} orders/s, all alerts segments, parallelism 2")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def write_report(figures: dict, png: Path, page: Path) -> None:
    chart(figures, png)
    facts = summary(figures)
    results = {k: v for k, v in figures["results"].items() if isinstance(v, dict)}
    lines = ["# Reliability: the last soak run", "",
             f"Measured with `make soak ARGS=\"--minutes {figures['minutes']:g}\"` (`python -m bench.soak`): the producer "
             f"at {figures['rate']} orders/s (orders stamped now, 0.5% bad records, every 100th order delivered twice) "
             f"into a 4-partition topic; `all alerts segments --variant builtin --sink kafka"
             f"{' --sink postgres' if figures['views'] else ''}` on the "
             f"local cluster at parallelism 2 (checkpoints every 10 s, `state.dedup_window={figures['dedup_window']}`, "
             f"TaskManagers of {figures['task_manager_memory']}); faults on a schedule; at the end every committed "
             f"result on the result topics{' and every row of the views' if figures['views'] else ''} compared with "
             "`tests/model.py` over the topic as it is.", "",
             MEMORY_NOTE.format(window=figures["dedup_window"], rate=figures["rate"],
                                memory=figures["task_manager_memory"],
                                held=figures["rate"] * figures["dedup_window_s"]), "",
             f"![soak]({Path('..') / png.relative_to(png.parents[1])})", "",
             f"- orders on the topic: {facts['orders']:,}; lost: **{facts['lost']}**, twice: **{facts['twice']}**",
             f"- drained (lag 0 and committed) {figures['drained_after_s']} s after the producer stopped",
             f"- longest lag: {facts['longest_lag'][1]:,} orders at minute {facts['longest_lag'][0] / 60:.1f}"
             if facts["longest_lag"] else "- lag: not sampled", "", "| fault | at min | healed after s |", "|---|---|---|"]
    lines += [f"| {f['fault']} | {f['at'] / 60:.1f} | {f['healed_after_s']} |" for f in facts["faults"]]
    lines += ["", "Healed: the consumer lag back at most where it was before the fault (or below 2 s of orders).", "",
              "| process | RSS slope MB/min (second half) | heap after GC slope MB/min |", "|---|---|---|"]
    for name, slope in sorted(facts["rss_slope_mb_per_min"].items()):
        lines.append(f"| {name} | {slope} | {facts['heap_after_gc_slope_mb_per_min'].get(name, '')} |")
    lines += ["", "| result topic | rows | expected | lost | twice |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {r['rows']:,} | {r['expected']:,} | {r['lost']} | {r['twice']} |"
              for name, r in results.items()]
    lines += ["", "Alert topics are compared as multisets of rows (each alert once); state topics by the last "
              "row of each key (the state after all its orders). The figures: `bench/soak.json`.", ""]
    page.write_text("\n".join(lines), encoding="utf-8")
