"""Control plane that autoscales several SageMaker endpoints as one fleet.

The package runs in AWS Lambda with nothing but the standard library and the
boto3 that the Python runtime ships. Handlers live in ``handlers/``; they
parse an event, call the controller and shape the response.
"""

__version__ = "0.1.0"
