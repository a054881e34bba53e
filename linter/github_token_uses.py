"""What needs which scope of GitHub's job token (`GITHUB_TOKEN`): a table of data.

`load_github` reads a job's steps against it and records what it finds in `JobRun.token_uses`;
the least-privilege rule (CIL109) reports a write scope a job is granted and shows no use for.

Sources:
* the scopes and what each allows: GitHub docs, "Assigning permissions to jobs" and "Automatic
  token authentication" / "GITHUB_TOKEN reference" (scopes `actions`, `attestations`, `checks`,
  `contents`, `deployments`, `discussions`, `id-token`, `issues`, `models`, `packages`, `pages`,
  `pull-requests`, `repository-projects`, `security-events`, `statuses`);
* each action's README, section "Permissions" (or its `action.yml` and workflow examples), as
  named per entry; each command's manual (`git push` writes contents, `gh release` needs
  contents: write, `gh pr comment` pull-requests: write...).

An entry is evidence that a job uses a scope for writing. Evidence errs on the generous side: a
job that may use the scope keeps it unreported (the rule is a warning that must be right).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .lazyre import lazy

# Every scope `permissions:` takes (GitHub docs, "Assigning permissions to jobs").
SCOPES: tuple[str, ...] = (
    "actions", "attestations", "checks", "contents", "deployments", "discussions", "id-token", "issues",
    "models", "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses",
)


@dataclass(frozen=True)
class ActionUse:
    """An action (`owner/repo`, or `owner/repo/path`; any path below matches) and the scopes it
    writes with the job's token."""

    action: str
    scopes: tuple[str, ...]
    source: str
    when_input: str = ""  # only when this `with:` input is set to true (`codecov`: `use_oidc`)


@dataclass(frozen=True)
class CommandUse:
    """A command line (a regular expression searched in each command's text) and the scopes it
    writes with the job's token."""

    pattern: str
    scopes: tuple[str, ...]
    what: str  # how messages name it
    source: str
    # False: the command may write with any of `scopes`, or with none (`gh api` calls any
    # endpoint): no scope is named as used, and none is reported unused.
    certain: bool = True
    # Words one of which every line the pattern matches holds (tests/test_prefilters.py
    # proves it on generated lines): the pattern is searched only in a line that holds one, and
    # most command lines hold none of any entry's.
    words: tuple[str, ...] = field(kw_only=True)


_RELEASE = ("contents",)
# Where a command starts in a command's text: its beginning, or inside `$(...)`/after `X=`
# (`PR=$(gh pr create ...)`).
_AT = r"(?:^|[=(`]\s*)"
_PR_AND_ISSUES = ("pull-requests", "issues")

ACTION_USES: tuple[ActionUse, ...] = (
    # -- releases, tags, commits, pushes: contents
    ActionUse("softprops/action-gh-release", _RELEASE, "README: `permissions: contents: write`"),
    ActionUse("ncipollo/release-action", _RELEASE, "README: contents: write to create a release"),
    ActionUse("actions/create-release", _RELEASE, "README (archived): creates a release"),
    ActionUse("actions/upload-release-asset", _RELEASE, "README (archived): uploads a release asset"),
    ActionUse("svenstaro/upload-release-action", _RELEASE, "README: contents: write"),
    ActionUse("marvinpinto/action-automatic-releases", _RELEASE, "README: creates a release"),
    ActionUse("goreleaser/goreleaser-action", ("contents", "packages", "id-token"),
              "goreleaser docs, GitHub Actions: contents: write (and packages, id-token to sign)"),
    ActionUse("googleapis/release-please-action", ("contents", "pull-requests", "issues"),
              "README: contents, pull-requests (and issues for labels): write"),
    ActionUse("google-github-actions/release-please-action", ("contents", "pull-requests", "issues"),
              "README (moved to googleapis/): contents, pull-requests: write"),
    ActionUse("changesets/action", ("contents", "pull-requests", "packages", "id-token"),
              "README: contents, pull-requests: write; its `publish` command publishes (npm provenance: id-token)"),
    ActionUse("anthropics/claude-code-action", ("contents", "pull-requests", "issues", "id-token", "actions"),
              "docs/setup: id-token: write to exchange the OIDC token for the app's; comments and commits"),
    ActionUse("release-drafter/release-drafter", ("contents", "pull-requests"),
              "README: contents: write (drafts), pull-requests: write (autolabeler)"),
    ActionUse("cycjimmy/semantic-release-action", ("contents", "issues", "pull-requests"),
              "semantic-release docs, GitHub Actions: contents, issues, pull-requests: write"),
    ActionUse("stefanzweifel/git-auto-commit-action", _RELEASE, "README: contents: write to push"),
    ActionUse("EndBug/add-and-commit", _RELEASE, "README: pushes a commit"),
    ActionUse("ad-m/github-push-action", _RELEASE, "README: contents: write"),
    ActionUse("peter-evans/create-pull-request", ("contents", "pull-requests"),
              "README: contents, pull-requests: write"),
    ActionUse("peaceiris/actions-gh-pages", _RELEASE, "README: contents: write to push the pages branch"),
    ActionUse("JamesIves/github-pages-deploy-action", _RELEASE, "README: contents: write"),
    ActionUse("mathieudutour/github-tag-action", _RELEASE, "README: pushes a tag"),
    ActionUse("anothrNick/github-tag-action", _RELEASE, "README: contents: write"),
    ActionUse("rickstaa/action-create-tag", _RELEASE, "README: pushes a tag"),
    ActionUse("actions/deploy-pages", ("pages", "id-token"), "README: pages: write, id-token: write"),
    ActionUse("actions/configure-pages", ("pages",), "README: may enable Pages (pages: write)"),
    ActionUse("actions/upload-pages-artifact", ("pages",), "README: used with actions/deploy-pages"),
    # -- comments, labels, reviews: pull-requests, issues
    ActionUse("peter-evans/create-or-update-comment", _PR_AND_ISSUES, "README: issues/pull-requests: write"),
    ActionUse("peter-evans/find-comment", (), "README: reads comments only"),
    ActionUse("marocchino/sticky-pull-request-comment", ("pull-requests",), "README: pull-requests: write"),
    ActionUse("thollander/actions-comment-pull-request", ("pull-requests",), "README: pull-requests: write"),
    ActionUse("mshick/add-pr-comment", _PR_AND_ISSUES, "README: pull-requests: write"),
    ActionUse("actions/labeler", ("pull-requests", "issues", "contents"),
              "README: pull-requests: write (issues to create labels)"),
    ActionUse("actions/stale", ("issues", "pull-requests", "actions"),
              "README: issues, pull-requests: write; actions: write to keep its state"),
    ActionUse("actions/first-interaction", _PR_AND_ISSUES, "README: issues, pull-requests: write"),
    ActionUse("dessant/lock-threads", ("issues", "pull-requests", "discussions"), "README: issues, pull-requests"),
    ActionUse("github/issue-labeler", ("issues",), "README: issues: write"),
    ActionUse("micnncim/action-label-syncer", ("issues",), "README: syncs labels"),
    ActionUse("EndBug/label-sync", ("issues",), "README: syncs labels"),
    ActionUse("JasonEtco/create-an-issue", ("issues",), "README: issues: write"),
    ActionUse("peter-evans/create-issue-from-file", ("issues",), "README: issues: write"),
    ActionUse("hmarr/auto-approve-action", ("pull-requests",), "README: pull-requests: write"),
    ActionUse("pascalgn/automerge-action", ("contents", "pull-requests"), "README: merges pull requests"),
    ActionUse("amannn/action-semantic-pull-request", ("pull-requests", "statuses"),
              "README: pull-requests: read; statuses: write when `wip` is on"),
    ActionUse("dependabot/fetch-metadata", ("pull-requests",), "README: used to approve/merge Dependabot PRs"),
    ActionUse("reviewdog", ("pull-requests", "checks"), "reviewdog/*: review comments and check runs"),
    ActionUse("EnricoMi/publish-unit-test-result-action", ("checks", "pull-requests", "issues"),
              "README: checks: write, pull-requests: write"),
    ActionUse("dorny/test-reporter", ("checks",), "README: checks: write"),
    ActionUse("mikepenz/action-junit-report", ("checks", "pull-requests"), "README: checks: write"),
    ActionUse("LouisBrunner/checks-action", ("checks",), "README: checks: write"),
    ActionUse("romeovs/lcov-reporter-action", ("pull-requests",), "README: comments coverage"),
    ActionUse("MishaKav/pytest-coverage-comment", ("pull-requests", "contents"), "README: comments coverage"),
    ActionUse("py-cov-action/python-coverage-comment-action", ("pull-requests", "contents"),
              "README: pull-requests, contents: write"),
    ActionUse("actions/add-to-project", ("repository-projects",), "README: adds issues to a project"),
    # -- registries: packages
    ActionUse("docker/login-action", ("packages",), "README: ghcr.io with the job token needs packages: write"),
    ActionUse("docker/build-push-action", ("packages", "attestations"),
              "README: pushes images (packages); provenance attestations"),
    ActionUse("redhat-actions/push-to-registry", ("packages",), "README: pushes images"),
    ActionUse("actions/delete-package-versions", ("packages",), "README: packages: write"),
    # -- OIDC: id-token (GitHub docs, "About security hardening with OpenID Connect")
    ActionUse("aws-actions/configure-aws-credentials", ("id-token",), "README: OIDC needs id-token: write"),
    ActionUse("google-github-actions/auth", ("id-token",), "README: Workload Identity Federation"),
    ActionUse("azure/login", ("id-token",), "README: OIDC login"),
    ActionUse("hashicorp/vault-action", ("id-token",), "README: JWT/OIDC auth"),
    ActionUse("pypa/gh-action-pypi-publish", ("id-token",), "README: trusted publishing"),
    ActionUse("rust-lang/crates-io-auth-action", ("id-token",), "README: trusted publishing"),
    ActionUse("sigstore/cosign-installer", ("id-token",), "README: keyless signing"),
    ActionUse("sigstore/gh-action-sigstore-python", ("id-token",), "README: id-token: write"),
    ActionUse("actions/attest-build-provenance", ("id-token", "attestations"),
              "README: id-token, attestations: write"),
    ActionUse("actions/attest", ("id-token", "attestations"), "README: id-token, attestations: write"),
    ActionUse("actions/attest-sbom", ("id-token", "attestations"), "README: id-token, attestations: write"),
    ActionUse("slsa-framework/slsa-github-generator", ("id-token", "contents", "actions"),
              "README: id-token: write, contents: write to upload, actions: read"),
    ActionUse("codecov/codecov-action", ("id-token",), "README: `use_oidc: true`", when_input="use_oidc"),
    ActionUse("ossf/scorecard-action", ("id-token", "security-events"), "README: publish_results needs id-token"),
    ActionUse("jfrog/setup-jfrog-cli", ("id-token",), "README: OIDC"),
    ActionUse("octo-sts/action", ("id-token",), "README: exchanges the OIDC token"),
    ActionUse("pulumi/auth-actions", ("id-token",), "README: OIDC"),
    ActionUse("docker/setup-buildx-action", (), "README: sets up only"),
    # -- code scanning: security-events
    ActionUse("github/codeql-action", ("security-events", "actions"),
              "README: security-events: write to upload results"),
    ActionUse("microsoft/security-devops-action", ("security-events", "id-token"), "README: uploads SARIF"),
    # -- the workflow's runs and artifacts: actions
    ActionUse("styfle/cancel-workflow-action", ("actions",), "README: actions: write"),
    ActionUse("geekyeggo/delete-artifact", ("actions",), "README: actions: write"),
    ActionUse("benc-uk/workflow-dispatch", ("actions",), "README: actions: write"),
    # -- statuses, deployments
    ActionUse("myrotvorets/set-commit-status-action", ("statuses",), "README: statuses: write"),
    ActionUse("ouzi-dev/commit-status-updater", ("statuses", "pull-requests"), "README: statuses: write"),
    ActionUse("chrnorm/deployment-action", ("deployments",), "README: deployments: write"),
    ActionUse("chrnorm/deployment-status", ("deployments",), "README: deployments: write"),
    ActionUse("bobheadxi/deployments", ("deployments",), "README: deployments: write"),
)

# Actions that use the job's token for anything at all (scripts against the API): any scope.
ANY_SCOPE_ACTIONS: tuple[str, ...] = ("actions/github-script", "octokit/request-action", "octokit/graphql-action",
                                      "cli/gh-extension-precompile")

COMMAND_USES: tuple[CommandUse, ...] = (
    CommandUse(_AT + r"git\b.*\bpush\b", ("contents",), "`git push`", "git-push(1)", words=("push",)),
    CommandUse(_AT + r"git\b.*\btag\b", ("contents",), "`git tag`", "git-tag(1): a tag pushed later",
               words=("tag",)),
    CommandUse(_AT + r"gh\s+release\b", ("contents",), "`gh release`", "gh manual: creates releases",
               words=("release",)),
    CommandUse(_AT + r"gh\s+pr\s+(?:comment|create|edit|merge|review|close|ready|reopen)\b",
               ("pull-requests", "contents"), "`gh pr`", "gh manual", words=("gh",)),
    CommandUse(_AT + r"gh\s+issue\b", ("issues",), "`gh issue`", "gh manual", words=("gh",)),
    CommandUse(_AT + r"gh\s+label\b", ("issues",), "`gh label`", "gh manual", words=("gh",)),
    CommandUse(_AT + r"gh\s+(?:workflow\s+run|run\s+(?:cancel|rerun|delete)|cache\s+delete)\b", ("actions",),
               "`gh workflow`/`gh run`", "gh manual", words=("gh",)),
    CommandUse(_AT + r"gh\s+api\b", SCOPES, "`gh api`", "gh manual: any endpoint, read or write", certain=False,
               words=("gh",)),
    CommandUse(_AT + r"gh\s+extension\b", SCOPES, "`gh extension`", "gh manual: an extension calls any endpoint",
               certain=False, words=("gh",)),
    CommandUse(_AT + r"gh\s+attestation\b", ("attestations", "id-token"), "`gh attestation`", "gh manual",
               words=("gh",)),
    CommandUse(_AT + r"gh\s+project\b", ("repository-projects",), "`gh project`", "gh manual", words=("gh",)),
    CommandUse(r"\bsemantic-release\b", ("contents", "issues", "pull-requests", "packages", "id-token"),
               "`semantic-release`", "semantic-release docs: GitHub Actions", words=("semantic-release",)),
    CommandUse(r"\b(?:release-it|lerna\s+(?:publish|version)|changeset\s+(?:publish|version)|standard-version)\b",
               ("contents", "packages", "id-token"), "a release tool", "each tool's manual",
               words=("release-it", "lerna", "changeset", "standard-version")),
    CommandUse(r"\bgoreleaser\b", ("contents", "packages", "id-token"), "`goreleaser`", "goreleaser docs",
               words=("goreleaser",)),
    CommandUse(r"^(?:docker|podman|buildah|crane|skopeo|oras|helm|nerdctl)\b.*\b(?:push|copy|--push)\b",
               ("packages",), "a registry push", "docker-push(1) and the like", words=("push", "copy")),
    CommandUse(r"^(?:docker|podman|buildah|helm|oras)\b.*\blogin\b", ("packages",), "a registry login",
               "docker-login(1)", words=("login",)),
    CommandUse(r"\b(?:npm|yarn|pnpm)\s+(?:\S+\s+)*publish\b", ("packages", "id-token"),
               "`npm publish`", "npm docs: provenance and trusted publishing need id-token", words=("publish",)),
    CommandUse(r"\b(?:mvn|mvnw|gradle|gradlew|sbt)\b.*\b(?:deploy|publish\w*)\b", ("packages", "id-token"),
               "a Maven/Gradle publish", "GitHub Packages docs", words=("deploy", "publish")),
    CommandUse(r"\b(?:dotnet\s+nuget|nuget)\s+push\b", ("packages",), "`nuget push`", "GitHub Packages docs",
               words=("push",)),
    CommandUse(r"\b(?:uv|pdm|twine|poetry|hatch|flit)\s+publish\b|\btwine\s+upload\b", ("id-token",),
               "a Python package upload", "PyPI docs: trusted publishing", words=("publish", "upload")),
    CommandUse(r"\bcargo\s+publish\b", ("id-token",), "`cargo publish`", "crates.io trusted publishing",
               words=("publish",)),
    CommandUse(r"^cosign\s+(?:sign|attest)", ("id-token", "packages"), "`cosign sign`", "sigstore docs: keyless",
               words=("cosign",)),
    CommandUse(r"\bACTIONS_ID_TOKEN_REQUEST_(?:URL|TOKEN)\b", ("id-token",), "an OIDC token request",
               "GitHub docs: OpenID Connect, requesting the token", words=("ACTIONS_ID_TOKEN_REQUEST_",)),
    CommandUse(r"\bghcr\.io\b", ("packages",), "`ghcr.io`", "GitHub Packages: the Container registry",
               words=("ghcr.io",)),
    CommandUse(r"\bgh-pages\b|\bmkdocs\s+gh-deploy\b", ("contents",), "a gh-pages push", "mkdocs docs",
               words=("gh-pages", "gh-deploy")),
    CommandUse(r"\bcodeql\b.*\bupload-results\b", ("security-events",), "`codeql github upload-results`",
               "CodeQL CLI manual", words=("upload-results",)),
)

# Actions that read the token only to read (or not at all), so handing it to them is no use of a
# write scope: checkout (fetches; a later `git push` is its own evidence), setup actions (download
# tool versions with it against rate limits), caches and artifacts.
READ_ONLY_ACTIONS: tuple[str, ...] = (
    "actions/checkout", "actions/setup-", "actions/download-artifact", "actions/upload-artifact",
    "actions/dependency-review-action", "arduino/setup-", "pnpm/action-setup", "oven-sh/setup-bun",
    "dtolnay/rust-toolchain", "actions-rs/toolchain", "Swatinem/rust-cache", "taiki-e/install-action",
    "extractions/setup-just", "astral-sh/setup-uv", "denoland/setup-deno", "gradle/actions/setup-gradle",
    "gradle/gradle-build-action", "erlef/setup-beam", "ruby/setup-ruby", "bufbuild/buf-setup-action",
    "crate-ci/typos", "actions/cache",
    # cloud vendors' own actions authenticate to their cloud, not to GitHub (their OIDC logins
    # are listed above and matched first)
    "aws-actions/", "google-github-actions/", "azure/", "hashicorp/setup-", "docker/setup-",
    "docker/metadata-action", "codecov/", "slackapi/", "8398a7/action-slack",
)

# An action the tables do not know, whose name says it may write with the token (many actions
# read it by default, without a `with:` that shows it): a possible use of any scope.
MAY_WRITE_NAME = lazy(
    r"release|publish|deploy|push|commit|comment|label|tag|pages|pull|merge|version|changelog|bump|sync|upload|"
    r"report|coverage|sarif|sign|attest|auth|login|credential|token|docker|registry|container|issue|stale|triage|"
    r"approve|status|check|bot|pr-|-pr\b|dispatch|cancel|gh-|github-|oidc|sts|vault",
    re.I,
)

_COMMANDS = tuple((lazy(use.pattern), use) for use in COMMAND_USES)
# Each word and the entries (indexes) that name it; and every word, less those holding another
# (`gh-pages` holds `gh`): a line holding none of these matches no entry. Most command lines hold
# none, and a line that holds one is searched only with the patterns of the words it holds (a
# fifth of the time of loading a large repository's workflows once went to trying the patterns
# one by one, then a tenth to one pattern of them all).
_ENTRIES_OF: tuple[tuple[str, frozenset[int]], ...] = tuple(
    (word, frozenset(i for i, use in enumerate(COMMAND_USES) if word in use.words))
    for word in sorted({word for use in COMMAND_USES for word in use.words}))
_WORDS = tuple(word for word, _ in _ENTRIES_OF if not any(other != word and other in word for other, _ in _ENTRIES_OF))


@lru_cache(maxsize=4096)
def action_scopes(name: str, inputs: frozenset[str] = frozenset()) -> tuple[str, ...] | None:
    """The scopes an action writes with the token (None: an action the table does not know);
    `inputs`: the `with:` inputs the step sets to true. Memoised: a repository's workflows use a
    few actions in many steps, and each call would otherwise scan the tables."""
    lowered = name.lower()
    if any(lowered == a.lower() or lowered.startswith(a.lower() + "/") for a in ANY_SCOPE_ACTIONS):
        return SCOPES
    for use in ACTION_USES:
        prefix = use.action.lower()
        if lowered == prefix or lowered.startswith(prefix + "/"):
            return use.scopes if not use.when_input or use.when_input in inputs else ()
    if any(lowered.startswith(a.lower()) for a in READ_ONLY_ACTIONS):
        return ()
    return None


@lru_cache(maxsize=4096)
def command_uses(text: str) -> tuple[CommandUse, ...]:
    """The table's entries a command line matches (memoised: every matrix leg repeats its steps)."""
    for word in _WORDS:
        if word in text:
            break
    else:
        return ()
    held = set().union(*(entries for word, entries in _ENTRIES_OF if word in text))
    return tuple(use for i, (pattern, use) in enumerate(_COMMANDS) if i in held and pattern.search(text))
