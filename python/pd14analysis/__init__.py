"""Analysis and verification of PD14 microcircuit spike data.

Modules (one job each):

- ``readers``      -- load spikes (SONATA HDF5 or the PyNEST reference's text
                      output) and the run's metadata into a :class:`SpikeData`.
- ``statistics``   -- per-neuron firing rates, ISI CVs, spike-count
                      correlations, population rates and the two-sample
                      KS distance.
- ``recordings``   -- what a run did besides spiking: the stimuli of its
                      configuration, the membrane potentials it recorded.
- ``plots``        -- raster plot, rate box plot, histograms, population
                      rates, membrane potentials (PNG/SVG).
- ``figures``      -- which figures ``plot`` draws for a run and what they
                      say about it (run, stimuli, reference).
- ``verification`` -- find the matching reference set and judge a run
                      against the reference seeds.
- ``output``       -- CSV tables and JSON documents as every tool here
                      writes them (also the benchmark harness, tools/benchmark).
- ``cli``          -- the ``microcircuit-analysis`` command line.

The PD14 population data below is the one copy the tools share: this package
reads data without the engine, so it holds the engine's facts itself
(tests/python/test_model_facts.py checks that they equal the engine's).
"""

__version__ = "1.0"

POPULATIONS = ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I")
"""PD14 population names, in the order used everywhere."""

N_FULL = (20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948)
"""Full-scale population sizes (docs/model.md)."""

RATES_FULL = (0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829)
"""Full-scale mean firing rates in spikes/s (docs/model.md)."""

LAYER_LABELS = {"L23": "L2/3", "L4": "L4", "L5": "L5", "L6": "L6"}
