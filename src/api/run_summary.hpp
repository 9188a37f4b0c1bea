// The summary of a finished run, gathered over all ranks: what report.json
// and the console show.
#pragma once

#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/simulator.hpp"

namespace microcircuit {

// Collective. `phases` are this rank's wall times and `sim_phase_ms` the
// simulated time they include after the warm-up; the summary holds each
// phase's slowest rank, the peak memory, the counts and the configuration.
RunSummary summarize_run(Context& context, const Simulator& simulator, const LoadedConfig& config,
                         const PhaseTimes& phases, double sim_phase_ms);

} // namespace microcircuit
