"""Elixir: `mix compile` (and `mix do` tasks), `mix credo`; mix.exs and .credo.exs settings."""

from __future__ import annotations

import posixpath
import re

from ...linter.lazyre import lazy
from .call import OK, UNKNOWN, Call, Unknown, Verdict, text_or_unknown

_MIX_WAE = lazy(r"warnings_as_errors:\s*([^,\]\s]+)")


def _mix_exs_setting(text: str) -> bool | Unknown | None:
    """True/False when mix.exs sets warnings_as_errors literally, UNKNOWN for an expression,
    None when it does not mention it."""
    values = _MIX_WAE.findall(text)
    if not values:
        return None
    if all(v == "true" for v in values):
        return True
    if all(v in ("true", "false") for v in values):
        return False
    return UNKNOWN


def mix_compile(call: Call) -> Verdict:
    if "--warnings-as-errors" in call.args:
        return OK
    mix_exs = text_or_unknown(call, "mix.exs")
    if not isinstance(mix_exs, str):
        return OK  # no mix.exs where we can see it: the project is elsewhere
    setting = _mix_exs_setting(mix_exs)
    umbrella = re.search(r"apps_path:\s*\"([^\"]+)\"", mix_exs)
    if setting is None and umbrella and isinstance(call.cwd, str):
        children = [call.repo.read("", p) or "" for p in call.repo.glob(
            posixpath.join(call.cwd, umbrella.group(1), "*", "mix.exs"))]
        settings = [_mix_exs_setting(text) for text in children]
        if settings and all(s is True for s in settings):
            return OK
        if any(isinstance(s, Unknown) or s is True for s in settings):
            return OK  # some apps decide for themselves: cannot tell which are built
    if setting is True or isinstance(setting, Unknown):
        return OK
    return "neither `--warnings-as-errors` nor `warnings_as_errors: true` in mix.exs"


_CREDO_INFO = frozenset({"gen.config", "gen.check", "explain", "info", "categories", "version", "help"})


def credo(call: Call) -> Verdict:
    if "--strict" in call.args or any(a in _CREDO_INFO for a in call.args[1:2]):
        return OK
    if not call.repo.visible or isinstance(call.cwd, Unknown):
        return OK
    for name in (".credo.exs", "config/.credo.exs"):
        text = call.repo.read(call.cwd, name)
        if text is not None and re.search(r"strict:\s*true", text):
            return OK
    return "no `--strict` (nor `strict: true` in .credo.exs)"


def mix_tasks(argv: list[str]) -> list[list[str]]:
    """`mix do compile --warnings-as-errors, test` (or `+`) as one `mix` command per task."""
    if argv[:2] != ["mix", "do"]:
        return [argv]
    tasks: list[list[str]] = [[]]
    for word in argv[2:]:
        if word in (",", "+"):
            tasks.append([])
            continue
        ends = word.endswith(",")
        tasks[-1].append(word.rstrip(",") if ends else word)
        if ends:
            tasks.append([])
    return [["mix", *task] for task in tasks if task]
