"""The CLI documents itself: every command has help with an Examples part, and every example
runs (exit 0) on a copy of the sample shop, so the help never names a query, test or file
that does not exist.

Examples use the sample shop (no -w) or `-w myshop`, a writable copy of it, and run from a
directory where sample_data/ is the repository's; `< FILE` feeds FILE to stdin.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopsight import sample, workspace
from shopsight.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROG = ["python", "-m", "shopsight"]
STDIN = {"password.txt": "correct horse battery staple\n"}


def _help(*args: str) -> str:
    result = CliRunner().invoke(cli, [*args, "--help"], prog_name=" ".join(PROG))
    assert result.exit_code == 0, result.output
    return result.output


def examples(help_text: str) -> list[str]:
    """The command lines under `Examples:` (up to the next blank line)."""
    m = re.search(r"^ *Examples:\n\n((?: *python -m shopsight .*\n)+)", help_text, re.M)
    return [line.strip() for line in m.group(1).splitlines()] if m else []


COMMANDS = sorted(cli.commands)
EXAMPLES = [(name, ex) for name in COMMANDS for ex in examples(_help(name))]


def test_examples_are_parsed_from_the_help():
    text = (
        'Does it.\n\n  Examples:\n\n  python -m shopsight sql "select 1"\n'
        '  python -m shopsight sql "select 2" --json\n\nOptions:\n'
    )
    assert examples(text) == [
        'python -m shopsight sql "select 1"',
        'python -m shopsight sql "select 2" --json',
    ]
    assert examples("Does it.\n\nExample: python -m shopsight sql x\n") == []


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_and_examples(name):
    text = _help(name)
    assert cli.commands[name].help and cli.commands[name].help.strip()
    found = examples(text)
    assert found, f"`{name} --help` has no Examples part"
    for ex in found:
        assert shlex.split(ex)[:4] == [*PROG, name], ex


def test_the_group_help_lists_every_command():
    text = _help()
    for name in COMMANDS:
        assert re.search(rf"^  {re.escape(name)}\b", text, re.M), name


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    """The sample shop's database, put in place as the app does on first use."""
    ws = workspace.Workspace(tmp_path_factory.mktemp("sample") / "shop")
    sample.ensure_sample(ws)
    return ws.db_path


def _split(example: str) -> tuple[list[str], str | None]:
    args = shlex.split(example)[len(PROG) :]
    if "<" in args:
        i = args.index("<")
        return args[:i] + args[i + 2 :], args[i + 1]
    return args, None


@pytest.mark.parametrize(("name", "example"), EXAMPLES, ids=[e for _, e in EXAMPLES])
def test_example_runs(name, example, shop, tmp_path, monkeypatch):
    data = tmp_path / "data"
    for ws in ("sample", "myshop"):
        (data / ws).mkdir(parents=True)
        shutil.copyfile(shop, data / ws / workspace.DB_FILE)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    (cwd / "sample_data").symlink_to(ROOT / "sample_data")
    monkeypatch.setenv("SHOPSIGHT_DATA_DIR", str(data))
    monkeypatch.chdir(cwd)
    args, stdin = _split(example)
    result = CliRunner().invoke(cli, args, input=STDIN[stdin] if stdin else None)
    assert result.exit_code == 0, f"{example}\n{result.output}\n{result.exception!r}"
    assert result.stdout.strip()
