"""The `leaders` command line (staff and operators). Entry point: `adapters.cli.main:cli`."""
