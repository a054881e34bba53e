"""What a GitHub job does with code an outsider wrote: the facts `JobRun.pr_checkout`,
`runs_pr_code`, `credential_checkouts`, `workspace_uploads`, `self_hosted`, `outsider_gate`.

Tables of data first, then the one function the loader calls (`annotate`).

Sources:
- https://securitylab.github.com/resources/github-actions-preventing-pwn-requests/ (checking out
  `github.event.pull_request.head.sha` under `pull_request_target` and running the build; the
  same for `workflow_run` and `github.event.workflow_run.head_sha`; labels and same-repository
  checks as gates)
- https://github.com/actions/checkout (`ref`, `repository`, `path`, `persist-credentials`:
  "The auth token is persisted in the local git config")
- https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/about-self-hosted-runners#self-hosted-runner-security
  ("self-hosted runners should almost never be used for public repositories", since any user
  can open a pull request that runs code on them)
- https://docs.github.com/en/webhooks/webhook-events-and-payloads (`author_association`)
"""

from __future__ import annotations

import re

from .lazyre import lazy
from .model import JobRun, Step

# Expressions naming the pull request's (or the upstream run's) own commit or branch: what a
# checkout of an outsider's code writes in `ref:` / `repository:`, or a script fetches.
HEAD_EXPRESSIONS = (
    r"github\.event\.pull_request\.head\.(sha|ref|repo\.full_name)",
    r"github\.event\.pull_request\.merge_commit_sha",
    r"github\.head_ref",
    r"github\.event\.workflow_run\.head_(sha|branch)",
    r"github\.event\.workflow_run\.head_repository\.full_name",
)
# A ref of a pull request written out: `refs/pull/123/head`, `pull/${{ ... }}/merge`.
PULL_REFS = r"(refs/)?pull/(\$\{\{[^}]*\}\}|[^/\s]+)/(head|merge)"
_HEAD = lazy("|".join((*HEAD_EXPRESSIONS, PULL_REFS)))

# Commands that fetch or check out a pull request's code by the refs above, and `gh pr checkout`.
_GIT_FETCHES = frozenset({"fetch", "checkout", "switch", "pull", "reset", "worktree"})

# Commands that run code of the checkout: installs (lifecycle scripts, build backends), builds,
# tests, the project's own scripts. tool -> the subcommands that do (None: any invocation).
RUNS_CHECKOUT: dict[str, frozenset[str] | None] = {
    **dict.fromkeys(("make", "gmake", "cmake", "ctest", "ninja", "meson", "just", "task", "bazel", "bazelisk",
                     "gradle", "gradlew", "mvn", "mvnw", "tox", "nox", "pytest", "rake", "jest", "vitest",
                     "mocha", "npx", "pnpx", "bunx", "docker-compose", "pre-commit", "hatch", "sbt", "lerna",
                     "nx", "turbo", "ant"), None),
    "npm": frozenset({"install", "i", "ci", "test", "t", "run", "run-script", "start", "build", "exec",
                      "rebuild", "pack", "x"}),
    "yarn": None,  # `yarn` alone installs; `yarn <script>` runs a package script
    "pnpm": None,
    "bun": None,
    "pip": frozenset({"install"}),
    "pip3": frozenset({"install"}),
    "uv": frozenset({"sync", "run", "pip", "build"}),
    "poetry": frozenset({"install", "run", "build"}),
    "pipenv": frozenset({"install", "sync", "run"}),
    "go": frozenset({"build", "test", "run", "generate", "install", "vet"}),
    "cargo": frozenset({"build", "test", "run", "check", "clippy", "bench", "install", "doc", "nextest"}),
    "dotnet": frozenset({"build", "test", "run", "restore", "pack", "publish"}),
    "bundle": frozenset({"install", "exec"}),
    "composer": frozenset({"install", "update", "run", "run-script", "test"}),
    "docker": frozenset({"build", "compose", "buildx"}),
    "swift": frozenset({"build", "test", "run"}),
    "xcodebuild": None,
    "mix": None,
    "flutter": frozenset({"test", "build", "pub"}),
}
# Interpreters: running one on a file of the checkout runs the checkout's code.
INTERPRETERS = frozenset({"python", "python3", "node", "ruby", "perl", "php", "bash", "sh", "deno", "pwsh"})

# Actions that install or build the checkout as part of what they do.
BUILDING_ACTIONS = frozenset({
    "cypress-io/github-action",  # README: installs dependencies and runs the tests
    "pre-commit/action",  # runs the checkout's hooks
    "github/codeql-action/autobuild",  # builds the checkout
    "bahmutov/npm-install",  # `npm ci`
    "gradle/gradle-build-action",
})

# Actions that upload files as an artifact, and the input naming them.
UPLOAD_ACTIONS = {"actions/upload-artifact": "path"}
# Since actions/upload-artifact v4.4.0 hidden files (`.git/` among them) are left out unless
# `include-hidden-files: true` (its README, "Uploading hidden files"; the fix for ArtiPACKED):
# an earlier version uploads `.git/config` with the workspace.
HIDDEN_FILES_INPUT = "include-hidden-files"
HIDDEN_FILES_EXCLUDED_SINCE = (4, 4)
_VERSION = lazy(r"v?(\d+)(?:\.(\d+))?(?:\.\d+)?")
# An upload path that is the whole checkout.
# An exclusion that leaves the repository's metadata out: `!.git`, `!./.git/**`, `!**/.git/config`.
_GIT_EXCLUDED = lazy(r"^\s*!\s*(\./|\*\*/)?\.git(/|\s*$)")
_WHOLE_CHECKOUT = lazy(r"^\s*(\.|\./|\$\{\{\s*github\.workspace\s*\}\}/?|\$GITHUB_WORKSPACE/?)\s*$")

# Conditions that keep outsiders out of a job: only pull requests from branches of the repository
# itself, the author's association (member, owner, collaborator), a label (only someone with
# triage access can set one), a named actor.
GATES = lazy("|".join((
    r"head\.repo\.full_name\s*==",
    r"==\s*github\.event\.pull_request\.head\.repo\.full_name",
    r"head\.repo\.fork\s*==\s*false",
    r"!\s*github\.event\.pull_request\.head\.repo\.fork",
    r"author_association",
    r"labels\.\*\.name",
    r"github\.event\.label\.name",
    r"github\.(actor|triggering_actor)\s*==",
    r"github\.event\.(pull_request|sender|comment)\.user\.login\s*==",
    r"github\.event\.sender\.login\s*==",
)))

_SELF_HOSTED = "self-hosted"
# `runs-on: ${{ fromJSON(cond && '["self-hosted", ...]' || '"ubuntu-latest"') }}`: a label chosen
# at run time that can be `self-hosted`, unless the choice reads whether the pull request is a fork.
_CHOSEN_SELF_HOSTED = lazy(r"['\"]\s*self-hosted\s*['\"]")
_FORK_CHOICE = lazy(r"head\.repo\.(fork|full_name)")


def _checks_out_head(step: Step) -> bool:
    if step.kind == "checkout":
        return any(_HEAD.search(step.inputs[name].value) for name in ("ref", "repository") if name in step.inputs)
    if step.run is None:
        return False
    tainted: set[str] | None = None  # (read only for a script that fetches with git)
    for command in step.commands:
        argv = command.argv
        if argv[:3] == ["gh", "pr", "checkout"]:
            return True
        if len(argv) > 1 and argv[0] == "git" and _GIT_FETCHES & set(argv[1:3]):
            text = command.text
            if tainted is None:
                tainted = {name for name, var in step.env.items() if _HEAD.search(var.written)}
            if _HEAD.search(text) or any(re.search(rf"\${{?{re.escape(name)}\b", text) for name in tainted):
                return True
    return False


def _uploads_hidden(step: Step) -> bool:
    """Whether the upload takes hidden files (`.git/config`): asked for, or a version from before
    they were left out (the tag, else the `# v4.3.0` comment of a pinned commit; unknown: no)."""
    asked = step.inputs.get(HIDDEN_FILES_INPUT)
    if asked is not None:
        return asked.value.strip().lower() == "true"
    if step.uses is None:
        return False
    for written in (step.uses.version, step.uses.comment):
        match = _VERSION.fullmatch((written or "").strip().lstrip("# "))
        if match:
            if match.group(2) is None:  # `v4` moves to the latest v4.x
                return int(match.group(1)) < HIDDEN_FILES_EXCLUDED_SINCE[0]
            return (int(match.group(1)), int(match.group(2))) < HIDDEN_FILES_EXCLUDED_SINCE
    return False


def _under(word: str, path: str) -> bool:
    word = word.removeprefix("./")
    return word == path or word.startswith(path + "/")


def _runs_checkout(step: Step, path: str | None) -> bool:
    """Whether the step runs code of the checkout (at `path`, None: the workspace's root)."""
    if step.uses is not None:
        if step.uses.local:
            return path is None or _under(step.uses.name, path)
        return path is None and step.uses.name.lower() in BUILDING_ACTIONS
    for command in step.commands:
        argv = command.argv
        if not argv:
            continue
        cwd = command.cwd or step.working_directory or ""
        tool = argv[0].rsplit("/", 1)[-1]
        if path is not None and (_under(argv[0], path) or (tool.rstrip("0123456789.") in INTERPRETERS
                                                          and len(argv) > 1 and _under(argv[1], path))):
            return True  # a script of the pull request's checkout
        if path is not None and not _under(cwd, path):
            continue  # runs in the other checkout (the base's), the pull request's files as data
        if argv[0].startswith("./"):
            return True  # a script of the checkout
        if tool in RUNS_CHECKOUT:
            subcommands = RUNS_CHECKOUT[tool]
            words = [w for w in argv[1:] if not w.startswith("-")]
            if subcommands is None:
                if argv[1:2] not in (["--version"], ["-v"], ["--help"]):
                    return True
            elif words and words[0] in subcommands:
                return True
        elif tool.rstrip("0123456789.") in INTERPRETERS and len(argv) > 1:
            first = argv[1]
            if first == "-m" or (not first.startswith("-") and not first.startswith("/")):
                return True
    return False


# What `annotate` reads from a job's steps alone: (pr_checkout, runs_pr_code,
# credential_checkouts, workspace_uploads); the matrix legs of a job share its steps.
StepFacts = tuple[int | None, int | None, list[int], list[int]]


def annotate(run: JobRun, step_facts: StepFacts | None = None) -> StepFacts:
    """Fill the job's facts about outsiders' code (see the module's docstring). `step_facts`:
    what an earlier call returned for a run with the same steps (then they are not read again);
    returns the facts of the steps."""
    if step_facts is not None:
        run.pr_checkout, run.runs_pr_code = step_facts[0], step_facts[1]
        run.credential_checkouts, run.workspace_uploads = list(step_facts[2]), list(step_facts[3])
    else:
        _annotate_steps(run)
    _annotate_job(run)
    return run.pr_checkout, run.runs_pr_code, list(run.credential_checkouts), list(run.workspace_uploads)


def _annotate_job(run: JobRun) -> None:
    run.self_hosted = any(
        label.value.strip().lower() == _SELF_HOSTED
        or ("${{" in label.value and _CHOSEN_SELF_HOSTED.search(label.value) and not _FORK_CHOICE.search(label.value))
        for label in run.runs_on)
    if run.condition is not None and GATES.search(run.condition.value):
        run.outsider_gate = run.condition


def _annotate_steps(run: JobRun) -> None:
    path: str | None = None
    for index, step in enumerate(run.steps):
        persist = step.inputs.get("persist-credentials")
        if step.kind == "checkout" and (persist is None or persist.value.strip().lower() != "false"):
            run.credential_checkouts.append(index)
        if step.uses is not None and step.uses.name in UPLOAD_ACTIONS:
            written = step.inputs.get(UPLOAD_ACTIONS[step.uses.name])
            lines = written.value.splitlines() if written is not None else []
            if (any(_WHOLE_CHECKOUT.match(line) for line in lines) and _uploads_hidden(step)
                    and not any(_GIT_EXCLUDED.match(line) for line in lines)):
                run.workspace_uploads.append(index)
        if run.pr_checkout is None:
            if _checks_out_head(step):
                run.pr_checkout = index
                if step.kind == "checkout" and "path" in step.inputs:
                    path = step.inputs["path"].value.strip().strip("/").removeprefix("./") or None
                elif step.run is not None and _runs_checkout(step, path):  # `gh pr checkout 1 && make`
                    run.runs_pr_code = index
            continue
        if run.runs_pr_code is None and _runs_checkout(step, path):
            run.runs_pr_code = index

