"""Which jobs deploy, to what, and why we think so (`JobRun.deploy`).

Evidence, strongest first: a deploy/publish command in a script, a deploy/publish action or orb,
a production-like GitHub environment, a deploy verb in the job's id or name. Names with
`release`/`publish` alone are not evidence (`release_build` running `mix release` builds), and
neither is `docker push` of a build image (an image in a registry runs nowhere until something
deploys it). Dry runs (`--dry-run`, `pulumi preview`, goreleaser `--snapshot`) are not evidence.

A target is non-production when its environment, job name or what the deploy command or action
deploys to (its arguments, or the action inputs that name a target) say so (`staging`,
`preview`, `docs`, ...); not contexts (credentials, named for teams and tools: `gcp-dev-tools`),
notes files (`--notes-file /dev/null`) or release bodies. A draft release publishes nothing.
Documentation sites (GitHub Pages, `mkdocs gh-deploy` and the like) count as non-production by
default: an approval before every docs publish is noise most teams do not want;
`deploy.non_production` in the configuration changes that.
Everything here is configurable through the `deploy` section of the configuration. The commands,
actions, orbs and words are the tables of `deploy_table`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from . import deploy_table as table
from .lazyre import lazy
from .model import Command, Deploy, JobRun, Project, Span, Step, Text


def _alternatives(words: tuple[str, ...]) -> str:
    """`a|b|c`, each word literal."""
    return "|".join(map(re.escape, words))

# The tables (`deploy_table`) in the forms the recogniser compares with.
# (command words, what it is); `what` as the table writes it.
DEPLOY_COMMANDS: list[tuple[tuple[str, ...], str]] = [(tuple(c.split()), c) for c in table.DEPLOY_COMMANDS]
# Runner -> how many words it and its subcommand take (`npx` 1, `bundle exec` 2).
_WRAPPERS: dict[str, int] = {runner: 1 if sub is None else 2 for runner, sub in table.COMMAND_RUNNERS.items()}
_WRAPPER_SECOND = {runner: sub for runner, sub in table.COMMAND_RUNNERS.items() if sub is not None}
_DRY_RUN_NAME = table.DRY_RUN_JOB_NAME
_DRY_RUN = lazy(f"^({_alternatives(table.DRY_RUN_OPTIONS)})(=.*)?$"
                      f"|^({_alternatives(table.DRY_RUN_EXACT_OPTIONS)})$")
DEPLOY_ACTIONS: list[tuple[str, tuple[str, re.Pattern[str]] | None]] = list(table.DEPLOY_ACTIONS)
PAGES_ACTIONS = table.PAGES_ACTIONS
PAGES_COMMANDS = table.PAGES_COMMANDS
DRAFT_INPUTS = table.DRAFT_INPUTS
TARGET_INPUTS = table.TARGET_INPUTS
ORB_ELEMENTS = lazy(
    rf"(^|[-_])({'|'.join(table.ORB_ELEMENT_WORDS)})([-_]|$)|{_alternatives(table.ORB_ELEMENT_PHRASES)}", re.I)
IMAGE_ORBS = lazy(_alternatives(table.IMAGE_ORB_WORDS), re.I)
DEFAULT_VERBS = list(table.DEFAULT_VERBS)
DEFAULT_NON_PRODUCTION = "|".join(table.NON_PRODUCTION_WORDS)
WORKFLOW_TARGETS = lazy(r"(^|[^a-z])(" + "|".join(table.WORKFLOW_TARGET_WORDS) + r")([^a-z]|$)", re.I)
LOCAL_CLUSTER_ACTIONS = table.LOCAL_CLUSTER_ACTIONS
LOCAL_CLUSTER_NAMES = lazy(r"(^|[-_/.])(" + "|".join(table.LOCAL_CLUSTER_WORDS) + r")([-_/.]|$)", re.I)
LOCAL_CLUSTER_COMMANDS = table.LOCAL_CLUSTER_COMMANDS
PRODUCTION_ENVIRONMENT = lazy(r"(^|[^a-z])(" + "|".join(table.PRODUCTION_WORDS) + r")([^a-z]|$)", re.I)


class DeployRecogniser:
    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        settings = settings or {}
        verbs = [str(v) for v in settings.get("verbs", DEFAULT_VERBS)]
        # A verb starts a word and ends it, or goes on as its own inflection (`deploying`), but
        # not as a noun: `deployment: CDN` monitors deployments, `Update Deployment Status` reports.
        alternatives = "|".join(map(re.escape, verbs))
        verb = rf"(^|[^a-z])({alternatives})(s|ed|ing|er)?([^a-z]|$)"
        self.verbs = re.compile(verb, re.I) if verbs else None
        pattern = str(settings.get("non_production", DEFAULT_NON_PRODUCTION))
        self.non_production = re.compile(r"(^|[^a-z0-9])(" + pattern + r")([^a-z]|$)", re.I)
        self.commands = list(DEPLOY_COMMANDS) + [
            (_command_words(str(c)), str(c)) for c in settings.get("commands", [])
        ]
        # The table by program, in table order: each of the ~40,000 commands of a corpus run is
        # compared with the entries of its program only, not with all 57.
        self.by_program: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for prefix, what in self.commands:
            self.by_program.setdefault(prefix[0], []).append((prefix, what))
        self.actions = list(DEPLOY_ACTIONS) + [(str(a), None) for a in settings.get("actions", [])]
        # The actions by owner (lower case), in table order: a use is compared with its owner's only.
        self.actions_by_owner: dict[str, list[tuple[str, tuple[str, re.Pattern[str]] | None]]] = {}
        for action, needs in self.actions:
            wanted = action.lower()
            self.actions_by_owner.setdefault(wanted.split("/", 1)[0], []).append((wanted, needs))
        # Evidence by step list: the matrix legs of a GitHub job share one list of steps (see
        # `load_github._StepLog`), read once here. The list is kept with its evidence, so that
        # its id cannot be reused by another list while the recogniser lives.
        self._by_steps: dict[int, tuple[list[Step], list[tuple[str, Span]], list[list[str]]]] = {}

    def recognise(self, job: JobRun, workflow_name: str = "") -> Deploy | None:
        if job.kind in ("approval", "noop") or _DRY_RUN_NAME.search(job.name):
            return None
        # hints: what each deploying step (or the orb job) says about its target
        evidence, hints = self._steps_evidence(job.steps)
        if job.uses is not None and job.kind == "orb" and ORB_ELEMENTS.search(_element(job.uses.text.value)) \
                and not IMAGE_ORBS.search(job.uses.name):
            evidence.append((f"orb job `{job.uses.text.value}`", job.span))
            hints.append(_hint_words([str(v) for k, v in job.parameters.items()
                                      if k.lower() in TARGET_INPUTS and isinstance(v, (str, int))]))
        if job.environment is not None and PRODUCTION_ENVIRONMENT.search(job.environment.value):
            evidence.append((f"environment `{job.environment.value}`", job.environment.span))
        label = self._named_deploy(job)
        if label is not None:
            evidence.append((f"job name `{label}`", job.span))
        if not evidence:
            return None
        if _local_cluster(job):
            return Deploy(evidence, "local test cluster", False)
        named = WORKFLOW_TARGETS.search(_words(workflow_name))
        target = self._target(job, hints, named.group(2) if named else None)
        return Deploy(evidence, target or "production", target is None)

    def _named_deploy(self, job: JobRun) -> str | None:
        """The id or name with a deploy verb in it, if any."""
        # A local reusable-workflow caller is no deploy itself: the called jobs are in the graph.
        if self.verbs is None or (job.kind == "call" and job.uses is not None and job.uses.local):
            return None
        # A called job's name starts with its caller's (`CI for Deployment / test`): not its own.
        own = job.name.rsplit(" / ", 1)[-1] if job.caller is not None else job.name
        labels = dict.fromkeys((job.job_id, own))
        verbs = self.verbs
        return next((label for label in labels if verbs.search(_words(label))), None)

    def _steps_evidence(self, steps: list[Step]) -> tuple[list[tuple[str, Span]], list[list[str]]]:
        """The evidence of these steps and the hints each deploying step gives, as new lists (the
        caller adds to them)."""
        cached = self._by_steps.get(id(steps))
        if cached is None or cached[0] is not steps:
            evidence: list[tuple[str, Span]] = []
            hints: list[list[str]] = []
            for step in steps:
                found = self._step_evidence(step)
                if found:
                    evidence.extend((what, span) for what, span, _ in found)
                    hints.append([word for _, _, args in found for word in args])
            cached = self._by_steps[id(steps)] = (steps, evidence, hints)
        return list(cached[1]), list(cached[2])

    def _step_evidence(self, step: Step) -> list[tuple[str, Span, list[str]]]:
        found: list[tuple[str, Span, list[str]]] = []
        if step.deploy_step:  # CircleCI's `deploy` step: written as the job's deploy
            found.append(("`deploy` step", step.span, []))
        for command in step.commands:
            what = self._command(command)
            if what is not None:
                hints = [] if what in table.PROMOTE_COMMANDS else _command_hints(command.argv[1:])
                hints += ["pages"] if what in PAGES_COMMANDS else []
                found.append((f"`{what}`", command.span, hints))
        if step.uses is not None and step.uses.kind == "orb":
            if ORB_ELEMENTS.search(_element(step.uses.text.value)) and not IMAGE_ORBS.search(step.uses.name):
                targets = [v for k, v in _lowered(step.inputs).items() if k in TARGET_INPUTS]
                found.append((f"orb command `{step.uses.text.value}`", step.uses.text.span, _hint_words(targets)))
        elif step.uses is not None:
            name = self._action(step.uses.name, step.inputs)
            if name is not None:
                targets = [v for k, v in _lowered(step.inputs).items() if k in TARGET_INPUTS]
                hints = _hint_words(targets) + (["pages"] if name in PAGES_ACTIONS else [])
                found.append((f"`{step.uses.name}`", step.uses.text.span, hints))
        return found

    def _command(self, command: Command) -> str | None:
        """What `command` deploys as (its table entry), or None; programs compare by file name."""
        argv = _unwrap(command.argv)
        if not argv:
            return None
        entries = self.by_program.get(argv[0].rsplit("/", 1)[-1])
        if not entries:
            return None
        for prefix, what in entries:
            if _follows(argv[1:], prefix[1:]):
                # (a dry run deploys nothing: looked for only in a command the table names)
                if any(_DRY_RUN.match(word) for word in argv):
                    return None
                return what if _publishes(what, argv) else None
        return None

    def _action(self, name: str, inputs: Mapping[str, Text]) -> str | None:
        """The table entry a use of `name` with these inputs deploys as, or None."""
        lowered = name.lower()
        if lowered.rsplit("/", 1)[-1].startswith("setup"):
            return None  # `superfly/flyctl-actions/setup-flyctl` installs the tool, nothing more
        for wanted, needs in self.actions_by_owner.get(lowered.split("/", 1)[0], ()):
            if lowered != wanted and not lowered.startswith(wanted + "/"):
                continue
            lowered_inputs = _lowered(inputs)
            if wanted in DRAFT_INPUTS and lowered_inputs.get(DRAFT_INPUTS[wanted], "").strip().lower() == "true":
                return None  # a draft release publishes nothing
            if needs is None or needs[1].search(lowered_inputs.get(needs[0], "")):
                return wanted
        return None

    def _target(self, job: JobRun, hints: list[list[str]], workflow: str | None) -> str | None:
        """A non-production name when the job's target says so, else None (production): its
        environment, its name or id, and what its deploy commands and actions say they deploy to.
        A production-named environment settles it: `deploy-prod` in environment `production`
        with `--config fly.test.toml` somewhere still deploys to production. Contexts are not
        targets: they are sets of credentials named for teams and tools (`gcp-dev-tools`,
        `AWS__PHXDEVOPS__circle-ci-test`). A name that says production as well as something
        else (`dev-promote-prod` promotes a dev version to production) is production. The
        steps' targets decide only when every deploying step names a non-production one: a job
        that publishes to TestPyPI and then to PyPI deploys to production."""
        if job.environment is not None and PRODUCTION_ENVIRONMENT.search(job.environment.value):
            return None
        candidates = [job.environment.value] if job.environment is not None else []
        names = [job.name, job.job_id]
        if not any(PRODUCTION_ENVIRONMENT.search(_words(name)) for name in names):
            candidates.extend(names)
        candidates.extend([workflow] if workflow else [])
        for candidate in candidates:
            match = self.non_production.search(candidate)
            if match:
                return match.group(2).lower()
        targets = [self._named_target(words) for words in hints]
        if targets and all(targets):
            return targets[0]
        return None

    def _named_target(self, words: list[str]) -> str | None:
        """The first non-production target these words name, if any."""
        for word in words:
            match = self.non_production.search(word)
            if match:
                return match.group(2).lower()
        return None


# Between a lower-case letter or digit and a capital: a space goes there. A plain replacement
# string, not a template: every job's name and id pass through here.
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _words(name: str) -> str:
    """`DocumentationBuilder` -> `Documentation Builder`, `deploy_prod` -> `deploy prod`."""
    return _CAMEL_BOUNDARY.sub(" ", name).replace("_", " ")


def _lowered(inputs: Mapping[str, Text]) -> dict[str, str]:
    """Inputs by lower-case name: action inputs are case-insensitive. Made for the few uses of a
    deploy action only, not for every use."""
    return {k.lower(): v.value for k, v in inputs.items()}


def _local_cluster(job: JobRun) -> bool:
    for step in job.steps:
        if step.uses is not None and (step.uses.name.lower().startswith(LOCAL_CLUSTER_ACTIONS)
                                      or (step.uses.local and LOCAL_CLUSTER_NAMES.search(step.uses.name))):
            return True
        for command in step.commands:
            if tuple(_unwrap(command.argv)[:2]) in LOCAL_CLUSTER_COMMANDS:
                return True
    return False


def _element(written: str) -> str:
    """`aws-ecs/deploy-service-update` -> `deploy-service-update`."""
    return written.rsplit("/", 1)[-1]


def _publishes(what: str, argv: list[str]) -> bool:
    """A command the table takes for a publish publishes: not a draft (`gh release create
    --draft`), and with the option some commands need (`gh release edit --draft=false`)."""
    if any(word in table.DRAFT_OPTIONS.get(what, ()) for word in argv):
        return False
    needed = table.PUBLISH_ONLY_WITH.get(what)
    return needed is None or any(word in needed for word in argv)


def _command_hints(argv: list[str]) -> list[str]:
    """A deploy command's arguments that may name its target: not the values of options that
    take notes, titles or files (`--notes-file /dev/null`), nor notes files and machine paths."""
    words: list[str] = []
    skip = False
    for word in argv:
        if skip:
            skip = False
            continue
        option, equals, _ = word.partition("=")
        if table.NOT_A_TARGET_OPTION.match(option):
            skip = not equals
            continue
        words.append(word)
    return _hint_words(words)


def _hint_words(words: list[str]) -> list[str]:
    """Arguments that may name a target: not notes files (`--notes-file docs/CHANGES.md`)."""
    return [w for w in words if not table.NOT_A_TARGET.search(w)]


def _unwrap(argv: list[str]) -> list[str]:
    """`npx vercel deploy` -> `vercel deploy`; `bundle exec cap ...` -> `cap ...`."""
    for _ in range(3):
        if not argv:
            return argv
        first = argv[0].rsplit("/", 1)[-1]
        width = _WRAPPERS.get(first)
        if width is None or (width == 2 and (len(argv) < 2 or argv[1] != _WRAPPER_SECOND[first])):
            return argv
        rest = argv[width:]
        while rest and (rest[0].startswith("-") or (first == "env" and "=" in rest[0])):
            rest = rest[1:]  # wrapper options (`npx --yes`) and `env VAR=x`
        argv = rest
    return argv


def _follows(words: list[str], expected: tuple[str, ...]) -> bool:
    """`expected` comes next in `words`, options and the value right after an option skipped."""
    index = 0
    after_option = False
    for word in words:
        if index == len(expected):
            return True
        if word == expected[index]:
            index += 1
            after_option = False
        elif word.startswith("-"):
            after_option = "=" not in word
        elif after_option:
            after_option = False
        else:
            return False
    return index == len(expected)


def annotate_deploys(project: Project, settings: Mapping[str, Any] | None = None) -> None:
    recogniser = DeployRecogniser(settings)
    for workflow in project.workflows():
        for job in workflow.jobs():
            job.deploy = recogniser.recognise(job, workflow.name)


def _command_words(command: str) -> tuple[str, ...]:
    """A configured deploy command as the words it is matched on: the program by its file name
    (`./scripts/ship.sh` matches `scripts/ship.sh` and `ship.sh`), then its arguments."""
    words = command.split()
    if not words:
        return ("",)
    return (words[0].rsplit("/", 1)[-1], *words[1:])
