"""Lambda entry points: one module per function (router, scaling API, events, reconciler)."""
