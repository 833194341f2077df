"""The ``pantau`` command. Each stage registers its own sub-commands in its own module."""

from __future__ import annotations

import click


@click.group()
@click.version_option(package_name="pantau")
def main() -> None:
    """Pantau: who did what to whom in Indonesian news, and is it escalating?"""


def _register() -> None:
    # Imported for their side effect of adding commands to ``main``.
    import importlib

    for name in ("core", "nlp", "actors", "events", "stories", "serve"):
        try:
            importlib.import_module(f"pantau.cli.{name}")
        except ModuleNotFoundError as exc:  # a stage not built yet
            if exc.name != f"pantau.cli.{name}":
                raise


_register()
