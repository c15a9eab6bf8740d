"""The composition root: settings in, a ready :class:`Runtime` out.

This is the one place that knows which adapter implements which port. Nothing
is created at import time; every entry point (CLI, Squid helper, API, demo)
calls :func:`bootstrap` with the settings it read at its edge.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from boardline.categories import CategoryIndex, builtin_catalogue, load_ut1
from boardline.demo.district import write_demo_networks, write_demo_roster
from boardline.demo.paths import demo_calendar_path, demo_pack_path
from boardline.directory.directory import Directory
from boardline.directory.lease_feed import read_lease_csv
from boardline.directory.network import NetworkMap
from boardline.directory.network_config import load_networks
from boardline.directory.oneroster import read_oneroster
from boardline.directory.person import Person
from boardline.enforcement.decision_log import DecisionLogWriter
from boardline.engine.cases import FactsLoader, FactsSpec
from boardline.engine.compiled import CompiledPack, compile_pack
from boardline.engine.facts import Facts
from boardline.model.errors import InputError
from boardline.policy.pack import Pack
from boardline.policy.pack_loader import load_pack
from boardline.runtime import Runtime, now_utc
from boardline.schedule import SchoolCalendar, load_calendar
from boardline.settings import DEMO, Settings
from boardline.storage import SqlExceptionStore

if TYPE_CHECKING:  # the scanners pull in OpenCV; imported only when inspection is built
    from boardline.inspection.inspector import Inspector
    from boardline.storage.asset_store import SqlAssetStore

DEMO_SEED = 5460
logger = logging.getLogger(__name__)


def state_dir(settings: Settings) -> Path:
    path = Path(settings.state_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _demo_dir(settings: Settings) -> Path:
    path = state_dir(settings) / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pack_path(settings: Settings) -> Path:
    return demo_pack_path() if settings.pack == DEMO else Path(settings.pack)


def _generated(target: Path, write: Callable[[Path], object]) -> Path:
    """Generate demo data once, atomically: several helper processes may start together."""
    if target.exists():
        return target
    scratch = Path(tempfile.mkdtemp(prefix=".gen-", dir=target.parent))
    try:
        write(scratch)
        produced = scratch / target.name if (scratch / target.name).exists() else scratch
        try:
            os.rename(produced, target)
        except OSError:
            if not target.exists():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target


def load_directory(settings: Settings) -> Directory:
    if settings.roster == DEMO:
        roster = _generated(
            _demo_dir(settings) / "roster", lambda d: write_demo_roster(d, seed=DEMO_SEED)
        )
        return read_oneroster(roster).directory
    return read_oneroster(Path(settings.roster)).directory


def load_network_map(settings: Settings, directory: Directory) -> NetworkMap:
    if settings.networks == DEMO:
        path = _generated(_demo_dir(settings) / "networks.yaml", write_demo_networks)
    else:
        path = Path(settings.networks)
    networks = load_networks(path, directory)
    if settings.leases:
        networks = networks.with_leases(read_lease_csv(settings.leases))
    return networks


def load_school_calendar(settings: Settings) -> SchoolCalendar:
    return load_calendar(demo_calendar_path() if settings.calendar == DEMO else settings.calendar)


def _base_categories(settings: Settings) -> CategoryIndex:
    builder = builtin_catalogue().index()
    if settings.ut1:
        loaded = load_ut1(Path(settings.ut1), list(settings.ut1_categories), builder=builder)
        for problem in loaded.problems[:20]:
            logger.warning("UT1 list: %s", problem)
        if len(loaded.problems) > 20:
            logger.warning("UT1 lists: %d more bad lines not shown", len(loaded.problems) - 20)
    return builder.build()


def load_categories(settings: Settings, pack: Pack) -> CategoryIndex:
    return _base_categories(settings).with_overrides(pack.category_overrides)


def database_url(settings: Settings) -> str:
    """The exception store's database: the setting, or a SQLite file in the state folder."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{state_dir(settings) / 'boardline.db'}"


def roster_root(settings: Settings) -> Path:
    """The OneRoster folder the directory is read from (generated for the demo)."""
    if settings.roster == DEMO:
        return _generated(
            _demo_dir(settings) / "roster", lambda d: write_demo_roster(d, seed=DEMO_SEED)
        )
    return Path(settings.roster)


def inspection_salt(settings: Settings) -> bytes:
    """The salt for staff-provided value lists: configured, or generated once (0600)."""
    if settings.inspection_salt:
        salt = settings.inspection_salt.encode("utf-8")
        if len(salt) < 16:
            raise InputError.at("settings", "at least 16 bytes are needed", field="inspection_salt")
        return salt
    path = state_dir(settings) / "inspection.salt"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode("ascii")


def asset_store(settings: Settings) -> SqlAssetStore:
    """The registered assets, in the same database as the exception store."""
    from boardline.storage.asset_store import SqlAssetStore

    return SqlAssetStore(database_url(settings))


def build_inspector(
    settings: Settings, directory: Directory, store: SqlAssetStore | None = None
) -> Inspector:
    """The content scanners from the settings: pictures and documents from the asset store,
    students from the directory (with birth dates when the roster has demographics),
    SSNs of record from the stored salted lists."""
    from boardline.inspection.confidential import ConfidentialScanner
    from boardline.inspection.document_scanner import DocumentScanner
    from boardline.inspection.image_scanner import ImageScanner
    from boardline.inspection.inspector import Inspector
    from boardline.inspection.roster_match import NICKNAMES, read_birth_dates

    own = store is None
    store = store or asset_store(settings)
    try:
        registry = store.registry()
        index = store.document_index()
        ssns = store.salted_values("ssn", inspection_salt(settings))
        labels = {asset.id: asset.label for asset in store.list() if asset.label}
    finally:
        if own:
            store.close()
    confidential = ConfidentialScanner.from_directory(
        directory,
        birth_dates=read_birth_dates(roster_root(settings)),
        nicknames=NICKNAMES,
        ssns_of_record=ssns,
    )
    return Inspector(
        images=ImageScanner(registry) if registry.images else None,
        documents=DocumentScanner(index) if index is not None else None,
        confidential=confidential,
        labels=labels,
    )


def bootstrap(settings: Settings, *, inspect: bool = False) -> Runtime:
    """Build the runtime: load the pack, the facts and the stored exceptions.

    ``inspect`` also builds the content scanners (:func:`build_inspector`), for the
    processes that look inside uploads (ICAP, the scan API); the Squid helper and most
    commands never pay for loading the asset registry and the roster automaton.
    """
    pack = load_pack(pack_path(settings))
    directory = load_directory(settings)
    networks = load_network_map(settings, directory)
    calendar = load_school_calendar(settings)
    base = _base_categories(settings)
    store = SqlExceptionStore(database_url(settings))
    stored = store.read()
    facts = Facts(
        directory,
        networks,
        calendar,
        base.with_overrides(pack.category_overrides),
        stored.book,
        settings.default_building,
    )
    return Runtime(
        pack,
        compile_pack(pack),
        facts,
        store,
        base_categories=base,
        pack_file=None if settings.pack == DEMO else pack_path(settings),
        alerts=stored.alerts,
        inspector=build_inspector(settings, directory) if inspect else None,
    )


def make_clock(settings: Settings) -> Callable[[], dt.datetime]:
    """The clock an enforcement point uses: real, or a demo/test clock from ``settings.clock``."""
    spec = settings.clock.strip()
    if not spec:
        return now_utc
    if spec.startswith("@"):
        return _FileClock(Path(spec[1:]))
    try:
        start = dt.datetime.fromisoformat(spec)
    except ValueError:
        raise InputError.at("settings", f"{spec!r} is not an ISO instant", field="clock") from None
    if start.tzinfo is None:
        raise InputError.at("settings", "give the instant an offset", field="clock")
    began = time.monotonic()
    return lambda: start + dt.timedelta(seconds=time.monotonic() - began)


class _FileClock:
    """Reads the instant from a file; re-reads only when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: int | None = None
        self._value = now_utc()

    def __call__(self) -> dt.datetime:
        try:
            stamp = self.path.stat().st_mtime_ns
            if stamp != self._stamp:
                self._value = dt.datetime.fromisoformat(
                    self.path.read_text(encoding="utf-8").strip()
                )
                self._stamp = stamp
        except (OSError, ValueError):
            pass  # keep the last good instant: a clock must never stop enforcement
        return self._value


def _relative(value: str | None, base: Path) -> str | None:
    if value is None or value == DEMO:
        return value
    path = Path(value)
    return str(path if path.is_absolute() else base / path)


def case_facts_loader(state: Path) -> FactsLoader:
    """A loader for policy test files: each distinct facts block is loaded once."""
    cache: dict[tuple[FactsSpec, Path], tuple[CompiledPack, Facts]] = {}

    def load(spec: FactsSpec, base: Path) -> tuple[CompiledPack, Facts]:
        key = (spec, base)
        if key not in cache:
            settings = Settings(
                pack=_relative(spec.pack, base) or DEMO,
                roster=_relative(spec.roster, base) or DEMO,
                calendar=_relative(spec.calendar, base) or DEMO,
                networks=_relative(spec.networks, base) or DEMO,
                ut1=_relative(spec.ut1, base),
                ut1_categories=spec.ut1_categories or ("social_networks",),
                state_dir=str(state),
            )
            pack = load_pack(pack_path(settings))
            directory = load_directory(settings)
            facts = Facts(
                directory,
                load_network_map(settings, directory),
                load_school_calendar(settings),
                load_categories(settings, pack),
            )
            cache[key] = (compile_pack(pack), facts)
        return cache[key]

    return load


def decision_log_path(settings: Settings) -> Path | None:
    if settings.decision_log.strip().lower() == "off":
        return None
    if settings.decision_log.strip():
        return Path(settings.decision_log)
    return state_dir(settings) / "decisions.jsonl"


def decision_log_key(settings: Settings) -> bytes:
    """The pseudonymisation key: configured, or generated once (0600) into the state dir."""
    if settings.decision_log_key:
        return settings.decision_log_key.encode("utf-8")
    path = state_dir(settings) / "decision-log.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip().encode("ascii")


def open_decision_log(settings: Settings, runtime: Runtime) -> DecisionLogWriter | None:
    path = decision_log_path(settings)
    if path is None:
        return None

    def people(who: str) -> Person | None:
        return runtime.snapshot()[1].directory.resolve(who)

    return DecisionLogWriter(
        path,
        key=decision_log_key(settings),
        max_bytes=settings.decision_log_max_mb * 1024 * 1024,
        keep=settings.decision_log_keep,
        fsync=settings.decision_log_fsync,
        people=people,
    )
