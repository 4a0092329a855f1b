"""The documentation: documented commands parse, and (marker ``docs``) doctests pass and Sphinx builds with -W.

The doctests and the site run once per CI run, in their own step (``make
docs-check``: the tests marked ``docs``, left out of the default run); the site
is built without running the gallery examples (``tests/test_examples.py`` runs
them); the slow test builds it with them.
The API pages list ``__all__`` of each documented module (``docs/_api_names.py``),
so they cannot miss a public name; the build checks that each has its page.
"""

import argparse
import os
import pathlib
import re
import shlex
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / 'docs'


#: Doctest targets, one subprocess each: the core and front-ends, two subpackages, then the rest of the
#: package with the guide pages.
DOCTEST_TARGETS = {
    'core, front-ends': ['izhi_dyn/core', 'izhi_dyn/dyn', 'izhi_dyn/state'],
    'analysis': ['izhi_dyn/analysis'],
    'plotting': ['izhi_dyn/plotting'],
    'networks, top-level modules, guides': [
        'izhi_dyn/networks',
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / 'izhi_dyn').glob('[!_]*.py')),
        *sorted(str(p.relative_to(ROOT)) for p in DOCS.glob('*.rst')),
    ],
}


@pytest.mark.docs
@pytest.mark.parametrize('target', DOCTEST_TARGETS)
def test_docstring_and_guide_examples_run(target):
    """The ``>>>`` examples of the package's docstrings and of the docs/*.rst pages pass under doctest."""
    result = subprocess.run([sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-p', 'no:xdist',
                             '--doctest-modules', '--doctest-glob=*.rst', '-o', 'addopts=',
                             *DOCTEST_TARGETS[target]], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:]
    assert ' passed' in result.stdout, f'no doctest collected from {target}: {result.stdout[-500:]}'


def _sphinx_html(out, examples):
    """Build the site into ``out`` with -W; ``examples`` is the regex of gallery scripts to (re)execute."""
    pytest.importorskip('sphinx_gallery', reason='the test extra installs the docs tools: pip install -e .[test]')
    pytest.importorskip('pydata_sphinx_theme', reason='the test extra installs the docs tools: pip install -e .[test]')
    env = {**os.environ, 'IZHI_DYN_DOCS_EXAMPLES': examples, 'IZHI_DYN_DOCS_RERUN': '1'}
    return subprocess.run([sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-b', 'html', str(DOCS), str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)


def _subcommands():
    """{name: argparse parser} of every ``izhi-dyn`` subcommand."""
    from izhi_dyn.cli import build_parser

    main = build_parser()
    return next(a for a in main._actions if isinstance(a, argparse._SubParsersAction)).choices


def _rendered_site_problems(html):
    """What the built site lacks: API pages, gallery pages, rendered math, CLI sections with every flag."""
    sys.path.insert(0, str(DOCS))
    from _api_names import documented_names

    names = documented_names()
    problems = [] if 'izhi_dyn.Izhikevich' in names else ['izhi_dyn.Izhikevich missing from the API names']
    problems += [f'no API page rendered for {n}' for n in names if not (html / 'gen_modules' / f'{n}.html').is_file()]
    sys.path.insert(0, str(ROOT / 'examples'))
    from examples_args import EXAMPLES

    problems += [f'example {p.stem} missing from the gallery' for p in EXAMPLES
                 if not (html / 'auto_examples' / f'{p.stem}.html').is_file()]
    model = (html / 'model.html').read_text()
    if 'class="math' not in model or r'\frac{dV}{dt}' not in model:
        problems.append('the equations of model.rst are not rendered as math')
    sections = re.split(r'<section id="', (html / 'cli.html').read_text())
    for command, parser in _subcommands().items():
        section = next((s for s in sections if s.startswith(f'izhi-dyn-{command}"')), None)
        if section is None:
            problems.append(f'docs/cli.rst has no section "izhi-dyn {command}"')
            continue
        flags = set(re.findall(r'(?<![\w-])--[a-z][\w-]*', parser.format_help()))
        problems += [f'izhi-dyn {command} {flag} not on the CLI page' for flag in sorted(flags) if flag not in section]
    return problems


@pytest.mark.docs
def test_sphinx_builds_with_warnings_as_errors_without_running_examples(tmp_path):
    """One build (parallel test workers would race on docs/gen_modules): -W, then the rendered pages."""
    html = tmp_path / 'html'
    result = _sphinx_html(html, '^$')
    assert result.returncode == 0, result.stderr[-5000:]
    assert (html / 'index.html').is_file()
    problems = _rendered_site_problems(html)
    assert not problems, '\n'.join(problems)


@pytest.mark.docs
@pytest.mark.slow
def test_sphinx_builds_with_warnings_as_errors(tmp_path):
    """The full site: every gallery example executed (fast arguments)."""
    html = tmp_path / 'html'
    result = _sphinx_html(html, r'\.py$')
    assert result.returncode == 0, result.stderr[-5000:]
    sys.path.insert(0, str(ROOT / 'examples'))
    from examples_args import EXAMPLES

    pages = {p.stem: (html / 'auto_examples' / f'{p.stem}.html').read_text() for p in EXAMPLES}
    no_figure = [stem for stem, page in pages.items() if f'sphx_glr_{stem}_001.png' not in page]
    assert not no_figure, f'gallery pages without a figure (closed before the end of the script?): {no_figure}'


README = (ROOT / 'README.md').read_text()


def test_readme_figures_exist_are_small_and_are_shown_in_the_docs_too():
    """README images live in docs/_static (regenerated by ``make figures``); no orphan figure there."""
    shown = re.findall(r'!\[[^\]]*\]\((docs/_static/[^)]+\.png)\)', README)
    assert len(shown) >= 3, shown
    for path in shown:
        assert (ROOT / path).is_file(), f'{path} missing: run make figures'
        assert 5_000 < (ROOT / path).stat().st_size < 300_000, f'{path}: {(ROOT / path).stat().st_size} bytes'
    pages = ''.join(p.read_text() for p in DOCS.glob('*.rst'))
    orphans = [p.name for p in (DOCS / '_static').glob('*.png') if f'docs/_static/{p.name}' not in README
               and f'_static/{p.name}' not in pages]
    assert not orphans, f'figures in docs/_static shown nowhere: {orphans}'
    assert 'make figures' in README and 'figures:' in (ROOT / 'Makefile').read_text()


def _documented_commands():
    """``izhi-dyn ...`` lines of the README's bash blocks and inline code, and ``$ izhi-dyn`` lines of the CLI page."""
    blocks = re.findall(r'```bash\n(.*?)```', README, re.S)
    lines = [line.split('#')[0].strip() for block in blocks for line in block.splitlines()]
    inline = re.findall(r'`(izhi-dyn [^`]+)`', README)
    console = re.findall(r'^\s*\$ (izhi-dyn .*)$', (DOCS / 'cli.rst').read_text(), re.M)
    return [c for c in lines + inline if c.startswith('izhi-dyn ')] + console


@pytest.mark.parametrize('command', sorted(_subcommands()))
def test_cli_help_is_plain_text(command):
    """Docstrings double as the CLI descriptions: their reST markup must not reach the terminal."""
    text = _subcommands()[command].format_help()
    assert not re.search(r'``|:(mod|func|class|data|math|doc):`', text), text


def test_documented_commands_parse():
    from izhi_dyn.cli import build_parser

    commands = _documented_commands()
    assert len(commands) >= 9, commands  # every documented command line found (izhi-dyn train is gone)
    for command in commands:
        try:
            build_parser().parse_args(shlex.split(command)[1:])
        except SystemExit as exit_:
            pytest.fail(f'documented command does not parse: {command!r} (exit {exit_.code})')


@pytest.mark.slow
def test_readme_python_snippets_run(tmp_path):
    code = '\n'.join(re.findall(r'```python\n(.*?)```', README, re.S))
    assert 'izhi_dyn' in code
    result = subprocess.run([sys.executable, '-c', code], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
