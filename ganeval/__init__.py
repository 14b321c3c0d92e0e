"""ganeval: evaluate and diagnose Generative Adversarial Networks."""

__version__ = "0.1.0"


def score(*args, **kwargs):
    """Score generated samples against a reference; see `ganeval.scoring.score`."""
    from ganeval.scoring import score as _score

    return _score(*args, **kwargs)


def stats(*args, **kwargs):
    """Write a reference's features and statistics to a file; see `ganeval.scoring.stats`."""
    from ganeval.scoring import stats as _stats

    return _stats(*args, **kwargs)


from ganeval.errors import GanevalError  # noqa: E402  (the one exception type for user errors)
