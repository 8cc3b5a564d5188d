"""nnlib: the small numpy reference library behind the course "Neural Networks, from one neuron to attacks on models".

Every graded exercise of the course has its reference answer here, under the same name and signature.
The functional core (activations, neuron, layers, losses, optim, gradcheck, depth, train, data) uses numpy only;
drawing (`nnlib.plot`), interaction (`nnlib.widgets`), learner feedback (`nnlib.checks`), grading
(`nnlib.grading`) and the attacks (`nnlib.security`) live in their own modules and the core never imports them.
"""
__version__ = "0.1.0"
