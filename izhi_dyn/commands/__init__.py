"""Subcommands of ``izhi-dyn``: each module defines NAME, HELP, add_arguments and run."""

from izhi_dyn.commands import demo, features, network, types

#: The subcommands, in the order ``izhi-dyn --help`` lists them.
COMMANDS = (demo, network, features, types)
