"""`python -m adapters.cli` is the same as the `leaders` command."""

from adapters.cli.main import cli

cli(prog_name="leaders")
