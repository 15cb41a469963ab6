"""Configuration problems as sentences an operator can act on: the variable, what is wrong, the fix.

pydantic's own words ("Input should be a valid integer, unable to parse string as an integer") name a
library's idea of the problem; an operator wants "LEADERS_PORT is 'abc', but it must be a whole number.
Set it in the environment or in .env". A value is quoted only when it is not a secret.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY")
WHERE = "set it in the environment or in the .env file in this directory"


def _quoted(name: str, value: Any) -> str:
    if any(word in name for word in SECRET_WORDS) or not isinstance(value, str | int | float):
        return f"{name} is set"
    text = str(value)
    if "://" in text and "@" in text:  # a database URL may carry a password: show it without
        scheme, rest = text.split("://", 1)
        text = f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return f"{name} is {text[:80]!r}"


def _expected(error: dict[str, Any]) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "it must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "it must be a number"
    if kind in ("bool_parsing", "bool_type"):
        return "it must be 1 or 0 (true or false)"
    if kind == "greater_than_equal":
        return f"it must be at least {ctx.get('ge')}"
    if kind == "greater_than":
        return f"it must be more than {ctx.get('gt')}"
    if kind == "less_than_equal":
        return f"it must be at most {ctx.get('le')}"
    if kind == "less_than":
        return f"it must be less than {ctx.get('lt')}"
    return str(error.get("msg", "it is not valid")).removeprefix("Value error, ")


def sentences(error: ValidationError) -> list[str]:
    """One sentence per problem, each naming its variable and the fix."""
    found = []
    for problem in error.errors():
        loc = [str(part) for part in problem.get("loc", ())]
        if not loc:  # a rule across variables: its message already names them and says what to do
            message = str(problem.get("msg", "")).removeprefix("Value error, ")
            found.append(message[:1].upper() + message[1:] + ".")
            continue
        name = loc[0]
        found.append(f"{_quoted(name, problem.get('input'))}, but {_expected(problem)}: {WHERE}.")
    return found
