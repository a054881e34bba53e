"""Which variable names hold secrets: `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_API_KEY`, `*_PASS`,
`*_PWD`, `*_KEY`... but not `*_TOKEN_FILE` or `*_PASSWORD_URL`, which say where a secret is or
something about it, nor keys that are not keys to anything (`CACHE_KEY`, `PUBLIC_KEY`).

The secrets-via-contexts rule reads it to judge values, uses and command-line arguments, the
inventory to list the secret-like variables a CircleCI job reads.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Secret-like names (upper-cased, `-` read as `_`): `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_PAT`,
# `*_API_KEY`, `*_PRIVATE_KEY`, and their bare forms (`token:`, `password:` inputs) ...
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:TOKEN|SECRET|PAT|API_?KEY|PRIVATE_KEY|SECRET_ACCESS_KEY)$|PASSWORD|PASSWD"
    # ... and suffixes that are secrets only after a prefix: `DOCKER_PASS`, `MYSQL_PWD`, `GPG_KEY`,
    # `SIGNING_KEY`. Bare `PWD` is the working directory, bare `key:` a cache key, `pass:` a flag.
    r"|.(?:_PASS|_PWD|_KEY)$"
)
# ... unless the name says it holds where the secret is, or something about it, not the secret.
_NOT_SECRET_SUFFIX = re.compile(
    r"_(?:FILE|PATH|DIR|NAME|VAR|VARIABLE|ENV|URL|URI|HOST|USER|USERNAME|ID|TYPE|LENGTH|HEADER|PARAM|"
    r"SCOPES?|EXPIRY|EXPIRES|FORMAT|MODE|PROVIDER|REF|KEY_ID|POLICY|PROMPT|ENABLED|REQUIRED|STDIN|"
    r"FINGERPRINT)$"
)
# `*_KEY` names that are not keys to anything: the public half of a key pair, and keys that name
# or index things (cache keys, database and object keys, project keys of issue trackers and of
# SonarQube, concurrency groups). A name ending in one of these is not a secret.
_NOT_SECRET_KEY = re.compile(
    r"(?:^|_)(?:PUBLIC|PUB|CACHE|RESTORE|PRIMARY|FOREIGN|SORT|PARTITION|HASH|RANGE|SHARD|INDEX|LOOKUP|MAP|"
    r"DICT|IDEMPOTENCY|DEDUPE?|CONCURRENCY|GROUP|MATRIX|OBJECT|S3|BUCKET|ARTIFACT|PROJECT|ISSUE|"
    r"TRANSLATION|I18N|LOCK|STAGE|STEP|SIGNING_PUBLIC)_KEY$"
)


# Every secret name holds one of these once upper-cased (tests/test_prefilters.py proves it on
# names drawn from `_SECRET_NAME`): a text holding none names no secret.
_SECRET_NAME_WORDS = ("TOKEN", "SECRET", "PAT", "KEY", "PASS", "PWD")


def may_name_secret(text: str) -> bool:
    """Whether `text` may hold a secret name (False: it holds none); a cheap test before a search."""
    upper = text.upper()
    return any(word in upper for word in _SECRET_NAME_WORDS)


@lru_cache(maxsize=4096)  # asked for each `key: string` of every file: a few hundred distinct keys
def is_secret_name(name: str) -> bool:
    normalised = name.upper().replace("-", "_")
    return (bool(_SECRET_NAME.search(normalised)) and not _NOT_SECRET_SUFFIX.search(normalised)
            and not _NOT_SECRET_KEY.search(normalised))


def says_not_secret(name: str) -> bool:
    """A name that says it holds where a secret is, or something about it (`TOKEN_FILE`,
    `PASSWORD_PATH`, `SECRET_NAME`): what it holds is not the secret."""
    return bool(_NOT_SECRET_SUFFIX.search(name.upper().replace("-", "_")))
