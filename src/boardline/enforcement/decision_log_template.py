"""The decision log's fast path for web decisions: lines assembled from pre-encoded parts.

Why. Building a line the general way (:func:`~boardline.enforcement.decision_log_record.record`
makes a dict, :func:`~boardline.enforcement.masking.mask_record` edits it, pydantic-core
serialises it) was the largest single cost of a Squid helper line. Most of a
web decision's line never changes between lines: the citations with their
quoted clauses, the rule, the revision, the effect, the severity, the role.
Those parts are serialised once per *shape* (:class:`_Shape`) and kept as
text; the parts that depend on the subject (the masked or clear ids, their
pseudonyms, the replacer for the explanation and path) once per *identity*
(:class:`_Identity`). A line is then a join of cached text and the few values
that are new every line (instant, decision id, event id, host, path,
explanation), each JSON-escaped.

Exactness. The result is byte for byte what ``encode_line(mask_record(record(...)))``
writes (``tests/unit/enforcement/test_decision_log_template.py`` checks it on
generated decisions and texts). Whatever this path does not cover returns
``None`` and the caller takes the general path: other event kinds, a decision
that used an exception (its ``by`` and ``reason`` need the general masking and
trimming), text that cannot be UTF-8 (a lone surrogate, which the general path
writes as a JSON escape).

Caches. Both are bounded (cleared when full) and keyed by values, so a pack
reload (new revision or rule, new citations) or a roster change (another role,
another username) simply yields new keys; nothing needs invalidating. A
citations tuple is keyed by identity and kept alive by its entry, as in
:mod:`~boardline.enforcement.decision_log_record`.
"""

from __future__ import annotations

from json.encoder import encode_basestring
from typing import Any

from pydantic_core import to_json

from boardline.enforcement.decision_log_record import _citation_records, role_name, utc_text
from boardline.enforcement.decision_log_schema import SCHEMA
from boardline.enforcement.masking import CLEAR_ROLES, Pseudonymiser, _Replacer
from boardline.model.decision import Decision
from boardline.model.events import WebAccess
from boardline.policy.pack import Role

_CACHE_SIZE = 4096
_IDENTITY_CACHE_SIZE = 65_536
_TEXTS_PER_IDENTITY = 64
_TOP_LEVEL = {
    None: ',"top_level":null,"user":',
    True: ',"top_level":true,"user":',
    False: ',"top_level":false,"user":',
}


def _json(value: Any) -> str:
    """Constant parts, serialised by the same serialiser as the general path."""
    return to_json(value).decode("utf-8")


def _string(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


class _Shape:
    """The serialised parts of a line that one rule's decisions of one kind share."""

    __slots__ = ("citations", "effect", "head", "middle", "tail")

    def __init__(self, decision: Decision, role: str) -> None:
        #: Kept so the citations' ``id`` in the cache key stays theirs.
        self.citations = decision.citations
        self.head = '{"alert":' + _json(decision.alert) + ',"at":"'
        self.middle = (
            '","categories":'
            + _json(list(decision.categories))
            + ',"citations":'
            + _json(_citation_records(decision.citations))
            + ',"decision_id":'
        )
        self.tail = (
            ',"follow_up":'
            + _json(list(decision.follow_up))
            + ',"masked":true,"revision":'
            + _json(decision.revision)
            + ',"role":'
            + _json(role)
            + ',"rule":'
            + _json(decision.rule)
            + ',"schema":'
            + _json(SCHEMA)
            + ',"severity":'
            + _json(decision.severity.value)
            + ',"subject":'
        )
        # The effect sits between the decision id and the event.
        self.effect = ',"effect":' + _json(decision.effect.value) + ',"event":{"client":'


class _Identity:
    """One subject's parts of a line: ids in clear or pseudonymised, and the replacer."""

    __slots__ = ("client", "replace", "tail", "texts", "user")

    def __init__(
        self,
        subject: str | None,
        username: str | None,
        event: WebAccess,
        hidden: bool,
        pseudonym: Pseudonymiser,
    ) -> None:
        user, client = event.subject.user, event.subject.address
        self.replace: _Replacer | None = None
        #: Explanations and paths -> masked and JSON-encoded (a masked subject's
        #: explanation is mostly the same text line after line).
        self.texts: dict[str, str] = {}
        if hidden:
            replace = pseudonym.replacer((subject, username, user, client, None, None))
            values = replace.values
            if values:
                self.replace = replace
                subject = values.get(subject, subject) if subject is not None else None
                username = values.get(username, username) if username is not None else None
                user = values.get(user, user) if user is not None else None
                client = values.get(client, client) if client is not None else None
        self.client = _string(client)
        self.user = _string(user)
        self.tail = _string(subject) + ',"username":' + _string(username) + "}\n"

    def masked(self, text: str) -> str:
        """``text`` with this subject's identifiers pseudonymised, JSON-encoded; cached."""
        found = self.texts.get(text)
        if found is None:
            assert self.replace is not None
            found = encode_basestring(self.replace(text) or text)
            if len(self.texts) >= _TEXTS_PER_IDENTITY:
                self.texts.clear()
            self.texts[text] = found
        return found


class WebLineEncoder:
    """``line(decision, event, role, username)``: the masked line, or ``None`` (general path)."""

    __slots__ = ("_identities", "_pseudonym", "_shapes")

    def __init__(self, pseudonym: Pseudonymiser) -> None:
        self._pseudonym = pseudonym
        self._shapes: dict[tuple[Any, ...], _Shape] = {}
        self._identities: dict[tuple[Any, ...], _Identity] = {}

    def line(
        self,
        decision: Decision,
        event: WebAccess,
        role: Role | str | None,
        username: str | None,
    ) -> bytes | None:
        (
            decision_id,
            effect,
            rule,
            revision,
            citations,
            explanation,
            _kind,
            at,
            subject,
            severity,
            exception,
            follow_up,
            alert,
            categories,
            _facts,
        ) = decision
        if exception is not None:
            return None
        key = (id(citations), alert, categories, effect, follow_up, revision, role, rule, severity)
        shape = self._shapes.get(key)
        if shape is None or shape.citations is not citations:
            shape = _Shape(decision, role_name(role))
            if len(self._shapes) >= _CACHE_SIZE:
                self._shapes.clear()
            self._shapes[key] = shape
        person = event.subject
        who = (subject, username, person.user, person.address, role)
        identity = self._identities.get(who)
        if identity is None:
            hidden = role_name(role) not in CLEAR_ROLES
            identity = _Identity(subject, username, event, hidden, self._pseudonym)
            if len(self._identities) >= _IDENTITY_CACHE_SIZE:
                self._identities.clear()
            self._identities[who] = identity
        path = event.path
        if path:
            cut = path.find("?")
            hash_at = path.find("#")
            if hash_at >= 0 and (cut < 0 or hash_at < cut):
                cut = hash_at
            if cut >= 0:
                path = path[:cut]
        if identity.replace is not None:
            explanation = identity.masked(explanation)
            path = identity.masked(path)
        else:
            explanation = encode_basestring(explanation)
            path = encode_basestring(path)
        text = (
            f"{shape.head}{utc_text(at)}{shape.middle}{encode_basestring(decision_id)}"
            f"{shape.effect}{identity.client}"
            f',"event_id":{encode_basestring(event.event_id)}'
            f',"host":{encode_basestring(event.host)}'
            f',"kind":"web","method":{encode_basestring(event.method)}'
            f',"path":{path}{_TOP_LEVEL[event.top_level]}{identity.user}'
            f'}},"exception":null,"explanation":{explanation}{shape.tail}{identity.tail}'
        )
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            return None
