"""cilint: a pipeline policy linter for GitHub Actions and CircleCI.

The engine lives in `linter/` and the rules in `rules/` at the top of the repository; this
package links them in as `cilint.linter` and `cilint.rules` so that the installed names cannot
collide with other distributions (there is a popular `rules` package on PyPI).
"""

__version__ = "0.1.0"
