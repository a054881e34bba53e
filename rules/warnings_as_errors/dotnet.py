""".NET: `dotnet build`; TreatWarningsAsErrors in Directory.Build.props or the project files."""

from __future__ import annotations

import re

from ...linter.lazyre import lazy
from .call import OK, Call, Unknown, Verdict

_DOTNET_WAE = lazy(r"[-/]{1,2}(warnaserror|err)$", re.IGNORECASE)
_DOTNET_PROP = lazy(r"[-/]{1,2}(p|property):TreatWarningsAsErrors=(true)$", re.IGNORECASE)
_TREAT = lazy(r"<TreatWarningsAsErrors>\s*true\s*</TreatWarningsAsErrors>", re.IGNORECASE)


def dotnet(call: Call) -> Verdict:
    if any(_DOTNET_WAE.match(a) or _DOTNET_PROP.match(a) for a in call.args):
        return OK
    if not call.repo.visible or isinstance(call.cwd, Unknown):
        return OK
    for directory in call.repo.up(call.cwd, "Directory.Build.props"):
        if _TREAT.search(call.repo.read(directory, "Directory.Build.props") or ""):
            return OK
    projects = [p for ext in ("csproj", "fsproj", "vbproj") for p in call.repo.glob(f"**/*.{ext}")]
    setting = [bool(_TREAT.search(call.repo.read("", p) or "")) for p in projects]
    if any(setting):
        return OK  # some projects decide for themselves: which are built is not known here
    return "no `-warnaserror` (nor TreatWarningsAsErrors in the project files)"
