// The files of a run in simulation.data_path: spikes.h5 (SONATA spikes,
// voltages when recorded, and the run's metadata) and report.json. Existing
// output is refused unless simulation.overwrite_files is set, before anything
// is created or touched; files are written under temporary names and renamed
// only once complete, so a crash never leaves a half-written file under a
// final name.
#pragma once

#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/recording.hpp"
#include "microcircuit/run_report.hpp"

#include <memory>
#include <string>

namespace microcircuit {

// Existing output in the way (a ConfigError: bad input, found before any output).
class OutputRefused : public ConfigError {
public:
    using ConfigError::ConfigError;
};

class RunOutput {
public:
    // Collective. Checks the output directory, creates it and opens spikes.h5
    // with the run's metadata. Throws OutputRefused if existing output is in
    // the way.
    RunOutput(Context& context, const LoadedConfig& config, const DerivedParameters& derived,
              int threads);
    ~RunOutput();
    RunOutput(const RunOutput&) = delete;
    RunOutput& operator=(const RunOutput&) = delete;

    // The sinks that write into spikes.h5 (null where simulation.rec_dev
    // does not record): add them to the Simulator.
    SpikeSink* spike_sink();
    VoltageSink* voltage_sink();

    // Collective, after the Simulator's flush_recordings: closes spikes.h5
    // and gives it its final name.
    void finish();
    // Rank 0 writes report.json (atomically).
    void write_report(const RunSummary& summary) const;

    const std::string& spikes_path() const;
    const std::string& report_path() const;

private:
    struct Files;
    std::unique_ptr<Files> files_;
};

} // namespace microcircuit
