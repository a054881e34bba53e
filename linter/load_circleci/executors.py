"""Executors and images: where a job runs, and the environment it is given.

* `executor: name` or `executor: {name, <parameters>}` (also through an `executor`-typed parameter)
  resolves to the executor's body, with its parameters bound (`resolve_executor`); an orb's executor
  is opaque;
* `docker` (a list of images; the first is the primary one, whose `environment` the steps see) and
  `machine.image` become `Image`s, with the credentials of `auth`, `aws_auth` and `gcp_auth`;
* `resource_class` is where the job runs (`JobRun.runs_on`);
* `environment` maps of executors, jobs, images and steps become `EnvVar`s (`environment`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..loadutil import env_map, scalar_str
from ..model import EnvLevel, EnvVar, Image, ImageKind, Text
from ..yamlsrc import YMap, YSeq
from .context import Config, Scope
from .orbs import find_definition, orb_of
from .parameters import bind, subst, subst_text, text_at, whole_arg
from .values import is_reference, is_scalar, is_set

# Image credentials: `auth{username,password}`, `aws_auth{aws_access_key_id, ...}`, `gcp_auth`.
AUTH_KEYS = ("auth", "aws_auth", "gcp_auth")
# A `<< x >>` a value is written with (a parameter, matrix value or pipeline value): its name.
_PLACEHOLDER = re.compile(r"<<\s*([\w.-]+)\s*>>")


@dataclass
class Exec:
    """A resolved executor: its body and the parameters it was invoked with."""

    body: YMap
    scope: Scope


def resolve_executor(config: Config, body: YMap, scope: Scope, job: str) -> Exec | None:
    value, pos = body["executor"], body.pos_of("executor")
    passed = whole_arg(config, value, scope)
    if passed is not None and isinstance(passed.value, YMap):  # an `executor`-typed parameter
        value, scope = passed.value, passed.scope or scope
    given = value if isinstance(value, YMap) else None
    raw = value.get("name") if isinstance(value, YMap) else value
    if raw is None or not is_scalar(raw):
        config.parse_error("`executor` is a name or `{name: ..., <parameters>}`", pos, job)
        return None
    name = text_at(config, raw, pos, scope)[0].value
    edef = find_definition(config.executors, name, scope.namespace)
    if edef is None:
        if "/" not in name or orb_of(config, name, scope.namespace) is None:
            config.invalid(f"undefined executor '{name}'", pos, job)
        return None  # orb executors are opaque
    if "executor" in edef.body:
        _nested_executor(config, edef.name, edef.body, scope, job)
    args = bind(config, edef.body.get("parameters"), given, scope, edef.namespace)
    return Exec(edef.body, Scope(params=args, origin=f"executor:{edef.name}", namespace=edef.namespace))


def _nested_executor(config: Config, name: str, body: YMap, scope: Scope, job: str) -> None:
    """An executor definition takes `docker`, `machine`, `macos` or `windows` (and `shell`,
    `working_directory`, `environment`, `resource_class`, `parameters`), never `executor`: one that
    names another executor is reported, with the chain it starts and whether it closes a cycle
    (each definition is visited once, so a chain costs its length)."""
    chain, body_now = [name], body
    while isinstance(body_now, YMap) and "executor" in body_now:
        value = body_now["executor"]
        raw = value.get("name") if isinstance(value, YMap) else value
        if raw is None or not is_scalar(raw):
            break
        following = find_definition(config.executors, scalar_str(raw), scope.namespace)
        if following is None:
            chain.append(scalar_str(raw))
            break
        if following.name in chain:
            chain.append(following.name)
            config.invalid(f"executors name each other in a cycle: {' -> '.join(chain)}; an executor definition "
                           "cannot name an executor (it takes docker, machine, macos or windows)",
                           body.key_pos_of("executor"), job)
            return
        chain.append(following.name)
        body_now = following.body
    config.parse_error(f"executor `{name}` names an executor (`executor: {chain[1] if len(chain) > 1 else '?'}`), "
                       "which an executor definition does not take (docker, machine, macos or windows): "
                       "cilint does not follow it", body.key_pos_of("executor"), job)


def resource_class(config: Config, body: YMap, scope: Scope) -> list[Text]:
    value = body.get("resource_class")
    return [text_at(config, value, body.pos_of("resource_class"), scope)[0]] if is_set(value) else []


def environment(config: Config, body: YMap, level: EnvLevel, scope: Scope, job: str | None = None) -> dict[str, EnvVar]:
    """The `environment` of an executor, job, image or step, substituted in `scope`."""
    value = body.get("environment")
    if value is None:  # (most steps and images: no environment of their own)
        return {}
    if isinstance(value, str) and "=" in value:  # `environment: KEY=value`, accepted by CircleCI
        single = YSeq(body.pos_of("environment"))
        single.append(value)
        single.item_pos.append(single.pos)
        value = single
    elif value is not None and not isinstance(value, (YMap, YSeq)):
        config.parse_error("`environment` must be a mapping", body.pos_of("environment"), job)
    out: dict[str, EnvVar] = {}
    for name, var in env_map(config.src, value, level, is_reference).items():
        text = subst_text(config, var.value, scope)[0]
        key = subst(config, name, scope)[0]
        out[key] = EnvVar(key, text, is_reference(text.value), level)
    return out


def images_of(config: Config, body: YMap, scope: Scope, job: str) -> tuple[list[Image], dict[str, EnvVar]]:
    """The images of a job or executor, and the primary image's environment."""
    images: list[Image] = []
    env: dict[str, EnvVar] = {}
    docker = body.get("docker")
    if isinstance(docker, YSeq):
        for index, item in enumerate(docker):
            if not isinstance(item, YMap) or not is_set(item.get("image")):
                config.parse_error("each `docker` entry needs an `image`", docker.pos_of(index), job)
                continue
            images.append(image(config, item, "docker", scope))
            if index == 0:
                env = environment(config, item, "image", scope, job)
    elif docker is not None and whole_arg(config, docker, scope) is None:
        config.parse_error("`docker` must be a list of images", body.pos_of("docker"), job)
    machine = body.get("machine")
    if isinstance(machine, YMap) and is_set(machine.get("image")):
        images.append(image(config, machine, "machine", scope))
    return images, env


def image(config: Config, item: YMap, kind: ImageKind, scope: Scope) -> Image:
    raw = item["image"]
    text, via = text_at(config, raw, item.pos_of("image"), scope)
    auth: dict[str, Text] = {}
    for key in AUTH_KEYS:
        creds = item.get(key)
        if isinstance(creds, YMap):
            for name, value in creds.items():
                if is_scalar(value):
                    auth[name] = text_at(config, value, creds.pos_of(name), scope)[0]
    written = scalar_str(raw)
    return Image(ref=text.value, span=text.span, kind=kind, written=written,
                 resolved=not is_reference(text.value), via=via, auth=auth,
                 supplied_by=list(dict.fromkeys(_PLACEHOLDER.findall(written))))
