"""OData query options for the Graph simulator: ``$filter`` (tokenizer + recursive descent), ``$select``,
``$orderby``, ``$top``, ``$count``, and Graph's error type.

The filter grammar covers what the loader and skills send to Graph: ``eq ne gt ge lt le``, ``in (...)``,
``and or not``, ``startswith``/``endswith`` and lambda ``any()`` over collections. Anything else is refused with
Graph's 400 rather than ignored: an unfiltered answer mistaken for a filtered one is worse than an error.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]
SUPPORTED_OPTIONS = ("select", "top", "skiptoken", "filter", "orderby", "count", "expand")


class GraphError(Exception):
    """An error answer in Graph's shape: ``{"error": {"code", "message", "innerError"}}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = dict(headers or {})


def error_body(code: str, message: str) -> JSON:
    inner = {"date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4()),
             "client-request-id": str(uuid.uuid4())}
    return {"error": {"code": code, "message": message, "innerError": inner}}


def unsupported(message: str) -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)


# ------------------------------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^']|'')*')
  | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-]))
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w-]))
  | (?P<number>-?\d+(?:\.\d+)?(?![\w-]))
  | (?P<name>[A-Za-z_@$][\w.@$]*(?:/[A-Za-z_@$][\w.@$]*)*)
  | (?P<punct>[(),:])
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int

    def keyword(self, *words: str) -> bool:
        return self.kind == "name" and self.text.lower() in words


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _syntax(text, pos)
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    return tokens


def _syntax(text: str, pos: int) -> GraphError:
    return GraphError(400, "BadRequest", f"Invalid filter clause: syntax error at position {pos} in '{text}'.")


# ------------------------------------------------------------------------------------------------- parser

Predicate = Callable[[JSON, dict[str, Any]], bool]  # (item, lambda variables) -> matches


@dataclass
class Filter:
    text: str
    test: Predicate
    # ne, not and endsWith used: "advanced queries" on directory objects, which Graph answers only with
    # ConsistencyLevel: eventual and $count=true
    advanced: list[str] = field(default_factory=list)

    def __call__(self, item: JSON) -> bool:
        return self.test(item, {})


def parse_filter(text: str) -> Filter:
    parser = _Parser(text)
    test = parser.parse_or()
    if parser.peek() is not None:
        raise _syntax(text, parser.peek().pos)  # type: ignore[union-attr]
    return Filter(text, test, parser.advanced)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.i = text, tokenize(text), 0
        self.advanced: list[str] = []
        self.variables: list[str] = []

    def peek(self, ahead: int = 0) -> Token | None:
        j = self.i + ahead
        return self.tokens[j] if j < len(self.tokens) else None

    def take(self, kind: str | None = None, text: str | None = None) -> Token:
        token = self.peek()
        if token is None or (kind and token.kind != kind) or (text and token.text.lower() != text):
            raise _syntax(self.text, token.pos if token else len(self.text))
        self.i += 1
        return token

    def parse_or(self) -> Predicate:
        left = self.parse_and()
        while (t := self.peek()) is not None and t.keyword("or"):
            self.i += 1
            right = self.parse_and()
            left = (lambda a, b: lambda o, v: a(o, v) or b(o, v))(left, right)
        return left

    def parse_and(self) -> Predicate:
        left = self.parse_not()
        while (t := self.peek()) is not None and t.keyword("and"):
            self.i += 1
            right = self.parse_not()
            left = (lambda a, b: lambda o, v: a(o, v) and b(o, v))(left, right)
        return left

    def parse_not(self) -> Predicate:
        token = self.peek()
        if token is not None and token.keyword("not"):
            self.i += 1
            self.advanced.append("not")
            inner = self.parse_not()
            return lambda o, v: not inner(o, v)
        return self.parse_primary()

    def parse_primary(self) -> Predicate:
        token = self.peek()
        if token is None:
            raise _syntax(self.text, len(self.text))
        if token.text == "(":
            self.i += 1
            inner = self.parse_or()
            self.take("punct", ")")
            return inner
        after = self.peek(1)
        if token.kind == "name" and after is not None and after.text == "(":
            return self.parse_call(token)
        return self.parse_comparison()

    def parse_call(self, token: Token) -> Predicate:
        name = token.text.lower()
        self.i += 2  # the name and "("
        if name in ("startswith", "endswith"):
            if name == "endswith":
                self.advanced.append("endswith")
            path = self.take("name").text
            self.take("punct", ",")
            prefix = self.literal()
            self.take("punct", ")")
            if not isinstance(prefix, str):
                raise unsupported(f"{token.text} needs a string literal, as in {token.text}({path},'x').")
            wanted = prefix.casefold()
            method = str.startswith if name == "startswith" else str.endswith
            return lambda o, v: isinstance(s := resolve(o, v, path), str) and method(s.casefold(), wanted)
        head, _, last = token.text.rpartition("/")
        if last.lower() == "any" and head:
            return self.parse_any(head, token)
        raise unsupported(f"Unsupported query: the function '{token.text}' is not supported in $filter.")

    def parse_any(self, collection: str, token: Token) -> Predicate:
        variable = self.take("name").text
        if "/" in variable or (t := self.peek()) is None or t.text != ":":
            raise unsupported(f"Unsupported query: {token.text}() needs a lambda, as in {token.text}(x:x eq 'v').")
        self.take("punct", ":")
        self.variables.append(variable)
        body = self.parse_or()
        self.variables.pop()
        self.take("punct", ")")

        def any_of(o: JSON, v: dict[str, Any]) -> bool:
            items = resolve(o, v, collection)
            return isinstance(items, list) and any(body(o, {**v, variable: item}) for item in items)

        return any_of

    def parse_comparison(self) -> Predicate:
        path_token = self.take()
        if path_token.kind != "name" or path_token.keyword("true", "false", "null"):
            raise unsupported(f"Unsupported query: '{path_token.text}' must be a property name; Graph compares a "
                              "property (left) with a literal (right).")
        path = path_token.text
        op = self.take("name").text.lower()
        if op == "in":
            self.take("punct", "(")
            values = [self.literal()]
            while (t := self.peek()) is not None and t.text == ",":
                self.i += 1
                values.append(self.literal())
            self.take("punct", ")")
            return lambda o, v: any(_equal(resolve(o, v, path), x) for x in values)
        if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
            raise unsupported(f"Unsupported query: the operator '{op}' is not supported in $filter.")
        value = self.literal()
        if op in ("eq", "ne"):
            if op == "ne":
                self.advanced.append("ne")
            negate = op == "ne"
            return lambda o, v: _equal(resolve(o, v, path), value) != negate
        if not isinstance(value, (datetime, int, float)) or isinstance(value, bool):
            raise unsupported(f"Unsupported query: '{op}' is supported on dates and numbers only, not {value!r}.")
        return lambda o, v: _ordered(resolve(o, v, path), value, op)

    def literal(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        if token.kind == "guid":
            return token.text
        if token.kind == "datetime":
            return parse_datetime(token.text)
        if token.kind == "number":
            return float(token.text) if "." in token.text else int(token.text)
        if token.keyword("true", "false"):
            return token.text.lower() == "true"
        if token.keyword("null"):
            return None
        raise unsupported(f"Unsupported query: expected a literal at position {token.pos}, found '{token.text}'.")


def resolve(obj: Any, variables: dict[str, Any], path: str) -> Any:
    """The value at ``a/b/c`` in ``obj``; a first segment naming a lambda variable starts at that element."""
    segments = path.split("/")
    if segments[0] in variables:
        node, segments = variables[segments[0]], segments[1:]
    else:
        node = obj
    for segment in segments:
        if not isinstance(node, dict):
            return None
        if segment in node:
            node = node[segment]
        else:  # Graph matches property names case-insensitively
            node = next((v for k, v in node.items() if k.lower() == segment.lower()), None)
    return node


def parse_datetime(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _equal(actual: Any, literal: Any) -> bool:
    if isinstance(literal, datetime):
        return isinstance(actual, str) and parse_datetime(actual) == literal
    if isinstance(literal, str):
        # directory string comparisons are case-insensitive (UPNs, GUIDs, enum names)
        return isinstance(actual, str) and actual.casefold() == literal.casefold()
    if isinstance(literal, bool) or literal is None:
        return actual is literal
    return not isinstance(actual, bool) and actual == literal


def _ordered(actual: Any, literal: datetime | float, op: str) -> bool:
    if isinstance(literal, datetime):
        value: Any = parse_datetime(actual) if isinstance(actual, str) else None
    else:
        value = actual if isinstance(actual, (int, float)) and not isinstance(actual, bool) else None
    if value is None:
        return False
    return {"gt": value > literal, "ge": value >= literal, "lt": value < literal, "le": value <= literal}[op]


# ------------------------------------------------------------------------------------------ query options


@dataclass
class QueryOptions:
    """System query options of one request, keys lower-cased without ``$`` (Graph accepts both spellings)."""

    raw: dict[str, str]
    select: list[str] | None = None
    top: int | None = None
    skiptoken: int = 0
    filter: Filter | None = None
    orderby: list[tuple[str, bool]] = field(default_factory=list)  # (property, descending)
    count: bool = False
    expand: list[str] = field(default_factory=list)
    eventual: bool = False  # ConsistencyLevel: eventual was sent


def parse_options(query: dict[str, str], headers: dict[str, str]) -> QueryOptions:
    raw = {k.lower().lstrip("$"): v for k, v in query.items()}
    for name in raw:
        if name not in SUPPORTED_OPTIONS and _refused(name):
            raise unsupported(f"the Graph simulator does not support ${name}; read the collection and filter it in "
                              "code, or extend the simulator")
    opts = QueryOptions(raw=raw, eventual=headers.get("consistencylevel", "").strip().lower() == "eventual")
    if raw.get("select"):
        opts.select = [s.strip() for s in raw["select"].split(",") if s.strip()]
    if "top" in raw:
        opts.top = _int(raw, "top")
    opts.skiptoken = _int(raw, "skiptoken") if raw.get("skiptoken") else 0
    if raw.get("filter"):
        opts.filter = parse_filter(raw["filter"])
    for part in (raw.get("orderby") or "").split(","):
        words = part.split()
        if words:
            if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
                raise unsupported(f"Unsupported query: invalid $orderby clause '{part.strip()}'.")
            opts.orderby.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    if "count" in raw:
        if raw["count"].lower() not in ("true", "false"):
            raise GraphError(400, "BadRequest", f"Invalid $count value '{raw['count']}'; use true or false.")
        opts.count = raw["count"].lower() == "true"
    opts.expand = [e.strip() for e in (raw.get("expand") or "").split(",") if e.strip()]
    return opts


def _refused(name: str) -> bool:
    # OData system options the simulator refuses; custom parameters (no $ in Graph's own list) pass through
    return name in ("search", "skip", "apply", "compute", "format", "levels", "deltatoken", "index")


def _int(raw: dict[str, str], name: str) -> int:
    try:
        return int(raw[name])
    except ValueError:
        raise unsupported(f"Invalid ${name} value '{raw[name]}'.") from None


def select(obj: JSON, wanted: list[str] | None) -> JSON:
    if not wanted:
        return obj
    keep = {s.lower() for s in wanted} | {"id", "@odata.type"}
    return {k: v for k, v in obj.items() if k.lower() in keep}


def order(items: list[JSON], orderby: list[tuple[str, bool]]) -> list[JSON]:
    # stable sorts, last key first; missing values sort before present ones, as Graph does for nulls
    for path, descending in reversed(orderby):
        items = sorted(items, key=lambda o, p=path: _sort_key(resolve(o, {}, p)), reverse=descending)
    return items


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value.casefold())
    return (3, str(value))
