"""Which variable names hold secrets: `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_API_KEY`... but not
`*_TOKEN_FILE` or `*_PASSWORD_URL`, which say where a secret is or something about it.

The secrets-via-contexts rule reads it to judge values and uses, the inventory to list the
secret-like variables a CircleCI job reads.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Secret-like names (upper-cased, `-` read as `_`): `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_PAT`,
# `*_API_KEY`, `*_PRIVATE_KEY`, and their bare forms (`token:`, `password:` inputs).
_SECRET_NAME = re.compile(
    r"(?:^|_)(?:TOKEN|SECRET|PAT|API_?KEY|PRIVATE_KEY|SECRET_ACCESS_KEY)$|PASSWORD|PASSWD"
)
# ... unless the name says it holds where the secret is, or something about it, not the secret.
_NOT_SECRET_SUFFIX = re.compile(
    r"_(?:FILE|PATH|DIR|NAME|VAR|VARIABLE|ENV|URL|URI|HOST|USER|USERNAME|ID|TYPE|LENGTH|HEADER|PARAM|"
    r"SCOPES?|EXPIRY|EXPIRES|FORMAT|MODE|PROVIDER|REF|KEY_ID|POLICY|PROMPT|ENABLED|REQUIRED)$"
)


@lru_cache(maxsize=4096)  # asked for each `key: string` of every file: a few hundred distinct keys
def is_secret_name(name: str) -> bool:
    normalised = name.upper().replace("-", "_")
    return bool(_SECRET_NAME.search(normalised)) and not _NOT_SECRET_SUFFIX.search(normalised)
