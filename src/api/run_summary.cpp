#include "api/run_summary.hpp"

#include "memory/memory_usage.hpp"
#include "parallel/communicator.hpp"

namespace microcircuit {

RunSummary summarize_run(Context& context, const Simulator& simulator, const LoadedConfig& config,
                         const PhaseTimes& phases, double sim_phase_ms) {
    Communicator& communicator = context.communicator();
    RunSummary summary;
    summary.phases = phases;
    for (double* phase : {&summary.phases.init, &summary.phases.create, &summary.phases.connect,
                          &summary.phases.presim, &summary.phases.sim, &summary.phases.write}) {
        *phase = communicator.max(*phase);
    }
    const double rss = peak_rss_mb();
    summary.peak_rss_mb_max = communicator.max(rss);
    summary.peak_rss_mb_sum = communicator.sum(rss);
    summary.t_sim_ms = sim_phase_ms;
    summary.time_ms = simulator.time_ms();
    summary.ranks = context.ranks();
    summary.threads = simulator.threads();
    summary.neurons = simulator.derived().num_neurons_total;
    summary.synapses = simulator.num_synapses();
    summary.synapse_store_bytes = simulator.synapse_store_bytes();
    summary.min_delay_steps = simulator.min_delay_steps();
    summary.spikes = simulator.num_spikes();
    summary.config_json = yaml_to_json(config.effective_yaml);
    return summary;
}

} // namespace microcircuit
