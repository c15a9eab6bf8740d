"""``boardline squid``: the Squid configuration that puts Boardline in front of traffic."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from boardline.cli.output import console, err_console, fail
from boardline.enforcement.squid.ca import DEFAULT_DAYS, DEFAULT_NAME, write_ca
from boardline.enforcement.squid.config import (
    FailClosedCategory,
    SquidSettings,
    check_bump_lists,
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
    tls_ca_cert: Annotated[
        Path | None,
        typer.Option(help="District CA certificate (`boardline squid ca`): enables HTTPS bumping."),
    ] = None,
    tls_ca_key: Annotated[Path | None, typer.Option(help="The district CA's private key.")] = None,
    bump_domains: Annotated[
        Path | None,
        typer.Option(help="Sites whose HTTPS is decrypted for inspection (UT1 'domains' format)."),
    ] = None,
    never_bump_domains: Annotated[
        Path | None,
        typer.Option(help="Sites never decrypted (banking, health); wins over --bump-domains."),
    ] = None,
    cert_db: Annotated[
        Path | None,
        typer.Option(
            help="security_file_certgen's certificate cache (default /var/lib/squid/ssl_db)."
        ),
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
    bump_lists: list[tuple[Path, str]] = []
    if bump_domains is not None or never_bump_domains is not None:
        if acl_dir is None and output is None:
            fail("--bump-domains needs --acl-dir or --output to know where to write the lists")
        bump = _domains(bump_domains, problems) if bump_domains else ()
        never = _domains(never_bump_domains, problems) if never_bump_domains else ()
        try:
            check_bump_lists(bump, never, source=str(bump_domains))
        except InputError as exc:
            problems.append(exc)
        if bump_domains is not None:
            bump_lists.append(((list_dir / "ssl-bump.domains").resolve(), render_domain_acl(bump)))
        if never_bump_domains is not None:
            target = (list_dir / "ssl-never-bump.domains").resolve()
            bump_lists.append((target, render_domain_acl(never)))
    if problems:
        fail(InputError([p for error in problems for p in error.problems]))
    bump_files = {path.name: str(path) for path, _ in bump_lists}
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
            tls_ca_cert=str(tls_ca_cert.resolve()) if tls_ca_cert else None,
            tls_ca_key=str(tls_ca_key.resolve()) if tls_ca_key else None,
            bump_domains_file=bump_files.get("ssl-bump.domains"),
            never_bump_domains_file=bump_files.get("ssl-never-bump.domains"),
            cert_db_dir=str(cert_db.resolve()) if cert_db else SquidSettings().cert_db_dir,
        )
    except InputError as exc:
        fail(exc)
    text = render_squid_config(settings)
    # Progress goes to stderr when the configuration itself goes to stdout.
    notes = console if output is not None else err_console
    # Hyphenated names: a category (a slug) can never be called ssl-bump.
    written = [(Path(category.domains_file), content) for category, content in lists]
    for path, content in [*written, *bump_lists]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        notes.print(f"wrote {path} ({content.count(chr(10)) - 1} entries)", markup=False)
    if output is None:
        sys.stdout.write(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}", markup=False)


def _domains(source: Path, problems: list[InputError]) -> tuple[str, ...]:
    """A domain list, or () with the reason added to ``problems``."""
    try:
        return parse_domain_list(source.read_text(encoding="utf-8"), source=str(source))
    except OSError as exc:
        problems.append(InputError.at(str(source), f"cannot read: {exc.strerror}"))
    except UnicodeDecodeError as exc:
        problems.append(InputError.at(str(source), f"not UTF-8 ({exc.reason})"))
    except InputError as exc:
        problems.append(exc)
    return ()


@app.command()
def ca(
    out: Annotated[Path, typer.Option("--out", help="Folder for district-ca.crt and .key.")],
    days: Annotated[int, typer.Option(help="Days the CA is valid.")] = DEFAULT_DAYS,
    name: Annotated[str, typer.Option(help="The CA's name, as devices show it.")] = DEFAULT_NAME,
    force: Annotated[
        bool, typer.Option(help="Replace an existing CA (devices must then trust the new one).")
    ] = False,
) -> None:
    """Make the district CA Squid signs its HTTPS inspection certificates with."""
    try:
        made = write_ca(out, name, days=days, force=force)
    except InputError as exc:
        fail(exc)
    lines = [
        f"wrote {made.cert} (certificate: install it on district devices)",
        f"wrote {made.key} (private key, mode 0600: keep it on the proxy, never copy it elsewhere)",
        f"SHA-256 fingerprint: {made.fingerprint}",
        "",
        "Distribute the certificate (never the key) as a trusted root to district-managed",
        "devices only, and check the fingerprint above on one device after it lands:",
        "  - Windows: Group Policy, Computer Configuration > Windows Settings > Security",
        "    Settings > Public Key Policies > Trusted Root Certification Authorities;",
        "  - Chromebooks: Google Admin console, Devices > Networks > Certificates,",
        "    'Use this certificate as an HTTPS certificate authority';",
        "  - macOS and iPadOS: a configuration profile with a Certificate payload from the MDM;",
        "  - Linux: copy to /usr/local/share/ca-certificates/ and run update-ca-certificates;",
        "  - Firefox keeps its own store: set security.enterprise_roots.enabled or a policy.",
        "Then: boardline squid config --tls-ca-cert CERT --tls-ca-key KEY --bump-domains FILE",
        "      --never-bump-domains FILE ... (see docs/inspection.md, 'HTTPS interception').",
    ]
    for line in lines:
        console.print(line, markup=False, soft_wrap=True)
