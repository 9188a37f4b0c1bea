// SIGTERM and SIGUSR1 (a batch system's time limit or preemption, e.g.
// `#SBATCH --signal=B:USR1@120`, or `scontrol requeue`) ask the run to stop
// at the next interval boundary and write a checkpoint, instead of ending
// the process at once.
#pragma once

#include <atomic>

namespace microcircuit {

class StopSignals {
public:
    // Installs the handlers (once per process).
    StopSignals();
    const std::atomic<bool>* flag() const;
    // The signal that set the flag, 0 if none.
    int received() const;
};

} // namespace microcircuit
