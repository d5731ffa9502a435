"""docs/api.md, the Python API guide, runs as a doctest so that it cannot rot."""

from __future__ import annotations

import doctest
from pathlib import Path

from tests._support import DOCS

_GUIDE = DOCS / "api.md"


def test_the_api_guide_runs() -> None:
    result = doctest.testfile(
        str(_GUIDE),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        raise_on_error=False,
        verbose=False,
    )
    assert result.attempted > 40
    assert result.failed == 0, f"{result.failed} example(s) in docs/api.md failed (see above)"


def test_the_guide_is_hand_written(tmp_path: Path) -> None:
    """``lambda-perms docs`` neither generates nor prunes docs/api.md."""
    from lambda_perms.render import docs

    assert "api.md" not in docs.render_all()
    (tmp_path / "api.md").write_text("mine\n")
    docs.write(tmp_path)
    assert (tmp_path / "api.md").read_text() == "mine\n"
