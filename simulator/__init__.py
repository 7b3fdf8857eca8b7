"""Fleet simulator: the real control-plane handlers driving a simulated fleet on moto.

``python -m simulator --scenario step`` (or ``make demo``) runs a scenario on a
simulated clock: SageMaker that takes minutes to add instances, async queues
served at a per-instance-type rate, Application Auto Scaling target tracking,
and the handlers from ``lambda_src/fleet_autoscaler`` called exactly as AWS
would call them.
"""
