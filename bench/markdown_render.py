"""Time rendering a 5,000-character comment (issue 18: < 2 ms); prints the median and p95 in ms.

Wall time and the thread's CPU time of each call (the machine is shared: CPU time is what the
render itself costs). The text has paragraphs, bold, italic, lists, Markdown links and bare
addresses; `markdown.render` parses it and passes it through the one sanitizer.
"""

import statistics
import time

from ideaspace.markdown import render

PARAGRAPH = (
    "Esihenkilönä toivon **selkeämpiä** käytäntöjä ja *aikaa* keskustelulle. Katso https://www.kokkola.fi "
    "ja [ohje](https://example.fi/ohje).\n- yksi kohta\n- toinen kohta\n\n"
)
SOURCE = (PARAGRAPH * (5000 // len(PARAGRAPH) + 1))[:5000]
RUNS = 1000

render(SOURCE)
wall, cpu = [], []
for _ in range(RUNS):
    started, started_cpu = time.perf_counter(), time.thread_time()
    render(SOURCE)
    wall.append((time.perf_counter() - started) * 1000)
    cpu.append((time.thread_time() - started_cpu) * 1000)
for name, times in (("wall", wall), ("CPU", cpu)):
    times.sort()
    print(
        f"5,000 characters, {name}: median {statistics.median(times):.2f} ms, p95 {times[int(RUNS * 0.95)]:.2f} ms"
    )
