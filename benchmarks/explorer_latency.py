"""How fast the lessons' explorers answer a learner: key press on a slider to the new picture in the page.

    python benchmarks/explorer_latency.py                 (all four explorers, 20 moves each)
    python benchmarks/explorer_latency.py --moves 40 01-neuron 05-training

Each lesson's solution notebook is opened in JupyterLab in headless Chromium (tests/browser/lab.py: Debian's
/usr/bin/chromium driven by Playwright, a served copy of the course, 127.0.0.1, a random token), at a laptop's
1366x768, and run with Run All. Then, in the explorer's cell, the slider's handle gets the focus and, one move
at a time, an arrow key is pressed. The page itself times each move: from the key's `keydown` event to the
moment a new picture has loaded in the explorer's output and the next frame was painted (a MutationObserver on
the output, the image's `load` event, then `requestAnimationFrame`). A move with no new picture within 2 s is
a miss (it is waited for up to 10 s before the next move, and counted in the max).

The kernel's share is measured by wrapping `nnlib.views.widgets.Explorer._on_change` (the callback a slider's change
runs) in an IPython startup file of the served kernel: it appends the seconds each call took to a log file,
and a move's kernel time is the time of the callback that ran for it.

Prints the machine's load (`uptime`) before and after, and one row per explorer: median, p90 and max
latency, misses, and the median kernel time and share.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.lab import CHROMIUM, CHROMIUM_ARGS, Notebook, run_notebook, start_lab, stop_lab  # noqa: E402

#: lesson -> the description of the slider moved (the one a learner reaches first that never hits its end in
#: 10 moves from the lesson's starting value).
EXPLORERS = {
    "01-neuron": ("neuron_explorer", "w1"),
    "02-activations": ("nonlinearity_explorer", "hidden units N"),
    "04-depth": ("sawtooth_explorer", "shallow units"),
    "05-training": ("learning_rate_explorer", "learning rate"),
}
MISS_S = 2.0
VIEWPORT = {"width": 1366, "height": 768}

STARTUP = """
import os as _os, time as _time
def _nnlib_latency_wrap():
    import nnlib.views.widgets as _w
    original = _w.Explorer._on_change
    log = _os.environ["NNLIB_LATENCY_LOG"]
    def _on_change(self, change):
        start = _time.perf_counter()
        try:
            return original(self, change)
        finally:
            with open(log, "a") as f:
                f.write(f"{type(self).__name__} {_time.perf_counter() - start:.6f}\\n")
    _w.Explorer._on_change = _on_change
_nnlib_latency_wrap()
del _nnlib_latency_wrap
"""

# Arms a timer on the explorer's output: resolves with milliseconds from the next keydown to a new picture
# loaded and painted, or null after `limit` ms.
ARM = """
([cell, limit]) => {
  const seen = new Set([...cell.querySelectorAll('.jp-OutputArea-output img')].map(i => i.src));
  window.__lat = new Promise(resolve => {
    let t0 = null, done = false;
    const finish = () => { if (done) return; done = true; observer.disconnect();
      requestAnimationFrame(() => resolve(t0 === null ? null : performance.now() - t0)); };
    const check = () => {
      for (const img of cell.querySelectorAll('.jp-OutputArea-output img')) {
        if (!img.src || seen.has(img.src)) continue;
        if (img.complete && img.naturalWidth > 0) { finish(); return; }
        img.addEventListener('load', finish, {once: true});
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(cell, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
    document.addEventListener('keydown', () => { t0 = performance.now(); }, {capture: true, once: true});
    setTimeout(() => { if (!done) { done = true; observer.disconnect(); resolve(null); } }, limit);
  });
}
"""


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def explorer_cell(run, function: str) -> int:
    for index, cell in enumerate(run.saved.cells):
        if cell.cell_type == "code" and f"{function}(" in cell.source and "import" not in cell.source:
            return index
    raise RuntimeError(f"{run.notebook}: no cell calls {function}")


def log_lines(path: Path) -> list[float]:
    if not path.exists():
        return []
    return [float(line.split()[1]) for line in path.read_text().splitlines() if line.strip()]


def measure(browser, server, lesson: str, moves: int, log: Path) -> dict:
    function, label = EXPLORERS[lesson]
    run = run_notebook(browser, server, Notebook(lesson, "solution"))
    try:
        page = run.page
        page.set_viewport_size(VIEWPORT)
        index = explorer_cell(run, function)
        cell = run.cell(index)
        slider = cell.locator(".widget-slider", has=page.locator(f".widget-label:text-is('{label}')"))
        handle = slider.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        cell.locator(".jp-OutputArea-output img").first.wait_for(state="visible", timeout=30_000)
        handle.focus()
        page.wait_for_timeout(500)
        cell_handle = cell.element_handle()
        latencies, kernel, misses = [], [], 0
        for move in range(moves):
            key = "ArrowRight" if move < moves // 2 else "ArrowLeft"
            before = len(log_lines(log))
            page.evaluate(ARM, [cell_handle, 10_000])
            handle.press(key)
            ms = page.evaluate("() => window.__lat")
            if ms is None or ms > MISS_S * 1000:
                misses += 1
            latencies.append(10_000.0 if ms is None else ms)
            deadline = time.monotonic() + 10
            while len(log_lines(log)) <= before and time.monotonic() < deadline:
                time.sleep(0.02)
            calls = log_lines(log)[before:]
            if calls:
                kernel.append(1000 * sum(calls))
            page.wait_for_timeout(150)  # a learner's pause between two key presses
        return {"lesson": lesson, "explorer": function, "latencies": latencies, "kernel": kernel, "misses": misses}
    finally:
        run.context.close()
        server.shutdown_kernels()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help=f"some of {', '.join(EXPLORERS)} (default: all)")
    parser.add_argument("--moves", type=int, default=20)
    args = parser.parse_args(argv)
    unknown = [lesson for lesson in args.lessons if lesson not in EXPLORERS]
    if unknown:
        parser.error(f"no explorer in {unknown}; expected some of {list(EXPLORERS)}")
    args.lessons = args.lessons or list(EXPLORERS)
    from playwright.sync_api import sync_playwright

    print(f"load before: {uptime()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="explorer-latency-") as tmp:
        work = Path(tmp)
        startup = work / "ipython" / "profile_default" / "startup"
        startup.mkdir(parents=True)
        (startup / "00-explorer-latency.py").write_text(STARTUP)
        log = work / "callbacks.log"
        os.environ["NNLIB_LATENCY_LOG"] = str(log)
        server = start_lab(work)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
                try:
                    for lesson in args.lessons:
                        rows.append(measure(browser, server, lesson, args.moves, log))
                        print(f"  {lesson}: done", flush=True)
                finally:
                    browser.close()
        finally:
            stop_lab(server)
    print(f"load after:  {uptime()}")
    print()
    header = (
        f"{'explorer':24} {'moves':>5} {'median ms':>9} {'p90 ms':>7} {'max ms':>7} {'misses':>6} "
        f"{'kernel ms':>9} {'kernel %':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        lat = row["latencies"]
        median = statistics.median(lat)
        kernel = statistics.median(row["kernel"]) if row["kernel"] else float("nan")
        print(
            f"{row['explorer']:24} {len(lat):5d} {median:9.0f} {percentile(lat, 0.9):7.0f} {max(lat):7.0f} "
            f"{row['misses']:6d} {kernel:9.0f} {100 * kernel / median:7.0f}%"
        )
    print(
        f"\n(miss: no new picture within {MISS_S:.0f} s of the key press; kernel: the explorer's callback, "
        f"median over the moves)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
