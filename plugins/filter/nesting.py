"""Whether text stays inside the block of a configuration file that it is put in.

The roles put the operator's extra configuration inside a block of their
own: nft rules inside the input chain, Caddyfile directives inside the
site's block, Nginx directives inside the `server` block. Text that closes
that block can add a chain, a site or a server of its own, which the
front's own validation accepts. `nesting_error` reads the text the way the
front's lexer does (quotes, escapes, comments) and reports the first thing
that could leave the block, or could be read two ways: the checks refuse
some text the front would read as harmless, never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable

from ansible.errors import AnsibleFilterError

SYNTAXES = ("caddy", "nginx", "nftables")

# Characters a backslash outside quotes may not come before: the front
# would read them as literal where the checks read them as syntax.
_UNESCAPABLE = set("\"'`#{};<$\\")


class _Escape(Exception):
    """The text could leave its block; the message says where and how."""


def _pairs(word: str, where: str, start_at: str = "") -> None:
    """Braces inside one word or quoted string must pair up on their own."""
    depth = 0
    for index, ch in enumerate(word):
        if ch == "{" and (not start_at or word[index - 1 : index] == start_at):
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise _Escape(f"{where}: a }} without its {{ in {word!r}")
    if depth:
        raise _Escape(f"{where}: a {{ without its }} in {word!r}")


def _line(text: str, index: int) -> str:
    return f"line {text.count(chr(10), 0, index) + 1}"


def _quoted(text: str, start: int, syntax: str) -> int:
    """The index after the quoted string that starts at START; checks its braces."""
    quote = text[start]
    index = start + 1
    while index < len(text) and text[index] != quote:
        # nft's strings have no escapes; the fronts' take the next character as it is.
        index += 2 if text[index] == "\\" and syntax != "nftables" else 1
    if index >= len(text):
        raise _Escape(f"{_line(text, start)}: a {quote} that is not closed")
    _pairs(text[start + 1 : index], _line(text, start))
    after = text[index + 1 : index + 2]
    if after and not after.isspace() and not (after == ";" and syntax == "nginx"):
        raise _Escape(f"{_line(text, index)}: {after!r} right after a closing {quote}")
    return index + 1


def _check(text: str, syntax: str) -> None:
    if syntax == "caddy":
        # Backtick quotes and heredocs: kinds of quoting the checks do not read.
        for sign in ("`", "<<"):
            if sign in text:
                raise _Escape(f"{_line(text, text.index(sign))}: {sign} (not allowed here)")
    if syntax == "nftables":
        # `;` ends a rule, and so lets one item hold several, or close the chain.
        for sign in (";", "\\"):
            if sign in text:
                raise _Escape(f"{_line(text, text.index(sign))}: {sign} (one rule per item)")
    quotes = "\"'" if syntax == "nginx" else '"'
    depth = 0
    index = 0
    while index < len(text):
        ch = text[index]
        if ch.isspace() or (ch == ";" and syntax == "nginx"):
            index += 1
            continue
        where = _line(text, index)
        if ch == "#":
            end = text.find("\n", index)
            end = len(text) if end < 0 else end
            if "{" in text[index:end] or "}" in text[index:end]:
                raise _Escape(f"{where}: a brace in a comment")
            index = end
            continue
        if ch in quotes:
            index = _quoted(text, index, syntax)
            continue
        if syntax == "nftables":
            # Outside strings and comments every brace counts.
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            index += 1
        else:
            # One word: up to white space, and for Nginx up to ; or a { that opens a block.
            start = index
            while index < len(text) and not text[index].isspace():
                ch = text[index]
                if ch == "\\":
                    following = text[index + 1 : index + 2]
                    if not following or following.isspace() or following in _UNESCAPABLE:
                        raise _Escape(f"{where}: \\ before {following!r}")
                    index += 2
                    continue
                if ch in "\"'`":
                    raise _Escape(f"{where}: a quote inside a word")
                if (
                    syntax == "nginx"
                    and index > start
                    and (ch == ";" or (ch == "{" and text[index - 1] != "$"))
                ):
                    break
                index += 1
                if syntax == "nginx" and ch in "{}" and index - 1 == start:
                    break
            word = text[start:index]
            if word == "{":
                depth += 1
            elif word == "}":
                depth -= 1
            else:
                _pairs(word, where, "$" if syntax == "nginx" else "")
        if depth < 0:
            raise _Escape(f"{where}: a }} that closes the block the text is put in")
    if depth:
        raise _Escape("a { that is not closed")


def nesting_error(text: object, syntax: str) -> str:
    """Why TEXT could leave the block it is put in, read as SYNTAX; empty when it cannot."""
    if syntax not in SYNTAXES:
        raise AnsibleFilterError(f"nesting_error: syntax must be one of {', '.join(SYNTAXES)}")
    try:
        _check(str(text), syntax)
    except _Escape as escape:
        return str(escape)
    return ""


class FilterModule:
    def filters(self) -> dict[str, Callable[..., object]]:
        return {"nesting_error": nesting_error}
