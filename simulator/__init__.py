"""Fleet simulator: the real control-plane handlers driving a simulated fleet on moto.

``python -m simulator --scenario step`` (or ``make demo``) runs a scenario on a
simulated clock: SageMaker that takes minutes to add instances, async queues
served at a per-instance-type rate, Application Auto Scaling target tracking,
and the handlers from ``lambda_src/fleet_autoscaler`` called exactly as AWS
would call them.
"""

import sys
from pathlib import Path

_LAMBDA_SRC = str(Path(__file__).resolve().parents[1] / "lambda_src")
if _LAMBDA_SRC not in sys.path:
    # The control plane ships as Lambda sources, not as an installed package.
    sys.path.insert(0, _LAMBDA_SRC)
