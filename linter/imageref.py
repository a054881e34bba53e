"""How a container image reference is written, and what its tag pins.

`registry:port/path/name:tag@digest` split into its parts, and the kind of a tag: a moving channel
(`latest`), a partial version (`20`, `3.12`), no version at all, or a pinned one. The pinned-images
rule judges images with it and the inventory names their pins with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lazyre import lazy

# Tags that name no release, only a channel that moves (the first word of the tag decides:
# `latest-alpine`, `lts-browsers`).
FLOATING = frozenset({"latest", "stable", "edge", "current", "lts", "main", "master", "nightly", "dev",
                      "develop", "rolling", "canary", "next", "unstable", "head", "trunk", "mainline"})
# Release lines named by a codename rather than a number (the first word of the tag decides:
# `bookworm`, `stretch-slim`): like a partial version, each moves with its point releases. Debian,
# Ubuntu and Node.js LTS lines; `sid`/`testing` are not here: they are channels, not releases.
CODENAMES = frozenset({
    "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky",  # Debian
    "trusty", "xenial", "bionic", "focal", "jammy", "noble", "oracular", "plucky", "questing",  # Ubuntu
    "argon", "boron", "carbon", "dubnium", "erbium", "fermium", "gallium", "hydrogen", "iron", "jod",  # Node.js
    "krypton",
})
# Images whose versions have two parts, so `x.y` is a full version (PostgreSQL since 10).
TWO_PART_VERSIONS = frozenset({"postgres", "postgresql"})
# Images versioned by date `YY.MM` / `YYYY.MM`: a dated tag names one snapshot.
CALENDAR_VERSIONS = frozenset({"ubuntu", "cimg/base"})
# Where a bare number (`:9`, `:20`) names a release line that moves: Docker's official images and
# the publishers that repackage upstream software by its major version (CircleCI's images, the
# architecture mirrors of the official ones, Bitnami, Cypress), an image named like its publisher
# (`valkey/valkey`), or an image named like a well-known product (`acme/node:20` rebuilds
# node 20). Elsewhere, an organisation's own image, a bare number is as likely a build number
# (`fishtownanalytics/test-container:9`, one of a sequence of builds), which pins: not guessed at.
VERSION_LINE_PUBLISHERS = frozenset({
    "circleci", "cimg", "bitnami", "cypress", "i386", "amd64", "arm64v8", "arm32v7", "arm32v6", "ppc64le",
    "s390x",
})
PRODUCTS = frozenset({
    "node", "python", "ruby", "golang", "go", "openjdk", "eclipse-temurin", "amazoncorretto", "java", "jdk",
    "postgres", "postgresql", "mysql", "mariadb", "redis", "mongo", "mongodb", "elasticsearch", "opensearch",
    "rabbitmq", "memcached", "nginx", "httpd", "php", "elixir", "erlang", "rust", "gcc", "clang", "llvm",
    "debian", "ubuntu", "alpine", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "swift",
    "dart", "haskell", "clojure", "gradle", "maven", "perl", "julia", "cassandra", "kafka", "zookeeper",
    "valkey", "dotnet", "sdk", "aspnet", "runtime", "deno", "bun", "android", "base", "browsers", "kong",
})
# A version number and what follows it (`v1.2-alpine`: `1.2`, `-alpine`).
VERSION = lazy(r"v?(\d+(?:\.\d+)*)(.*)")
# A date (`20240601`, `2024-06-01`, `2024.06`, CircleCI machine images' `202010-01`).
_DATED = lazy(r"(19|20)\d\d([-.]?(0[1-9]|1[0-2]))([-.]?\d\d)?(?!\d)")
_COMMIT = lazy(r"g?(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}")  # a commit id inside a tag


@dataclass(frozen=True)
class ImageRef:
    """`registry:port/path/name:tag@digest`, split (the tag is after the last `:` of the last
    path segment, so a registry port is not taken for one)."""

    name: str
    tag: str | None
    digest: str | None

    @classmethod
    def parse(cls, ref: str) -> ImageRef:
        ref = ref.strip().removeprefix("docker://")
        name, _, digest = ref.partition("@")
        head, slash, last = name.rpartition("/")
        tag: str | None = None
        if ":" in last:
            last, tag = last.split(":", 1)
        return cls(head + slash + last, tag, digest or None)

    @property
    def registry(self) -> str | None:
        """The registry host the name starts with (`ghcr.io`, `localhost:5000`), None for Docker Hub's
        short names (`postgres`, `cimg/node`): a first part is a host when it has a `.` or a `:`, or
        is `localhost`, as Docker reads it."""
        first, _, rest = self.name.partition("/")
        return first if rest and ("." in first or ":" in first or first == "localhost") else None

    @property
    def repository(self) -> str:
        """The name without a registry host (`ghcr.io/o/x` -> `o/x`, `docker.io/library/x` -> `x`)."""
        host = self.registry
        name = self.name[len(host) + 1:] if host is not None else self.name
        return name.removeprefix("library/")

    def docker_parts(self) -> tuple[str, str, str | None, str | None]:
        """(registry, repository, tag, digest) as Docker reads the reference: `postgres:16` is
        `docker.io`, `library/postgres`, `16`, None."""
        host = self.registry
        if host is not None:
            return host, self.name[len(host) + 1:], self.tag, self.digest
        return "docker.io", self.name if "/" in self.name else f"library/{self.name}", self.tag, self.digest


_FULL_VERSION = lazy(r"\d+\.\d+\.\d+")


def tag_kind(ref: ImageRef) -> str:
    """`floating`, `partial`, `codename`, `versionless` or `pinned`."""
    assert ref.tag is not None
    tag = ref.tag.lower()
    words = re.split(r"[-_]", tag)
    # `latest-alpine`, `2019-latest`; a word inside names a variant (`node-20-chrome-edge-123`), and
    # so does a last word after a full version (`node16.16.0-chrome107-ff107-edge`: the Edge browser).
    if words[0] in FLOATING or (len(words) > 1 and words[-1] in FLOATING - {"dev"}
                                and not any(_FULL_VERSION.search(w) for w in words[:-1])):
        return "floating"
    if _DATED.match(tag) or any(_COMMIT.fullmatch(w) for w in words):
        return "pinned"
    if words[0] in CODENAMES and not re.search(r"\d", tag):  # (`jammy-20240227` names a snapshot)
        return "codename"
    match = VERSION.fullmatch(tag)
    if match is None:
        # Digits in another scheme (`alpine3.19`, `build-123`) are not guessed at.
        return "pinned" if re.search(r"\d", tag) else "versionless"
    parts = match.group(1).split(".")
    if len(parts) >= 3 or (len(parts) == 1 and int(parts[0]) >= 100):
        return "pinned"  # a full version, or a release number (`presto:332`), not a major
    repository = ref.repository
    base = repository.rsplit("/", 1)[-1]
    if len(parts) == 1 and not _versions_by_line(repository):
        return "pinned"
    if len(parts) == 2 and _calendar(repository, parts):
        return "pinned"
    if len(parts) == 2 and base in TWO_PART_VERSIONS and int(parts[0]) >= 10:
        return "pinned"
    return "partial"


def _versions_by_line(repository: str) -> bool:
    """Whether a bare number in the image's tag names a major version (`VERSION_LINE_PUBLISHERS`)."""
    namespace, _, base = repository.rpartition("/")
    publisher = namespace.split("/", 1)[0]
    return (not namespace or publisher in VERSION_LINE_PUBLISHERS or namespace.rsplit("/", 1)[-1] == base
            or base in PRODUCTS)


def _calendar(repository: str, parts: list[str]) -> bool:
    year, month = parts
    return (len(year) == 4 and year.startswith(("19", "20"))) or (
        len(month) == 2 and month.startswith("0")) or repository in CALENDAR_VERSIONS
