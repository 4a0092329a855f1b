"""The ``izhi-dyn`` command line: one subcommand per module in :mod:`izhi_dyn.commands`."""

from __future__ import annotations

import argparse
import sys

from izhi_dyn.commands import COMMANDS

__all__ = ['main', 'build_parser']


def build_parser() -> argparse.ArgumentParser:
    """Parser with one subcommand per entry of :data:`izhi_dyn.commands.COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog='izhi-dyn', description='The Izhikevich neuron model on BrainPy: simulations and figures.'
    )
    sub = parser.add_subparsers(dest='command', required=True)
    for command in COMMANDS:
        command_parser = sub.add_parser(command.NAME, help=command.HELP, description=command.__doc__)
        command.add_arguments(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``izhi-dyn`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
