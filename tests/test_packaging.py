"""The wheel carries data/, and the library finds it when installed outside the checkout.

Builds the wheel offline (no build isolation: hatchling comes with the ``test`` extra),
installs it into a fresh virtualenv in a temporary directory and reads data files through the
library's loader from there. The editable install the test suite runs under is the other case
(every test that loads data proves it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pydantic
import pytest

import lambda_perms
from lambda_perms import _data
from tests._support import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(out), str(ROOT)],
        check=True,
        cwd=out,
    )  # fmt: skip
    (built,) = out.glob("lambda_perms-*.whl")
    return built


def test_wheel_contains_the_data_tree(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"lambda_perms/data/{p.relative_to(ROOT / 'data').as_posix()}"
        for p in (ROOT / "data").rglob("*")
        if p.is_file()
    }
    assert shipped, "data/ is empty"
    assert shipped <= names
    assert "lambda_perms/py.typed" in names


def test_wheel_carries_the_licence(wheel: Path) -> None:
    """``pip show`` and the wheel's metadata name the licence, and the wheel holds its text."""
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    headers = archive.read(metadata).decode().split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers
    assert "License-File: LICENSE" in headers
    licence = metadata.replace("METADATA", "licenses/LICENSE")
    assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()


def test_installed_wheel_reads_its_data_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-deps", "--no-index", str(wheel)],
        check=True,
        cwd=tmp_path,
    )  # fmt: skip
    # The runtime dependency (pydantic) comes from this interpreter's site-packages, appended
    # after the new environment's own, so lambda_perms itself resolves to the installed wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    dependency_dir = Path(pydantic.__file__).resolve().parent.parent
    Path(site, "outer-dependencies.pth").write_text(f"{dependency_dir}\n")
    script = (
        "import json, lambda_perms\n"
        "from lambda_perms import _data\n"
        "print(json.dumps({'module': lambda_perms.__file__, 'root': str(_data.data_root()),\n"
        "                  'index': _data.read_text('index.toml'),\n"
        "                  'checkout': _data.checkout() is None}))\n"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", script],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    found = json.loads(result.stdout)
    assert Path(found["module"]).resolve().is_relative_to(env_dir.resolve())
    assert Path(found["root"]).resolve().is_relative_to(env_dir.resolve())
    assert found["index"] == (ROOT / "data" / "index.toml").read_text()
    assert found["checkout"], "an installed wheel has no checkout (no docs root to write)"


def test_checkout_or_editable_install_finds_the_top_level_data() -> None:
    root = Path(str(_data.data_root())).resolve()
    package = Path(lambda_perms.__file__).resolve().parent
    assert root in (package / "data", package.parent / "data")
    assert _data.read_text("index.toml").startswith("#")
    assert _data.checkout() == ROOT
