"""``boardline policy test DIR``: run a district's policy test cases against its pack."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from boardline.bootstrap import case_facts_loader
from boardline.cli.output import console, emit_json, fail
from boardline.engine.cases import CaseResult, load_cases, run_case
from boardline.model.errors import InputError


def run_cases(root: Path, state: Path) -> list[CaseResult]:
    loader = case_facts_loader(state)
    results: list[CaseResult] = []
    for case in load_cases(root):
        pack, facts = loader(case.facts, Path(case.file).parent)
        results.append(run_case(case, pack, facts))
    return results


def run_tests(
    path: Annotated[Path, typer.Argument(help="A case file or a folder of them (*.yaml).")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List passing cases too.")
    ] = False,
) -> None:
    """Check that the engine decides each case as the district expects."""
    if not path.exists():
        fail(f"{path}: no such file or folder")
    with tempfile.TemporaryDirectory(prefix="boardline-cases-") as state:
        try:
            results = run_cases(path, Path(state))
        except InputError as exc:
            fail(exc)
    failed = [r for r in results if not r.passed]
    if json_out:
        emit_json(
            {
                "passed": len(results) - len(failed),
                "failed": len(failed),
                "results": [
                    {
                        "file": r.case.file,
                        "line": r.case.line,
                        "name": r.case.spec.name,
                        "passed": r.passed,
                        "failures": list(r.failures),
                        "decision": r.decision.as_dict() if r.decision else None,
                    }
                    for r in results
                ],
            }
        )
    else:
        for result in results:
            if not result.passed:
                console.print(f"[red]{result}[/red]", soft_wrap=True)
            elif verbose:
                console.print(f"[green]{result}[/green]", soft_wrap=True)
        console.print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    if failed:
        raise typer.Exit(1)
