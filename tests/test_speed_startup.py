"""Lazy start-up: ``import orbitqkd`` and ``orbitqkd --help`` load no heavy dependency,
and the lazily loaded names and commands are the real ones."""

import subprocess
import sys

import typer

import orbitqkd
from orbitqkd.cli.app import COMMANDS, app

HEAVY = ("pandas", "scipy", "matplotlib", "sgp4")


def _heavy(modules):
    """Heavy packages actually executed (a lazily registered pandas has no submodule yet)."""
    return {name.split(".")[0] for name in modules if "." in name} & set(HEAVY)


def _modules_after(code):
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_loads_no_heavy_dependency():
    loaded = _modules_after("import orbitqkd")
    assert not _heavy(loaded)


def test_root_help_loads_no_command_module():
    loaded = _modules_after("import contextlib, io\nfrom orbitqkd.cli import main\n"
                            "with contextlib.redirect_stdout(io.StringIO()):\n"
                            "    main(['--help'])")
    assert not _heavy(loaded)
    assert not {f"orbitqkd.cli.{m}" for m, _ in COMMANDS.values()} & loaded


def test_every_public_name_resolves_to_its_object():
    from orbitqkd.chain import candidate_passes
    from orbitqkd.validation import validate

    assert orbitqkd.candidate_passes is candidate_passes
    assert orbitqkd.validate is validate  # the function (the module is orbitqkd.validation)
    assert all(hasattr(orbitqkd, name) for name in orbitqkd.__all__)
    assert set(orbitqkd.__all__) <= set(dir(orbitqkd))


def test_listed_help_lines_are_the_commands_docstrings():
    for module in {m for m, _ in COMMANDS.values()}:
        __import__(f"orbitqkd.cli.{module}")
    group = typer.main.get_command(app)
    assert set(group.commands) == set(COMMANDS)
    for name, (module, line) in COMMANDS.items():
        command = group.commands[name]
        assert command.callback.__module__ == f"orbitqkd.cli.{module}"
        assert " ".join(command.help.split("\n\n")[0].split()) == line
