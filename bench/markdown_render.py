"""Time rendering a 5,000-character comment (issue 18: < 2 ms); prints the median and p95 in ms."""

import statistics
import time

from ideaspace.markdown import render

PARAGRAPH = (
    "Esihenkilönä toivon **selkeämpiä** käytäntöjä ja *aikaa* keskustelulle. Katso https://www.kokkola.fi "
    "ja [ohje](https://example.fi/ohje).\n- yksi kohta\n- toinen kohta\n\n"
)
SOURCE = (PARAGRAPH * (5000 // len(PARAGRAPH) + 1))[:5000]

render(SOURCE)
times = []
for _ in range(200):
    started = time.perf_counter()
    render(SOURCE)
    times.append((time.perf_counter() - started) * 1000)
times.sort()
print(f"5,000 characters: median {statistics.median(times):.2f} ms, p95 {times[189]:.2f} ms")
