"""Which jobs deploy, to what, and why we think so (`JobRun.deploy`).

Evidence, strongest first: a deploy/publish command in a script, a deploy/publish action or orb,
a production-like GitHub environment, a deploy verb in the job's id or name. Names with
`release`/`publish` alone are not evidence (`release_build` running `mix release` builds), and
neither is `docker push` of a build image (an image in a registry runs nowhere until something
deploys it). Dry runs (`--dry-run`, `pulumi preview`, goreleaser `--snapshot`) are not evidence.

A target is non-production when its environment, contexts, job name or the deploy command's
arguments say so (`staging`, `preview`, `docs`, ...). Documentation sites (GitHub Pages and the
like) count as non-production by default: an approval before every docs publish is noise most
teams do not want; `deploy.non_production` in the configuration changes that.
Everything here is configurable through the `deploy` section of the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .model import Command, Deploy, JobRun, Project, Span, Step, Text

# (command words, what it is): a command deploys when its words start with these, options and
# their values allowed in between (`kubectl -n prod apply`, `aws --region x ecs update-service`).
DEPLOY_COMMANDS: list[tuple[tuple[str, ...], str]] = [
    (("flyctl", "deploy"), "flyctl deploy"),
    (("fly", "deploy"), "fly deploy"),
    (("kubectl", "apply"), "kubectl apply"),
    (("kubectl", "rollout", "restart"), "kubectl rollout restart"),
    (("kubectl", "set", "image"), "kubectl set image"),
    (("helm", "upgrade"), "helm upgrade"),
    (("helm", "install"), "helm install"),
    (("helm", "push"), "helm push"),
    (("helmfile", "apply"), "helmfile apply"),
    (("helmfile", "sync"), "helmfile sync"),
    (("pulumi", "up"), "pulumi up"),
    (("terraform", "apply"), "terraform apply"),
    (("tofu", "apply"), "tofu apply"),
    (("aws", "ecs", "update-service"), "aws ecs update-service"),
    (("aws", "lambda", "update-function-code"), "aws lambda update-function-code"),
    (("aws", "cloudformation", "deploy"), "aws cloudformation deploy"),
    (("aws", "deploy", "create-deployment"), "aws deploy create-deployment"),
    (("sam", "deploy"), "sam deploy"),
    (("gcloud", "run", "deploy"), "gcloud run deploy"),
    (("gcloud", "app", "deploy"), "gcloud app deploy"),
    (("gcloud", "functions", "deploy"), "gcloud functions deploy"),
    (("az", "webapp", "deploy"), "az webapp deploy"),
    (("cap", "deploy"), "cap deploy"),
    (("cap", "production", "deploy"), "cap production deploy"),
    (("kamal", "deploy"), "kamal deploy"),
    (("docker", "stack", "deploy"), "docker stack deploy"),
    (("argocd", "app", "sync"), "argocd app sync"),
    (("git", "push", "heroku"), "git push heroku"),
    (("git", "push", "dokku"), "git push dokku"),
    (("heroku", "container:release"), "heroku container:release"),
    (("npm", "publish"), "npm publish"),
    (("yarn", "publish"), "yarn publish"),
    (("yarn", "npm", "publish"), "yarn npm publish"),
    (("pnpm", "publish"), "pnpm publish"),
    (("twine", "upload"), "twine upload"),
    (("poetry", "publish"), "poetry publish"),
    (("uv", "publish"), "uv publish"),
    (("flit", "publish"), "flit publish"),
    (("hatch", "publish"), "hatch publish"),
    (("cargo", "publish"), "cargo publish"),
    (("mix", "hex.publish"), "mix hex.publish"),
    (("gem", "push"), "gem push"),
    (("gh", "release", "create"), "gh release create"),
    (("goreleaser", "release"), "goreleaser release"),
    (("semantic-release",), "semantic-release"),
    (("serverless", "deploy"), "serverless deploy"),
    (("sls", "deploy"), "sls deploy"),
    (("firebase", "deploy"), "firebase deploy"),
    (("netlify", "deploy"), "netlify deploy"),
    (("vercel", "deploy"), "vercel deploy"),
    (("vercel", "--prod"), "vercel --prod"),
    (("cdk", "deploy"), "cdk deploy"),
    (("eb", "deploy"), "eb deploy"),
    (("wrangler", "deploy"), "wrangler deploy"),
    (("wrangler", "publish"), "wrangler publish"),
    (("dagger", "call", "deploy"), "dagger call deploy"),
]

# Words that run the next command (`npx vercel deploy`, `bundle exec cap production deploy`).
_WRAPPERS: dict[str, int] = {"npx": 1, "bunx": 1, "pnpx": 1, "env": 1, "bundle": 2, "poetry": 2,
                             "pipenv": 2, "pdm": 2, "hatch": 2}
_WRAPPER_SECOND = {"bundle": "exec", "poetry": "run", "pipenv": "run", "pdm": "run", "hatch": "run"}
_DRY_RUN_NAME = re.compile(r"dry[-_ ]?run", re.I)  # `deploy` invoked as `dry-run` rehearses
_DRY_RUN = re.compile(r"^--(dry-run|dryrun|snapshot)(=.*)?$|^--skip=publish$")

# Actions (or orbs), matched on owner/repo (or orb namespace/name) prefixes, with the input
# that must be set for the use to deploy (None: any use deploys).
DEPLOY_ACTIONS: list[tuple[str, tuple[str, re.Pattern[str]] | None]] = [
    ("superfly/flyctl-actions", ("args", re.compile(r"\bdeploy\b"))),
    ("pypa/gh-action-pypi-publish", None),
    ("softprops/action-gh-release", None),
    ("actions/create-release", None),
    ("ncipollo/release-action", None),
    ("svenstaro/upload-release-action", None),
    ("goreleaser/goreleaser-action", ("args", re.compile(r"^(?!.*--(snapshot|skip=publish)).*\brelease\b"))),
    ("pulumi/actions", ("command", re.compile(r"^\s*up\s*$"))),
    ("js-devtools/npm-publish", None),
    ("rubygems/release-gem", None),
    ("aws-actions/amazon-ecs-deploy-task-definition", None),
    ("aws-actions/aws-cloudformation-github-deploy", None),
    ("google-github-actions/deploy-cloudrun", None),
    ("google-github-actions/deploy-appengine", None),
    ("google-github-actions/deploy-cloud-functions", None),
    ("azure/webapps-deploy", None),
    ("azure/functions-action", None),
    ("azure/k8s-deploy", None),
    ("azure/static-web-apps-deploy", None),
    ("cloudflare/wrangler-action", None),
    ("cloudflare/pages-action", None),
    ("amondnet/vercel-action", None),
    ("nwtgck/actions-netlify", None),
    ("akhileshns/heroku-deploy", None),
    ("dokku/github-action", None),
    ("actions/deploy-pages", None),
    ("peaceiris/actions-gh-pages", None),
    ("jamesives/github-pages-deploy-action", None),
]
# Deploys that publish a documentation site: the target is "pages" (see the module doc).
PAGES_ACTIONS = ("actions/deploy-pages", "peaceiris/actions-gh-pages", "jamesives/github-pages-deploy-action")

# Orb jobs and commands (`<orb>/<element>`) that deploy or publish, by the element's name:
# orbs name them for what they do (`aws-ecs/deploy-service-update`, `helm/upgrade-helm-chart`).
ORB_ELEMENTS = re.compile(
    r"(^|[-_])(deploy|rollout|promote|publish)([-_]|$)|update-service|(upgrade|install)-helm-chart", re.I
)
# Orbs whose `publish` pushes a container image: a build artifact, like `docker push`.
IMAGE_ORBS = re.compile(r"docker|ecr|gcr|acr|buildx|kaniko", re.I)

DEFAULT_VERBS = ["deploy", "promote", "rollout"]
DEFAULT_NON_PRODUCTION = (
    r"stag(e|ing)|dev|develop|development|tests?|testing|testenvs?|qa|previews?|review(-?apps?)?|sandbox"
    r"|pr-\d+|e2e|integration|acceptance|docs?|documentation|pages|storybook"
)
# What a workflow's name may say about its deploys' target. Narrower than the above: a workflow
# named "Build, test and deploy" deploys to production, one named "Deploy docs preview" does not.
WORKFLOW_TARGETS = re.compile(
    r"(^|[^a-z])(previews?|docs?|documentation|storybook|staging|sandbox)([^a-z]|$)", re.I
)
# Steps that start a throwaway cluster: `kubectl apply`/`helm install` after them test a chart.
LOCAL_CLUSTER_ACTIONS = (
    "helm/kind-action", "medyagh/setup-minikube", "absaoss/k3d-action", "nolar/setup-k3d-k3s",
    "engineerd/setup-kind", "container-tools/kind-action",
)
LOCAL_CLUSTER_NAMES = re.compile(r"(^|[-_/.])(kind|k3d|k3s|minikube)([-_/.]|$)", re.I)  # local actions
LOCAL_CLUSTER_COMMANDS = (("kind", "create"), ("minikube", "start"), ("k3d", "cluster"), ("ctlptl", "create"))
PRODUCTION_ENVIRONMENT = re.compile(r"(^|[^a-z])(prod|production|live)([^a-z]|$)", re.I)


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
        self._by_steps: dict[int, tuple[list[Step], list[tuple[str, Span]], list[str]]] = {}

    def recognise(self, job: JobRun, workflow_name: str = "") -> Deploy | None:
        if job.kind in ("approval", "noop") or _DRY_RUN_NAME.search(job.name):
            return None
        evidence, hints = self._steps_evidence(job.steps)  # hints: what it says about the target
        if job.uses is not None and job.kind == "orb" and ORB_ELEMENTS.search(_element(job.uses.text.value)) \
                and not IMAGE_ORBS.search(job.uses.name):
            evidence.append((f"orb job `{job.uses.text.value}`", job.span))
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
        if named:
            hints.append(named.group(2))
        target = self._target(job, hints)
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

    def _steps_evidence(self, steps: list[Step]) -> tuple[list[tuple[str, Span]], list[str]]:
        """The evidence of these steps and the hints it gives, as new lists (the caller adds to them)."""
        cached = self._by_steps.get(id(steps))
        if cached is None or cached[0] is not steps:
            evidence: list[tuple[str, Span]] = []
            hints: list[str] = []
            for step in steps:
                for what, span, args in self._step_evidence(step):
                    evidence.append((what, span))
                    hints.extend(args)
            cached = self._by_steps[id(steps)] = (steps, evidence, hints)
        return list(cached[1]), list(cached[2])

    def _step_evidence(self, step: Step) -> list[tuple[str, Span, list[str]]]:
        found: list[tuple[str, Span, list[str]]] = []
        for command in step.commands:
            what = self._command(command)
            if what is not None:
                found.append((f"`{what}`", command.span, _hint_words(command.argv[1:])))
        if step.uses is not None and step.uses.kind == "orb":
            if ORB_ELEMENTS.search(_element(step.uses.text.value)) and not IMAGE_ORBS.search(step.uses.name):
                found.append((f"orb command `{step.uses.text.value}`", step.uses.text.span, []))
        elif step.uses is not None:
            name = self._action(step.uses.name, step.inputs)
            if name is not None:
                hints = _hint_words(list(_lowered(step.inputs).values())) + (["pages"] if name in PAGES_ACTIONS else [])
                found.append((f"`{step.uses.name}`", step.uses.text.span, hints))
        return found

    def _command(self, command: Command) -> str | None:
        """What `command` deploys as (its table entry), or None; programs compare by file name."""
        argv = _unwrap(command.argv)
        if not argv:
            return None
        entries = self.by_program.get(argv[0].rsplit("/", 1)[-1])
        if not entries or any(_DRY_RUN.match(word) for word in argv):
            return None
        for prefix, what in entries:
            if _follows(argv[1:], prefix[1:]):
                return what
        return None

    def _action(self, name: str, inputs: Mapping[str, Text]) -> str | None:
        """The table entry a use of `name` with these inputs deploys as, or None."""
        lowered = name.lower()
        if lowered.rsplit("/", 1)[-1].startswith("setup"):
            return None  # `superfly/flyctl-actions/setup-flyctl` installs the tool, nothing more
        for wanted, needs in self.actions_by_owner.get(lowered.split("/", 1)[0], ()):
            if lowered != wanted and not lowered.startswith(wanted + "/"):
                continue
            if needs is None or needs[1].search(_lowered(inputs).get(needs[0], "")):
                return wanted
        return None

    def _target(self, job: JobRun, hints: list[str]) -> str | None:
        """A non-production name when anything about the job says so, else None (production).
        A production-named environment settles it: `deploy-prod` in environment `production`
        with `--config fly.test.toml` somewhere still deploys to production."""
        if job.environment is not None and PRODUCTION_ENVIRONMENT.search(job.environment.value):
            return None
        candidates = [job.environment.value] if job.environment is not None else []
        candidates.extend(c.value for c in job.contexts)
        candidates.extend([job.name, job.job_id])
        candidates.extend(hints)
        for candidate in candidates:
            match = self.non_production.search(candidate)
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


_NOT_A_TARGET = re.compile(r"\.(md|rst|txt|adoc)$|changelog|readme", re.I)


def _hint_words(words: list[str]) -> list[str]:
    """Arguments that may name a target: not notes files (`--notes-file docs/CHANGES.md`)."""
    return [w for w in words if not _NOT_A_TARGET.search(w)]


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
