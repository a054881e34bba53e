"""Load a CircleCI config (`.circleci/config.yml`) into the platform-neutral model.

What CircleCI means is decided here, once, so that rules never read CircleCI YAML:

* every workflow becomes a DAG of job runs, one per invocation and matrix leg, named as CircleCI
  names them (the check names `ci/circleci: <job>` follow from those names);
* job parameters, `<< parameters.x >>`, `<< pipeline.parameters.x >>` (defaults) and `<< matrix.x >>`
  are substituted per invocation, lazily, on the strings we read; a substituted value keeps the span
  where it is written, and images list the parameter values they came through (`Image.via`);
* reusable commands (and `steps` parameters) are inlined, executors resolved, orbs kept opaque as
  references;
* filters, schedules and workflow `when`/`unless` are turned into the triggers that reach each job.

Anchors and `<<` merge keys are resolved by `yamlsrc` already. Malformed shapes are reported as
problems (`parse-error`, `invalid-reference`) and skipped: nothing here may raise on user input.

Where things are:

| module          | what CircleCI concept it understands                                              |
|-----------------|-----------------------------------------------------------------------------------|
| `core`          | the driver: `version`, then parameters, orbs, definitions, workflows              |
| `context`       | `Config`: the state shared while one config loads; problems reported once         |
| `parameters`    | pipeline/job/command/executor parameters, matrix values, `<< >>` substitution     |
| `orbs`          | registry and inline orbs; the tables of jobs, commands and executors              |
| `workflows`     | workflows as DAGs: job entries, matrix expansion, names, `requires`, cycles       |
| `filters`       | `filters`, `when`/`unless`, schedules: which pushes, PRs and tags reach a job     |
| `jobs`          | one workflow entry leg as a `JobRun`: kind, parameters, executor, env, steps      |
| `executors`     | executors, `docker`/`machine` images and their credentials, `environment` maps    |
| `steps`         | built-in steps, reusable commands inlined, `steps` parameters spliced             |
| `secrets`       | variables a job reads that it does not set (`JobRun.secrets`)                     |
| `values`        | small tests on YAML values (scalar, set, reference)                               |
| `branch_filters`| branch filters (names, `/regex/`) as the neutral patterns of `Trigger.admits`     |
| `cache_keys`    | `save_cache`/`restore_cache` keys (`{{ checksum }}`, `{{ .Branch }}`) and paths   |
| `env_file`      | `$BASH_ENV`: what a step exports to the later steps of its job                    |
| `injection`     | `<< pipeline.* >>` values a contributor writes, pasted into `run` commands        |
"""

from __future__ import annotations

from .core import VERSIONS, load_circleci
from .executors import AUTH_KEYS
from .filters import DEFAULT_BRANCHES, MATCH_ALL, MAX_CONDITION_DEPTH
from .forks import fork_secrets
from .jobs import ENTRY_KEYS, JOB_KINDS
from .secrets import BUILTIN_PREFIXES, BUILTIN_VARS
from .steps import MAX_COMMAND_DEPTH, MAX_JOB_STEPS, SIMPLE_STEPS, STEP_HANDLERS
from .workflows import IMPLICIT_JOB, IMPLICIT_WORKFLOW, MAX_MATRIX_LEGS

__all__ = [
    "AUTH_KEYS",
    "BUILTIN_PREFIXES",
    "BUILTIN_VARS",
    "DEFAULT_BRANCHES",
    "ENTRY_KEYS",
    "IMPLICIT_JOB",
    "IMPLICIT_WORKFLOW",
    "JOB_KINDS",
    "MATCH_ALL",
    "MAX_COMMAND_DEPTH",
    "MAX_CONDITION_DEPTH",
    "MAX_JOB_STEPS",
    "MAX_MATRIX_LEGS",
    "SIMPLE_STEPS",
    "STEP_HANDLERS",
    "VERSIONS",
    "fork_secrets",
    "load_circleci",
]
