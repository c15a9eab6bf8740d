"""YAML read with the line of every value kept, so errors can name it.

PyYAML's composer gives each node a start mark; we build plain Python data from
the node tree and a map from field path (``("rules", 2, "cites", 0)``) to the
line it starts on. Duplicate mapping keys, which PyYAML would silently let the
last one win, are errors here: in a policy file they are always a mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from pydantic import ValidationError

from boardline.model.errors import InputError, Place, Problem

Loc = tuple[str | int, ...]


@dataclass(slots=True)
class Located:
    """Plain data from a YAML document and the line of each path within it."""

    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    file: str = "<text>"

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        path = tuple(loc)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def place(self, loc: Loc) -> Place:
        return Place(self.file, self.line_of(loc), None, dotted(loc) or None)


def dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def read_yaml(text: str, file: str) -> Located:
    """Parse one YAML document; raise :class:`InputError` naming the line on any problem."""
    if "\x00" in text:
        raise InputError.at(file, "this is not a text file (it contains NUL bytes)")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        reason = exc.problem or exc.context or "invalid YAML"
        raise InputError.at(file, f"invalid YAML: {reason}", line=line, column=column) from None
    except yaml.YAMLError as exc:
        raise InputError.at(file, f"invalid YAML: {exc}") from None
    located = Located(data=None, file=file)
    if node is None:
        raise InputError.at(file, "the file is empty")
    problems: list[Problem] = []
    located.data = _build(node, (), located, problems)
    if problems:
        raise InputError(problems)
    return located


def _build(node: yaml.Node, loc: Loc, out: Located, problems: list[Problem]) -> Any:
    out.lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int):
                problems.append(
                    Problem(
                        Place(out.file, key_node.start_mark.line + 1, None, dotted(loc) or None),
                        "mapping keys must be plain names",
                    )
                )
                continue
            key = str(key)
            if key in result:
                problems.append(
                    Problem(
                        Place(out.file, key_node.start_mark.line + 1, None, dotted((*loc, key))),
                        f"duplicate key {key!r}",
                    )
                )
                continue
            result[key] = _build(value_node, (*loc, key), out, problems)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*loc, n), out, problems) for n, item in enumerate(node.value)]
    return _scalar(node)


_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_TRUE = {"true", "yes", "on", "y"}


def _scalar(node: yaml.Node) -> Any:
    """A scalar as written: null and booleans resolved, everything else kept as text.

    Keeping numbers and dates as text lets ``6141.320`` stay a policy code and
    leaves conversion to the schema, which knows what each field is.
    """
    if not isinstance(node, yaml.ScalarNode):
        return node
    if node.tag == _NULL:
        return None
    if node.tag == _BOOL:
        return str(node.value).lower() in _TRUE
    return str(node.value)


def decode_text(raw: bytes | str, file: str, *, what: str, max_bytes: int) -> str:
    """Bytes of a YAML file as text, refusing what is too big, binary or not UTF-8."""
    if isinstance(raw, str):
        return raw
    if len(raw) > max_bytes:
        raise InputError.at(file, f"the {what} is larger than {max_bytes >> 20} MiB")
    if b"\x00" in raw[:8192]:
        raise InputError.at(file, "this is not a text file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError.at(file, "the file is not valid UTF-8", line=line) from None


def validation_problems(exc: ValidationError, located: Located) -> list[Problem]:
    """Pydantic's errors as problems at the file, line and field they are about."""
    return [
        Problem(located.place(document_loc(error["loc"], located.data)), _message(error))
        for error in exc.errors(include_url=False)
    ]


def document_loc(loc: tuple[Any, ...], data: Any) -> Loc:
    """The error's path in the document, without pydantic's own steps.

    Pydantic inserts steps that are not keys of the document: tagged-union tags
    (``rules.2.posting.effect``), ``function-after`` validators and ``[key]``
    markers; only the document's own keys and indexes are kept.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        own_key = isinstance(node, dict) and part in node
        if isinstance(part, str) and not own_key:
            if part.startswith(("function-", "[")) or "[" in part:
                continue
            if isinstance(node, dict) and node.get("kind") == part:
                continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part) if isinstance(part, str) else None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(out)


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    return str(error["msg"]).removeprefix("Value error, ")
