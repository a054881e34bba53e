"""What deploys: the commands, actions and orbs, and the words that name a target.

The data `deploy.py` recognises deploy jobs with (the logic is there). Every table is extended,
not replaced, by the `deploy` section of the configuration (`commands`, `actions`), except the
verbs and the non-production words, which it replaces.
"""

from __future__ import annotations

import re

from .lazyre import lazy

# Commands that deploy or publish, as their words: a command deploys when its words start with
# these, options and their values allowed in between (`kubectl -n prod apply`, `aws --region x ecs
# update-service`). Compared in this order within a program.
DEPLOY_COMMANDS: tuple[str, ...] = (
    "flyctl deploy",
    "fly deploy",
    "kubectl apply",
    "kubectl rollout restart",
    "kubectl set image",
    "helm upgrade",
    "helm install",
    "helm push",  # publishes a chart
    "helmfile apply",
    "helmfile sync",
    "pulumi up",
    "terraform apply",
    "tofu apply",
    "aws ecs update-service",
    "aws lambda update-function-code",
    "aws cloudformation deploy",
    "aws deploy create-deployment",
    "sam deploy",
    "gcloud run deploy",
    "gcloud app deploy",
    "gcloud functions deploy",
    "az webapp deploy",
    "cap deploy",
    "cap production deploy",  # Capistrano names the stage first
    "kamal deploy",
    "docker stack deploy",
    "argocd app sync",
    "git push heroku",  # a push to the platform's remote builds and releases
    "git push dokku",
    "heroku container:release",
    "npm publish",
    "yarn publish",
    "yarn npm publish",  # Yarn 2+
    "pnpm publish",
    "twine upload",
    "poetry publish",
    "uv publish",
    "flit publish",
    "hatch publish",
    "cargo publish",
    "mix hex.publish",
    "gem push",
    "gh release create",
    "goreleaser release",
    "semantic-release",  # publishes whatever its plugins publish
    "serverless deploy",
    "sls deploy",
    "firebase deploy",
    "netlify deploy",
    "vercel deploy",
    "vercel --prod",  # `vercel` alone deploys a preview
    "cdk deploy",
    "eb deploy",
    "wrangler deploy",
    "wrangler publish",  # Wrangler 1/2
    "dagger call deploy",
    "gh release edit",  # publishes a draft only with `--draft=false` (PUBLISH_ONLY_WITH)
    "mkdocs gh-deploy",  # a documentation site (PAGES_COMMANDS)
    "mike deploy",  # mkdocs versioned docs, pushed to the gh-pages branch
    # An orb version: `circleci orb publish promote ns/orb@dev:x patch` makes a production
    # (semantic) version of a development one; `circleci orb publish orb.yml ns/orb@dev:x`
    # publishes a development version (mutable, expires after 90 days: non-production by its
    # `dev` label). https://circleci.com/docs/orb-concepts/#orb-versions-development-vs-production-vs-inline
    "circleci orb publish promote",
    "circleci orb publish",
)
# Commands whose arguments name what they promote, not where to: `dev` in
# `circleci orb publish promote circleci/aws-ecr@dev:abc patch` is the source.
PROMOTE_COMMANDS: tuple[str, ...] = ("circleci orb publish promote",)
# Commands that publish only with one of these options: `gh release edit v1 --draft=false`
# publishes a draft release (https://cli.github.com/manual/gh_release_edit); other edits do not.
PUBLISH_ONLY_WITH: dict[str, tuple[str, ...]] = {
    "gh release edit": ("--draft=false",),
}
# Options that make a command publish nothing visible: a draft release is seen by the
# repository's writers only (https://cli.github.com/manual/gh_release_create: `-d, --draft`).
DRAFT_OPTIONS: dict[str, tuple[str, ...]] = {
    "gh release create": ("--draft", "-d", "--draft=true"),
}
# Commands that publish a documentation site: the target is "pages" (see PAGES_ACTIONS).
PAGES_COMMANDS: tuple[str, ...] = (
    "mkdocs gh-deploy",  # https://www.mkdocs.org/user-guide/deploying-your-docs/
    "mike deploy",  # https://github.com/jimporter/mike
)

# Words that run the command after them, with the subcommand that must come between (None: the
# next word is the command): `npx vercel deploy`, `bundle exec cap production deploy`.
COMMAND_RUNNERS: dict[str, str | None] = {
    "npx": None,
    "bunx": None,
    "pnpx": None,
    "env": None,  # `env VAR=x cmd`
    "bundle": "exec",
    "poetry": "run",
    "pipenv": "run",
    "pdm": "run",
    "hatch": "run",
}

# Options that make a deploy command a rehearsal: not evidence.
DRY_RUN_OPTIONS: tuple[str, ...] = (
    "--dry-run",  # also with a value: `--dry-run=client`
    "--dryrun",
    "--snapshot",  # goreleaser: builds, publishes nothing
)
DRY_RUN_EXACT_OPTIONS: tuple[str, ...] = ("--skip=publish",)  # goreleaser
DRY_RUN_JOB_NAME = re.compile(r"dry[-_ ]?run", re.I)  # a `deploy` job named `dry-run` rehearses

# Actions (or orbs), matched on owner/repo (or orb namespace/name) prefixes, with the input
# that must be set for the use to deploy (None: any use deploys).
DEPLOY_ACTIONS: tuple[tuple[str, tuple[str, re.Pattern[str]] | None], ...] = (
    ("superfly/flyctl-actions", ("args", lazy(r"\bdeploy\b"))),
    ("pypa/gh-action-pypi-publish", None),
    # Actions that publish through their inputs (each action's README):
    # changesets/action publishes only when its `publish` input names the script to run,
    # otherwise it opens a "Version Packages" pull request (https://github.com/changesets/action).
    ("changesets/action", ("publish", lazy(r"^\s*(?!(echo|true|:|exit)(\s|$))\S"))),  # not a no-op
    ("cycjimmy/semantic-release-action", None),  # runs semantic-release
    ("codfish/semantic-release-action", None),  # runs semantic-release
    ("actions-rs/cargo", ("command", lazy(r"^\s*publish\b"))),  # `command: publish`
    ("katyo/publish-crates", None),
    ("marvinpinto/action-automatic-releases", None),  # creates a GitHub release
    ("mikepenz/action-gh-release", None),  # a fork of softprops/action-gh-release
    ("softprops/action-gh-release", None),
    ("actions/create-release", None),
    ("ncipollo/release-action", None),
    ("svenstaro/upload-release-action", None),
    ("goreleaser/goreleaser-action", ("args", lazy(r"^(?!.*--(snapshot|skip=publish)).*\brelease\b"))),
    ("pulumi/actions", ("command", lazy(r"^\s*up\s*$"))),  # not `preview`
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
)
# Inputs that make a use of a release action publish nothing: `draft: true` makes a draft release
# (softprops/action-gh-release, ncipollo/release-action, actions/create-release: input `draft`).
DRAFT_INPUTS: dict[str, str] = {
    "softprops/action-gh-release": "draft",
    "mikepenz/action-gh-release": "draft",
    "ncipollo/release-action": "draft",
    "actions/create-release": "draft",
}
# The inputs of a deploy action that may name its target (a registry, app, project, stack,
# environment, bucket, site, or the command line of a CLI action): release notes, file lists,
# tokens and names of releases are not targets (`body: Nightly Development Release`).
TARGET_INPUTS: frozenset[str] = frozenset({
    "repository-url", "repository_url", "registry", "registry-url", "environment", "app", "app-name",
    "app_name", "appname", "heroku_app_name", "project", "project-name", "projectname", "stack",
    "stack-name", "bucket", "url", "alias", "site", "target", "args", "command", "cluster",
    "service", "namespace", "slot-name", "publish_dir", "publish-dir", "folder", "branch",
    "publish_branch", "working-directory", "workingdirectory", "path", "config",
    "orb-name", "orb_name",  # CircleCI orb-tools: the orb published (`sandbox/orb-tools`)
})
# Options of a deploy command whose value is not a target although a target word may be in it:
# notes, titles, messages and input files (`--notes-file /dev/null`, `--title "Dev build"`).
NOT_A_TARGET_OPTION = lazy(r"^--?([a-z-]*file[a-z-]*|notes?|title|body|message|m|description)$")

# Deploys that publish a documentation site: the target is "pages" (non-production by default:
# an approval before every docs publish is noise most teams do not want).
PAGES_ACTIONS: tuple[str, ...] = (
    "actions/deploy-pages",
    "peaceiris/actions-gh-pages",
    "jamesives/github-pages-deploy-action",
)

# Orb jobs and commands (`<orb>/<element>`) that deploy or publish, by the element's name: orbs
# name them for what they do (`aws-ecs/deploy-service-update`, `helm/upgrade-helm-chart`).
ORB_ELEMENT_WORDS: tuple[str, ...] = ("deploy", "rollout", "promote", "publish")  # a `-`/`_` word
ORB_ELEMENT_PHRASES: tuple[str, ...] = ("update-service", "upgrade-helm-chart", "install-helm-chart")
# Orbs whose `publish` pushes a container image (by a word in the orb's name): a build artifact,
# like `docker push`, that runs nowhere until something deploys it.
IMAGE_ORB_WORDS: tuple[str, ...] = ("docker", "ecr", "gcr", "acr", "buildx", "kaniko")

# Verbs that make a job's id or name evidence of a deploy (`deploy.verbs` replaces them).
DEFAULT_VERBS: tuple[str, ...] = ("deploy", "promote", "rollout")

# Words (regular expressions) that name a non-production target in an environment, a context, a
# job's name or a deploy command's arguments (`deploy.non_production` replaces them).
NON_PRODUCTION_WORDS: tuple[str, ...] = (
    "stag(e|ing)",
    "dev",
    "develop",
    "development",
    "tests?",
    "testing",
    "testenvs?",
    "qa",
    "previews?",
    "review(-?apps?)?",
    "sandbox",
    r"pr-\d+",  # a per-pull-request environment
    "e2e",
    "integration",
    "acceptance",
    "docs?",  # documentation sites (see PAGES_ACTIONS)
    "documentation",
    "pages",
    "storybook",
)
# What a workflow's name may say about its deploys' target. Narrower than the above: a workflow
# named "Build, test and deploy" deploys to production, one named "Deploy docs preview" does not.
WORKFLOW_TARGET_WORDS: tuple[str, ...] = ("previews?", "docs?", "documentation", "storybook", "staging", "sandbox")
# Environment names that settle a deploy as production, whatever else the job says.
PRODUCTION_WORDS: tuple[str, ...] = ("prod", "production", "live")

# What starts a throwaway cluster: `kubectl apply`/`helm install` after it test a chart.
LOCAL_CLUSTER_ACTIONS: tuple[str, ...] = (
    "helm/kind-action",
    "medyagh/setup-minikube",
    "absaoss/k3d-action",
    "nolar/setup-k3d-k3s",
    "engineerd/setup-kind",
    "container-tools/kind-action",
)
LOCAL_CLUSTER_WORDS: tuple[str, ...] = ("kind", "k3d", "k3s", "minikube")  # in a local action's path
LOCAL_CLUSTER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("kind", "create"),
    ("minikube", "start"),
    ("k3d", "cluster"),
    ("ctlptl", "create"),
)

# Arguments of a deploy command that are not a target although a target word may be in them:
# notes files (`--notes-file docs/CHANGES.md`).
# Machine paths (`/dev/null`, `/tmp/out`) are not targets either.
NOT_A_TARGET = lazy(r"\.(md|rst|txt|adoc)$|changelog|readme|^/(dev|tmp|proc|usr|etc|var)(/|$)", re.I)
