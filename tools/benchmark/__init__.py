"""The benchmark harness of microcircuit_mpi; its __main__ (`python3 tools/benchmark`) is
its command line, docs/performance.md its method.

Modules (one job each):

- ``runs``       -- one run of the simulator and its row of measurements.
- ``idle``       -- the load of other processes and the cores' speeds: wait
                    for a quiet machine, tell a disturbed run.
- ``probes``     -- the machine: its description and the probes of
                    stream_triad (bandwidth, the engine's inner loops).
- ``metrics``    -- the derived columns of a run (spikes, synaptic events,
                    the bounds).
- ``limits``     -- the limit model: the RTF the memory bandwidth allows.
- ``aggregate``  -- points over their repeats, the scaling ratios.
- ``compare``    -- the regression guard against a baseline.
- ``reference``  -- NEST's numbers and the performance targets.
- ``report``     -- the printed and Markdown tables.
- ``plots``      -- the plots.
- ``cli``        -- the command line.

Population data and the CSV and JSON writers are pd14analysis's.
"""
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
