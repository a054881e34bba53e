"""Filters, conditions and schedules: which pushes, pull requests, tags and schedules start a job.

* a workflow job's `filters` (`branches`/`tags` with `only`/`ignore`, or an expression string such as
  `pipeline.git.branch == "main"`) are read by `job_filter`;
* a workflow's `when`/`unless` logic statement is kept as written (`condition`) and read, in the
  forms we can (`equal`, `matches`, `not`, `and`, `or` negated, expression strings), as a narrowing
  of branches and tags (`when_narrowing`, `logic_filter`);
* a workflow's `triggers: [{schedule: {cron, filters}}]` become schedule triggers;
* a `Narrowing` (what filters say) becomes a `Reach` (who can start the job): a filter admitting
  only the default branch keeps pull requests out, tags run only with tag filters; reach then flows
  along `requires` (`propagate`), and ends as the model's `Trigger`s (`triggers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..loadutil import TemplatePattern, as_list, items_with_pos, scalar_str
from ..model import JobGraph, JobRun, Text, Trigger, Workflow
from ..yamlsrc import Pos, YMap
from .context import Config, Leg, Scope
from .parameters import is_reference_only, subst, text_at, whole_arg
from .values import is_scalar

# Branches taken for the default branch when judging whether a filter admits pull-request branches.
DEFAULT_BRANCHES = frozenset({"main", "master"})
# Filter patterns that match every branch or tag.
MATCH_ALL = frozenset({"/.*/", "/.+/", "/^.*$/", "/^.+$/"})
MAX_CONDITION_DEPTH = 12

_BRANCH_VALUE = re.compile(r"<<\s*pipeline\.git\.branch\s*>>")
# One clause of an expression filter: `pipeline.git.branch == "main"`.
_CLAUSE = re.compile(
    r"pipeline\.git\.(branch|tag)\s*(==|!=|starts-with|matches)\s*([\"'])(.*?)\3"
)


@dataclass
class Reach:
    """Which pushes and pull requests can start a job."""

    branches: bool
    only: list[str] | None
    ignore: list[str] | None
    pull_request: bool
    tags: list[str] | None
    tags_ignore: list[str] | None
    certain: bool = True  # False: only a condition we could not read lets it through


@dataclass
class Narrowing:
    """What filters or a condition say about branches and tags (`branch_filter`-style lists), and
    whether all of it could be read."""

    lists: dict[str, list[str]] = field(default_factory=dict)
    certain: bool = True


# A job's filters as read, and where they are written.
Filter = tuple[Narrowing, Pos | None]


# -- reading them from the config ----------------------------------------------------------------


def condition(config: Config, body: YMap) -> Text | None:
    """`when`/`unless` as written; `unless: X` reads `{not: X}`."""
    for key, negate in (("when", False), ("unless", True)):
        if key in body:
            value, pos = body[key], body.pos_of(key)
            if not negate and isinstance(value, str):
                return config.src.text(value, pos)
            written = flow(value)
            return Text("{not: " + written + "}" if negate else written, config.span(pos))
    return None


def schedule_triggers(config: Config, body: YMap) -> list[Trigger]:
    """A workflow's `triggers: [{schedule: {cron, filters}}]`."""
    out: list[Trigger] = []
    for item, pos in items_with_pos(body.get("triggers")):
        schedule = item.get("schedule") if isinstance(item, YMap) else None
        if not isinstance(schedule, YMap):
            config.parse_error("a workflow trigger must be `schedule: {cron, filters}`", pos)
            continue
        branches = _section(schedule.get("filters"), "branches")
        cron = schedule.get("cron")
        out.append(Trigger(
            "schedule", config.span(pos),
            branches=_patterns(branches.get("only")), branches_ignore=_patterns(branches.get("ignore")),
            cron=scalar_str(cron) if cron is not None else None,
        ))
    return out


def when_narrowing(config: Config, body: YMap, gate: Gate | None = None) -> Narrowing:
    """What a workflow's `when`/`unless` says about branches and tags, in a pipeline that a push
    starts (or, with a `gate`, the trigger that sets the pipeline values it needs)."""
    for key, negate in (("when", False), ("unless", True)):
        if key in body:
            value = body[key]
            # A pipeline parameter whose default lets the workflow run: it runs unless told not to.
            runs = "false" if negate else "true"
            if isinstance(value, str) and subst(config, value, config.base)[0].strip() == runs:
                return Narrowing()
            values = gate.values if gate is not None else push_values(config)
            return logic_filter(value, negate, 0, partial(truth, config, scope=config.base, pipeline=values))
    return Narrowing()


# What a pipeline started by a push (a webhook) gives the pipeline values a workflow condition may
# read besides the parameters' defaults (CircleCI docs, "Pipeline values": `trigger_source` is
# `webhook` for a push, `api` for an API call, `scheduled_pipeline` for a scheduled pipeline;
# `schedule.name` is empty unless a schedule started it).
PUSH_VALUES: dict[str, str] = {"trigger_source": "webhook", "schedule.name": ""}
# The trigger that gives a pipeline value what a push does not: by value (trigger_source), else by
# name. Pipeline parameters are set by an API call (or a scheduled pipeline that sets them): "api".
GATE_EVENTS: dict[str, str] = {
    "trigger_source=scheduled_pipeline": "schedule",
    "trigger_source=api": "api",
    "trigger_source": "api",  # `explicit` (the web app's "Trigger pipeline") and others
    "schedule.name": "schedule",
}


@dataclass
class Gate:
    """A workflow whose `when`/`unless` keeps it from running in a pipeline a push starts: what
    starts it instead, and the pipeline values that trigger sets (`run-deploy=true`)."""

    event: str
    settings: list[str]
    values: dict[str, Any]


def push_values(config: Config) -> dict[str, Any]:
    """Pipeline values as a push sets them: the parameters' defaults, `PUSH_VALUES`."""
    return {**PUSH_VALUES, **{f"parameters.{k}": v for k, v in config.pipeline.parameters.items()}}


def parameter_gates(config: Config, body: YMap) -> list[Gate]:
    """The triggers a workflow needs when its condition, with the values a push gives, is false
    (`when: << pipeline.parameters.run-deploy >>` with default false): each single value that lets
    it run (a boolean flipped, a value it is compared with), then the others set together (an `and`
    of several comparisons: a schedule's source and name). None: a push may run it."""
    statement = _statement_of(body)
    if statement is None:
        return []
    pushed = push_values(config)
    if truth(config, statement, config.base, pushed) is not False:
        return []
    candidates = _candidates(statement, pushed)
    gates: list[Gate] = []
    alone: set[str] = set()
    for name, value in candidates:
        gate = _gate(config, statement, pushed, [(name, value)])
        if gate is not None and name not in alone:
            alone.add(name)
            gates.append(gate)
    together = list({n: (n, v) for n, v in reversed(candidates) if n not in alone}.values())[::-1]
    gate = _gate(config, statement, pushed, together) if len(together) > 1 else None
    return [*gates, gate] if gate is not None else gates


def _gate(config: Config, statement: Any, pushed: dict[str, Any], setting: list[tuple[str, Any]]) -> Gate | None:
    """The trigger that gives the pipeline values of `setting`, if they let the workflow run."""
    values = {**pushed, **dict(setting)}
    if truth(config, statement, config.base, values) is False:
        return None
    events = [GATE_EVENTS.get(f"{n}={_canonical(v)}", GATE_EVENTS.get(n, "api")) for n, v in setting]
    shown = [f"{n.removeprefix('parameters.')}={_canonical(v)}" for n, v in setting if n != "trigger_source"]
    return Gate("schedule" if "schedule" in events else events[0], shown, values)


def _statement_of(body: YMap) -> Any:
    """The workflow's `when`, or its `unless` as `{not: ...}`, when it reads pipeline values."""
    for key, negate in (("when", False), ("unless", True)):
        if key in body:
            value = body[key]
            if not _PIPELINE_VALUE.search(flow(value)):
                return None
            if negate:
                wrapped = YMap(body.pos_of(key))
                wrapped["not"] = value
                return wrapped
            return value
    return None


def _candidates(statement: Any, pushed: dict[str, Any], depth: int = 0) -> list[tuple[str, Any]]:
    """Values to try for the pipeline values a statement reads: a boolean flipped (a value read as a
    truth flips to `true`), and the literals it is compared with (`equal`, a `matches` pattern that
    is a plain word)."""
    out: list[tuple[str, Any]] = []
    if depth > MAX_CONDITION_DEPTH:
        return out
    if isinstance(statement, str):
        whole = _PIPELINE_VALUE.fullmatch(statement.strip())
        if whole is not None:
            current = pushed.get(whole[1])
            out.append((whole[1], not current if isinstance(current, bool) else True))
        return out
    if isinstance(statement, list):
        for part in statement:
            out.extend(_candidates(part, pushed, depth + 1))
        return out
    if not isinstance(statement, YMap):
        return out
    for op, arg in statement.items():
        if op == "equal" and isinstance(arg, list):
            names = [m[1] for v in arg if isinstance(v, str)
                     for m in [_PIPELINE_VALUE.fullmatch(v.strip())] if m is not None]
            literals = [v for v in arg if not (isinstance(v, str) and "<<" in v)]
            out.extend((name, literal) for name in names for literal in literals)
        elif op == "matches" and isinstance(arg, YMap):
            value, pattern = arg.get("value"), arg.get("pattern")
            whole = _PIPELINE_VALUE.fullmatch(value.strip()) if isinstance(value, str) else None
            if whole is not None and isinstance(pattern, str) and re.fullmatch(r"\^?[\w.-]+\$?", pattern):
                out.append((whole[1], pattern.strip("^$")))
        else:
            out.extend(_candidates(arg, pushed, depth + 1))
    return list(dict.fromkeys((n, _canonical(v) if not isinstance(v, bool) else v) for n, v in out))


def job_filter(config: Config, job: JobRun, leg: Leg) -> Filter:
    """The job's filters (expression filters read where we can), and where they are written."""
    raw = leg.conf.get("filters")
    if raw is None:
        return Narrowing(), None
    pos = leg.conf.key_pos_of("filters")
    if isinstance(raw, str):
        job.condition = text_at(config, raw, leg.conf.pos_of("filters"), leg.scope)[0]
        return expression_filter(job.condition.value), pos
    if not isinstance(raw, YMap):
        config.parse_error("`filters` must be a mapping (branches, tags) or an expression",
                           leg.conf.pos_of("filters"), job.qualified)
        return Narrowing(), None
    out: dict[str, list[str]] = {}
    for section in ("branches", "tags"):
        spec = raw.get(section)
        if spec is not None and not isinstance(spec, YMap):
            config.parse_error(f"`filters.{section}` must be a mapping (only, ignore)", raw.pos_of(section),
                               job.qualified)
            continue
        for which in ("only", "ignore"):
            if isinstance(spec, YMap) and which in spec:
                values = [v for v in as_list(spec[which]) if is_scalar(v) and v is not None]
                out[f"{section}_{which}"] = [subst(config, scalar_str(v), leg.scope)[0] for v in values]
    job.branch_filter = out
    return Narrowing(out), pos


def tag_upstreams(
    config: Config, workflow: Workflow, legs: list[Leg], filters: dict[str, Filter], reach: dict[str, Reach]
) -> None:
    """A job with tag filters runs on a tag only if some job it requires does: CircleCI skips
    jobs without tag filters on tags, and a job whose requirements were all skipped."""
    for leg in legs:
        if not has_tags(filters[leg.key][0]) or reach[leg.key].tags:
            continue
        # Name the jobs at fault, not tag-filtered ones that are themselves cut off (reported).
        upstream = sorted(k for k in workflow.dag.predecessors(leg.key) if not has_tags(filters[k][0]))
        if upstream:
            names = ", ".join(upstream)
            config.invalid(f"job '{leg.key}' has tag filters but the jobs it requires ({names}) have none:"
                           " it can never run on tags", leg.entry, workflow.job(leg.key).qualified)


# -- deciding a logic statement ----------------------------------------------------------------
# CircleCI's logic statements (docs: "Logic statements", "The when step"): `and`, `or`, `not`,
# `equal`, `matches: {pattern, value}`, and literal values, which count as false when they are
# false, null, 0, NaN or empty (a statement with no arguments included).
_FALSE_WORDS = frozenset({"false", "null", "0", "nan", ""})
_UNDECIDED = TemplatePattern(r"<<.*?>>", ">>")
# `<< pipeline.parameters.x >>`, `<< pipeline.trigger_source >>`: values each pipeline gets from
# what started it (`truth`'s `pipeline`, keyed `parameters.x`, `trigger_source`).
_PIPELINE_VALUE = re.compile(r"<<\s*pipeline\.((?:parameters\.)?[A-Za-z0-9_.-]+?)\s*>>")
# A string statement that is an expression (`pipeline.git.branch == "main"`), not a literal.
_EXPRESSION = re.compile(r"\bpipeline\.|==|!=|\b(and|or|not|starts-with|matches)\b")


def truth(config: Config, value: Any, scope: Scope, pipeline: dict[str, Any] | None = None,
          depth: int = 0) -> bool | None:
    """Whether a logic statement holds, when the config alone decides it: `<< parameters.x >>`
    and `<< matrix.x >>` read from `scope` (one invocation's values); `<< pipeline.parameters.x >>`
    read from `pipeline` (name -> value: the defaults, or what a trigger sets) and undecided
    without it, as are the pipeline's own values (`pipeline.git.branch`). None: undecided."""
    if depth > MAX_CONDITION_DEPTH:
        return None
    if isinstance(value, YMap):
        if not value:
            return False
        if len(value) != 1:
            return None
        op, arg = next(iter(value.items()))
        return _statement(config, str(op), arg, scope, pipeline, depth + 1)
    if isinstance(value, list):
        return bool(value) if not value else None
    leaf = _leaf(config, value, scope, pipeline)
    if leaf is _UNKNOWN or (isinstance(leaf, str) and _EXPRESSION.search(leaf)):
        return None
    return _truthy(leaf)


_UNKNOWN = object()


def _statement(config: Config, op: str, arg: Any, scope: Scope, pipeline: dict[str, Any] | None,
               depth: int) -> bool | None:
    if op == "not":
        inner = truth(config, arg, scope, pipeline, depth)
        return None if inner is None else not inner
    if op in ("and", "or"):
        parts = [truth(config, part, scope, pipeline, depth) for part in as_list(arg)]
        decisive = op == "or"  # the value that settles it: True for `or`, False for `and`
        if decisive in parts:
            return decisive
        return None if None in parts else not decisive
    if op == "equal" and isinstance(arg, list):
        leaves = [_leaf(config, v, scope, pipeline) for v in arg]
        if any(leaf is _UNKNOWN for leaf in leaves):
            return None
        return len({_canonical(leaf) for leaf in leaves}) <= 1
    if op == "matches" and isinstance(arg, YMap):
        pattern, subject = (_leaf(config, arg.get(k), scope, pipeline) for k in ("pattern", "value"))
        if pattern is _UNKNOWN or subject is _UNKNOWN or pattern is None or subject is None:
            return None
        try:  # CircleCI matches the whole value (Java's `matches`)
            return re.fullmatch(_canonical(pattern), _canonical(subject)) is not None
        except re.error:
            return None
    return None


def _leaf(config: Config, value: Any, scope: Scope, pipeline: dict[str, Any] | None) -> Any:
    """A literal of a logic statement with its parameters substituted (_UNKNOWN: not decided)."""
    if isinstance(value, (YMap, list)):
        return _UNKNOWN
    if not isinstance(value, str) or "<<" not in value:
        return value
    if is_reference_only(value) and not _PIPELINE_VALUE.search(value):
        passed = whole_arg(config, value, scope)
        return _UNKNOWN if passed is None or not is_scalar(passed.value) else passed.value
    if _PIPELINE_VALUE.search(value):
        if pipeline is None:
            return _UNKNOWN
        whole = _PIPELINE_VALUE.fullmatch(value.strip())
        if whole is not None and whole[1] in pipeline:  # the value itself, whatever its type
            return pipeline[whole[1]]
        value = _PIPELINE_VALUE.sub(
            lambda m: _canonical(pipeline[m[1]]) if m[1] in pipeline else m[0], value)
    written = subst(config, value, scope)[0]
    return _UNKNOWN if _UNDECIDED.search(written) else written


def _canonical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else scalar_str(value)


def _truthy(value: Any) -> bool:
    return _canonical(value).strip().lower() not in _FALSE_WORDS


# -- what they mean ------------------------------------------------------------------------------


def _section(value: Any, key: str) -> YMap:
    found = value.get(key) if isinstance(value, YMap) else None
    return found if isinstance(found, YMap) else YMap()


def _patterns(value: Any) -> list[str] | None:
    found = [scalar_str(v) for v in as_list(value) if is_scalar(v) and v is not None]
    return found or None


def has_tags(narrowing: Narrowing) -> bool:
    return "tags_only" in narrowing.lists or "tags_ignore" in narrowing.lists


def merge_and(first: Narrowing, second: Narrowing) -> Narrowing:
    """Both narrowings hold: ignores add up; the first `only` wins (we do not intersect patterns)."""
    out = {k: list(v) for k, v in first.lists.items()}
    for key, values in second.lists.items():
        if key.endswith("_ignore"):
            out[key] = list(dict.fromkeys([*out.get(key, []), *values]))
        else:
            out.setdefault(key, list(values))
    return Narrowing(out, first.certain and second.certain)


def expression_filter(expression: str) -> Narrowing:
    """Clauses `pipeline.git.branch|tag ==|!=|starts-with|matches "x"` joined by `and`. Other
    clauses narrow nothing we can read: the job stays reachable, but not certainly."""
    if re.search(r"\bor\b|[()]", expression):
        return Narrowing(certain=False)
    out: dict[str, list[str]] = {}
    certain = True
    for clause in re.split(r"\s+and\s+", expression.strip()):
        match = _CLAUSE.fullmatch(clause.strip())
        if not match:
            certain = False
            continue
        what, op, value = match.group(1), match.group(2), match.group(4)
        pattern = {"starts-with": f"/{re.escape(value)}.*/", "matches": f"/{value}/"}.get(op, value)
        key = ("branches" if what == "branch" else "tags") + ("_ignore" if op == "!=" else "_only")
        out.setdefault(key, []).append(pattern)
    if "tags_only" in out:  # a pipeline for a tag has no branch
        out.setdefault("branches_ignore", []).append("/.*/")
    return Narrowing(out, certain)


def logic_filter(
    value: Any, negate: bool, depth: int, settle: Callable[[Any], bool | None] | None = None
) -> Narrowing:
    """What a workflow `when` (or, negated, `unless`) says about the branch, in the forms we read:
    `equal: [x, << pipeline.git.branch >>]`, `matches: {pattern, value}`, `not`, `and`, or an
    expression string; a part that `settle` (`truth` with the pipeline's values) finds true
    narrows nothing. Anything else narrows nothing, uncertainly."""
    if value is True and not negate:
        return Narrowing()
    if depth > MAX_CONDITION_DEPTH:
        return Narrowing(certain=False)
    decided = settle(value) if settle is not None else None
    if decided is not None:
        return Narrowing() if decided != negate else Narrowing(certain=False)
    if isinstance(value, str) and negate:
        return Narrowing(certain=False)
    if isinstance(value, str):
        return expression_filter(value)
    if not isinstance(value, YMap) or len(value) != 1:
        return Narrowing(certain=False)
    op, arg = next(iter(value.items()))
    if op == "not":
        return logic_filter(arg, not negate, depth + 1, settle)
    if (op == "and" and not negate) or (op == "or" and negate):  # conjunctions
        out = Narrowing()
        for part in as_list(arg):
            out = merge_and(out, logic_filter(part, negate, depth + 1, settle))
        return out
    pattern = branch_comparison(op, arg)
    if pattern is None:
        return Narrowing(certain=False)
    return Narrowing({"branches_ignore" if negate else "branches_only": [pattern]})


def branch_comparison(op: str, arg: Any) -> str | None:
    """The branch pattern of `equal: [x, << pipeline.git.branch >>]` or `matches: {pattern, value}`."""
    if op == "equal" and isinstance(arg, list) and len(arg) == 2:
        values = [scalar_str(v) for v in arg if is_scalar(v)]
        others = [v for v in values if not _BRANCH_VALUE.fullmatch(v.strip())]
        if len(values) == 2 and len(others) == 1 and "<<" not in others[0]:
            return others[0]
    if op == "matches" and isinstance(arg, YMap):
        value, pattern = arg.get("value"), arg.get("pattern")
        if isinstance(value, str) and _BRANCH_VALUE.fullmatch(value.strip()) and is_scalar(pattern):
            return f"/{scalar_str(pattern)}/"
    return None


def reach_of(narrowing: Narrowing) -> Reach:
    lists = narrowing.lists
    only = lists.get("branches_only") or None
    ignore = lists.get("branches_ignore") or None
    branches = not (ignore and any(p in MATCH_ALL for p in ignore))
    # Pull-request branches are not the default branch: a filter admitting only it keeps PRs out.
    pull_request = branches and not (only and all(b in DEFAULT_BRANCHES for b in only))
    tags_ignore = lists.get("tags_ignore") or None
    # Tags only with tag filters; `ignore` alone admits every other tag.
    tags = lists.get("tags_only") or (["/.*/"] if tags_ignore else None)
    return Reach(branches, only, ignore, pull_request, tags, tags_ignore, narrowing.certain)


def propagate(graph: JobGraph, reach: dict[str, Reach]) -> None:
    """A job runs only when one of the jobs it requires can run (CircleCI ignores filtered-out
    requirements, but a job all of whose requirements are filtered out does not run)."""
    order = graph.topological_order()
    if order is None:  # pragma: no cover - called for workflows without cycles only
        raise ValueError("the requires of the workflow form a cycle")
    for key in order:
        upstream = [reach[u] for u in graph.predecessors(key)]
        if not upstream:
            continue
        mine = reach[key]
        mine.certain = mine.certain and any(u.certain for u in upstream)
        mine.pull_request = mine.pull_request and any(u.pull_request for u in upstream)
        mine.branches = mine.branches and any(u.branches for u in upstream)
        inherited = [u.only for u in upstream if u.branches]
        if mine.branches and mine.only is None and inherited and all(o is not None for o in inherited):
            mine.only = list(dict.fromkeys(b for o in inherited for b in o or []))
            mine.pull_request = mine.pull_request and not all(b in DEFAULT_BRANCHES for b in mine.only)
        if mine.tags and not any(u.tags for u in upstream):
            mine.tags = None


def triggers(reach: Reach, span: Any) -> list[Trigger]:
    out: list[Trigger] = []
    sure = reach.certain
    if reach.branches:
        out.append(Trigger("push", span, branches=reach.only, branches_ignore=reach.ignore, certain=sure))
    if reach.pull_request:
        # Someone outside the team can open a pull request from a fork; its pipeline gets the
        # project's secrets only when the project passes them to forks (`fork_secrets` below).
        out.append(Trigger("pull_request", span, certain=sure, outsider=True))
    if reach.tags:
        out.append(Trigger("push", span, tags=reach.tags, tags_ignore=reach.tags_ignore, certain=sure))
    return out


def flow(value: Any, depth: int = 0) -> str:
    """A logic statement in compact flow style: `{equal: [main, << pipeline.git.branch >>]}`."""
    if depth > MAX_CONDITION_DEPTH:
        return "..."
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {flow(v, depth + 1)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v, depth + 1) for v in value) + "]"
    return scalar_str(value)
