"""``python -m ganbench``: the same as the ``ganbench`` command."""

from ganbench.cli import main

main()
