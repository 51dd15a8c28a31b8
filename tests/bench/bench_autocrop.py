"""Auto-crop timing on a 12 MP photo (budget: 300 ms). Not collected by pytest.

    .venv/bin/python tests/bench/bench_autocrop.py

Prints the median and worst of several runs for a 4000×3000 JPEG opened lazily (the way the
crop tool's worker hands it over: decode included) and for an already-decoded array.
"""

from __future__ import annotations

import io
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from vvic_desktop.core.autocrop import analyse

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "samples" / "dress-photo.jpg"
RUNS = 7


def twelve_megapixel_jpeg() -> bytes:
    with Image.open(SAMPLE) as sample:
        big = sample.convert("RGB").resize((3000, 4000), Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    big.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def timed(fn) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return times, result


def report(label: str, times: list[float], result: object) -> None:
    print(f"{label:<28} median {statistics.median(times):6.1f} ms   "
          f"worst {max(times):6.1f} ms   -> {result}")


def main() -> None:
    data = twelve_megapixel_jpeg()
    times, result = timed(lambda: analyse(Image.open(io.BytesIO(data))))
    report("12 MP JPEG (decode incl.)", times, result)
    with Image.open(io.BytesIO(data)) as image:
        array = np.asarray(image.convert("RGB"))
    times, result = timed(lambda: analyse(array))
    report("12 MP RGB array", times, result)
    with Image.open(SAMPLE) as sample:
        sample_array = np.asarray(sample.convert("RGB"))
    times, result = timed(lambda: analyse(sample_array))
    report("sample 1200×1600 array", times, result)


if __name__ == "__main__":
    main()
