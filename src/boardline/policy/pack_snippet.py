"""An imported policy as YAML ready to paste under ``policies:`` in a pack.

The snippet has the shape of the demo pack's policy entry (see
``demo/data/cut-bank.pack.yaml`` and docs/policy-pack.md): a list item indented
two spaces, long texts folded (``>-``), defaults left out so a district reads
only what matters, history dates as plain YAML dates and blank ones as ``null``.
Loading the snippet back gives the same :class:`Policy` (a test checks it).
"""

from __future__ import annotations

from typing import Any

import yaml

from boardline.policy.document import Policy

_FOLD_AT = 80
_INDENT = "  "


class _Dumper(yaml.SafeDumper):
    """Indents lists inside mappings, as the packs are written by hand."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        del indentless
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = ">" if len(data) > _FOLD_AT and "\n" not in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def policy_yaml(policy: Policy, comments: list[str] | tuple[str, ...] = ()) -> str:
    """The YAML snippet for ``policy``; ``comments`` go on top as ``#`` lines."""
    data = _plain(policy)
    body = yaml.dump(
        [data], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=84, indent=2
    )
    lines = [f"{_INDENT}# {comment}" for comment in comments]
    lines += [f"{_INDENT}{line}" if line else line for line in body.splitlines()]
    return "\n".join(lines) + "\n"


def _plain(policy: Policy) -> dict[str, Any]:
    data = policy.model_dump(mode="json", exclude_defaults=True)
    for number, version in enumerate(policy.versions):
        entries: list[dict[str, Any]] = []
        for entry in version.history:
            item: dict[str, Any] = {"event": entry.event.value, "date": entry.date}
            if entry.precision != "day":
                item["precision"] = entry.precision
            if entry.source_text is not None:
                item["source_text"] = entry.source_text
            entries.append(item)
        if entries:
            data["versions"][number]["history"] = entries
    return data
