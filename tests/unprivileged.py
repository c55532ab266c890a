"""Run the CLI where file permissions apply, for tests of unreadable and read-only folders.

Root (as on CI and the development machines) is let through by every permission check: the
capabilities CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH. The command is run in a child that has
dropped them from its bounding set before exec, so the real kernel checks apply to it as to
any user. Where that is not possible the test is skipped with the reason.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_PR_CAPBSET_DROP = 24
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_capabilities() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_unprivileged(workdir: Path, args: list[str],
                     prepare: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m dhr_graph ARGS` in `workdir`, with permissions enforced; `prepare` runs first
    (e.g. a chmod) and its changes are undone by the caller's tmp_path clean-up."""
    preexec = _drop_file_capabilities if os.geteuid() == 0 else None
    probe = workdir / ".probe"
    probe.mkdir()
    probe.chmod(0o000)
    try:
        check = subprocess.run([sys.executable, "-c", f"import os; os.listdir({str(probe)!r})"],
                               preexec_fn=preexec, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot run a child without file-permission privileges: {exc}")
    finally:
        probe.chmod(0o700)
        probe.rmdir()
    if check.returncode == 0:
        pytest.skip("file permissions are not enforced for this user here")
    if prepare is not None:
        prepare()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "dhr_graph", *args], cwd=workdir, env=env,
                          preexec_fn=preexec, capture_output=True, text=True, timeout=120, check=False)
