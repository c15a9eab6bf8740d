"""Document scanner benchmark (issue 6): recall on excerpts and edited copies, false matches,
throughput, index size.

Everything is generated here from a seed: a registry of district-like documents
(English-like prose over a Zipf-distributed vocabulary, with stock district phrases
shared across documents, and letterhead plus a legal footer on 40% of them), and
three labelled query sets:

* excerpts: 50-80 consecutive words of a registered document inside 100-400 words
  of unrelated prose (the post around a pasted paragraph);
* edited copies: a whole registered document with 30% of its words replaced;
* unrelated: documents from the same generator with other seeds, with the same
  letterhead, footer and stock phrases (a match here is a false match).

Throughput is text through ``DocumentIndex.match`` (fingerprinting, lookup, spans),
in MB/s of UTF-8 text, and the fingerprinting alone; PDF extraction through pdfium is
measured on a generated multi-page PDF. Times are this process's CPU time
(``time.process_time``): the benchmark machine is shared, and wall-clock rates moved
several-fold with other work on it, CPU time far less.

    .venv/bin/python bench/document_bench.py [--docs 5000] [--queries 300]
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.unit.inspection.documents import make_pdf  # noqa: E402

from boardline.inspection.document_index import DocumentIndex, DocumentIndexBuilder  # noqa: E402
from boardline.inspection.extract import extract_text  # noqa: E402
from boardline.inspection.winnow import Fingerprinter  # noqa: E402

LETTERHEAD = (
    "Cut Bank School District No. 15 | 101 Third Avenue SE | Cut Bank, Montana 59427 | "
    "Phone 406-873-5544 | Educating every student for a successful future"
)
FOOTER = (
    "The Cut Bank School District does not discriminate on the basis of race, color, national "
    "origin, sex, disability or age in its programs and activities and provides equal access to "
    "the Boy Scouts and other designated youth groups. Inquiries may be directed to the Title IX "
    "coordinator at the district office."
)
STOCK = (
    "in accordance with board policy",
    "the superintendent or designee shall",
    "for more information please contact the school office",
    "parents and guardians are encouraged to",
    "students are expected to follow all district rules",
    "this policy applies to all district employees",
    "as required by state and federal law",
    "at the end of the school year",
)


def _split(text: str) -> list[str]:
    return text.split()


FUNCTION = _split("the a of and to in is for on that with as by at from this be are or an it")


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai")]
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    return sorted(words)


class Prose:
    """English-like text: function words between Zipf-distributed content words."""

    def __init__(self, seed: int = 1) -> None:
        rng = random.Random(seed)
        self.vocab = _vocabulary(rng, 20_000)
        weights = [1 / (rank + 1) ** 1.05 for rank in range(len(self.vocab))]
        total = sum(weights)
        self.cumulative = []
        acc = 0.0
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)

    def words(self, rng: random.Random, count: int) -> list[str]:
        content = rng.choices(self.vocab, cum_weights=self.cumulative, k=count)
        out: list[str] = []
        for word in content:
            if rng.random() < 0.45:
                out.append(rng.choice(FUNCTION))
            out.append(word)
            if rng.random() < 0.01:
                out.extend(rng.choice(STOCK).split())
            if len(out) >= count:
                break
        return out[:count]

    def text(self, rng: random.Random, count: int) -> str:
        words = self.words(rng, count)
        lines = [" ".join(words[i : i + 14]) for i in range(0, len(words), 14)]
        return "\n".join(line[0].upper() + line[1:] + "." for line in lines if line)


def document(prose: Prose, seed: int, count: int, *, boilerplate: bool) -> str:
    rng = random.Random(seed)
    body = prose.text(rng, count)
    return f"{LETTERHEAD}\n{body}\n{FOOTER}" if boilerplate else body


def edit(text: str, share: float, rng: random.Random, prose: Prose) -> str:
    words = text.split(" ")
    return " ".join(
        rng.choice(prose.vocab[:5000]) if rng.random() < share else word for word in words
    )


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--words", type=int, default=1200, help="mean words per document")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--unrelated", type=int, default=1000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "documents.md"))
    args = parser.parse_args()

    prose = Prose()
    rng = random.Random(5460)
    print(f"generating {args.docs} documents ...", flush=True)
    registry: dict[str, str] = {}
    for i in range(args.docs):
        count = max(150, int(rng.gauss(args.words, args.words / 3)))
        registry[f"doc-{i:05d}"] = document(prose, 10_000 + i, count, boilerplate=i % 5 < 2)
    registry_mb = sum(len(t.encode()) for t in registry.values()) / 1e6

    rss_before = _rss_mb()
    started = time.process_time()
    builder = DocumentIndexBuilder(Fingerprinter(k=5, w=4))
    for asset, text in registry.items():
        builder.add(asset, text)
    index = builder.build()
    build_s = time.process_time() - started
    print(f"index: {len(index)} docs, {index.postings} postings, {index.nbytes / 1e6:.1f} MB, "
          f"{build_s:.1f} s", flush=True)  # fmt: skip

    assets = list(registry)
    excerpts: list[tuple[str, str]] = []
    for q in range(args.queries):
        asset = rng.choice(assets)
        words = registry[asset].split(" ")
        length = rng.randint(50, 80)
        start = rng.randrange(0, max(1, len(words) - length))
        excerpt = " ".join(words[start : start + length])
        before = prose.text(random.Random(900_000 + q), rng.randint(100, 400))
        after = prose.text(random.Random(950_000 + q), rng.randint(0, 200))
        excerpts.append((asset, f"{before}\n{excerpt}\n{after}"))
    exact50: list[tuple[str, str]] = []
    for _ in range(args.queries):
        asset = rng.choice(assets)
        words = registry[asset].split(" ")
        start = rng.randrange(0, max(1, len(words) - 50))
        exact50.append((asset, " ".join(words[start : start + 50])))
    edited = [
        (asset, edit(registry[asset], 0.30, random.Random(q), prose))
        for q, asset in enumerate(rng.sample(assets, min(args.queries, len(assets))))
    ]
    unrelated = [
        document(prose, 2_000_000 + i, max(150, int(rng.gauss(args.words, args.words / 3))),
                 boilerplate=i % 2 == 0)
        for i in range(args.unrelated)
    ]  # fmt: skip

    def recall(cases: list[tuple[str, str]], index: DocumentIndex) -> tuple[int, int, float]:
        found = wrong = 0
        elapsed = 0.0
        for asset, text in cases:
            t0 = time.process_time()
            matches = index.match(text)
            elapsed += time.process_time() - t0
            if matches and matches[0].asset == asset:
                found += 1
            wrong += sum(1 for m in matches if m.asset != asset)
        return found, wrong, elapsed

    rows = []
    total_bytes = 0
    total_time = 0.0
    for label, cases in (
        ("excerpt of 50-80 words inside 100-600 words of other text", excerpts),
        ("exactly 50 consecutive words, nothing else", exact50),
        ("whole document, 30% of words replaced", edited),
    ):
        found, wrong, elapsed = recall(cases, index)
        size = sum(len(t.encode()) for _, t in cases)
        total_bytes += size
        total_time += elapsed
        rows.append((label, len(cases), found, wrong, size / 1e6 / elapsed))
        print(rows[-1], flush=True)
    false = 0
    t0 = time.process_time()
    for text in unrelated:
        false += bool(index.match(text))
    elapsed = time.process_time() - t0
    size = sum(len(t.encode()) for t in unrelated)
    total_bytes += size
    total_time += elapsed
    print("unrelated false", false, flush=True)
    boiler_only = index.match(f"{LETTERHEAD}\n{FOOTER}")

    # Throughput on one large text (a long post or a big extracted PDF).
    big = "\n".join(unrelated[:200])
    fingerprinter = Fingerprinter()
    t0 = time.process_time()
    for _ in range(3):
        fingerprinter.fingerprints(big)
    fp_rate = 3 * len(big.encode()) / 1e6 / (time.process_time() - t0)
    t0 = time.process_time()
    for _ in range(3):
        index.match(big)
    big_rate = 3 * len(big.encode()) / 1e6 / (time.process_time() - t0)

    pdf = make_pdf("\n".join(registry[a] for a in assets[:20]), lines_per_page=48)
    t0 = time.process_time()
    extracted = extract_text(pdf, "bench.pdf")
    pdf_s = time.process_time() - t0

    machine = (
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    lines = [
        "# Document scanner benchmark",
        "",
        f"Command: `.venv/bin/python bench/document_bench.py --docs {args.docs} "
        f"--queries {args.queries} --unrelated {args.unrelated}`. Machine: {machine}.",
        "",
        f"Registry: {len(index)} generated documents, {registry_mb:.1f} MB of text "
        f"(mean {args.words} words; letterhead and footer on 40%); winnowing k=5 words, "
        f"window 4, boilerplate = fingerprints in >= 8 documents, a match needs >= "
        f"{index.min_shared} shared fingerprints.",
        "",
        f"Index: {index.postings:,} postings, {index.nbytes / 1e6:.1f} MB of arrays, built in "
        f"{build_s:.1f} s; peak RSS {rss_before:.0f} -> {_rss_mb():.0f} MB for the whole run "
        "(the generated texts included).",
        "",
        "| query set | queries | found (right document first) | recall | wrong documents "
        "reported | MB/s |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for label, n, found, wrong, rate in rows:
        lines.append(f"| {label} | {n} | {found} | {found / n:.1%} | {wrong} | {rate:.1f} |")
    lines += [
        f"| unrelated documents (same generator, same boilerplate) | {len(unrelated)} | "
        f"{false} matched | — | {false} false | {size / 1e6 / elapsed:.1f} |",
        "",
        f"Letterhead + footer alone: {len(boiler_only)} matches (boilerplate ignored).",
        "",
        f"All queries together: {total_bytes / 1e6:.1f} MB in {total_time:.2f} s = "
        f"**{total_bytes / 1e6 / total_time:.1f} MB/s** (per-query overhead included). "
        f"One {len(big.encode()) / 1e6:.1f} MB text: {big_rate:.1f} MB/s through `match`, "
        f"{fp_rate:.1f} MB/s fingerprinting alone.",
        "",
        f"PDF extraction (pypdfium2): {extracted.pages} pages, "
        f"{len(extracted.text.encode()) / 1e6:.2f} MB of text in {pdf_s * 1000:.0f} ms "
        f"({pdf_s * 1000 / max(1, extracted.pages):.2f} ms/page).",
        "",
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
