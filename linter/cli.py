"""The `cilint` command line (see CONTRACT.md): check, rules, explain, graph, config."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .. import __version__
from .exitcodes import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, UsageError

if TYPE_CHECKING:
    from .engine import Rule

def _fail(message: str) -> NoReturn:
    from .printable import printable  # messages quote the configuration and file names

    click.echo("\n".join(printable(line) for line in f"cilint: {message}".split("\n")), err=True)
    sys.exit(EXIT_ERROR)


def _out(text: str, nl: bool = True, color: bool | None = None) -> None:
    """Write to standard output; a failed write (a full disk, a closed terminal) is an error
    with exit code 2, as CONTRACT.md has it, not a traceback. A closed pipe (`| head`) is left
    to the interpreter's usual handling."""
    try:
        click.echo(text, nl=nl, color=color)
    except BrokenPipeError:
        raise
    except OSError as exc:
        _fail(f"cannot write to standard output: {exc.strerror or exc}")


def _split(values: tuple[str, ...]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


_PLUGIN_HELP = ("Load this installed rule plug-in (entry-point name in group cilint.rules; comma-separated, "
                "repeatable): none loads unless named here or in the configuration's `plugins`.")


def _load_plugins(values: tuple[str, ...]) -> None:
    from .engine import ENTRY_POINT_GROUP, load_plugins

    missing = load_plugins(_split(values))
    if missing:
        _fail(f"no installed rule plug-in {missing[0]!r} (entry point group {ENTRY_POINT_GROUP})")


EXIT_INTERRUPTED = 128 + 2  # 128 + SIGINT, as shells report a command Ctrl-C ended


class _Cilint(click.Group):
    """The command group, ending with 130 on Ctrl-C (SIGINT) rather than click's 1, which here
    means "findings"; a second process sharing the rules is stopped and reaped (`share.py`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("cilint: interrupted", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


@click.group(cls=_Cilint, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cilint")
def main() -> None:
    """Pipeline policy linter for GitHub Actions and CircleCI."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "--output-format", "output_format",
              type=click.Choice(["text", "concise", "full", "json", "sarif", "github"]), default="text",
              show_default=True,
              help="text: `full` on a terminal (source lines marked), `concise` (one line each) otherwise.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of the findings.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the report to a file.")
@click.option("--config", "config_path", type=click.Path(path_type=Path),
              help="Configuration file (default: .cilint.yml or [tool.cilint], searched upward).")
@click.option("--select", multiple=True, help="Only these rules (ids or names, comma-separated).")
@click.option("--ignore", multiple=True, help="Not these rules (ids or names, comma-separated).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note"]), default="warning",
              show_default=True, help="Exit 1 when a finding is at or above this level.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even with findings.")
@click.option("--protection", "protection_files", multiple=True, type=click.Path(path_type=Path),
              help="Branch protection JSON (REST response, ruleset or list of rulesets).")
@click.option("--baseline", type=click.Path(path_type=Path),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(path_type=Path),
              help="Record the current findings in this baseline file (then exit 0 for them).")
@click.option("--sarif-category", default="cilint", show_default=True,
              help="SARIF run category (automationDetails.id) for code scanning; one per cilint upload.")
@click.option("--color", "color_choice", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="auto: on a terminal, unless NO_COLOR is set (FORCE_COLOR forces it) or TERM=dumb.")
@click.option("--no-color", is_flag=True, help="No ANSI colours: --color never.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.option("--nested", is_flag=True,
              help="Also check every nested project (a directory with its own .github or .circleci), each on its own.")
@click.option("--allow-no-files", is_flag=True,
              help="Exit 0 when the paths hold no pipeline file (default: exit 2).")
@click.option("--plugin", "plugins", multiple=True, help=_PLUGIN_HELP)
def check(paths: tuple[Path, ...], output_format: str, statistics: bool, output: Path | None,
          config_path: Path | None, select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str,
          exit_zero: bool, protection_files: tuple[Path, ...], baseline: Path | None,
          write_baseline: Path | None, sarif_category: str, color_choice: str, no_color: bool, quiet: bool,
          debug: bool, nested: bool, allow_no_files: bool, plugins: tuple[str, ...]) -> None:
    """Check the pipelines under PATHS (default: the current directory): the live pipelines of
    each project (repository root) named; nested projects only when named or with --nested."""
    from .report import TEXT_FORMATS
    from .run import CheckRequest, NoPipelineFiles, run_check

    _collector_off()
    _load_plugins(plugins)
    if statistics and output_format not in TEXT_FORMATS:
        _fail(f"--statistics prints text, not {output_format} (JSON counts per rule in its `summary`)")
    terminal = output is None and _isatty(sys.stdout)
    if output_format == "text":
        output_format = "full" if terminal else "concise"

    request = CheckRequest(
        paths=list(paths) or [Path(".")],
        output_format=output_format,
        config_path=config_path,
        select=_split(select),
        ignore=_split(ignore),
        fail_on=fail_on,
        protection_files=list(protection_files),
        baseline=baseline,
        write_baseline=write_baseline,
        sarif_category=sarif_category,
        color=use_color("never" if no_color else color_choice, terminal, os.environ),
        statistics=statistics,
        quiet=quiet,
        debug=debug,
        nested=nested,
        allow_no_files=allow_no_files,
        retain=_owns_process(),
    )
    try:
        report, code = run_check(request)
    except NoPipelineFiles:  # said on stderr already
        _exit(EXIT_ERROR)
    except UsageError as exc:
        _fail(str(exc))
    except Exception as exc:  # a bug outside the per-file and per-rule guards: one line, exit 2
        if debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (--debug shows where)")
    if output is not None:
        try:
            output.write_text(report, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    elif report:
        _out(report, nl=not report.endswith("\n"), color=request.color)
    _exit(EXIT_OK if exit_zero and code == EXIT_FINDINGS else code)


def markdown_fence(text: str) -> str:
    """A code fence longer than any run of backticks in `text` (CommonMark: a fence closes only on
    a run at least as long), so that nothing inside can close it and write Markdown after it."""
    import re

    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False


def use_color(choice: str, terminal: bool, environ: Mapping[str, str]) -> bool:
    """Whether to write ANSI colours. `always` and `never` are what they say (`--no-color` is
    `never`); `auto` colours a terminal unless `NO_COLOR` is set (https://no-color.org: present
    and not empty) or `TERM` is `dumb`, and colours anything when `FORCE_COLOR` is set
    (https://force-color.org: present and not empty); NO_COLOR wins over FORCE_COLOR, as in
    ruff's anstream."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return terminal and environ.get("TERM") != "dumb"


def _collector_off() -> None:
    """Turn the cyclic garbage collector off for the rest of the command when cilint is the
    process. `run.collector_paused` pauses it during the check and turns it back on for library
    callers, whose first collection then traverses the whole model once (0.8 s for 1,400
    workflows); a process that ends right after has no use for that collection."""
    if _owns_process():
        gc.disable()


def _exit(code: int) -> NoReturn:
    """End the command. When cilint is the process (the `cilint` script, `python -m cilint`),
    end it without the interpreter's teardown, as mypy does: freeing the model object by object
    takes about 1 s for 1,400 workflows, and nothing is left to do once the output is flushed.
    Called in-process (tests, `CliRunner`), or when flushing fails, exit normally."""
    if _owns_process():
        try:
            sys.stdout.flush()
        except BrokenPipeError:  # a closed pipe: let the normal exit report it
            sys.exit(code)
        except OSError as exc:  # (what was buffered: a full disk)
            _stderr(f"cilint: cannot write to standard output: {exc.strerror or exc}")
            os._exit(EXIT_ERROR)
        except ValueError:  # a closed stream
            sys.exit(code)
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


def _stderr(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


def _owns_process() -> bool:
    main_module = sys.modules.get("__main__")
    spec = getattr(main_module, "__spec__", None)
    if spec is not None:  # `python -m ...`
        return spec.name in ("cilint", "cilint.__main__")
    return Path(sys.argv[0]).stem == "cilint" if sys.argv and sys.argv[0] else False


def _known_rules(config_path: Path | None) -> list[Rule]:
    """Built-in and plug-in rules, then the policies of the configuration `check .` would use
    (or `--config`): a repository's own policies are rules like the others."""
    from .config import ConfigError, load_config
    from .engine import all_rules

    try:
        config = load_config(config_path, Path("."))
    except ConfigError as exc:
        _fail(str(exc))
    return [*all_rules(), *config.policy_rules]


_CONFIG_HELP = ("Configuration whose policies to list too "
                "(default: .cilint.yml or [tool.cilint], searched upward).")


@main.command(name="rules")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help=_CONFIG_HELP)
@click.option("--plugin", "plugins", multiple=True, help=_PLUGIN_HELP)
def list_rules(config_path: Path | None, plugins: tuple[str, ...]) -> None:
    """List every rule: id, name, the levels its findings take (the default first), summary."""
    from .printable import printable  # a policy's texts come from the configuration

    _load_plugins(plugins)
    for rule in _known_rules(config_path):
        click.echo(printable(f"{rule.id}  {rule.name:<24} {'/'.join(_levels(rule)):<19} {rule.summary}"))


def _levels(rule: Rule) -> tuple[str, ...]:
    """The levels a rule's findings take, its default first."""
    return (rule.level, *[level for level in rule.levels if level != rule.level])


def _find_rule(rules: list[Rule], wanted: str) -> Rule | None:
    """A rule by id or name, in any case (`cil105`, `Approval-Before-Deploy`)."""
    key = wanted.strip().casefold()
    return next((rule for rule in rules if key in (rule.id.casefold(), rule.name.casefold())), None)


@main.command()
@click.argument("rule")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help=_CONFIG_HELP)
@click.option("--plugin", "plugins", multiple=True, help=_PLUGIN_HELP)
def explain(rule: str, config_path: Path | None, plugins: tuple[str, ...]) -> None:
    """Show a rule's documentation (by id or name, in any case)."""
    _load_plugins(plugins)
    found = _find_rule(_known_rules(config_path), rule)
    if found is None:
        _fail(f"no rule {rule!r}; `cilint rules` lists them")
    others = _levels(found)[1:]
    also = f"; also reports {' and '.join(others)} findings" if others else ""
    from .printable import printable  # a policy's texts come from the configuration

    click.echo(printable(f"{found.id} {found.name} (default level: {found.level}{also})") + "\n")
    click.echo("\n".join(printable(line) for line in found.doc.split("\n")))
    if found.options:
        click.echo("\nOptions (defaults):")
        for key, value in sorted(found.options.items()):
            click.echo(printable(f"  {key}: {value!r}"))
    from .examples import explain_text  # the rule's example repositories, as the tests run them

    if examples := explain_text(found.name):
        click.echo(f"\n{examples}", nl=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["mermaid", "dot", "json"]), default="mermaid",
              show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path))
@click.option("--markdown", is_flag=True,
              help="Wrap Mermaid in a ```mermaid block, to paste into a GitHub comment.")
@click.option("--expand-matrix", is_flag=True,
              help="Draw every matrix leg as its own job (default: one node per matrix job, with its leg "
                   "count); with --format json, the whole view as policies select on it.")
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write the graph to a file.")
def graph(paths: tuple[Path, ...], output_format: str, config_path: Path | None, markdown: bool,
          expand_matrix: bool, output: Path | None) -> None:
    """Print the normalised job DAG: approvals, deploys, contexts and environments marked."""
    from .graph import MERMAID_MAX_TEXT, render_graph
    from .run import NoPipelineFiles, load_one_project

    _collector_off()
    try:
        project = load_one_project(list(paths) or [Path(".")], config_path, "graph")
    except NoPipelineFiles:  # said on stderr already
        _exit(EXIT_ERROR)
    except UsageError as exc:
        _fail(str(exc))
    text = render_graph(project, output_format, expand_matrix=expand_matrix)
    if output_format == "mermaid" and len(text) > MERMAID_MAX_TEXT:
        click.echo(f"cilint: warning: the diagram has {len(text):,} characters, more than Mermaid draws by "
                   f"default ({MERMAID_MAX_TEXT:,}, `maxTextSize`): graph fewer files (name them), or use "
                   "--format dot", err=True)
    if markdown and output_format == "mermaid":
        fence = markdown_fence(text)
        text = f"{fence}mermaid\n{text}{fence}\n"
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot write {output}: {exc.strerror or exc}")
    else:
        _out(text, nl=False)
    _exit(EXIT_OK)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("--config", "config_path", type=click.Path(path_type=Path))
def inventory(paths: tuple[Path, ...], output_format: str, config_path: Path | None) -> None:
    """List per pipeline its jobs, images, actions/orbs and their pins, secrets and their
    sources, and deploy targets with their gates."""
    from .inventory import render_inventory
    from .run import NoPipelineFiles, load_one_project

    _collector_off()
    try:
        project = load_one_project(list(paths) or [Path(".")], config_path, "inventory")
    except NoPipelineFiles:  # said on stderr already
        _exit(EXIT_ERROR)
    except UsageError as exc:
        _fail(str(exc))
    _out(render_inventory(project, output_format), nl=False)
    _exit(EXIT_OK)


@main.command()
@click.option("--show", is_flag=True, help="Print the effective configuration.")
@click.option("--config", "config_path", type=click.Path(path_type=Path))
@click.argument("path", required=False, type=click.Path(path_type=Path))
def config(show: bool, config_path: Path | None, path: Path | None) -> None:
    """Show the effective configuration."""
    import json

    from .config import ConfigError, config_as_dict, load_config

    try:
        loaded = load_config(config_path, path or Path("."))
    except ConfigError as exc:
        _fail(str(exc))
    data: dict[str, Any] = config_as_dict(loaded)
    _out(json.dumps(data, indent=2, sort_keys=True))
