// The files of a run in simulation.data_path: spikes.h5 (SONATA spikes,
// voltages when recorded, and the run's metadata) and report.json. Existing
// output is refused unless simulation.overwrite_files is set, before anything
// is created or touched. While the run goes on the recordings grow in
// append-only journals (.spikes.journal, .voltages.journal), which a
// checkpoint refers to by length; spikes.h5 is made from them after every
// advance of the run under a temporary name and renamed once complete, so a
// crash never leaves a half-written file under a final name.
#pragma once

#include "microcircuit/checkpoint.hpp"
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
    // Collective. Checks the output directory, creates it and starts the
    // journals, or (`resume`) continues them from a checkpoint's positions,
    // cutting off what an interrupted run wrote after it. Throws
    // OutputRefused if existing output is in the way, CheckpointError if the
    // journals hold less than the checkpoint counts.
    RunOutput(Context& context, const LoadedConfig& config, const DerivedParameters& derived,
              int threads, const RecordingPositions* resume = nullptr);
    ~RunOutput();
    RunOutput(const RunOutput&) = delete;
    RunOutput& operator=(const RunOutput&) = delete;

    // The sinks that write into spikes.h5 (null where simulation.rec_dev
    // does not record): add them to the Simulator.
    SpikeSink* spike_sink();
    VoltageSink* voltage_sink();

    // Collective, after the Simulator's flush_recordings: the journals on
    // disk, and how far they reach (for a checkpoint).
    RecordingPositions sync();
    // Collective, after the Simulator's flush_recordings: writes spikes.h5
    // from the journals, complete up to `step`, the step the run has
    // reached, under a temporary name, and renames it over the previous one.
    void publish(std::uint64_t step);
    // Collective: the journals removed, once the run is complete and they
    // are not kept for a checkpoint that extends it later.
    void remove_journals();
    // Rank 0: the checkpoint (and any half-written one) removed.
    void remove_checkpoint() const;
    // Rank 0 writes report.json (atomically).
    void write_report(const RunSummary& summary) const;

    const std::string& spikes_path() const;
    const std::string& report_path() const;
    const std::string& checkpoint_path() const;

private:
    struct Files;
    std::unique_ptr<Files> files_;
};

} // namespace microcircuit
