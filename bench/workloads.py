"""The benchmark workloads, built in a scratch directory from the shared corpus.

Each workload is a directory that every tool is run on (as `.`, from inside it), so they all see
the same files. Nothing here imports cilint: the workloads are plain files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_CORPUS = Path(os.environ.get("CILINT_CORPUS", "/work/shared/corpus"))

# Generated cases.
CIRCLECI_JOBS = 5000
CIRCLECI_JOB_SERIES = (1250, 2500, CIRCLECI_JOBS)
CIRCLECI_CHAINS = 10  # 10 chains of 500 jobs; each job requires the one before it in its chain
CIRCLECI_CROSS_EVERY = 25  # ...and every 25th job also the job before it in the neighbouring chain
MATRIX_AXES = {
    "os": ["ubuntu-22.04", "ubuntu-24.04", "macos-14", "windows-2022"],
    "python": ["'3.10'", "'3.11'", "'3.12'", "'3.13'"],
    "node": ["18", "20", "22", "24"],
    "db": ["postgres", "mysql", "sqlite", "none"],
}  # 4 x 4 x 4 x 4 = 256 combinations


@dataclass
class Workload:
    name: str
    path: Path  # the directory the tools run in
    platform: str  # "github" or "circleci"
    description: str
    files: list[Path] = field(default_factory=list)  # pipeline files, relative to `path`
    phases: bool = True  # also measure cilint's phases in-process
    growth: int | None = None  # the multiple, for the 1x/2x/4x series

    @property
    def size(self) -> int:
        return sum((self.path / f).stat().st_size for f in self.files)


def corpus_workflows(corpus: Path) -> list[Path]:
    """Every real workflow of the corpus (`github/<repo>/.github__workflows__*.yml|.yaml`), sorted."""
    found = [
        *corpus.glob("github/*/.github__workflows__*.yml"),
        *corpus.glob("github/*/.github__workflows__*.yaml"),
    ]
    return sorted(found)


def corpus_circleci(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("circleci/*/config.yml"))


def _workflow_target(source: Path, copy: int = 1) -> str:
    """`github/<repo>/.github__workflows__ci.yml` -> `<repo>__ci.yml` (`<repo>__ci__x2.yml` for copies)."""
    repo = source.parent.name
    name = source.name.removeprefix(".github__workflows__")
    if copy > 1:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}__x{copy}{dot}{ext}"
    return f"{repo}__{name}"


def _new_repo(path: Path) -> Path:
    """An empty repository: actionlint looks for `.git` to find the project, cilint and zizmor for
    `.github`/`.circleci`; a real `git init` keeps all three on the same footing."""
    path.mkdir(parents=True)
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(path)], check=True)
    else:  # enough for the tools' project discovery
        (path / ".git").mkdir()
        (path / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    return path


def _workflow_repo(path: Path, sources: list[Path], copies: int = 1) -> list[Path]:
    repo = _new_repo(path)
    target_dir = repo / ".github" / "workflows"
    target_dir.mkdir(parents=True)
    files = []
    for copy in range(1, copies + 1):
        for source in sources:
            target = target_dir / _workflow_target(source, copy)
            shutil.copyfile(source, target)
            files.append(target.relative_to(repo))
    return sorted(files)


def _circleci_repo(path: Path, text: str | bytes) -> list[Path]:
    repo = _new_repo(path)
    (repo / ".circleci").mkdir()
    target = repo / ".circleci" / "config.yml"
    if isinstance(text, bytes):
        target.write_bytes(text)
    else:
        target.write_text(text, encoding="utf-8")
    return [target.relative_to(repo)]


def circleci_many_jobs(
    jobs: int = CIRCLECI_JOBS, chains: int = CIRCLECI_CHAINS, cross_every: int = CIRCLECI_CROSS_EVERY
) -> str:
    """A CircleCI 2.1 config with `jobs` jobs in `chains` long `requires` chains (plus cross edges
    between neighbouring chains), a reusable command and executor, caches, an approval and a deploy
    reachable from every chain: what a large monorepo pipeline looks like, much bigger."""
    per_chain = jobs // chains
    lines = [
        "version: 2.1",
        "orbs:",
        "  node: circleci/node@5.2.0",
        "executors:",
        "  default:",
        "    docker:",
        "      - image: cimg/base:2024.01",
        "    resource_class: medium",
        "commands:",
        "  setup:",
        "    parameters:",
        "      target: {type: string}",
        "    steps:",
        "      - checkout",
        "      - restore_cache:",
        "          keys:",
        '            - deps-v1-{{ checksum "package-lock.json" }}',
        "      - run: npm ci",
        "      - run: echo building << parameters.target >>",
        "jobs:",
    ]
    names = [[f"c{c:02d}-j{i:04d}" for i in range(per_chain)] for c in range(chains)]
    for c in range(chains):
        for i, name in enumerate(names[c]):
            lines += [
                f"  {name}:",
                "    executor: default",
                "    environment:",
                f'      SHARD: "{c}-{i}"',
                "    steps:",
                "      - setup:",
                f"          target: {name}",
                "      - run:",
                "          name: build",
                f"          command: make build TARGET={name} && npm run lint",
            ]
            if i % 10 == 0:
                lines += [
                    "      - save_cache:",
                    '          key: deps-v1-{{ checksum "package-lock.json" }}',
                    "          paths: [node_modules]",
                ]
    lines += [
        "  deploy-production:",
        "    docker:",
        "      - image: cimg/base:2024.01",
        "    steps:",
        "      - checkout",
        "      - run: kubectl apply -f k8s/production/",
        "  deploy-staging:",
        "    docker:",
        "      - image: cimg/base:2024.01",
        "    steps:",
        "      - checkout",
        "      - run: kubectl apply -f k8s/staging/",
        "workflows:",
        "  build-test-deploy:",
        "    jobs:",
    ]
    for c in range(chains):
        for i, name in enumerate(names[c]):
            requires = []
            if i > 0:
                requires.append(names[c][i - 1])
                if c > 0 and i % cross_every == 0:
                    requires.append(names[c - 1][i - 1])
            if requires:
                lines += [f"      - {name}:", f"          requires: [{', '.join(requires)}]"]
            else:
                lines.append(f"      - {name}")
    tails = ", ".join(chain[-1] for chain in names)
    lines += [
        "      - deploy-staging:",
        f"          requires: [{tails}]",
        "          context: staging",
        "      - hold:",
        "          type: approval",
        "          requires: [deploy-staging]",
        "      - deploy-production:",
        "          requires: [hold]",
        "          context: prod-deploy",
        "          filters:",
        "            branches:",
        "              only: main",
    ]
    return "\n".join(lines) + "\n"


def github_matrix_256() -> str:
    """A workflow whose test job has a 4x4x4x4 = 256-leg matrix, with jobs after it."""
    axes = "\n".join(f"        {key}: [{', '.join(values)}]" for key, values in MATRIX_AXES.items())
    return f"""name: matrix-256
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
      - run: npm ci && npm run lint -- --max-warnings 0
  test:
    name: >-
      test (${{{{ matrix.os }}}}, py${{{{ matrix.python }}}},
      node${{{{ matrix.node }}}}, ${{{{ matrix.db }}}})
    needs: lint
    runs-on: ${{{{ matrix.os }}}}
    timeout-minutes: 30
    strategy:
      fail-fast: false
      matrix:
{axes}
    env:
      DB: ${{{{ matrix.db }}}}
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
      - uses: actions/setup-python@v5
        with:
          python-version: ${{{{ matrix.python }}}}
      - uses: actions/setup-node@v4
        with:
          node-version: ${{{{ matrix.node }}}}
      - uses: actions/cache@v4
        with:
          path: ~/.cache/pip
          key: pip-${{{{ runner.os }}}}-${{{{ matrix.python }}}}-${{{{ hashFiles('requirements.txt') }}}}
      - run: python -m pip install -r requirements.txt
      - run: python -m pytest -W error --db "$DB"
      - run: npm ci && npm test
  report:
    needs: test
    if: always()
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{{{ needs.test.result }}}}"
  deploy:
    needs: [report]
    if: github.ref == 'refs/heads/main'
    environment: production
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
      - run: kubectl apply -f k8s/production/
        env:
          KUBECONFIG_DATA: ${{{{ secrets.KUBECONFIG }}}}
"""


def median_workflow(sources: list[Path]) -> Path:
    """The median-sized real workflow (ties by path): 'one small workflow', deterministically."""
    by_size = sorted(sources, key=lambda p: (p.stat().st_size, str(p)))
    return by_size[len(by_size) // 2]


WORKLOAD_NAMES = (
    "startup",
    "single-workflow",
    "workflows-1x",
    "workflows-2x",
    "workflows-4x",
    "circleci-all",
    "circleci-largest",
    "circleci-1250-jobs",
    "circleci-2500-jobs",
    "circleci-5000-jobs",
    "github-matrix-256",
)


def build_workloads(corpus: Path, scratch: Path, only: set[str] | None = None) -> list[Workload]:
    """Build the selected workloads under `scratch` (which must exist and be empty)."""
    want = only if only else set(WORKLOAD_NAMES)
    workflows = corpus_workflows(corpus)
    circleci = corpus_circleci(corpus)
    out: list[Workload] = []

    if "startup" in want:  # `--version`: interpreter/binary start-up alone, no files
        path = scratch / "startup"
        path.mkdir()
        out.append(Workload("startup", path, "github", "`--version`: process start-up only", phases=False))
    if "single-workflow" in want:
        source = median_workflow(workflows)
        path = scratch / "single-workflow"
        files = _workflow_repo(path, [source])
        out.append(
            Workload(
                "single-workflow",
                path,
                "github",
                f"one median-sized workflow ({source.parent.name}/"
                f"{source.name.removeprefix('.github__workflows__')}, "
                f"{source.stat().st_size} B), cold process: the pre-commit case",
                files,
            )
        )
    for copies in (1, 2, 4):
        name = f"workflows-{copies}x"
        if name not in want:
            continue
        path = scratch / name
        files = _workflow_repo(path, workflows, copies)
        out.append(
            Workload(
                name,
                path,
                "github",
                f"{len(workflows)} real workflows of {len({w.parent for w in workflows})} repositories"
                + (f", {copies} copies each (renamed `__x2`...)" if copies > 1 else "")
                + ", in one repository's .github/workflows",
                files,
                phases=copies == 1,
                growth=copies,
            )
        )
    if "circleci-all" in want:
        path = scratch / "circleci-all"
        path.mkdir()
        files = []
        for source in circleci:
            repo = path / source.parent.name
            _circleci_repo(repo, source.read_bytes())
            files.append(repo.relative_to(path) / ".circleci" / "config.yml")
        out.append(
            Workload(
                "circleci-all",
                path,
                "circleci",
                f"{len(circleci)} real CircleCI configs, each in its own repository "
                "(`<repo>/.circleci/config.yml`), "
                "checked in one run over the directory holding them",
                sorted(files),
            )
        )
    if "circleci-largest" in want:
        source = max(circleci, key=lambda p: (p.stat().st_size, str(p)))
        path = scratch / "circleci-largest"
        files = _circleci_repo(path, source.read_bytes())
        out.append(
            Workload(
                "circleci-largest",
                path,
                "circleci",
                f"the largest real CircleCI config ({source.parent.name}, "
                f"{source.stat().st_size // 1024} KB)",
                files,
            )
        )
    for jobs in CIRCLECI_JOB_SERIES:  # the same shape at 1/4, 1/2 and full size: growth with config size
        name = f"circleci-{jobs}-jobs"
        if name not in want:
            continue
        path = scratch / name
        files = _circleci_repo(path, circleci_many_jobs(jobs))
        out.append(
            Workload(
                name,
                path,
                "circleci",
                f"generated: {jobs} jobs in {CIRCLECI_CHAINS} `requires` chains of "
                f"{jobs // CIRCLECI_CHAINS} (cross edges every {CIRCLECI_CROSS_EVERY}), "
                "approval + deploy",
                files,
            )
        )
    if "github-matrix-256" in want:
        path = scratch / "github-matrix-256"
        repo = _new_repo(path)
        (repo / ".github" / "workflows").mkdir(parents=True)
        target = repo / ".github" / "workflows" / "matrix.yml"
        target.write_text(github_matrix_256(), encoding="utf-8")
        out.append(
            Workload(
                "github-matrix-256",
                path,
                "github",
                "generated: a workflow whose test job has a 4x4x4x4 = 256-combination matrix",
                [target.relative_to(repo)],
            )
        )
    order = {name: i for i, name in enumerate(WORKLOAD_NAMES)}
    return sorted(out, key=lambda w: order[w.name])
