"""CircleCI's project setting "Pass secrets to builds from forked pull requests".

By default CircleCI builds a fork's pull request without the project's environment variables and
contexts; with the setting on, a fork's pipeline gets them, and it runs the fork's code and the
fork's `.circleci/config.yml`. The setting lives in the project's settings, not in the YAML: the
configuration gives it (`.cilint.yml` `circleci: {fork_secrets: true}`), and this marks the
pull-request triggers of every CircleCI job privileged (`Trigger.privileged`).

Source: https://circleci.com/docs/guides/integration/pull-request-build-settings/ ("Pass secrets
to builds from forked pull requests"), https://circleci.com/docs/guides/integration/oss/
"""

from __future__ import annotations

from ..model import Project


def fork_secrets(project: Project, passed: bool) -> None:
    """Mark CircleCI's pull-request triggers privileged when the project passes secrets to forks."""
    if not passed:
        return
    for pipeline in project.pipelines:
        if pipeline.platform != "circleci":
            continue
        for workflow in pipeline.workflows:
            for trigger in workflow.triggers:
                if trigger.event == "pull_request":
                    trigger.privileged = True
            for job in workflow.jobs():
                for trigger in job.triggers:
                    if trigger.event == "pull_request":
                        trigger.privileged = True
