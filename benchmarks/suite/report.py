"""Turns the suite's results into a markdown report, a PNG chart and a JSON file.

results (what the driver collects, also the JSON written):
    machine   machine.machine_info() plus "engines": {key: {"title", "status", "version" or "reason"}} and
              "parallel_speedup": {"threads", "start", "end"} (machine.parallel_speedup)
    settings  the command line's choices
    latency   [{"model", "batch", "threads", "engine", "seconds": [...]}]
    check     [{"model", "engine", "relative_error"}]   max|y - y_torch| / max|y_torch|, batch 1
    footprint [{"model", "threads", "engine", "cold_start_s": [...], "peak_rss_mb": [...]}]
    errors    [{"model", "engine", "threads", "message"}]
Ratios are cnnengine's median over the other engine's (below 1: cnnengine is faster or leaner);
"fastest peer" is the best of the other engines, PyTorch included, in the same run.
"""
import json
import os

import numpy as np

from models import title
from timing import markdown_table, median_ms, p90_ms

OURS, REFERENCE = "cnnengine", "torch"
CHECK_TOLERANCE = 1e-3  # relative output difference beyond which the weights or export are suspect


def _titles(results):
    return {key: info["title"] for key, info in results["machine"]["engines"].items()}


def _present(results):
    return [key for key, info in results["machine"]["engines"].items() if info["status"] == "ok"]


def _ratio(ours, theirs):
    return f"{ours / theirs:.2f}" if ours is not None and theirs else "–"


def _best_peer(values, lower_is_better=True):
    """(engine, value) of the best engine other than cnnengine, or (None, None)."""
    peers = {key: value for key, value in values.items() if key != OURS and value is not None}
    if not peers:
        return None, None
    key = (min if lower_is_better else max)(peers, key=peers.get)
    return key, peers[key]


def _cases(results):
    """{(model, batch, threads): {engine: seconds}} in the order measured."""
    cases = {}
    for entry in results["latency"]:
        cases.setdefault((entry["model"], entry["batch"], entry["threads"]), {})[entry["engine"]] = entry["seconds"]
    return cases


def latency_table(results):
    titles, engines = _titles(results), _present(results)
    header = ["model", "batch", "threads"] + [f"{titles[key]} ms (p90)" for key in engines]
    header += ["cnnengine / PyTorch", "cnnengine / fastest peer", "timed runs"]
    rows = []
    for (model, batch, threads), samples in _cases(results).items():
        medians = {key: median_ms(samples[key]) if key in samples else None for key in engines}
        cells = [f"{medians[key]:.3f} ({p90_ms(samples[key]):.3f})" if key in samples else "failed" for key in engines]
        peer, best = _best_peer(medians)
        rows.append([title(model), batch, threads, *cells, _ratio(medians.get(OURS), medians.get(REFERENCE)),
                     f"{_ratio(medians.get(OURS), best)} ({titles[peer]})" if peer else "–",
                     min(len(s) for s in samples.values())])
    return markdown_table(header, rows)


def throughput_table(results):
    titles, engines = _titles(results), _present(results)
    header = ["model", "batch", "threads"] + [f"{titles[key]} img/s" for key in engines] + ["cnnengine / best peer"]
    rows = []
    for (model, batch, threads), samples in _cases(results).items():
        if batch == 1:
            continue
        rates = {key: batch / np.median(samples[key]) if key in samples else None for key in engines}
        peer, best = _best_peer(rates, lower_is_better=False)
        cells = [f"{rates[key]:.1f}" if rates[key] else "failed" for key in engines]
        rows.append([title(model), batch, threads, *cells,
                     f"{_ratio(rates.get(OURS), best)}x ({titles[peer]})" if peer and rates.get(OURS) else "–"])
    return markdown_table(header, rows) if rows else ""


def footprint_table(results):
    titles = _titles(results)
    header = ["model", "threads", "engine", "cold start s (import + load + 1st predict)", "peak RSS MB",
              "cnnengine / it (cold start)", "cnnengine / it (RSS)"]
    groups = {}
    for entry in results["footprint"]:
        groups.setdefault((entry["model"], entry["threads"]), {})[entry["engine"]] = (
            float(np.median(entry["cold_start_s"])), float(np.median(entry["peak_rss_mb"])))
    rows = []
    for (model, threads), values in groups.items():
        ours = values.get(OURS, (None, None))
        for key, (cold, rss) in values.items():
            ratios = ["–", "–"] if key == OURS else [_ratio(ours[0], cold), _ratio(ours[1], rss)]
            rows.append([title(model), threads, titles[key], f"{cold:.3f}", f"{rss:.0f}", *ratios])
    return markdown_table(header, rows) if rows else ""


def check_lines(results):
    titles = _titles(results)
    lines = []
    for entry in results["check"]:
        flag = "" if entry["relative_error"] <= CHECK_TOLERANCE else "  <-- outputs differ: check the export"
        lines.append(f"- {title(entry['model'])}, {titles[entry['engine']]}: {entry['relative_error']:.1e}{flag}")
    return lines


# Below this share of the thread count, the host's CPUs were not whole cores to the run.
PARALLEL_SPEEDUP_FLOOR = 0.8


def parallel_speedup_note(speedup):
    """The host check of machine.parallel_speedup, where the run made it (older files lack it)."""
    if not speedup or speedup["threads"] < 2:
        return ""
    threads, low = speedup["threads"], min(speedup["start"], speedup["end"])
    note = (f" A compute-bound GEMM ran {speedup['start']:.2f}x faster on {threads} threads than on 1 at the"
            f" start, {speedup['end']:.2f}x at the end.")
    if low < PARALLEL_SPEEDUP_FLOOR * threads:
        note += " The host shared the CPUs during the run: read the multi-thread cells with care."
    return note


def markdown(results):
    machine, settings = results["machine"], results["settings"]
    engines = machine["engines"]
    versions = ", ".join(f"{info['title']} {info.get('version', '(did not load)')}"
                         for info in engines.values() if info["status"] == "ok")
    absent = [f"{info['title']} ({info['reason']})" for info in engines.values() if info["status"] != "ok"]
    parts = ["# cnnengine side-by-side benchmark\n",
             f"Machine: {machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, ISA "
             f"{' '.join(machine['isa_flags'])}; load average at start {machine['load_average_at_start']}." +
             parallel_speedup_note(machine.get("parallel_speedup")),
             f"Engines: {versions}." + (f" Absent: {', '.join(absent)}." if absent else ""),
             f"Settings: {settings['runs']} timed runs per case in {settings['rounds']} alternating rounds, "
             f"{settings['warmup']} warm-up calls per round excluded; threads {settings['threads']} on every engine.\n",
             "## Latency, median (p90), ms\n", latency_table(results)]
    for heading, table in (("## Throughput", throughput_table(results)),
                           ("## Cold start and peak memory (fresh process, batch 1)", footprint_table(results))):
        if table:
            parts += [f"\n{heading}\n", table]
    if results["check"]:
        parts += ["\n## Same weights: output difference from PyTorch (max|diff| / max|PyTorch|, batch 1)\n",
                  *check_lines(results)]
    if results["errors"]:
        parts += ["\n## Failures\n"] + [f"- {e['model']}, {e['engine']}"
                                       + (f", {e['threads']} thread(s)" if e["threads"] else "") + f": {e['message']}"
                                       for e in results["errors"]]
    return "\n".join(parts) + "\n"


def chart(results, path):
    """Grouped bars: each engine's median latency over PyTorch's (or the slowest engine's) per case."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles, engines, cases = _titles(results), _present(results), _cases(results)
    labels = [f"{title(model)}\nb{batch} t{threads}" for model, batch, threads in cases]
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(cases) + 2), 4.5))
    width = 0.8 / max(1, len(engines))
    for index, key in enumerate(engines):
        heights = []
        for samples in cases.values():
            base = samples.get(REFERENCE) or max(samples.values(), key=np.median)
            heights.append(np.median(samples[key]) / np.median(base) if key in samples else 0.0)
        axes.bar(np.arange(len(cases)) + (index - (len(engines) - 1) / 2) * width, heights, width, label=titles[key])
    axes.axhline(1.0, color="grey", linewidth=0.8)
    axes.set_xticks(np.arange(len(cases)), labels, fontsize=8)
    axes.set_ylabel("median latency / PyTorch's (lower is faster)")
    axes.set_title(f"{results['machine']['cpu_model']}, {results['machine']['usable_cpus']} CPUs")
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write(results, folder):
    """Writes report.md, latency.png and results.json into folder; returns their paths."""
    os.makedirs(folder, exist_ok=True)
    paths = {name: os.path.join(folder, name) for name in ("report.md", "latency.png", "results.json")}
    with open(paths["report.md"], "w") as file:
        file.write(markdown(results))
    chart(results, paths["latency.png"])
    with open(paths["results.json"], "w") as file:
        json.dump(results, file, indent=1)
    return paths
