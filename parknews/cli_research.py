"""Researchers' commands (search, serve), registered on the main ``parknews`` group."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Add this module's commands to the ``parknews`` group."""
