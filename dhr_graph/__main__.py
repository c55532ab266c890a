"""`python -m dhr_graph` runs the CLI."""

from .cli import main

main()
