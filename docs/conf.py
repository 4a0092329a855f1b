"""Sphinx configuration of the izhi_dyn documentation (``make docs``)."""

import argparse
import ast
import os
import pathlib
import socket
import sys

import matplotlib

matplotlib.use('Agg')

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / 'examples'))
sys.path.insert(0, str(HERE))

import izhi_dyn  # noqa: E402
from _api_names import write_api_lists  # noqa: E402
from examples_args import fast_args  # noqa: E402

# The API lists, from __all__ (see _api_names.py): written before Sphinx looks for sources, and
# included by api.rst rather than pages of their own.
write_api_lists(HERE / '_api_lists.rst', HERE / 'gen_modules')

project = 'izhi_dyn'
author = 'izhi_dyn developers'
copyright = '2025, izhi_dyn developers'
release = version = izhi_dyn.__version__

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.autosummary',
    'sphinx.ext.napoleon',
    'sphinx.ext.intersphinx',
    'sphinx.ext.mathjax',
    'sphinx.ext.doctest',
    'sphinx.ext.viewcode',
    'sphinx_gallery.gen_gallery',
]

# autosummary reads its lists from the generated files (it does not follow api.rst's includes)
autosummary_generate = ['_api_lists.rst']
autodoc_default_options = {'show-inheritance': True}
autodoc_typehints = 'description'
autodoc_member_order = 'bysource'
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_rtype = False
napoleon_use_ivar = True  # Attributes sections as fields: no duplicate of the NamedTuple members
exclude_patterns = ['_build', '_api_lists.rst']
templates_path = ['_templates']
html_static_path = ['_static']
html_theme = 'pydata_sphinx_theme'
html_title = 'izhi_dyn'
# brainpy's own classes carry docstrings that are not valid reST; keep their
# inherited members out of our pages
autodoc_inherit_docstrings = False
suppress_warnings = ['config.cache']

doctest_global_setup = 'import matplotlib\nmatplotlib.use("Agg")'

_INVENTORIES = {
    'python': ('https://docs.python.org/3', None),
    'numpy': ('https://numpy.org/doc/stable/', None),
    'jax': ('https://docs.jax.dev/en/latest/', None),
    'brainpy': ('https://brainpy.readthedocs.io/en/latest/', None),
    'matplotlib': ('https://matplotlib.org/stable/', None),
}


def _reachable(url):
    host = url.split('/')[2]
    try:
        socket.create_connection((host, 443), timeout=3).close()
        return True
    except OSError:
        return False


# Offline (CI sandboxes, this project's build machines) the inventories cannot
# be fetched and -W would fail on that alone: only reachable sites are linked,
# the other cross-references render as plain text. IZHI_DYN_DOCS_OFFLINE=1
# links none.
intersphinx_mapping = {} if os.environ.get('IZHI_DYN_DOCS_OFFLINE') == '1' else {
    name: entry for name, entry in _INVENTORIES.items() if _reachable(entry[0])}


def _reset_argv(gallery_conf, script_vars):
    """Run each example with its fast arguments unless IZHI_DYN_DOCS_FULL=1.

    Also gives the example back the ``__doc__`` and ``__file__`` it has on the
    command line (sphinx-gallery blanks the first and omits the second).
    """
    src = pathlib.Path(script_vars['src_file'])
    script_vars['example_globals'].update(__doc__=ast.get_docstring(ast.parse(src.read_text())) or '',
                                          __file__=str(src))
    out = HERE / '_build' / 'gallery-out'
    if os.environ.get('IZHI_DYN_DOCS_FULL') == '1':
        return ['--out', str(out)]
    return fast_args(script_vars['src_file'], out)


sphinx_gallery_conf = {
    'examples_dirs': str(ROOT / 'examples'),
    'gallery_dirs': 'auto_examples',
    # IZHI_DYN_DOCS_EXAMPLES: a regex of the examples to execute (default all);
    # the others are still listed, with their code and without output
    'filename_pattern': os.environ.get('IZHI_DYN_DOCS_EXAMPLES', r'\.py$'),
    # IZHI_DYN_DOCS_RERUN=1: execute them even when unchanged since the last build
    'run_stale_examples': os.environ.get('IZHI_DYN_DOCS_RERUN') == '1',
    'ignore_pattern': r'examples_args\.py$|__init__\.py$',
    'reset_argv': _reset_argv,
    'download_all_examples': False,
    'remove_config_comments': True,
    'within_subsection_order': 'FileNameSortKey',
    'abort_on_example_error': True,
}

def _drop_builtin_docstrings(app, what, name, obj, options, lines):
    """Module-level constants (dicts, tuples) would otherwise show the builtin type's docstring."""
    builtin = type(obj).__doc__
    if what in ('data', 'attribute') and isinstance(builtin, str) and '\n'.join(lines).strip() == builtin.strip():
        lines.clear()


def _write_cli_help(app):
    """``izhi-dyn <command> --help`` of every subcommand into gen_modules/cli/, for docs/cli.rst."""
    from izhi_dyn.cli import build_parser

    os.environ['COLUMNS'] = '88'  # argparse wraps to the terminal width
    out = HERE / 'gen_modules' / 'cli'
    out.mkdir(parents=True, exist_ok=True)
    main = build_parser()
    subparsers = next(a for a in main._actions if isinstance(a, argparse._SubParsersAction))
    for name, parser in {'izhi-dyn': main, **subparsers.choices}.items():
        text = parser.format_help()
        path = out / f'{name}.txt'
        if not path.is_file() or path.read_text() != text:  # unchanged files keep the build incremental
            path.write_text(text)


def setup(app):
    app.connect('autodoc-process-docstring', _drop_builtin_docstrings)
    app.connect('builder-inited', _write_cli_help)
