"""The ``pantau`` command. Each stage registers its own sub-commands in its own module."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="pantau")
def main() -> None:
    """Pantau: who did what to whom in Indonesian news, and is it escalating?"""


# Imported last, for their side effect of adding their commands to ``main``.
from pantau.cli import actors, core, events, nlp, serve, stories, watch  # noqa: E402, F401
