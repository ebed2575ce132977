"""Reading-station benchmark: import, open, page turn, pagination and memory on a long Khmer book.

    python bench/reading.py [--json] [--pages 300] [--font-size 34]

Builds a ~300-page (1024x600, 34 px) Khmer EPUB from project-written words, then measures:
import time (the real subprocess importer), open-to-first-page (load package, paginate the
chapter, render the page; cold font and width caches), page-turn latency p50/p95 with the
neighbours prefetched as in the app (the reader dwells on a page while they render) and
without, pagination time per 100k characters (cold and warm width cache), and peak RSS of this
process while reading. Everything lives in a temporary kiosk home that is removed afterwards.
Targets from issue 5: open <= 1 s, turn p95 <= 50 ms, pagination <= 0.5 s/100k chars, RSS <= 250 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk import khmer  # noqa: E402
from kiosk.config import Settings  # noqa: E402
from kiosk.reading import layout, packages  # noqa: E402
from kiosk.reading.epubmaker import write_epub  # noqa: E402
from kiosk.reading.importer import import_content  # noqa: E402
from kiosk.reading.reader import Reader  # noqa: E402
from kiosk.reading.samples import FOLDER  # noqa: E402

CHARS_PER_PAGE = 450  # measured for KhmerOS Content 34 px at 1024x600
TARGETS = {"open_s": 1.0, "turn_p95_ms": 50.0, "paginate_s_per_100k": 0.5, "rss_mb": 250.0}


def vocabulary() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in FOLDER.glob("*_km.md"))
    text = "".join(c if "\u1780" <= c <= "\u17ff" or c == " " else " " for c in text)
    words = set()
    for chunk in text.split():
        breaks = khmer.line_break_opportunities(chunk)
        words.update(chunk[a:b] for a, b in zip([0, *breaks], breaks, strict=False))
    return sorted(w for w in words if w)


def make_book(path: Path, pages: int, seed: int = 5) -> int:
    rnd = random.Random(seed)
    words = vocabulary()
    words += [rnd.choice(words) + rnd.choice(words) for _ in range(1500)]  # colder width cache
    target, chapters, total = pages * CHARS_PER_PAGE, [], 0
    while total < target:
        paragraphs = []
        for _ in range(25):
            sentence = "".join(rnd.choice(words) for _ in range(rnd.randint(20, 70)))
            para = " ".join([sentence[: len(sentence) // 2], sentence[len(sentence) // 2 :] + "។"])
            paragraphs.append(para)
            total += len(para)
        chapters.append((f"ជំពូកទី{khmer.khmer_digits(len(chapters) + 1)}", paragraphs))
    write_epub(path, "សៀវភៅវែង", chapters)
    return total


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_turns(reader: Reader, turns: int, prefetch: bool) -> list[float]:
    times = []
    for _ in range(turns):
        start = time.perf_counter()
        if not reader.turn(1):
            break
        reader.image()
        times.append((time.perf_counter() - start) * 1000)
        if prefetch:
            for future in reader.prefetch():
                future.result()  # the reader looks at the page while the neighbours render
    return times


def run(pages: int, font_size: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bannalai-bench-") as tmp:
        settings = Settings(home=Path(tmp) / "home")
        book = Path(tmp) / "long.epub"
        chars = make_book(book, pages)
        start = time.perf_counter()
        meta = import_content(settings, book, content_id="bench-long")
        import_s = time.perf_counter() - start

        settings = settings.updated()
        start = time.perf_counter()
        reader = Reader(settings, packages.load(settings, meta.content_id))
        reader.set_font_size(font_size)
        reader.image()
        open_s = time.perf_counter() - start

        reader.prefetch()
        turns = measure_turns(reader, 150, prefetch=True)
        cold_turns = measure_turns(reader, 40, prefetch=False)

        package = packages.load(settings, meta.content_id)
        chapters = [package.chapter(i) for i in range(package.chapter_count())]
        style = layout.Style(reader.font_path, 28)  # a size not used yet: cold width cache
        start = time.perf_counter()
        page_count = sum(len(layout.paginate(c, i, style)) for i, c in enumerate(chapters))
        cold = time.perf_counter() - start
        start = time.perf_counter()
        for i, c in enumerate(chapters):
            layout.paginate(c, i, style)
        warm = time.perf_counter() - start
        book_pages = sum(len(reader.pages(i, reader.style)) for i in range(package.chapter_count()))
        reader.close()
        return {
            "book": {
                "chars": chars,
                "chapters": len(chapters),
                "pages_at_font": book_pages,
                "font_size": font_size,
                "epub_bytes": book.stat().st_size,
            },  # fmt: skip
            "import_s": round(import_s, 3),
            "open_s": round(open_s, 3),
            "turn_p50_ms": round(statistics.median(turns), 2),
            "turn_p95_ms": round(percentile(turns, 0.95), 2),
            "turn_unprefetched_p50_ms": round(statistics.median(cold_turns), 2),
            "turn_unprefetched_p95_ms": round(percentile(cold_turns, 0.95), 2),
            "paginate_s_per_100k": round(cold / chars * 100_000, 3),
            "paginate_warm_s_per_100k": round(warm / chars * 100_000, 3),
            "pages_at_28px": page_count,
            "rss_mb": round(rss_mb(), 1),
            "targets": TARGETS,
            "machine_note": "x86_64 dev box; a Raspberry Pi 4 is about 3-5x slower per core",
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--font-size", type=int, default=34, choices=layout.FONT_SIZES)
    args = parser.parse_args()
    result = run(args.pages, args.font_size)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    for key, value in result.items():
        if key != "targets":
            target = TARGETS.get(key)
            print(f"{key:28} {value}" + (f"   (target {target})" if target else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
