"""Fast command-line arguments of each example, shared by ``tests/test_examples.py`` and ``docs/conf.py``.

Not an example itself (sphinx-gallery ignores it: its name does not match the
gallery's ``filename_pattern`` of scripts to run, and ``ignore_pattern`` skips it).
"""

import pathlib

HERE = pathlib.Path(__file__).resolve().parent

#: Examples whose fast run is not ``--fast --out DIR``; ``{out}`` is replaced by the folder.
FAST_ARGS = {
    'train_spike_timing.py': ['--epochs', '2', '--out', '{out}'],
}

#: Every runnable example script.
EXAMPLES = sorted(p for p in HERE.glob('*.py') if p.name != pathlib.Path(__file__).name)


def fast_args(script, out):
    """Argument list for a quick run of ``script`` writing into ``out``."""
    args = FAST_ARGS.get(pathlib.Path(script).name, ['--fast', '--out', '{out}'])
    return [a.replace('{out}', str(out)) for a in args]
