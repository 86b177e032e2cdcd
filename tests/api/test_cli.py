"""``kb-answers``, the one command line: each group reaches its module's own command line."""

from __future__ import annotations

import subprocess
import sys

from api.cli import main
from indexer.settings import PROJECT_ROOT


def test_the_installed_command_lists_its_groups():
    result = subprocess.run([sys.executable, "-m", "api.cli", "--help"], capture_output=True, text=True,
                            cwd=PROJECT_ROOT, check=False)
    assert result.returncode == 0
    for group in ("serve", "index", "adapt", "tenant", "keys", "import", "demo-keys"):
        assert f"kb-answers {group}" in result.stdout or f"|{group}" in result.stdout, group
    console_script = PROJECT_ROOT / ".venv" / "bin" / "kb-answers"
    if console_script.is_file():  # installed by make install (pyproject's [project.scripts])
        installed = subprocess.run([str(console_script), "--help"], capture_output=True, text=True, check=False)
        assert installed.stdout == result.stdout


def test_an_unknown_or_missing_command_says_what_there_is(capsys):
    assert main(["reindex"]) == 2
    assert "unknown command 'reindex'; one of serve, index, adapt" in capsys.readouterr().err
    assert main([]) == 2
    assert "kb-answers serve" in capsys.readouterr().out


def test_groups_reach_the_admin_and_index_command_lines(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KB_STORE_PATH", str(tmp_path / "store.sqlite3"))
    assert main(["tenant", "create", "acme"]) == 0
    assert main(["keys", "create", "--tenant", "acme", "--scopes", "search", "--name", "box"]) == 0
    assert main(["keys", "list", "--tenant", "acme"]) == 0
    assert "box" in capsys.readouterr().out
    assert main(["index", "rebuild", "--tenant", "nobody", "--store", str(tmp_path / "store.sqlite3")]) == 2
    assert "no tenant 'nobody'" in capsys.readouterr().err
    assert main(["index", "build", "--kb", str(tmp_path / "missing")]) == 2
    assert "knowledge base error" in capsys.readouterr().err
