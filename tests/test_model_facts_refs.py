"""Model facts about what a pipeline fetches, computed by the loaders so that pinned-actions,
pinned-images and the inventory need not spot `${{ }}`, `<< >>` or `$X` themselves (issue 15):
`Reference.dynamic` (a ref only known at run time), `Image.resolved` (False for every image only
known at run time) and `Image.supplied_by` (the parameters, matrix values or expressions an
image's value comes from)."""

from __future__ import annotations

from cilint.linter.model import Image, Pipeline, Reference
from helpers import action_pipeline as action
from helpers import circleci_pipeline as circleci
from helpers import github_pipeline as github


def refs(pipeline: Pipeline) -> dict[str, Reference]:
    return {ref.text.value: ref for ref in pipeline.references}


def images(pipeline: Pipeline) -> list[Image]:
    return [image for workflow in pipeline.workflows for job in workflow.jobs() for image in job.images]


def facts(image: Image) -> tuple[str, str, bool, list[str]]:
    return image.written, image.ref, image.resolved, image.supplied_by


# -- Reference.dynamic ------------------------------------------------------------------------

GITHUB_REFS = """
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: o/a@${{inputs.ref}}
      - uses: o/b@$VERSION
      - uses: o/c
      - uses: ./local
      - uses: docker://alpine:${{ matrix.tag }}
  shared:
    uses: o/r/.github/workflows/w.yml@${{github.sha}}
  fixed:
    uses: o/r/.github/workflows/w.yml@main
"""


def test_github_reference_dynamic() -> None:
    found = {text: ref.dynamic for text, ref in refs(github(GITHUB_REFS)).items()}
    assert found == {
        "actions/checkout@v4": False,
        "o/a@${{inputs.ref}}": True,
        "o/b@$VERSION": True,  # a template's placeholder: not a literal ref either
        "o/c": False,  # no ref at all is not a run-time ref
        "./local": False,
        "docker://alpine:${{ matrix.tag }}": False,  # an image, not a ref: see Image.resolved
        "o/r/.github/workflows/w.yml@${{github.sha}}": True,
        "o/r/.github/workflows/w.yml@main": False,
    }


CIRCLECI_ORBS = """
version: 2.1
parameters:
  node-version: {type: string, default: "5.1.0"}
orbs:
  node: circleci/node@<< pipeline.parameters.node-version >>
  slack: circleci/slack@4.12.5
  aws: circleci/aws-cli@$AWS_ORB
  bare: circleci/bare
  remote: https://example.com/orb.yml
workflows:
  main:
    jobs: [node/test, build]
jobs:
  build:
    docker: [{image: cimg/base:2024.06}]
    steps: [node/install]
"""


def test_circleci_orb_dynamic() -> None:
    pipeline = circleci(CIRCLECI_ORBS)
    declared = {ref.text.value: ref.dynamic for ref in pipeline.references}
    assert declared == {
        "circleci/node@<< pipeline.parameters.node-version >>": True,
        "circleci/slack@4.12.5": False,
        "circleci/aws-cli@$AWS_ORB": True,
        "circleci/bare": False,
        "https://example.com/orb.yml": False,
    }
    # a use of the orb's job or command carries the orb's fact
    jobs = list(pipeline.workflows[0].jobs())
    uses = [job.uses for job in jobs] + [step.uses for job in jobs for step in job.steps]
    assert [(ref.text.value, ref.dynamic) for ref in uses if ref is not None] == [
        ("node/test", True), ("node/install", True),
    ]


# -- Image.resolved and Image.supplied_by: GitHub ----------------------------------------------

GITHUB_IMAGES = """
on: push
jobs:
  legs:
    strategy:
      matrix:
        image: ["postgres:16.3"]
    runs-on: ubuntu-latest
    container: ${{ matrix.image }}
    services:
      db: ${{ inputs.db }}
      cache: redis:$REDIS_TAG
      plain: {image: "nginx:1.27.0"}
    steps:
      - uses: docker://alpine:${{ env.TAG }}
      - uses: docker://alpine:3.20.1
"""


def test_github_images() -> None:
    assert [facts(i) for i in images(github(GITHUB_IMAGES))] == [
        ("${{ matrix.image }}", "postgres:16.3", True, ["matrix.image"]),  # resolved per leg
        ("${{ inputs.db }}", "${{ inputs.db }}", False, ["inputs.db"]),
        ("redis:$REDIS_TAG", "redis:$REDIS_TAG", False, []),  # a placeholder, no expression
        ("nginx:1.27.0", "nginx:1.27.0", True, []),
        ("docker://alpine:${{ env.TAG }}", "alpine:${{ env.TAG }}", False, ["env.TAG"]),
        ("docker://alpine:3.20.1", "alpine:3.20.1", True, []),
    ]


def test_github_action_image() -> None:
    dynamic = action("runs: {using: docker, image: 'docker://ghcr.io/o/i:${{ inputs.tag }}'}\n")
    fixed = action("runs: {using: docker, image: 'docker://ghcr.io/o/i:1.2.3'}\n")
    assert [facts(i) for i in dynamic.action_images + fixed.action_images] == [
        ("docker://ghcr.io/o/i:${{ inputs.tag }}", "ghcr.io/o/i:${{ inputs.tag }}", False, ["inputs.tag"]),
        ("docker://ghcr.io/o/i:1.2.3", "ghcr.io/o/i:1.2.3", True, []),
    ]


# -- Image.resolved and Image.supplied_by: CircleCI --------------------------------------------

CIRCLECI_IMAGES = """
version: 2.1
parameters:
  tag: {type: string, default: "16.3"}
  unset: {type: string, default: ""}
executors:
  db:
    parameters:
      version: {type: string, default: "1.27.0"}
    docker:
      - image: nginx:<< parameters.version >>
jobs:
  build:
    parameters:
      image: {type: string, default: "cimg/base:2024.06"}
    docker:
      - image: << parameters.image >>
      - image: postgres:<< pipeline.parameters.tag >>
      - image: redis:$REDIS_TAG
      - image: << pipeline.git.tag >>-<< pipeline.parameters.tag >>-<< pipeline.git.tag >>
    steps: [checkout]
  served:
    executor: db
    steps: [checkout]
  machine:
    machine: {image: ubuntu-2204:2024.05.1}
    steps: [checkout]
workflows:
  main:
    jobs: [build, served, machine]
"""


def test_circleci_images() -> None:
    assert [facts(i) for i in images(circleci(CIRCLECI_IMAGES))] == [
        ("<< parameters.image >>", "cimg/base:2024.06", True, ["parameters.image"]),
        ("postgres:<< pipeline.parameters.tag >>", "postgres:16.3", True, ["pipeline.parameters.tag"]),
        ("redis:$REDIS_TAG", "redis:$REDIS_TAG", False, []),
        # a value CircleCI gives at run time stays unresolved; each name once, in order
        ("<< pipeline.git.tag >>-<< pipeline.parameters.tag >>-<< pipeline.git.tag >>",
         "<< pipeline.git.tag >>-16.3-<< pipeline.git.tag >>", False,
         ["pipeline.git.tag", "pipeline.parameters.tag"]),
        ("nginx:<< parameters.version >>", "nginx:1.27.0", True, ["parameters.version"]),
        ("ubuntu-2204:2024.05.1", "ubuntu-2204:2024.05.1", True, []),
    ]
