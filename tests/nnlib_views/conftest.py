"""Tests of nnlib.plot and nnlib.widgets draw off screen with the Agg backend."""
import matplotlib

matplotlib.use("Agg")
