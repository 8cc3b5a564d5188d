"""nnlib's pictures and explorers: what the lessons draw, kept apart from the numpy core.

- ``plot``: the general figures (activations, networks, decision boundaries, image grids, loss surfaces) and the
  accessibility rules every figure follows (``accessibility_problems``).
- ``depth``: lesson 04's figures (sawtooths, tent networks, units and their top inputs).
- ``training``: lesson 05's figures (step sizes, learning-rate sweeps, live loss curves, optimiser paths).
- ``widgets``: the ipywidgets explorers (neuron, non-linearity, learning rate).

Views may import the core; the core (``nnlib`` outside ``views``, ``checks`` and ``security``) never imports a view.
"""
