"""The ``izhi-dyn`` command line: one subcommand per module in :mod:`izhi_dyn.commands`."""

from __future__ import annotations

import argparse
import re
import sys

from izhi_dyn import _validation as check
from izhi_dyn.commands import COMMANDS
from izhi_dyn.core.integrators import get_integrator

__all__ = ['main', 'build_parser']


def build_parser() -> argparse.ArgumentParser:
    """Parser with one subcommand per entry of :data:`izhi_dyn.commands.COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog='izhi-dyn', description='The Izhikevich neuron model on BrainPy: simulations and figures.'
    )
    sub = parser.add_subparsers(dest='command', required=True)
    for command in COMMANDS:
        command_parser = sub.add_parser(command.NAME, help=command.HELP, description=_plain(command.__doc__))
        command.add_arguments(command_parser)
        command_parser.set_defaults(run=command.run, command_parser=command_parser)
    return parser


def _plain(text: str) -> str:
    """``text`` with its reST literals and roles (double backquotes, ``:mod:``) reduced to their content."""
    return re.sub(r'``([^`]+)``|:\w+:`([^`]+)`', lambda m: m.group(1) or m.group(2), text)


#: Range checks of the numeric and named flags shared by the subcommands (by destination).
_FLAG_CHECKS = {
    **{dest: lambda d, v: check.check_int(d, v, lower=1)
       for dest in ('n', 'k', 'devices', 'chunk', 'processes', 'num_processes')},
    **{dest: lambda d, v: check.check_int(d, v, lower=0) for dest in ('seed', 'process_id')},
    'duration': lambda d, v: check.check_real(d, v, lower=0.0),
    'dt': lambda d, v: check.check_real(d, v, lower=0.0, strict=True),
    'checkpoint_every': lambda d, v: check.check_real(d, v, lower=0.0, strict=True),
    'method': lambda d, v: get_integrator(v),
}


def _check_flags(args) -> None:
    """Exit through argparse (status 2, usage and message) on the first flag out of range."""
    for dest, rule in _FLAG_CHECKS.items():
        value = getattr(args, dest, None)
        if value is None:
            continue
        try:
            rule(dest, value)
        except (ValueError, TypeError) as err:
            args.command_parser.error(f"argument --{dest.replace('_', '-')}: {err}")


def main(argv=None) -> int:
    """Entry point of the ``izhi-dyn`` console script."""
    args = build_parser().parse_args(argv)
    _check_flags(args)
    return int(args.run(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
