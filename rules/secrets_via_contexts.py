"""Secrets must reach jobs through the platform's secret stores, scoped to the jobs that need them.

A secret written into a pipeline file is readable by everyone who can read the repository, forks
and logs included, and cannot be rotated without a commit. CircleCI keeps secrets in contexts
(restricted by security group and approval) and GitHub in repository, organisation or environment
secrets; each job should see only the secrets it needs.

What is reported:

* error: a literal secret anywhere in a pipeline file (any value, `run` scripts included): known
  token formats (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`, `AKIA...`, `xox[abprs]-`,
  `glpat-`, `npm_`, `pypi-`, `sk_live_`, `AIza...`, `dckr_pat_`, Slack webhooks, private-key blocks),
  and secret-named keys and assignments (`*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_PAT`, `*_API_KEY`,
  `*_PRIVATE_KEY`, `*_SECRET_ACCESS_KEY`, `*_PASS`, `*_PWD`, `*_KEY`; also `token:`, `password:`;
  not `*_FILE`, `*_PATH`, `*_URL`, `*_NAME`..., nor keys to nothing secret such as `CACHE_KEY`,
  `*_PUBLIC_KEY`, `PRIMARY_KEY`, `SONAR_PROJECT_KEY`: `linter/secretnames.py`) whose value is a literal;
* error (CircleCI): a job that reads a secret-named variable (`$NPM_TOKEN` in a `run`, an
  `environment` value, an image `auth`) is invoked in a workflow without a `context`. Each
  invocation is judged on its own: the same job invoked with a context in one workflow and without
  in another is reported once, at the invocation without. When the configuration maps contexts to
  the variables they provide (`contexts:` in `.cilint.yml`), a context that does not provide the
  variable counts as none; a context the map does not list is assumed to provide it;
* warning (GitHub): `${{ secrets.X }}` interpolated straight into a `run` script (it is pasted into
  the script text before the shell runs: quoting breaks, it lands in `set -x` traces and process
  listings); pass it through `env:` and use `"$X"`;
* warning: a secret passed as a command-line password (`docker login -p "$PASS"`, `--password X`,
  `mysql -pX`) or in any `--*password*`, `--*token*`, `--*secret*` option whose name is
  secret-shaped (`--docker-password`, `--api-token=X`, `--client-secret X`; not `--password-stdin`,
  `--token-file`, `--secret-name`, switches such as `--no-password`, nor BuildKit's
  `--secret id=...`), from a variable or a secret template, on both platforms: any user on the
  machine can read it from the process list; use `--password-stdin`, the tool's environment
  variable, or a file (error when the value is a literal secret);
* warning (GitHub): `secrets: inherit` to a reusable workflow, which hands it every secret.

Not secrets: built-in names (`GITHUB_TOKEN` and `github.token` on GitHub, `CIRCLE_*` on CircleCI
such as `CIRCLE_OIDC_TOKEN`); `${{ secrets.X }}` in `env:` or `with:`. On CircleCI `GITHUB_TOKEN`
is an ordinary variable, so it must come from a context like any other.

Placeholders are never reported, wherever they stand (documentation strings, `description:`,
`echo` usage lines, examples in comments-as-values): values that refer to something else (`$VAR`,
`${VAR}`, `$(cmd)`, `<< parameters.x >>`, `${{ ... }}`), values in angle brackets (`<your-token>`),
values with placeholder words (`changeme`, `example`, `your_`, `dummy`, `fake`, `xxx`, `redacted`,
`test`, `password`...), runs of five or more identical characters, values that are variable names
(`NPM_TOKEN`), paths, URLs and sentences. For secret-named keys a value must also be at least
8 characters long with 5 distinct characters and must not spell the name again
(`ORACLE_PASSWORD: Oracle18`, `API_KEY=vault:api-key`); database credentials (`POSTGRES_*`, `PG*`,
`MYSQL_*`, `DB_*`, ...) are throwaway values when the pipeline runs a database image next to its
jobs (a service container), and are not reported then. A real token that matches a known format is
reported even inside a description: it is leaked all the same. Messages never print a secret; they
show its kind, a known prefix and its length.

Examples: a failing and a passing repository per platform, in `rules/examples/secrets-via-contexts/`;
`cilint explain CIL104` and docs/rules/secrets-via-contexts.md show them with what cilint reports.

How to fix: revoke any secret that was committed, then store it in a CircleCI context (or a GitHub
secret) and reference it by name; give the context to every invocation of the jobs that read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..linter.findings import Finding
from ..linter.lazyre import lazy
from ..linter.model import Command, EnvVar, JobRun, Pipeline, Project, SecretRef, Span, Step, Text, Workflow
from ..linter.secretnames import is_secret_name, may_name_secret, says_not_secret
from ..linter.values import refers_elsewhere

ID = "CIL104"
NAME = "secrets-via-contexts"
LEVEL = "error"
LEVELS = ("error", "warning")  # every level its findings take, the default first
SUMMARY = "a secret is written into a pipeline file, or reaches a job outside the secret stores"
OPTIONS: dict[str, Any] = {}
TAGS = ("security",)
SECURITY_SEVERITY = "8.0"
PRECISION = "high"


# ---------------------------------------------------------------------------------------------
# Knowledge: token formats, secret names, placeholders, password flags


@dataclass(frozen=True)
class TokenFormat:
    label: str
    pattern: re.Pattern[str]
    prefix_length: int  # characters of the match that are a fixed prefix and may be shown
    marker: str  # a regular expression for literal text every match holds (see _TOKEN_MARKERS)


TOKEN_FORMATS: tuple[TokenFormat, ...] = (
    TokenFormat("GitHub personal access token", lazy(r"\bghp_[A-Za-z0-9]{36}\b"), 4, "ghp_"),
    TokenFormat("GitHub fine-grained personal access token",
                lazy(r"\bgithub_pat_[A-Za-z0-9_]{60,}"), 11, "github_pat_"),
    TokenFormat("GitHub OAuth token", lazy(r"\bgho_[A-Za-z0-9]{36}\b"), 4, "gho_"),
    TokenFormat("GitHub user-to-server token", lazy(r"\bghu_[A-Za-z0-9]{36}\b"), 4, "ghu_"),
    TokenFormat("GitHub server-to-server token", lazy(r"\bghs_[A-Za-z0-9]{36}\b"), 4, "ghs_"),
    TokenFormat("GitHub refresh token", lazy(r"\bghr_[A-Za-z0-9]{36,}\b"), 4, "ghr_"),
    TokenFormat("AWS access key id", lazy(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), 4,
                "AKIA|ASIA|ABIA|ACCA"),
    TokenFormat("Slack token", lazy(r"\bxox[abprs]-[0-9A-Za-z]{8,}-[0-9A-Za-z-]{8,}"), 5, "xox"),
    TokenFormat("Slack webhook URL",
                lazy(r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}"),
                33, r"hooks\.slack\.com"),
    TokenFormat("GitLab personal access token", lazy(r"\bglpat-[A-Za-z0-9_-]{20,}"), 6, "glpat-"),
    TokenFormat("npm access token", lazy(r"\bnpm_[A-Za-z0-9]{36}\b"), 4, "npm_"),
    TokenFormat("PyPI API token", lazy(r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"), 5, "pypi-"),
    TokenFormat("Stripe live secret key", lazy(r"\b[sr]k_live_[0-9A-Za-z]{20,}"), 8, "k_live_"),
    TokenFormat("Google API key", lazy(r"\bAIza[0-9A-Za-z_-]{35}\b"), 4, "AIza"),
    TokenFormat("Docker Hub access token", lazy(r"\bdckr_pat_[A-Za-z0-9_-]{20,}"), 9, "dckr_pat_"),
    TokenFormat("SendGrid API key", lazy(r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"), 3, r"SG\."),
    TokenFormat("private key",
                lazy(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----\s*"
                           r"(?P<body>(?:[A-Za-z0-9+/=]+\s*){3,})"),
                0, "PRIVATE KEY"),
)
# Whether a string may hold any token at all, in one pass over it. Each pattern starts with `\b`
# or a character class, so `re` cannot skip ahead to where a match could start; a plain alternation
# of literals it can. Trying every pattern on every literal took 0.5 s of the rule's 0.9 s on the
# 1,448 corpus workflows (64,696 literals, 67 of which hold a marker).
_TOKEN_MARKERS = re.compile("|".join(f"(?:{f.marker})" for f in TOKEN_FORMATS))
# No format matches fewer characters (an AWS key id: 20; a test reads each pattern's least width):
# half the strings of a file are shorter, and are not searched.
_MIN_TOKEN_LENGTH = 20

# Credentials of a database the pipeline runs next to its jobs (a service container): throwaway
# values that only exist inside the job (`POSTGRES_PASSWORD: postgres`, `MYSQL_ROOT_PASSWORD: ...`).
_DATABASE_CREDENTIAL = lazy(
    r"^(?:POSTGRES|PG|MYSQL|MARIADB|MSSQL|SA|ORACLE|MONGO|REDIS|DB|DATABASE|CLICKHOUSE|ELASTIC|OPENSEARCH|"
    r"RABBITMQ|COUCHDB|NEO4J|CASSANDRA|INFLUXDB|MINIO|KEYCLOAK|LDAP|TEST)"
)
_DATABASE_IMAGE = lazy(
    r"postgres|postgis|mysql|mariadb|mssql|sqlserver|oracle|mongo|redis|clickhouse|elasticsearch|opensearch|"
    r"rabbitmq|couchdb|neo4j|cassandra|scylla|influxdb|minio|keycloak|ldap",
    re.I,
)

_PLACEHOLDER_WORDS = lazy(
    r"example|sample|placeholder|change_?-?me|replace|your[_-]?|dummy|fake|redacted|xxx|todo|fixme|insert|"
    r"secret|passw(?:or|0r)d|test|mock|foobar|<|>|\*\*\*|\.\.\.|…|^(?:true|false|yes|no|null|none|read|write|"
    r"required|optional|foo|bar|admin|root|postgres|mysql|guest|user|default|local|dev)$",
    re.I,
)
_IDENTIFIER = lazy(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[a-z][a-z0-9]*(?:[._-][a-z0-9]+)+$")
_REPEATED = lazy(r"(.)\1{4,}")
_NUMBER = lazy(r"^[-+]?\d+(?:\.\d+)?$")
_MIN_LENGTH = 8
_MIN_DISTINCT = 5

# Commands whose `-p` takes a password (longest prefix of argv wins); `--password` and
# `--password=` take one for every command. `mysql`-style tools also read `-pSECRET`.
_SHORT_PASSWORD_FLAG: dict[tuple[str, ...], bool] = {  # command -> `-pVALUE` attached form too
    ("docker", "login"): False, ("podman", "login"): False, ("buildah", "login"): False,
    ("skopeo", "login"): False, ("nerdctl", "login"): False, ("oras", "login"): False,
    ("helm", "registry", "login"): False, ("crane", "auth", "login"): False, ("twine", "upload"): False,
    ("az", "login"): False, ("oc", "login"): False, ("sshpass",): False,
    ("regctl", "registry", "login"): False,
    ("mysql",): True, ("mysqladmin",): True, ("mysqldump",): True, ("mysqlimport",): True,
}
_ATTACHED_PASSWORD = lazy(r"(?:^|\s)-p(\S+)")
_ASSIGNMENT = lazy(
    r"(?:^|[\s;&|(])(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"\n]*\"|'[^'\n]*'|[^\s;&|)'\"]+)"
)
_VARIABLE = lazy(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


# Long options that take a secret: any `--*password*`, `--*token*`, `--*secret*` (`--docker-password`,
# `--api-token=X`, `--client-secret X`) whose name is secret-shaped (`secretnames`: not
# `--token-file`, `--secret-name`, `--password-stdin`), except options that take no value or
# whose value is not the secret:
_SECRET_OPTION = lazy(r"(?:^|\s)--((?:[A-Za-z0-9][\w-]*)?(?:password|passwd|token|secret)[\w-]*)(=|\s+)",
                            re.I)
_NOT_SECRET_OPTIONS = lazy(
    r"^(?:no|ask|prompt|with|without|use|skip|require|allow|disable|enable|show|print|read)[-_]"  # switches
    r"|^secrets?$"  # `docker build --secret id=x,src=file`: a secret's description (BuildKit, podman)
    r"|^with-token$",  # `gh auth login --with-token`: read from stdin
    re.I,
)


@cache
def _password_forms(template_word: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """`--password X` and `-p X`, where X is a word or one whole platform template that holds
    spaces (`Pipeline.template_word`)."""
    value = f"({template_word}|\\S+)" if template_word else r"(\S+)"
    return (re.compile(r"(?:^|\s)--password(?:=|\s+)" + value), re.compile(r"(?:^|\s)-p\s+" + value))


@cache
def _value_form(template_word: str) -> re.Pattern[str]:
    """The value after an option: a word or one whole platform template that holds spaces."""
    return re.compile(f"({template_word}|\\S+)" if template_word else r"(\S+)")


def is_placeholder(value: str, template_openers: tuple[str, ...] = ()) -> bool:
    """A value that stands for a secret rather than being one (see the documentation above);
    `template_openers`: the platform's (`Pipeline.template_openers`)."""
    text = value.strip().strip("'\"")
    return (
        not text
        or refers_elsewhere(text, template_openers)
        or bool(_PLACEHOLDER_WORDS.search(text))
        or bool(_REPEATED.search(text))
    )


def looks_like_secret(value: str, template_openers: tuple[str, ...] = ()) -> bool:
    """A literal under a secret-like name that may be a real secret."""
    text = value.strip().strip("'\"")
    if is_placeholder(text, template_openers) or len(text) < _MIN_LENGTH or len(set(text)) < _MIN_DISTINCT:
        return False
    if any(c.isspace() for c in text) or _IDENTIFIER.match(text) or _NUMBER.match(text):
        return False  # a sentence, a variable or input name, a number
    return not text.startswith(("/", "./", "~", "http://", "https://", "file:"))


def _builtin(name: str, pipeline: Pipeline) -> bool:
    """A variable the platform sets itself (`Pipeline.builtin_variables`, `builtin_prefixes`)."""
    upper = name.upper()
    return upper in pipeline.builtin_variables or upper.startswith(pipeline.builtin_prefixes)


def _platform(pipeline: Pipeline) -> str:
    return "circleci" if pipeline.platform == "circleci" else "github"


def _store_advice(platform: str, name: str) -> str:
    name = name.upper().replace("-", "_")
    if platform == "circleci":
        return f"store it in a CircleCI context and read it as `${name}`"
    return f"store it as a GitHub secret and reference `${{{{ secrets.{name} }}}}`"


def mask(secret: str, prefix_length: int) -> str:
    """How a secret is shown: its fixed prefix only, and its length."""
    shown = secret[:prefix_length] if prefix_length else ""
    return f"`{shown}…` ({len(secret)} characters)" if shown else f"({len(secret)} characters)"


def _offset_span(text: Text, offset: int, length: int) -> Span:
    line = text.value.count("\n", 0, offset)
    column = offset - (text.value.rfind("\n", 0, offset) + 1)
    first_line_end = text.value.find("\n", offset)
    end = column + length if first_line_end == -1 or offset + length <= first_line_end else None
    return text.line_span(line, column, end)


# ---------------------------------------------------------------------------------------------
# The rule


def check(project: Project, options: dict[str, Any]) -> Iterator[Finding]:
    seen: set[tuple[Span, str]] = set()
    for pipeline in project.pipelines:
        for finding in _pipeline_findings(project, pipeline):
            if (finding.span, finding.message) not in seen:
                seen.add((finding.span, finding.message))
                yield finding


def _pipeline_findings(project: Project, pipeline: Pipeline) -> Iterator[Finding]:
    yield from _literal_secrets(pipeline)
    done: set[tuple[int, str]] = set()
    for workflow in pipeline.workflows:
        for run in workflow.jobs():
            # Matrix legs of a job share one list of steps (load_github._StepLog): the same findings.
            if (id(run.steps), run.qualified) not in done:
                done.add((id(run.steps), run.qualified))
                yield from _password_arguments(pipeline, run.steps, run.qualified)
            if pipeline.platform == "github":
                yield from _github_secret_uses(run, pipeline)
        if pipeline.platform == "circleci":
            yield from _circleci_contexts(project, pipeline, workflow)
    if pipeline.platform == "action":
        yield from _password_arguments(pipeline, pipeline.action_steps, None)


# -- literal secrets ---------------------------------------------------------------------------


def _literal_secrets(pipeline: Pipeline) -> Iterator[Finding]:
    throwaway = _runs_database(pipeline)
    # Every string of the file passes here (64,696 for the corpus workflows): the cheap tests that
    # each check starts with come first, so that most strings make no generator at all.
    for literal in pipeline.literals:
        value = literal.written  # (its place is looked up only for a finding)
        if len(value) >= _MIN_TOKEN_LENGTH and _TOKEN_MARKERS.search(value):
            formats = list(_known_formats(literal.value, pipeline))
            yield from formats
            if formats:
                continue
        if is_secret_name(literal.name):
            yield from _secret_named_value(literal, pipeline, throwaway)
        if "=" in value and may_name_secret(value):  # (most scripts: no search)
            yield from _secret_assignments(literal, pipeline, throwaway)




def _runs_database(pipeline: Pipeline) -> bool:
    # each distinct reference once: matrix legs repeat their job's images (40 legs of a 1 MB one)
    refs = {image.ref for workflow in pipeline.workflows for run in workflow.jobs() for image in run.images}
    return any(_DATABASE_IMAGE.search(ref) for ref in refs)


def _literal_under(name: str, value: str, pipeline: Pipeline, throwaway_databases: bool) -> bool:
    """Whether `name: value` sets a secret-named variable to what may be a real secret."""
    upper = name.upper().replace("-", "_")
    if (not is_secret_name(name) or _builtin(name, pipeline)
            or not looks_like_secret(value, pipeline.template_openers)):
        return False
    if throwaway_databases and _DATABASE_CREDENTIAL.match(upper):
        return False
    # A value spelling the name again (`ORACLE_PASSWORD: Oracle18`, `API_KEY=vault:api-key`) is a
    # made-up test value or a path in a secret store, not the secret.
    words = [w.lower() for w in upper.split("_") if len(w) >= 3]
    return not any(word in value.lower() for word in words)


def _known_formats(text: Text, pipeline: Pipeline) -> Iterator[Finding]:
    platform, openers = _platform(pipeline), pipeline.template_openers
    for token_format in TOKEN_FORMATS:
        for match in token_format.pattern.finditer(text.value):
            secret = match.group(0).rstrip()
            body = match.groupdict().get("body") or secret[token_format.prefix_length:]
            if is_placeholder(body, openers):
                continue
            store = "a CircleCI context" if platform == "circleci" else "a GitHub secret"
            article = "an" if token_format.label[0] in "AEIOU" else "a"
            yield Finding(
                f"{article} {token_format.label} {mask(secret, token_format.prefix_length)} is written in "
                f"the pipeline file, readable by anyone who can read the repository; revoke it and keep "
                f"it in {store}", _offset_span(text, match.start(), len(secret)))


def _secret_named_value(literal: EnvVar, pipeline: Pipeline, throwaway: bool) -> Iterator[Finding]:
    name, value = literal.name, literal.written
    if literal.reference or "\n" in value or not _literal_under(name, value, pipeline, throwaway):
        return
    yield Finding(
        f"`{name}` is set to a literal value {mask(value, 0)}: {_store_advice(_platform(pipeline), name)}",
        literal.value.span)


def _secret_assignments(literal: EnvVar, pipeline: Pipeline, throwaway: bool) -> Iterator[Finding]:
    """`NAME=value` in scripts and `environment:` lists."""
    for match in _ASSIGNMENT.finditer(literal.written):
        name, value = match.group(1), match.group(2)
        if not _literal_under(name, value, pipeline, throwaway):
            continue
        yield Finding(
            f"`{name}` is assigned a literal value {mask(value.strip(chr(34) + chr(39)), 0)}: "
            f"{_store_advice(_platform(pipeline), name)}",
            _offset_span(literal.value, match.start(1), len(match.group(0)) - (match.start(1) - match.start())))


# -- command-line passwords --------------------------------------------------------------------


def _password_arguments(pipeline: Pipeline, steps: list[Step], job: str | None) -> Iterator[Finding]:
    for step in steps:
        for command in step.commands:
            found = secret_argument(command, pipeline.template_word)
            if found is None:
                continue
            option, value = found
            finding = _judge_password(option, value, command, step, pipeline, job)
            if finding is not None:
                yield finding


def password_argument(command: Command, template_word: str = "") -> str | None:
    """The value a command is given as a password on its command line, if any (`template_word`:
    the platform's, `Pipeline.template_word`)."""
    found = secret_argument(command, template_word)
    return found[1] if found else None


def secret_argument(command: Command, template_word: str = "") -> tuple[str, str] | None:
    """The option and the value a command is given as a secret on its command line, if any:
    `--password X`, `--api-token=X`, `--client-secret X`, `-p X` of a login (`template_word`: the
    platform's, `Pipeline.template_word`)."""
    text = command.text
    long_password, short_password = _password_forms(template_word)
    if "--" in text:  # what every long form holds (most commands hold none)
        long_form = long_password.search(text)
        if long_form:
            return "--password", long_form.group(1)
        for option in _SECRET_OPTION.finditer(text):
            name = option.group(1)
            if not is_secret_name(name) or _NOT_SECRET_OPTIONS.search(name):
                continue
            given = _value_form(template_word).match(text, option.end())
            if given and not given.group(1).startswith("-"):  # `--token --other`: a switch
                return f"--{name}", given.group(1)
    if "-p" not in text:  # what every short form holds
        return None
    short = _short_password(command, text, short_password)
    return ("-p", short) if short is not None else None


def _short_password(command: Command, text: str, short_password: re.Pattern[str]) -> str | None:
    attached = _short_flag(command.argv)
    if attached is None:
        return None
    short = short_password.search(text)
    if short:
        return short.group(1)
    if attached:
        glued = _ATTACHED_PASSWORD.search(text)
        return glued.group(1) if glued else None
    return None


def _short_flag(argv: list[str]) -> bool | None:
    """None: `-p` is not a password flag of this command; else whether `-pVALUE` is one too."""
    words = tuple(word.rsplit("/", 1)[-1] for word in argv[:3])
    for length in (3, 2, 1):
        if words[:length] in _SHORT_PASSWORD_FLAG:
            return _SHORT_PASSWORD_FLAG[words[:length]]
    return None


def _judge_password(
    option: str, value: str, command: Command, step: Step, pipeline: Pipeline, job: str | None
) -> Finding | None:
    openers = pipeline.template_openers
    value = value.strip("'\"")
    if any(template in value for template in step.secret_templates):
        return None  # a secret template: reported as an interpolation, with this advice; or built in
    variable = _VARIABLE.match(value)
    if variable and _builtin(variable.group(1), pipeline) and not _holds_secret(variable.group(1), step, pipeline):
        return None
    if variable and says_not_secret(variable.group(1)):
        return None  # `--token "$TOKEN_FILE"`: where the secret is, not the secret
    password = option in ("--password", "-p")
    if refers_elsewhere(value, openers) or value.startswith("`"):
        if password:
            return Finding(
                f"a password is passed on the command line (`{command.argv[0]}` with `{value}`): it shows in "
                "the process list; pipe it in (`--password-stdin`) or use a password file",
                command.span, job=job, level="warning")
        return Finding(
            f"a secret is passed on the command line (`{command.argv[0]}` `{option}` with `{value}`): it shows "
            "in the process list; let the tool read it from its environment variable or a file, or pipe it in",
            command.span, job=job, level="warning")
    if not looks_like_secret(value, openers):
        return None
    if password:
        return Finding(
            f"a literal password {mask(value, 0)} is written on the command line of `{command.argv[0]}`: "
            "store it as a secret and pipe it in (`--password-stdin`)", command.span, job=job)
    return Finding(
        f"a literal secret {mask(value, 0)} is written on the command line of `{command.argv[0]}` "
        f"(`{option}`): revoke it, store it as a secret and let the tool read it from the environment",
        command.span, job=job)


def _holds_secret(name: str, step: Step, pipeline: Pipeline) -> bool:
    """Whether the step's `env` sets `name` from the secret store (a secret other than the token)."""
    return any(not _builtin(secret, pipeline) for secret in step.env_secrets.get(name, ()))


# -- GitHub: how secrets are used ----------------------------------------------------------------


def _github_secret_uses(run: JobRun, pipeline: Pipeline) -> Iterator[Finding]:
    template_word = pipeline.template_word
    for ref in run.secrets:
        if _builtin(ref.name, pipeline):
            continue
        if ref.via == "inherit":
            yield Finding(
                "`secrets: inherit` hands the reusable workflow every secret of the repository and "
                "organisation; pass only the secrets it needs under `secrets:`",
                ref.span, job=run.qualified, level="warning")
        elif ref.via == "expression" and ref.where == "run":
            yield Finding(_interpolation_message(ref, run, template_word), ref.span, job=run.qualified, level="warning")


def _interpolation_message(ref: SecretRef, run: JobRun, template_word: str) -> str:
    message = (f"`secrets.{ref.name}` is interpolated into the script text, where quoting can break and "
               f"it reaches traces and process listings; pass it through `env:` "
               f"(`{ref.name}: ${{{{ secrets.{ref.name} }}}}`) and use `\"${ref.name}\"`")
    step = run.steps[ref.step] if ref.step is not None and 0 <= ref.step < len(run.steps) else None
    found = [argument for c in step.commands if c.span.line == ref.span.line
             and (argument := secret_argument(c, template_word)) is not None and ref.name in argument[1]
             ] if step is not None else []
    if found and found[0][0] in ("--password", "-p"):
        message += ", piped to `--password-stdin` rather than passed as a password argument"
    elif found:
        message += f"; keep it off the command line too (`{found[0][0]}` shows in the process list)"
    return message


# -- CircleCI: contexts per invocation -----------------------------------------------------------


def _circleci_contexts(project: Project, pipeline: Pipeline, workflow: Workflow) -> Iterator[Finding]:
    provides = {**pipeline.contexts_declared, **project.context_variables}
    for run in workflow.jobs():
        if run.kind != "job":
            continue
        needed = _secret_variables(run, pipeline)
        if not needed:
            continue
        contexts = [c.value for c in run.contexts]
        missing = [name for name in needed if not any(_provides(provides, c, name) for c in contexts)]
        if missing:
            yield _context_finding(run, workflow, contexts, missing, needed, provides)


def _secret_variables(run: JobRun, pipeline: Pipeline) -> dict[str, list[SecretRef]]:
    needed: dict[str, list[SecretRef]] = {}
    for ref in run.secrets:
        if ref.via == "variable" and is_secret_name(ref.name) and not _builtin(ref.name, pipeline):
            needed.setdefault(ref.name, []).append(ref)
    return dict(sorted(needed.items()))


def _provides(provides: dict[str, list[str]], context: str, name: str) -> bool:
    if context not in provides:
        return True  # a context the configuration does not describe may provide anything
    return name in provides[context]


def _context_finding(run: JobRun, workflow: Workflow, contexts: list[str], missing: list[str],
                     needed: dict[str, list[SecretRef]], provides: dict[str, list[str]]) -> Finding:
    names = ", ".join(f"`${name}`" for name in missing)
    if contexts:
        given = ", ".join(f"`{c}`" for c in contexts)
        how = f"with context {given}, which does not provide {'them' if len(missing) > 1 else 'it'}"
    else:
        how = "without a `context`"
    suggestion = _suggest(provides, missing, workflow.pipeline, run.job_id)
    advice = f"add `context: {suggestion}`" if suggestion else "give it the context that holds the secret"
    related = [(needed[name][0].span, f"`${name}` is read here") for name in missing]
    return Finding(
        f"job `{run.job_id}` reads {'secrets' if len(missing) > 1 else 'secret'} {names}, but workflow "
        f"`{workflow.name}` invokes it {how}; {advice}",
        run.span, job=run.qualified, related=related)


def _suggest(provides: dict[str, list[str]], missing: list[str], pipeline: Pipeline, job_id: str) -> str:
    """A context to name: one the configuration says provides every missing variable, else one
    another invocation of the same job is given."""
    for context, variables in sorted(provides.items()):
        if all(name in variables for name in missing):
            return context
    for workflow in pipeline.workflows:
        for other in workflow.jobs():
            if other.job_id == job_id and other.contexts:
                if any(c.value in provides for c in other.contexts):
                    continue
                return other.contexts[0].value
    return ""
