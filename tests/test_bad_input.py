"""Malformed manifest, prompt or tenant file: one line naming the file and field, exit code 2."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import cli

GOOD_PROMPT = """name: p
description: d
template: '<message role="user">{{$task}}</message>'
input_variables:
  - name: task
    description: t
"""

MANIFEST = """Descriptor:
  Name: Bad.Plugin
  Description: x
SkillGroups:
  - Format: Agent
    Skills:
      - Name: Act
        Description: acts
        Settings:
          Prompt: p
"""


def _content(root: Path, manifest: str = MANIFEST, prompt: str = GOOD_PROMPT) -> Path:
    (root / "plugins").mkdir(parents=True)
    (root / "prompts").mkdir()
    (root / "plugins" / "bad.yaml").write_text(manifest)
    (root / "prompts" / "p.yaml").write_text(prompt)
    return root


def _one_line_error(code: int, err: str) -> str:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_good_extra_content_validates(tmp_path) -> None:
    code, out, err = cli("plugins", "validate", str(_content(tmp_path)))
    assert code == 0, err


def test_malformed_manifest(tmp_path) -> None:
    root = _content(tmp_path, MANIFEST.replace("Description: acts", "Descripton: acts"))
    line = _one_line_error(*cli("plugins", "validate", str(root))[::2])
    assert "bad.yaml" in line and "SkillGroups[0].Skills[0]" in line and "Description" in line


def test_malformed_prompt(tmp_path) -> None:
    root = _content(tmp_path, prompt=GOOD_PROMPT.replace("{{$task}}", "{{$tasks}}"))
    line = _one_line_error(*cli("plugins", "validate", str(root))[::2])
    assert "p.yaml" in line and "tasks" in line


def test_malformed_tenant_file(tmp_path) -> None:
    tenant = tmp_path / "tenant.yaml"
    tenant.write_text("organization: {id: o1, displayName: O}\nusers:\n  - displayName: no id\n")
    line = _one_line_error(*cli("analyze", "--tenant", f"fixture:{tenant}")[::2])
    assert "tenant.yaml" in line and "users[0]" in line and "id" in line


def test_unknown_tenant_spec(tmp_path) -> None:
    line = _one_line_error(*cli("analyze", "--tenant", str(tmp_path / "missing"))[::2])
    assert "missing" in line
