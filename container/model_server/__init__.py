"""Sample SageMaker inference server whose "model" burns a requested amount of CPU.

It implements the SageMaker hosting contract (``serve``, port 8080, ``GET /ping``,
``POST /invocations``) with the Python standard library only, so that a fleet of
endpoints can be load-tested before a real model exists.
"""

__version__ = "0.1.0"
