"""A Pratt (top-down operator precedence) parser of OData ``$filter`` expressions.

Precedence, loosest first (OData 4.01 URL conventions, section 5.1.1.15):
``or`` < ``and`` < ``not`` < ``eq ne`` < ``gt ge lt le`` < ``add sub`` < ``mul div mod``
< unary ``-`` < primary (literals, paths, calls, parentheses). ``not`` takes a whole
comparison (``not name eq 'x'`` is ``not (name eq 'x')``), as in SQL and as users expect.
"""

from __future__ import annotations

from cityops.errors import InvalidQuery
from cityops.sta.query.ast import BinOp, Call, Lit, Neg, Node, Not, Path
from cityops.sta.query.functions import FUNCTIONS
from cityops.sta.query.lexer import Token, error, tokenize
from cityops.sta.query.limits import DEFAULT, QueryLimits, check_expression

_BINARY: dict[str, int] = {
    "or": 10,
    "and": 20,
    "eq": 30,
    "ne": 30,
    "gt": 40,
    "ge": 40,
    "lt": 40,
    "le": 40,
    "add": 50,
    "sub": 50,
    "mul": 60,
    "div": 60,
    "mod": 60,
}
_NOT_BP = 25
_NEG_BP = 70
_KEYWORDS = frozenset(_BINARY) | {"not"}
_CONSTANTS = {"true": (True, "bool"), "false": (False, "bool"), "null": (None, "null")}


class Parser:
    """Parses one expression text; ``offset`` is added to reported positions."""

    def __init__(self, text: str, offset: int = 0, limits: QueryLimits = DEFAULT) -> None:
        self.text = text
        self.offset = offset
        self.limits = limits
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers -------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, token: Token) -> InvalidQuery:
        what = "end of input" if token.kind == "eof" else repr(token.text)
        return error(f"{message}: unexpected {what}", token.pos, self.text)

    def expect(self, punct: str) -> Token:
        token = self.advance()
        if token.kind != "punct" or token.value != punct:
            raise self.fail(f"expected {punct!r}", token)
        return token

    # -- expressions ---------------------------------------------------------------
    def expression(self, rbp: int = 0) -> Node:
        self.depth += 1
        if self.depth > self.limits.max_expression_depth:
            limit = self.limits.max_expression_depth
            raise error(
                f"expression nested too deeply (more than {limit} levels; "
                "limit max_expression_depth)",
                self.peek().pos,
                self.text,
            )
        left = self.prefix(self.advance())
        while True:
            token = self.peek()
            bp = _BINARY.get(token.value, 0) if token.kind == "ident" else 0
            if bp <= rbp:
                break
            self.advance()
            left = BinOp(token.value, left, self.expression(bp), token.pos + self.offset)
        self.depth -= 1
        return left

    def prefix(self, token: Token) -> Node:
        pos = token.pos + self.offset
        if token.kind == "lit":
            value, typ = token.value
            if typ == "geometry":
                return Lit(value[0], typ, pos, value[1])
            return Lit(value, typ, pos, token.text)
        if token.kind == "punct" and token.value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if token.kind == "punct" and token.value == "-":
            return Neg(self.expression(_NEG_BP), pos)
        if token.kind == "ident":
            if token.value == "not":
                return Not(self.expression(_NOT_BP), pos)
            if token.value in _CONSTANTS:
                value, typ = _CONSTANTS[token.value]
                return Lit(value, typ, pos, token.text)
            if token.value not in _KEYWORDS:
                return self.member(token)
        raise self.fail("expected a value", token)

    def member(self, token: Token) -> Node:
        nxt = self.peek()
        if nxt.kind == "punct" and nxt.value == "(":
            return self.call(token)
        segments = [token.value]
        while self.peek().kind == "punct" and self.peek().value == "/":
            self.advance()
            seg = self.advance()
            if seg.kind != "ident" or seg.value in _KEYWORDS:
                raise self.fail("expected a property name after '/'", seg)
            segments.append(seg.value)
        for seg in segments:
            if "." in seg and seg != "@iot.id":
                raise error(f"invalid property name {seg!r}", token.pos, self.text)
        return Path(tuple(segments), token.pos + self.offset)

    def call(self, token: Token) -> Node:
        name = token.value
        sig = FUNCTIONS.get(name)
        if sig is None:
            raise error(f"unknown function {name!r}", token.pos, self.text)
        self.expect("(")
        args: list[Node] = []
        if not (self.peek().kind == "punct" and self.peek().value == ")"):
            args.append(self.expression())
            while self.peek().kind == "punct" and self.peek().value == ",":
                self.advance()
                args.append(self.expression())
        self.expect(")")
        most, least = len(sig.args), len(sig.args) - sig.optional
        if not least <= len(args) <= most:
            want = str(most) if least == most else f"{least} or {most}"
            raise error(f"{name}() takes {want} argument(s), got {len(args)}", token.pos, self.text)
        return Call(name, tuple(args), token.pos + self.offset)

    def finish(self) -> None:
        token = self.peek()
        if token.kind != "eof":
            raise self.fail("expected an operator or the end", token)


def parse_filter(text: str, *, offset: int = 0, limits: QueryLimits = DEFAULT) -> Node:
    """The syntax tree of a ``$filter`` expression; InvalidQuery when malformed or over
    the limits. Linear in the length of ``text``: one tokenising pass, one parsing pass,
    one walk to measure the tree."""
    parser = Parser(text, offset, limits)
    if parser.peek().kind == "eof":
        raise InvalidQuery("$filter is empty")
    node = parser.expression()
    parser.finish()
    check_expression(node, limits)
    return node


def parse_orderby_items(
    text: str, *, offset: int = 0, limits: QueryLimits = DEFAULT
) -> list[tuple[Node, bool]]:
    """``$orderby`` keys as (expression, descending) pairs; asc/desc in any letter case."""
    parser = Parser(text, offset, limits)
    items: list[tuple[Node, bool]] = []
    while True:
        if parser.peek().kind == "eof":
            raise parser.fail("expected an $orderby key", parser.peek())
        node = parser.expression()
        check_expression(node, limits)
        desc = False
        token = parser.peek()
        if token.kind == "ident" and token.value.lower() in ("asc", "desc"):
            parser.advance()
            desc = token.value.lower() == "desc"
        items.append((node, desc))
        token = parser.advance()
        if token.kind == "eof":
            return items
        if not (token.kind == "punct" and token.value == ","):
            raise parser.fail("expected ',' or the end of $orderby", token)
