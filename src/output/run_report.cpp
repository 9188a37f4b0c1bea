#include "microcircuit/run_report.hpp"

#include "config/json_writer.hpp"
#include "microcircuit/version.hpp"

#include <iomanip>
#include <sstream>

namespace microcircuit {

std::string report_json(const RunSummary& s) {
    JsonWriter out;
    out.begin_object();
    out.key("program").value("microcircuit_mpi");
    out.key("version").value(program_version);
    out.key("git_commit").value(git_commit);
    out.key("phases_s").begin_object();
    out.key("init").value(s.phases.init);
    out.key("create").value(s.phases.create);
    out.key("connect").value(s.phases.connect);
    out.key("presim").value(s.phases.presim);
    out.key("sim").value(s.phases.sim);
    out.key("write").value(s.phases.write);
    out.end_object();
    out.key("rtf").value(s.rtf());
    out.key("t_sim_ms").value(s.t_sim_ms);
    out.key("time_ms").value(s.time_ms);
    out.key("peak_rss_mb").begin_object();
    out.key("max").value(s.peak_rss_mb_max);
    out.key("sum").value(s.peak_rss_mb_sum);
    out.end_object();
    out.key("ranks").value(s.ranks);
    out.key("threads").value(s.threads);
    out.key("neurons").value(s.neurons);
    out.key("synapses").value(s.synapses);
    out.key("synapse_store_bytes").value(s.synapse_store_bytes);
    out.key("bytes_per_synapse")
        .value(s.synapses != 0
                   ? static_cast<double>(s.synapse_store_bytes) / static_cast<double>(s.synapses)
                   : 0.0);
    out.key("min_delay_steps").value(s.min_delay_steps);
    out.key("spikes").value(s.spikes);
    out.key("config").literal(s.config_json);
    out.end_object();
    return out.text() + "\n";
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
