"""The command line: ``tpm-fit`` and its subcommands."""
