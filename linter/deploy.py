"""Which jobs deploy, to what, and why we think so (`JobRun.deploy`).

Evidence, strongest first: a deploy/publish command in a script, a deploy/publish action or orb
command, a production-like GitHub environment, a deploy verb in the job's id or name. Names with
`release`/`publish` alone are not evidence (`release_build` running `mix release` builds), and
neither is `docker push` of a build image. A target is non-production when its environment,
contexts, job name or deploy command's arguments say so (`staging`, `preview`, ...).
Everything here is configurable through the `deploy` section of the configuration.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .model import Deploy, JobRun, Project, Span, Step

# (command words, what it is): a command deploys when its argv starts with these words
# (after the program's own options are skipped for `--app x` style tools).
DEPLOY_COMMANDS: list[tuple[tuple[str, ...], str]] = [
    (("flyctl", "deploy"), "flyctl deploy"),
    (("fly", "deploy"), "fly deploy"),
    (("kubectl", "apply"), "kubectl apply"),
    (("kubectl", "rollout"), "kubectl rollout"),
    (("kubectl", "set", "image"), "kubectl set image"),
    (("helm", "upgrade"), "helm upgrade"),
    (("helm", "install"), "helm install"),
    (("helm", "push"), "helm push"),
    (("pulumi", "up"), "pulumi up"),
    (("terraform", "apply"), "terraform apply"),
    (("aws", "ecs", "update-service"), "aws ecs update-service"),
    (("aws", "lambda", "update-function-code"), "aws lambda update-function-code"),
    (("gcloud", "run", "deploy"), "gcloud run deploy"),
    (("gcloud", "app", "deploy"), "gcloud app deploy"),
    (("gcloud", "functions", "deploy"), "gcloud functions deploy"),
    (("cap", "deploy"), "cap deploy"),
    (("cap", "production", "deploy"), "cap production deploy"),
    (("npm", "publish"), "npm publish"),
    (("yarn", "publish"), "yarn publish"),
    (("pnpm", "publish"), "pnpm publish"),
    (("twine", "upload"), "twine upload"),
    (("poetry", "publish"), "poetry publish"),
    (("uv", "publish"), "uv publish"),
    (("cargo", "publish"), "cargo publish"),
    (("mix", "hex.publish"), "mix hex.publish"),
    (("gem", "push"), "gem push"),
    (("gh", "release", "create"), "gh release create"),
    (("serverless", "deploy"), "serverless deploy"),
    (("sls", "deploy"), "sls deploy"),
    (("firebase", "deploy"), "firebase deploy"),
    (("netlify", "deploy"), "netlify deploy"),
    (("vercel", "deploy"), "vercel deploy"),
    (("cdk", "deploy"), "cdk deploy"),
    (("eb", "deploy"), "eb deploy"),
    (("az", "webapp", "deploy"), "az webapp deploy"),
    (("wrangler", "deploy"), "wrangler deploy"),
    (("dagger", "call", "deploy"), "dagger call deploy"),
]

# Action (or orb) names, matched on owner/repo (or orb namespace/name) prefixes.
DEPLOY_ACTIONS: list[str] = [
    "superfly/flyctl-actions",
    "pypa/gh-action-pypi-publish",
    "softprops/action-gh-release",
    "actions/create-release",
    "ncipollo/release-action",
    "aws-actions/amazon-ecs-deploy-task-definition",
    "google-github-actions/deploy-cloudrun",
    "google-github-actions/deploy-appengine",
    "azure/webapps-deploy",
    "azure/k8s-deploy",
    "cloudflare/wrangler-action",
    "amondnet/vercel-action",
    "nwtgck/actions-netlify",
    "akhileshns/heroku-deploy",
    "actions/deploy-pages",
]

DEFAULT_VERBS = ["deploy", "promote", "rollout"]
DEFAULT_NON_PRODUCTION = r"stag(e|ing)|dev|develop|development|test|testing|qa|preview|review|sandbox|pr-\d+"
PRODUCTION_ENVIRONMENT = re.compile(r"(^|[^a-z])(prod|production|live)([^a-z]|$)", re.I)


class DeployRecogniser:
    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        settings = settings or {}
        verbs = [str(v) for v in settings.get("verbs", DEFAULT_VERBS)]
        self.verbs = re.compile(r"(^|[^a-z])(" + "|".join(map(re.escape, verbs)) + r")", re.I) if verbs else None
        pattern = str(settings.get("non_production", DEFAULT_NON_PRODUCTION))
        self.non_production = re.compile(r"(^|[^a-z0-9])(" + pattern + r")([^a-z]|$)", re.I)
        self.commands = list(DEPLOY_COMMANDS) + [
            (tuple(str(c).split()), str(c)) for c in settings.get("commands", [])
        ]
        self.actions = list(DEPLOY_ACTIONS) + [str(a) for a in settings.get("actions", [])]

    def recognise(self, job: JobRun) -> Deploy | None:
        if job.kind in ("approval", "noop"):
            return None
        evidence: list[tuple[str, Span]] = []
        arguments: list[str] = []
        for step in job.steps:
            for what, args in self._step_evidence(step):
                evidence.append((what, step.span if not args else args[0]))
                arguments.extend(str(a) for a in args[1:])
        if job.uses is not None and job.kind == "orb" and self._is_deploy_action(job.uses.name):
            evidence.append((f"orb job `{job.uses.name}`", job.span))
        if job.environment is not None and PRODUCTION_ENVIRONMENT.search(job.environment.value):
            evidence.append((f"environment `{job.environment.value}`", job.environment.span))
        if self.verbs is not None:
            for label in dict.fromkeys((job.job_id, job.name)):
                if self.verbs.search(label.replace("_", "-")):
                    evidence.append((f"job name `{label}`", job.span))
                    break
        if not evidence:
            return None
        target = self._target(job, arguments)
        return Deploy(evidence, target or "production", target is None)

    def _step_evidence(self, step: Step) -> list[tuple[str, list[Any]]]:
        found: list[tuple[str, list[Any]]] = []
        for command in step.commands:
            words = [w for w in command.argv if not w.startswith("-")]
            for prefix, what in self.commands:
                if tuple(words[: len(prefix)]) == prefix:
                    found.append((f"`{what}`", [command.span, *command.argv[1:]]))
                    break
        if step.uses is not None and self._is_deploy_action(step.uses.name):
            found.append((f"`{step.uses.name}`", [step.span, *(v.value for v in step.inputs.values())]))
        return found

    def _is_deploy_action(self, name: str) -> bool:
        lowered = name.lower()
        return any(lowered == a.lower() or lowered.startswith(a.lower() + "/") for a in self.actions)

    def _target(self, job: JobRun, arguments: list[str]) -> str | None:
        """A non-production name when anything about the job says so, else None (production)."""
        candidates = []
        if job.environment is not None:
            candidates.append(job.environment.value)
        candidates.extend(c.value for c in job.contexts)
        candidates.extend([job.name, job.job_id])
        candidates.extend(arguments)
        if job.environment is not None and PRODUCTION_ENVIRONMENT.search(job.environment.value):
            return None
        for candidate in candidates:
            match = self.non_production.search(candidate)
            if match:
                return match.group(2).lower()
        return None


def annotate_deploys(project: Project, settings: Mapping[str, Any] | None = None) -> None:
    recogniser = DeployRecogniser(settings)
    for workflow in project.workflows():
        for job in workflow.jobs():
            job.deploy = recogniser.recognise(job)
