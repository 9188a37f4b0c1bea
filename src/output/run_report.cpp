#include "microcircuit/run_report.hpp"

#include "microcircuit/version.hpp"

#include <iomanip>
#include <sstream>

namespace microcircuit {

std::string report_json(const RunSummary& s) {
    std::ostringstream out;
    out << std::setprecision(10);
    out << "{\n"
        << "  \"program\": \"microcircuit_mpi\",\n"
        << "  \"version\": \"" << program_version << "\",\n"
        << "  \"git_commit\": \"" << git_commit << "\",\n"
        << "  \"phases_s\": {\"init\": " << s.phases.init << ", \"create\": " << s.phases.create
        << ", \"connect\": " << s.phases.connect << ", \"presim\": " << s.phases.presim
        << ", \"sim\": " << s.phases.sim << ", \"write\": " << s.phases.write << "},\n"
        << "  \"rtf\": " << s.rtf() << ",\n"
        << "  \"t_sim_ms\": " << s.t_sim_ms << ",\n"
        << "  \"peak_rss_mb\": {\"max\": " << s.peak_rss_mb_max
        << ", \"sum\": " << s.peak_rss_mb_sum << "},\n"
        << "  \"ranks\": " << s.ranks << ",\n"
        << "  \"threads\": " << s.threads << ",\n"
        << "  \"neurons\": " << s.neurons << ",\n"
        << "  \"synapses\": " << s.synapses << ",\n"
        << "  \"synapse_store_bytes\": " << s.synapse_store_bytes << ",\n"
        << "  \"bytes_per_synapse\": "
        << (s.synapses
                ? static_cast<double>(s.synapse_store_bytes) / static_cast<double>(s.synapses)
                : 0.0)
        << ",\n"
        << "  \"min_delay_steps\": " << s.min_delay_steps << ",\n"
        << "  \"spikes\": " << s.spikes << ",\n"
        << "  \"config\": " << s.config_json << "\n"
        << "}\n";
    return out.str();
}

std::string console_summary(const RunSummary& s) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(2);
    out << "Time to initialise:  " << s.phases.init << " s\n"
        << "Time to create:      " << s.phases.create << " s\n"
        << "Time to connect:     " << s.phases.connect << " s\n"
        << "Time to presimulate: " << s.phases.presim << " s\n"
        << "Time to simulate:    " << s.phases.sim << " s\n"
        << "Time to write:       " << s.phases.write << " s\n"
        << "Real-time factor:    " << std::setprecision(3) << s.rtf() << "\n"
        << std::setprecision(1) << "Peak memory:         " << s.peak_rss_mb_max
        << " MB per rank (max), " << s.peak_rss_mb_sum << " MB in all\n"
        << "Network:             " << s.neurons << " neurons, " << s.synapses << " synapses, "
        << s.spikes << " spikes, " << s.ranks << " rank(s) x " << s.threads << " thread(s)\n";
    return out.str();
}

} // namespace microcircuit
