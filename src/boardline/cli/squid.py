"""``boardline squid``: the Squid configuration that puts Boardline in front of traffic."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from boardline.cli.output import console, err_console, fail
from boardline.enforcement.squid.config import (
    FailClosedCategory,
    SquidSettings,
    parse_domain_list,
    render_domain_acl,
    render_squid_config,
)
from boardline.model.errors import InputError

app = typer.Typer(help="Squid: generate the proxy configuration that asks Boardline.")


def _category(spec: str) -> tuple[str, Path]:
    name, sep, path = spec.partition("=")
    if not sep or not name or not path:
        fail(f"--fail-closed {spec!r}: expected NAME=DOMAINS_FILE")
    return name, Path(path)


@app.command()
def config(
    port: Annotated[int, typer.Option(help="Port Squid listens on.")] = 3128,
    listen: Annotated[str, typer.Option(help="Address Squid listens on.")] = "127.0.0.1",
    helper_command: Annotated[
        str, typer.Option(help="Helper command line (protocol arguments are appended).")
    ] = "boardline squid-helper",
    block_page_url: Annotated[
        str | None, typer.Option(help="Boardline's block page, e.g. http://host:8080/blocked.")
    ] = None,
    fail_closed: Annotated[
        list[str] | None,
        typer.Option(
            help="NAME=DOMAINS_FILE: a category denied while the helper cannot answer "
            "(repeatable; UT1 'domains' format)."
        ),
    ] = None,
    acl_dir: Annotated[
        Path | None,
        typer.Option(help="Where to write the dstdomain lists (default: beside --output)."),
    ] = None,
    client: Annotated[
        list[str] | None, typer.Option(help="Client network allowed to use the proxy (repeatable).")
    ] = None,
    ttl: Annotated[int, typer.Option(help="Seconds Squid caches an allow.")] = 60,
    negative_ttl: Annotated[int, typer.Option(help="Seconds Squid caches a denial.")] = 5,
    concurrency: Annotated[int, typer.Option(help="Lookups in flight per helper.")] = 50,
    children_max: Annotated[int, typer.Option(help="Most helper processes.")] = 4,
    icap_url: Annotated[
        str | None,
        typer.Option(help="Send uploads to `boardline icap`, e.g. icap://127.0.0.1:1344/reqmod."),
    ] = None,
    icap_bypass: Annotated[
        bool,
        typer.Option(help="Let uploads through when the ICAP service is down (fail open)."),
    ] = False,
    icap_domains: Annotated[
        Path | None,
        typer.Option(help="Only uploads to these domains go to ICAP (default: every upload)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Print a squid.conf: schedule-safe caching and an explicit fail mode per category."""
    categories = [_category(spec) for spec in fail_closed or []]
    if categories and acl_dir is None and output is None:
        fail("--fail-closed needs --acl-dir or --output to know where to write the lists")
    list_dir = acl_dir or (output.parent if output is not None else Path())
    lists: list[tuple[FailClosedCategory, str]] = []
    problems: list[InputError] = []
    for name, source in categories:
        try:
            domains = parse_domain_list(source.read_text(encoding="utf-8"), source=str(source))
        except OSError as exc:
            problems.append(InputError.at(str(source), f"cannot read: {exc.strerror}"))
        except UnicodeDecodeError as exc:
            problems.append(InputError.at(str(source), f"not UTF-8 ({exc.reason})"))
        except InputError as exc:
            problems.append(exc)
        else:
            target = (list_dir / f"{name}.domains").resolve()
            lists.append((FailClosedCategory(name, str(target)), render_domain_acl(domains)))
    if problems:
        fail(InputError([p for error in problems for p in error.problems]))
    try:
        settings = SquidSettings(
            helper_command=helper_command,
            http_port=f"{listen}:{port}",
            block_page_url=block_page_url,
            fail_closed=tuple(category for category, _ in lists),
            clients=tuple(client) if client else SquidSettings().clients,
            ttl=ttl,
            negative_ttl=negative_ttl,
            concurrency=concurrency,
            children_max=children_max,
            icap_url=icap_url,
            icap_bypass=icap_bypass,
            icap_domains_file=str(icap_domains.resolve()) if icap_domains else None,
        )
    except InputError as exc:
        fail(exc)
    text = render_squid_config(settings)
    # Progress goes to stderr when the configuration itself goes to stdout.
    notes = console if output is not None else err_console
    for category, content in lists:
        path = Path(category.domains_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        notes.print(f"wrote {path} ({content.count(chr(10)) - 1} entries)", markup=False)
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", markup=False)
