"""``lambda-perms policy --template`` over the whole template corpus, pinned byte for byte.

Every corpus template's policy (default and ``--tight`` for ``sam deploy``; ``sam delete``)
is compared with ``tests/fixtures/template-policies/``. A change in any of them is a change in
what users are told to grant: rewrite the files with ``LAMBDA_PERMS_UPDATE_GOLDEN=1`` only on
purpose, after reading the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_perms.cli import main
from tests._support import FIXTURES, assert_golden

CORPUS = FIXTURES / "templates"
GOLDEN = FIXTURES / "template-policies"
SCOPE = ["--account", "123456789012", "--region", "eu-west-1", "--stack", "app"]
TEMPLATES = sorted(
    p.name for p in CORPUS.iterdir() if p.is_file() and p.suffix in {".yaml", ".json"}
)
MODES = {
    "deploy": ["--", "sam", "deploy"],
    "tight": ["--tight", "--", "sam", "deploy"],
    "delete": ["--", "sam", "delete"],
}


def test_corpus_is_all_there() -> None:
    assert len(TEMPLATES) >= 22


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", TEMPLATES)
def test_template_policy_is_pinned(
    name: str, mode: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["policy", "--template", str(CORPUS / name), *SCOPE, *MODES[mode]])
    captured = capsys.readouterr()
    text = f"exit {code}\n--- stdout\n{captured.out}--- stderr\n{captured.err}"
    assert_golden(GOLDEN / f"{Path(name).stem}.{mode}.txt", text)
