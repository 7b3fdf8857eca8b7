"""Test support: AWS-shaped events, a fake clock and a SageMaker that takes its time."""
