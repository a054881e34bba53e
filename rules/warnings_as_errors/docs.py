"""Documentation builders: `sphinx-build`, `mkdocs build|gh-deploy` (and mkdocs.yml `strict`)."""

from __future__ import annotations

import re

from .call import OK, Call, Verdict, text_or_unknown


def sphinx(call: Call) -> Verdict:
    for arg in call.args:
        if arg == "--fail-on-warning" or re.fullmatch(r"-[a-zA-Z]*W[a-zA-Z]*", arg):
            return OK
    return "no `-W`"


def mkdocs(call: Call) -> Verdict:
    if "--strict" in call.args or "-s" in call.args:
        return OK
    name = "mkdocs.yml"
    for index, arg in enumerate(call.args):
        if arg in ("-f", "--config-file") and index + 1 < len(call.args):
            name = call.args[index + 1]
    config = text_or_unknown(call, name)
    if config is None and name == "mkdocs.yml":
        config = text_or_unknown(call, "mkdocs.yaml")
    if not isinstance(config, str) or re.search(r"^strict:\s*(true|!ENV)", config, re.MULTILINE):
        return OK
    return "no `--strict` (nor `strict: true` in mkdocs.yml)"
