// What a run reports: report.json (read by the benchmark and cluster tools)
// and the summary on the console.
#pragma once

#include <cstdint>
#include <string>

namespace microcircuit {

struct PhaseTimes {
    double init = 0.0;
    double create = 0.0;
    double connect = 0.0;
    double presim = 0.0;
    double sim = 0.0;
    double write = 0.0;
};

struct RunSummary {
    PhaseTimes phases;     // wall seconds, max over ranks
    double t_sim_ms = 0.0; // simulated time of the sim phase
    double time_ms = 0.0;  // simulated time reached
    double peak_rss_mb_max = 0.0;
    double peak_rss_mb_sum = 0.0;
    int ranks = 1;
    int threads = 1;
    std::uint64_t neurons = 0;
    std::uint64_t synapses = 0;
    std::uint64_t spikes = 0;
    std::uint64_t synapse_store_bytes = 0; // summed over ranks
    std::uint32_t min_delay_steps = 0;
    std::string config_json; // the effective configuration

    double rtf() const { return t_sim_ms > 0.0 ? phases.sim / (t_sim_ms * 1e-3) : 0.0; }
};

std::string report_json(const RunSummary& summary);
std::string console_summary(const RunSummary& summary);

} // namespace microcircuit
