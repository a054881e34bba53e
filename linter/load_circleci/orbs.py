"""Orbs and the definitions tables: where a job, command or executor name is looked up.

* A registry orb (`orbs: {node: circleci/node@5.1}`, or a URL) is kept opaque: a `Reference` in
  `Pipeline.references`, and its jobs and commands become `uses` of it (`orb_use`); its executors
  are not resolved.
* An inline orb (`orbs: {mine: {jobs: ..., commands: ..., executors: ...}}`) is read like the
  config itself: its elements are defined as `<orb>/<element>` and, inside the orb, found by their
  bare names first (`find_definition`). Inline orbs may declare orbs of their own.
"""

from __future__ import annotations

from ..model import Reference, Text
from ..yamlsrc import Pos, YMap
from .context import Config, Def
from .values import is_reference


def declare_orbs(config: Config, container: YMap, namespace: str | None) -> None:
    orbs = container.get("orbs")
    if orbs is None:
        return
    if not isinstance(orbs, YMap):
        config.parse_error("`orbs` must be a mapping of orb names", container.pos_of("orbs"))
        return
    for alias, decl in orbs.items():
        name = f"{namespace}/{alias}" if namespace else alias
        if isinstance(decl, YMap):  # an inline orb: its elements are used as `<alias>/<element>`
            config.inline_orbs.add(name)
            declare_orbs(config, decl, name)
            definitions(config, decl, name)
        elif isinstance(decl, str):
            ref = orb_reference(config, decl, orbs.pos_of(alias))
            config.orbs[name] = ref
            config.pipeline.references.append(ref)
        else:
            config.parse_error(
                f"orb '{alias}' must be `namespace/name@version` or an inline orb", orbs.pos_of(alias)
            )


def orb_reference(config: Config, decl: str, pos: Pos) -> Reference:
    text = config.src.text(decl, pos)
    if "://" in text.value:  # URL orb: fetched as is, no version
        return Reference("orb", text.value, None, text)
    name, _, version = text.value.partition("@")
    given = version.strip() or None
    return Reference("orb", name.strip(), given, text, dynamic=given is not None and is_reference(given))


def definitions(config: Config, container: YMap, namespace: str | None) -> None:
    """The `jobs`, `commands` and `executors` of the config or of an inline orb, into the tables."""
    tables = (("jobs", "job", config.jobs), ("commands", "command", config.commands),
              ("executors", "executor", config.executors))
    for section, what, table in tables:
        defs = container.get(section)
        if defs is None:
            continue
        if not isinstance(defs, YMap):
            config.parse_error(f"`{section}` must be a mapping", container.pos_of(section))
            continue
        for name, body in defs.items():
            if not isinstance(body, YMap):
                config.parse_error(f"{what} '{name}' must be a mapping", defs.pos_of(name))
                continue
            full = f"{namespace}/{name}" if namespace else name
            table[full] = Def(full, body, defs.key_pos_of(name), namespace)


def find_definition(table: dict[str, Def], name: str, namespace: str | None) -> Def | None:
    """A definition by name; inside an inline orb its own elements come first."""
    if namespace and f"{namespace}/{name}" in table:
        return table[f"{namespace}/{name}"]
    return table.get(name)


def orb_of(config: Config, name: str, namespace: str | None) -> Reference | None:
    """The registry orb that `<alias>/<element>` comes from, if it is declared."""
    alias = name.partition("/")[0]
    if namespace and f"{namespace}/{alias}" in config.orbs:
        return config.orbs[f"{namespace}/{alias}"]
    return config.orbs.get(alias)


def orb_use(config: Config, orb: Reference, name: str, pos: Pos, job: str) -> Reference:
    """A use of an orb's job or command: the orb, with the element as written."""
    return Reference("orb", orb.name, orb.version, Text(name, config.span(pos)), job=job, dynamic=orb.dynamic)
