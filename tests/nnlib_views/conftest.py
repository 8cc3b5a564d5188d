"""Tests of nnlib.views.plot and nnlib.views.widgets draw off screen with the Agg backend."""

import matplotlib

matplotlib.use("Agg")
