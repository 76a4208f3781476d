"""``python -m parknews.cli``: the same command line as ``parknews``."""

from parknews.cli import main

main()
