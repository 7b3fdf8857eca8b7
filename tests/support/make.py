"""Run make targets of the repository from a test, echoing each step as it starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The Terraform chains take minutes; past this, make and everything it started are killed.
MAKE_TIMEOUT_SECONDS = 900
# Lines of the make targets that say what starts next (the rest is Terraform's output).
PROGRESS = re.compile(r"^(tf-validate|tf-test|tf-plan|compliance): |checkov --framework")


def make(*targets: str, progress: Callable[[str], None]) -> subprocess.CompletedProcess[str]:
    """Run make targets with CI=true (unless set), echoing each step as it starts."""
    command = ["make", "--no-print-directory", "-s", *targets]
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "CI": os.environ.get("CI", "true")}, start_new_session=True,
    ) as process:  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        # make and the Terraform it runs, all of them: they hold the pipes open.
        overdue = threading.Timer(MAKE_TIMEOUT_SECONDS, os.killpg, (process.pid, signal.SIGKILL))
        overdue.start()
        errors: list[str] = []
        reader = threading.Thread(target=lambda: errors.extend(process.stderr or ()))
        reader.start()
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if PROGRESS.search(line):
                progress(line.strip().replace(str(REPO) + "/", "")[:150])
        returncode = process.wait()
        overdue.cancel()
        reader.join(60)
    progress(f"make {' '.join(targets)}: exit {returncode}")
    return subprocess.CompletedProcess(command, returncode, "".join(lines), "".join(errors))
