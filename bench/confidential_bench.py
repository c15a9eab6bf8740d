"""Confidential-data scanner benchmark (issue 6): roster load time, scan throughput,
precision and recall on a generated, labelled corpus, and Microsoft Presidio on the same corpus.

Everything is generated from a seed: a synthetic roster of 50,000 students (given
names from a built-in list, family names made of syllables, unique 8-digit ids,
birth dates 2006-2020, SSNs of record for 10% held as salted hashes) and posts of
80-400 words of filler prose with noise that looks like data (phone numbers, order
numbers, ordinary dates, invalid SSNs, names of people not on the roster). Labelled
positives plant 1-5 students in one of several written forms (name with id, a
roster row with birth date, initial + family name with date of birth, an SSN of
record next to a name), or an SSN / date of birth in context. Negatives include
posts naming one or two students without anything else (allowed by design).

A post counts as *blocked* when a finding reaches the demo pack's threshold for the
confidential rule (confidence >= 0.5).

Presidio runs in its own virtual environment (``--presidio-python``; it is not a
project dependency) with a blank spaCy English pipeline built locally, so it loads
offline; without NER it has no PERSON, and DATE_TIME comes from its date patterns.

    .venv/bin/python bench/confidential_bench.py [--students 50000] [--posts 2000]
        [--presidio-python /tmp/presidio-venv/bin/python]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from boardline.directory import Building, Directory, Person  # noqa: E402
from boardline.inspection.confidential import ConfidentialScanner  # noqa: E402
from boardline.inspection.confidential_values import SaltedValues  # noqa: E402
from boardline.inspection.roster_match import (  # noqa: E402
    NICKNAMES,
    RosterRecord,
    records_from_directory,
)
from boardline.policy.pack import Role  # noqa: E402

THRESHOLD = 0.5
SALT = b"bench-district-salt-0000000001"


def _split(text: str) -> list[str]:
    return text.split()


GIVEN = _split(
    "Aaron Abby Adam Aiden Alice Amber Amelia Andrew Anna Ava Ben Beth Blake Brooke Caleb "
    "Carla Carter Casey Chloe Cody Colin Dakota Daniel Dylan Elena Eli Ella Emma Eric "
    "Erin Ethan Evelyn Faith Finn Gabriel Grace Hannah Harper Henry Ian Isaac Isabella "
    "Jack Jacob Jade James Jasmine Jesse Joel Joseph Josie Kara Kyle Laura Leah Liam "
    "Logan Lucas Luke Madeline Mason Maya Megan Mia Michael Nate Nina Noah Olivia Owen "
    "Paige Quinn Reid Riley Ruby Ryan Sadie Samuel Seth Sofia Sophia Tara Tess Thomas "
    "Travis Tyler Vera Wade Willa William Wyatt Zoe Zachary Lena Marisol Tomás Chloé "
    "Renée José Nadia Omar Priya Ravi Yuki Hiroshi Mei Ling Amara Kofi Ayana Dmitri "
    "Ingrid Lars Siobhan Niamh Declan Rosa Mateo"
)
SYLLABLES = _split(
    "ba be bo bra cal car dan del dor fen gar gil han har jen kel kin lan lar lin mar mer "
    "mon nor ol pen per quin ral ren ros sal sen son stad ton tor van ver wal wen win zel"
)
FILLER = _split(
    "the a of and to in is for on that with as by at from this be are team game practice "
    "schedule weekend concert tickets parents please remember bring lunch field trip bus "
    "library books homework project science fair art show picture day reminder meeting "
    "tonight board agenda vote budget thanks everyone great job season coach fundraiser"
)


def family_names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        names.add(name.capitalize())
    return sorted(names)


def synthetic_roster(count: int, seed: int = 6) -> tuple[list[RosterRecord], list[str]]:
    """``count`` students with unique ids; also family names kept *off* the roster."""
    rng = random.Random(seed)
    families = family_names(rng, 6000)
    rng.shuffle(families)
    on_roster, off_roster = families[:5000], families[5000:]
    ids = rng.sample(range(10_000_000, 100_000_000), count)
    start = dt.date(2006, 1, 1)
    records = [
        RosterRecord(
            person_id=f"stu-{i:06d}",
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(on_roster),
            identifier=str(ids[i]),
            birth_date=start + dt.timedelta(days=rng.randrange(15 * 365)),
        )
        for i in range(count)
    ]
    return records, off_roster


def ssn_for(number: int) -> str:
    rng = random.Random(number)
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def filler(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(FILLER) for _ in range(words))


def noise(rng: random.Random, off_roster: list[str], ids: set[str]) -> str:
    """Something that looks like data and is not confidential."""
    kind = rng.randrange(6)
    if kind == 0:
        return f"call {rng.randint(200, 999)}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    if kind == 1:
        while True:
            number = str(rng.randint(10_000_000, 99_999_999))
            if number not in ids:
                return f"order {number}"
    if kind == 2:
        return f"on {rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(2024, 2027)}"
    if kind == 3:
        area = rng.choice(["000", "666", "912"])
        return f"ref {area}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
    if kind == 4:
        return f"Mr. {rng.choice(GIVEN)} {rng.choice(off_roster)} said"
    return f"{rng.randint(1, 500)} points"


def plant(rng: random.Random, record: RosterRecord, ssn: str | None) -> str:
    born = record.birth_date
    assert born is not None
    given, family = record.given_name, record.family_name
    forms = [
        f"{given} {family} ({record.identifier})",
        f"{record.identifier}, {family}, {given}, {born.isoformat()}",
        f"Student ID: {record.identifier} - {family.upper()}, {given}",
        f"{given[0]}. {family}, DOB {born.month}/{born.day}/{born.year}",
        f"{given} {family} born {born:%B} {born.day}, {born.year}",
    ]
    if ssn:
        forms.append(f"{given} {family} SSN {ssn}")
    return rng.choice(forms)


def corpus(
    records: list[RosterRecord], off_roster: list[str], ssn_owner: dict[int, str], posts: int
) -> list[dict[str, object]]:
    rng = random.Random(5460)
    ids = {str(r.identifier) for r in records}
    out: list[dict[str, object]] = []
    for number in range(posts):
        parts = [filler(rng, rng.randint(20, 80))]
        for _ in range(rng.randint(0, 4)):
            parts.append(noise(rng, off_roster, ids))
            parts.append(filler(rng, rng.randint(20, 80)))
        label = "clean"
        people = 0
        roll = rng.random()
        if roll < 0.45:
            label = "record"
            chosen = rng.sample(range(len(records)), rng.randint(1, 5))
            people = len(chosen)
            rows = [plant(rng, records[i], ssn_owner.get(i)) for i in chosen]
            parts.insert(rng.randrange(len(parts) + 1), "\n".join(rows))
        elif roll < 0.55:
            label = "ssn"
            parts.insert(1, f"my SSN is {ssn_for(10_000_000 + number)}")
        elif roll < 0.62:
            label = "dob"
            parts.insert(
                1, f"DOB: {rng.randint(1, 12)}/{rng.randint(1, 28)}/{rng.randint(2006, 2020)}"
            )
        elif roll < 0.75:
            label = "names only"
            for i in rng.sample(range(len(records)), rng.randint(1, 2)):
                parts.insert(
                    1, f"congratulations to {records[i].given_name} {records[i].family_name}"
                )
        text = " ".join(parts)
        out.append({"text": text, "label": label, "people": people})
    return out


def load_times(records: list[RosterRecord], ssns: SaltedValues) -> dict[str, float]:
    result: dict[str, float] = {}
    # The scanners are kept until the clocks stop: freeing one is not part of loading it.
    gc.collect()
    wall = time.perf_counter()
    cpu = time.process_time()
    kept = [ConfidentialScanner.from_records(records, nicknames=NICKNAMES, ssns_of_record=ssns)]
    result["records_wall"] = time.perf_counter() - wall
    result["records_cpu"] = time.process_time() - cpu
    building = Building("sch", "School", "school")
    people = [
        Person(r.person_id, f"u{r.person_id}", Role.STUDENT, r.given_name, r.family_name, None,
               ("sch",), identifier=r.identifier)
        for r in records
    ]  # fmt: skip
    directory = Directory.build([building], people)
    births = {r.person_id: r.birth_date for r in records if r.birth_date}
    gc.collect()
    wall = time.perf_counter()
    cpu = time.process_time()
    kept.append(
        ConfidentialScanner.from_directory(
            directory, birth_dates=births, nicknames=NICKNAMES, ssns_of_record=ssns
        )
    )
    result["directory_wall"] = time.perf_counter() - wall
    result["directory_cpu"] = time.process_time() - cpu
    kept.clear()
    assert len(records_from_directory(directory)) == len(records)
    return result


REPEATS = 5


def _median_scan(scanner: ConfidentialScanner, text: str) -> tuple[float, float]:
    """Median CPU and wall seconds of REPEATS scans of ``text``."""
    cpu_times: list[float] = []
    wall_times: list[float] = []
    for _ in range(REPEATS):
        gc.collect()
        cpu = time.process_time()
        wall = time.perf_counter()
        scanner.scan(text)
        cpu_times.append(time.process_time() - cpu)
        wall_times.append(time.perf_counter() - wall)
    return statistics.median(cpu_times), statistics.median(wall_times)


def score(blocked: list[bool], posts: list[dict[str, object]]) -> dict[str, float]:
    positive = [p["label"] in {"record", "ssn", "dob"} for p in posts]
    tp = sum(b and p for b, p in zip(blocked, positive, strict=True))
    fp = sum(b and not p for b, p in zip(blocked, positive, strict=True))
    fn = sum(p and not b for b, p in zip(blocked, positive, strict=True))
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


PRESIDIO_SCRIPT = r"""
import json, sys, time, tempfile
import spacy
from presidio_analyzer import AnalyzerEngine
from presidio_analyzer.nlp_engine import NlpEngineProvider
posts = json.load(open(sys.argv[1]))
model = tempfile.mkdtemp() + "/blank_en"
spacy.blank("en").to_disk(model)
t0 = time.perf_counter()
provider = NlpEngineProvider(nlp_configuration={
    "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": model}]})
engine = AnalyzerEngine(nlp_engine=provider.create_engine(), supported_languages=["en"])
load = time.perf_counter() - t0
entities = ["US_SSN", "DATE_TIME", "US_DRIVER_LICENSE", "PERSON"]
cpu = time.process_time()
out = []
for post in posts:
    found = engine.analyze(text=post["text"], language="en", entities=entities)
    out.append([[r.entity_type, r.score, r.start, r.end] for r in found])
elapsed = time.process_time() - cpu
json.dump({"load": load, "cpu": elapsed, "results": out}, sys.stdout)
"""


def run_presidio(python: str, posts: list[dict[str, object]]) -> dict[str, object] | str:
    if not Path(python).exists():
        return f"{python} does not exist (install presidio-analyzer into its own venv)"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "posts.json"
        data.write_text(json.dumps(posts))
        script = Path(tmp) / "run.py"
        script.write_text(PRESIDIO_SCRIPT)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "TLDEXTRACT_CACHE": tmp}
        proc = subprocess.run(
            [python, str(script), str(data)],
            check=False,
            capture_output=True,
            text=True,
            env=env,
            timeout=3600,
        )
    if proc.returncode != 0:
        return "Presidio did not run: " + proc.stderr.strip().splitlines()[-1][:300]
    parsed: dict[str, object] = json.loads(proc.stdout)
    return parsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--presidio-python", default="/tmp/presidio-venv/bin/python")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "confidential.md"))
    args = parser.parse_args()

    records, off_roster = synthetic_roster(args.students)
    owners = {i: ssn_for(i) for i in range(0, len(records), 10)}
    ssns = SaltedValues.hash_values(
        SALT, [(ssn, records[i].person_id) for i, ssn in owners.items()], name="ssn-of-record"
    )
    loads = load_times(records, ssns)
    print("load", loads, flush=True)
    scanner = ConfidentialScanner.from_records(records, nicknames=NICKNAMES, ssns_of_record=ssns)
    posts = corpus(records, off_roster, owners, args.posts)
    size = sum(len(str(p["text"]).encode()) for p in posts)

    # Each timed section starts from a collected heap: a full collection of the benchmark's
    # own objects (the roster, the corpus, the reports) landing inside one is not the
    # scanner's cost.
    gc.collect()
    cpu = time.process_time()
    reports = [scanner.scan(str(p["text"])) for p in posts]
    scan_cpu = time.process_time() - cpu
    blocked = [any(f.confidence >= THRESHOLD for f in r.findings) for r in reports]
    ours = score(blocked, posts)
    record_posts = [(p, r) for p, r in zip(posts, reports, strict=True) if p["label"] == "record"]
    counted = sum(
        1
        for p, r in record_posts
        if max((f.people for f in r.findings if f.kind == "student_record"), default=0)
        == p["people"]
    )
    names_only = [r for p, r in zip(posts, reports, strict=True) if p["label"] == "names only"]
    names_blocked = sum(any(f.confidence >= THRESHOLD for f in r.findings) for r in names_only)
    print("ours", ours, flush=True)

    big = "\n".join(str(p["text"]) for p in posts)
    while len(big) < 5_000_000:
        big += "\n" + big
    # One long scan is a fraction of a second, at the mercy of what else the shared cores
    # run meanwhile: each long text is scanned REPEATS times and the median reported.
    big_cpu, big_wall = _median_scan(scanner, big)
    big_mb = len(big.encode()) / 1e6

    # Ordinary text: filler and look-alike noise, one planted record per ~50 KB.
    rng = random.Random(7)
    ids = {str(r.identifier) for r in records}
    chunks = []
    while sum(map(len, chunks)) < 5_000_000:
        chunks.append(filler(rng, 60))
        chunks.append(noise(rng, off_roster, ids))
        if rng.random() < 0.006:
            chunks.append(plant(rng, records[rng.randrange(len(records))], None))
    sparse = " ".join(chunks)
    sparse_cpu, _ = _median_scan(scanner, sparse)
    sparse_report = scanner.scan(sparse)
    sparse_mb = len(sparse.encode()) / 1e6
    print("sparse", sparse_mb / sparse_cpu, flush=True)

    presidio = run_presidio(args.presidio_python, posts)
    machine = (
        f"{os.cpu_count()} cores, {platform.processor() or platform.machine()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}"
    )
    lines = [
        "# Confidential-data scanner benchmark",
        "",
        f"Command: `.venv/bin/python bench/confidential_bench.py --students {args.students} "
        f"--posts {args.posts}`. Machine: {machine}. Rates use this process's CPU time (the "
        "machine is shared); wall time is given where it matters.",
        "",
        "## Roster load",
        "",
        f"{len(records):,} generated students (names, 8-digit ids, birth dates; nickname "
        f"variants on), {len(ssns):,} SSNs of record as salted HMAC-SHA256 digests.",
        "",
        "| from | CPU s | wall s |",
        "|---|--:|--:|",
        f"| roster records -> `ConfidentialScanner` | {loads['records_cpu']:.2f} | "
        f"{loads['records_wall']:.2f} |",
        f"| a `Directory` of {len(records):,} students + birth dates -> `ConfidentialScanner` | "
        f"{loads['directory_cpu']:.2f} | {loads['directory_wall']:.2f} |",
        "",
        "## Throughput",
        "",
        f"- {len(posts)} posts ({size / 1e6:.2f} MB): {size / 1e6 / scan_cpu:.1f} MB/s "
        f"({scan_cpu * 1e3 / len(posts):.2f} ms CPU per post).",
        f"- One {big_mb:.1f} MB text (the posts repeated: dense with planted records and "
        f"look-alike noise): {big_mb / big_cpu:.1f} MB/s CPU ({big_mb / big_wall:.1f} MB/s wall; "
        f"median of {REPEATS} scans).",
        f"- One {sparse_mb:.1f} MB text of ordinary prose and look-alike noise with a record "
        f"every ~50 KB: **{sparse_mb / sparse_cpu:.1f} MB/s** CPU "
        f"({len(sparse_report.findings)} findings; median of {REPEATS} scans).",
        "",
        "## Precision and recall (post blocked = a finding with confidence >= 0.5)",
        "",
        "| scanner | true pos. | false pos. | false neg. | precision | recall | MB/s |",
        "|---|--:|--:|--:|--:|--:|--:|",
        f"| Boardline | {ours['tp']} | {ours['fp']} | {ours['fn']} | {ours['precision']:.1%} | "
        f"{ours['recall']:.1%} | {size / 1e6 / scan_cpu:.1f} |",
    ]
    labels = {}
    for p in posts:
        labels[p["label"]] = labels.get(p["label"], 0) + 1
    notes = [
        "",
        f"Labels: {labels}. Positives are `record`, `ssn` and `dob`; `names only` posts "
        f"(one or two students congratulated by name) are negatives by design: Boardline "
        f"blocked {names_blocked} of {len(names_only)}.",
        f"Records: the people count was exact in {counted} of {len(record_posts)} record posts.",
    ]
    if isinstance(presidio, str):
        notes += ["", f"Presidio: not measured. {presidio}"]
    else:
        results = presidio["results"]
        assert isinstance(results, list)
        p_blocked = [any(r[1] >= THRESHOLD for r in found) for found in results]
        theirs = score(p_blocked, posts)
        cpu_s = float(str(presidio["cpu"]))
        licence = 0
        flagged_ids = 0
        for post, found in zip(posts, results, strict=True):
            text = str(post["text"])
            for entity, _, start, end in found:
                if entity == "US_DRIVER_LICENSE":
                    licence += 1
                    flagged_ids += text[start:end].isdigit() and len(text[start:end]) == 8
        lines.append(
            f"| Presidio (blank spaCy pipeline; US_SSN, DATE_TIME, US_DRIVER_LICENSE, PERSON) | "
            f"{theirs['tp']} | {theirs['fp']} | {theirs['fn']} | {theirs['precision']:.1%} | "
            f"{theirs['recall']:.1%} | {size / 1e6 / cpu_s:.2f} |"
        )
        notes += [
            "",
            f"Presidio loaded in {float(str(presidio['load'])):.1f} s (offline, blank pipeline: "
            f"no NER, so no PERSON). It reported {licence} US_DRIVER_LICENSE results, "
            f"{flagged_ids} of them on 8-digit numbers (student ids and order numbers). It "
            "has no roster, so it cannot tell a student's id or name from any other; its "
            "recall here comes from dates and SSN patterns.",
        ]
    lines += [*notes, ""]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
