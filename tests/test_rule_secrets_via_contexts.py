"""secrets-via-contexts (CIL104): secrets only from the platform's stores, scoped to their jobs."""

from __future__ import annotations

import pytest

from cilint.linter.model import Command, Span
from cilint.rules.secrets_via_contexts import (
    is_placeholder,
    is_secret_name,
    looks_like_secret,
    password_argument,
    secret_argument,
)
from helpers import FIXTURES, findings, where

RULE = "secrets-via-contexts"
BASE = "rules/secrets-via-contexts"
CI = ".github/workflows/ci.yml"
CIRCLE = ".circleci/config.yml"
CONTEXTS = {"docker-hub": ["DOCKERHUB_PASSWORD"], "other-ctx": ["SLACK_WEBHOOK"]}
# The fake secrets written in the fire fixtures: no message may print them.
SECRETS = ("AKIAZDOC9IS0J8HT9LGM", "xgJTeKdNnFRIBXuDL7DxtpYl", "Zq8vT3kLw9Pm2Rx7",
           "u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8d", "9fK2mQ7xLp3VbN8s", "2bd8f0e1c3a94b7d5e6f")


def test_github_fires() -> None:
    assert where(findings(RULE, f"{BASE}/fire/github")) == [
        (CI, 4, "error"),  # AKIA... access key id
        (CI, 5, "error"),  # DEPLOY_API_KEY: literal
        (CI, 15, "warning"),  # ${{ secrets.API_TOKEN }} in run (matrix: one finding for both legs)
        (CI, 17, "warning"),  # docker login -p ${{ secrets.REGISTRY_PASSWORD }}: one finding
        (CI, 25, "error"),  # container credentials password: literal
        (CI, 27, "warning"),  # docker login -p "$REGISTRY_PASSWORD"
        (CI, 30, "error"),  # ghp_ token in a clone URL
        (CI, 33, "error"),  # private key block
        (CI, 39, "error"),  # xoxb- Slack token
        (CI, 42, "warning"),  # secrets: inherit
    ]


def test_interpolated_password_gets_stdin_advice() -> None:
    found = {f.span.line: f.message for f in findings(RULE, f"{BASE}/fire/github")}
    assert "--password-stdin" in found[17] and "env:" in found[17]
    assert "--password-stdin" not in found[15]


def test_circleci_fires_per_invocation() -> None:
    found = findings(RULE, f"{BASE}/fire/circleci", context_variables=CONTEXTS)
    assert where(found) == [
        (CIRCLE, 17, "error"),  # COVERALLS_REPO_TOKEN: literal
        (CIRCLE, 20, "warning"),  # docker login -p $DOCKERHUB_PASSWORD
        (CIRCLE, 22, "error"),  # export SENTRY_AUTH_TOKEN=literal
        (CIRCLE, 32, "warning"),  # npx codecov --token "$CODECOV_TOKEN" (once for the matrix)
        (CIRCLE, 37, "error"),  # publish without context in `ci` (with one in `release`)
        (CIRCLE, 38, "error"),  # test (a matrix: one finding at the invocation) without context
        (CIRCLE, 42, "error"),  # deploy with other-ctx, which does not provide DOCKERHUB_PASSWORD
    ]
    by_line = {f.span.line: f for f in found}
    assert "`context: npm-publishing`" in by_line[37].message  # the context another invocation has
    assert "`context: docker-hub`" in by_line[42].message  # the context the map says provides it
    assert [span.line for span, _ in by_line[37].related] == [9]


def test_circleci_context_not_in_the_map_may_provide_anything() -> None:
    lines = [line for _, line, _ in where(findings(RULE, f"{BASE}/fire/circleci"))]
    assert 42 not in lines and 37 in lines


@pytest.mark.parametrize("platform", ["github", "circleci"])
def test_quiet(platform: str) -> None:
    assert findings(RULE, f"{BASE}/quiet/{platform}") == []


def test_quiet_circleci_with_context_map() -> None:
    contexts = {"docker-hub": ["DOCKERHUB_USER", "DOCKERHUB_PASSWORD"], "release": ["NPM_TOKEN", "GHCR_PAT"]}
    assert findings(RULE, f"{BASE}/quiet/circleci", context_variables=contexts) == []


@pytest.mark.parametrize("platform", ["github", "circleci"])
def test_messages_never_print_a_secret(platform: str) -> None:
    for finding in findings(RULE, f"{BASE}/fire/{platform}", context_variables=CONTEXTS):
        assert not any(secret in finding.message for secret in SECRETS), finding.message


@pytest.mark.parametrize("contexts", [{}, {"netauto-ci": ["GHCR_PAT"]}])
def test_seed_net_auto_gets_ghcr_pat_from_its_context(contexts: dict[str, list[str]]) -> None:
    if not (FIXTURES / "seeds/net_auto/.circleci/config.yml").is_file():
        pytest.skip("seed fixture net_auto not present")
    assert findings(RULE, "seeds/net_auto", context_variables=contexts) == []


def test_seed_net_auto_context_without_the_variable_fires() -> None:
    if not (FIXTURES / "seeds/net_auto/.circleci/config.yml").is_file():
        pytest.skip("seed fixture net_auto not present")
    found = findings(RULE, "seeds/net_auto", context_variables={"netauto-ci": ["OTHER"]})
    assert found and all("GHCR_PAT" in f.message for f in found)


@pytest.mark.parametrize("name", ["NPM_TOKEN", "CLIENT_SECRET", "DB_PASSWORD", "PGPASSWORD", "GHCR_PAT",
                                  "OPENAI_API_KEY", "SSH_PRIVATE_KEY", "token", "github-token", "password"])
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PATH", "TOKEN_FILE", "PASSWORD_FILE", "AWS_ACCESS_KEY_ID", "PATCH",
                                  "TOKENIZER", "SECRET_NAME", "NODE_ENV"])
def test_names_that_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize("value", ["<your-token>", "${VAR}", "$VAR", "changeme", "CHANGE_ME", "xxxxxxxx",
                                   "your_token_here", "AKIAIOSFODNN7EXAMPLE", "$(cat token)", "***", "..."])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize(("value", "secret"), [
    ("k8Jd93hFq0Lz2mXv", True),
    ("postgres", False),  # a throwaway word
    ("NPM_TOKEN", False),  # a variable name (env_var_name parameters)
    ("/run/secrets/x", False),  # a path
    ("a sentence about tokens", False),
    ("-9223372036854775808", False),  # a number
    ("abc", False),  # too short
])
def test_looks_like_secret(value: str, secret: bool) -> None:
    assert looks_like_secret(value) is secret


def _command(text: str) -> Command:
    return Command(text.split(), {}, Span("x", 1, 1, 1, 1), text)


@pytest.mark.parametrize(("text", "value"), [
    ("docker login -u bot -p $PASS ghcr.io", "$PASS"),
    ("docker login --password=$PASS", "$PASS"),
    ("helm repo add x https://x --username u --password $PASS", "$PASS"),
    ("mysql -uroot -p$MYSQL_PWD", "$MYSQL_PWD"),
    ("docker login -u bot --password-stdin ghcr.io", None),
    ("docker run -p 8080:80 nginx", None),  # -p of another command
    ("mkdir -p build", None),
])
def test_password_arguments(text: str, value: str | None) -> None:
    assert password_argument(_command(text)) == value


# -- secrets in `--*password*`, `--*token*`, `--*secret*` arguments; `*_PASS`, `*_PWD`, `*_KEY` names --


ARGS = f"{BASE}/args"
_ON_COMMAND_LINE = "a secret is passed on the command line (`{}` `{}` with `{}`): it shows in the process list"


def test_secret_arguments_and_names_github() -> None:
    found = findings(RULE, f"{ARGS}/github")
    assert where(found) == [
        (CI, 7, "error"),  # RELEASE_SIGNING_KEY: literal (`*_KEY`)
        (CI, 8, "error"),  # SMTP_PASS: literal (`*_PASS`)
        (CI, 11, "warning"),  # --api-token=${{ secrets.UPLOAD_TOKEN }}: an interpolation, off the command line
        (CI, 12, "warning"),  # --client-secret "$AZURE_SECRET" (a secret env var)
        (CI, 15, "warning"),  # --docker-password "$DOCKER_PASS"
        (CI, 18, "error"),  # --auth-token <literal>
    ]
    by_line = {f.span.line: f.message for f in found}
    assert by_line[11].endswith("; keep it off the command line too (`--api-token` shows in the process list)")
    assert by_line[12].startswith(_ON_COMMAND_LINE.format("az", "--client-secret", "$AZURE_SECRET"))
    assert by_line[15].startswith(_ON_COMMAND_LINE.format("./release", "--docker-password", "$DOCKER_PASS"))
    assert by_line[18].startswith("a literal secret (20 characters) is written on the command line of `./deploy` "
                                  "(`--auth-token`)")
    # The quiet job (from line 19): CACHE_KEY, SSH_PUBLIC_KEY, SONAR_PROJECT_KEY, PRIMARY_KEY, --password-stdin,
    # --token-file, docker's --secret id=..., --secret-name, --no-password, the built-in token.
    assert not [f for f in found if f.span.line >= 19]


def test_secret_arguments_and_names_circleci() -> None:
    found = findings(RULE, f"{ARGS}/circleci")
    assert where(found) == [
        (CIRCLE, 9, "warning"),  # --api-token=$UPLOAD_TOKEN
        (CIRCLE, 10, "warning"),  # --client-secret "$AZURE_SECRET"
        (CIRCLE, 11, "warning"),  # --docker-password "${DOCKER_PASS}"
        (CIRCLE, 12, "error"),  # --auth-token <literal>
        (CIRCLE, 13, "warning"),  # --github-token "$GITHUB_TOKEN": an ordinary variable on CircleCI
        (CIRCLE, 18, "error"),  # SMTP_PASS: literal
        (CIRCLE, 43, "error"),  # sign reads $GPG_SIGNING_KEY (`*_KEY`) without a context
    ]
    by_line = {f.span.line: f.message for f in found}
    assert by_line[9].startswith(_ON_COMMAND_LINE.format("./upload", "--api-token", "$UPLOAD_TOKEN"))
    assert by_line[11].startswith(_ON_COMMAND_LINE.format("./release", "--docker-password", "${DOCKER_PASS}"))
    assert "`$GPG_SIGNING_KEY`" in by_line[43]
    assert not [f for f in found if 22 <= f.span.line <= 34]  # the quiet job


@pytest.mark.parametrize(("text", "argument"), [
    ("./upload --api-token=$T dist", ("--api-token", "$T")),
    ("az login --client-secret \"$S\" --tenant t", ("--client-secret", "\"$S\"")),
    ("./release --docker-password $P", ("--docker-password", "$P")),
    ("gh auth login --with-token", None),
    ("npx codecov --token \"$CODECOV_TOKEN\"", ("--token", "\"$CODECOV_TOKEN\"")),
    ("./x --token --verbose", None),  # a switch
    ("./x --token-file t.txt", None),
    ("docker build --secret id=npmrc,src=.npmrc .", None),
    ("./x --tokenizer bpe", None),
    ("./x --no-password now", None),
])
def test_secret_arguments(text: str, argument: tuple[str, str] | None) -> None:
    assert secret_argument(_command(text)) == argument


@pytest.mark.parametrize("name", ["DOCKER_PASS", "MYSQL_PWD", "GPG_KEY", "SIGNING_KEY", "RAILS_MASTER_KEY",
                                  "SSH_KEY", "LICENSE_KEY"])
def test_pass_pwd_key_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["PWD", "KEY", "key", "pass", "CACHE_KEY", "PIP_CACHE_KEY", "PUBLIC_KEY",
                                  "SSH_PUBLIC_KEY", "PRIMARY_KEY", "SSH_KEY_FINGERPRINT", "SONAR_PROJECT_KEY",
                                  "restore-keys", "CONCURRENCY_KEY", "PARTITION_KEY", "PASSWORD_STDIN"])
def test_key_names_that_are_not_secrets(name: str) -> None:
    assert not is_secret_name(name)
