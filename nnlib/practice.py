"""Lesson 00's practice exercise: the smallest possible graded function, to learn how checks and grading work."""


def add(a, b):
    """Return ``a + b``: numbers or numpy arrays of the same shape (broadcasting as numpy does)."""
    return a + b
