"""Integrations with other libraries' training loops and metric APIs, each behind an optional extra.

ganeval.integrations.lightning: GanevalCallback (pip install ganeval[lightning]).
ganeval.integrations.torchmetrics: GanevalFID, a torchmetrics Metric (pip install ganeval[torchmetrics]).
Each module imports its library when imported; this package imports none.
"""
