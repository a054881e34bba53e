"""The driver: one CircleCI config, from its `version` to the workflows of the pipeline.

Order matters: the literals of the whole file first, then the version check, the pipeline
parameters (`parameters`), the orbs and the definitions of jobs, commands and executors (`orbs`),
and last the workflows (`workflows`), whose job runs read all of those.
"""

from __future__ import annotations

from ..loadutil import Source, scalar_str, walk_literals
from ..model import Pipeline
from ..yamlsrc import YMap
from .branch_filters import translate_triggers
from .context import Config
from .orbs import declare_orbs, definitions
from .parameters import pipeline_parameters
from .values import is_reference, is_scalar
from .workflows import implicit_workflow, load_workflow

VERSIONS = frozenset({"2", "2.0", "2.1"})


def load_circleci(source: Source, root: YMap) -> Pipeline:
    """The pipeline of one CircleCI config; problems go to `source.problems`."""
    return translate_triggers(load(Config(source, root)))


def load(config: Config) -> Pipeline:
    root = config.root
    config.pipeline.literals = walk_literals(config.src, root, is_reference)
    if not version_ok(config):
        return config.pipeline
    pipeline_parameters(config)
    declare_orbs(config, root, None)
    definitions(config, root, None)
    workflows = root.get("workflows")
    if workflows is None:
        implicit_workflow(config)
    elif not isinstance(workflows, YMap):
        config.parse_error("`workflows` must be a mapping of workflow names", root.pos_of("workflows"))
    else:
        for name, body in workflows.items():
            if name != "version":  # `workflows.version: 2` of 2.0 configs
                load_workflow(config, name, body, workflows.key_pos_of(name), workflows.pos_of(name))
    return config.pipeline


def version_ok(config: Config) -> bool:
    root = config.root
    if "version" not in root:
        first = next(iter(root), None)
        pos = root.key_pos_of(first) if first is not None else root.pos
        config.parse_error("no `version`: a CircleCI config starts with `version: 2.1`", pos)
        return False
    value = root["version"]
    if not is_scalar(value) or scalar_str(value) not in VERSIONS:
        config.parse_error(
            f"unsupported CircleCI config version '{scalar_str(value) if is_scalar(value) else '...'}'"
            " (expected 2, 2.0 or 2.1)",
            root.pos_of("version"),
        )
        return False
    return True
