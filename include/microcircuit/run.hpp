// One run, from its configuration to its report: what the command-line
// program and the Python package are thin front ends of (as Arbor's
// `simulation` and NEST's SimulationManager are of theirs).
//
//   microcircuit::Context context(&argc, &argv);
//   microcircuit::Run run(context, load_config("configs/default.yaml", {}));
//   run.create();
//   run.connect();
//   run.simulate(500.0);  // any duration, any number of times: t_presim and
//   run.simulate(1000.0); // t_sim are what simulate_configured runs, not a limit
//   run.finish();         // the report; the directory complete
//
// The constructor derives the parameters (once), refuses a run the nodes'
// memory cannot hold (simulation.memory_check) and a run whose output is in
// the way, before anything is built or written. After every simulate, all
// that was recorded so far is in memory (keep_recordings) and in the files
// of simulation.data_path: spikes.h5 is complete up to the time reached
// (written under a temporary name, then renamed) and report.json describes
// the run so far. Checkpoints are written at their cadence
// (simulation.checkpoint_interval) inside simulate. Every call is
// collective: all ranks make it with the same arguments.
#pragma once

#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/recording.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/simulator.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace microcircuit {

struct RunOptions {
    // The checkpoint (a file, or the directory holding checkpoint.h5) of an
    // interrupted run to continue; empty for a new run. The configuration
    // must be the checkpoint's (checkpoint_conflicts).
    std::string restart;
    // The files of simulation.data_path: spikes.h5, report.json, the
    // journals and checkpoints. Without them the recordings are kept in memory only.
    bool write_files = true;
    // Every recorded spike and voltage also in memory, on every rank.
    bool keep_recordings = false;
    // Rank 0 prints the run's messages and (simulation.print_time) its
    // progress on standard output.
    bool console = true;
    // Read at every min-delay interval boundary (a signal handler may set
    // it): every rank stops at the same boundary and simulate writes a
    // checkpoint there (and no other file, to be out quickly) and returns false.
    const std::atomic<bool>* stop_flag = nullptr;
    // When the front end started (MPI's start-up is part of the init phase).
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

class Run {
public:
    // Throws ConfigError (refused memory), OutputRefused (output in the way)
    // or CheckpointError (a restart from a checkpoint that does not fit).
    Run(Context& context, LoadedConfig config, RunOptions options = {});
    ~Run();
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // Neurons and their initial state.
    void create();
    // Synapses onto this rank's neurons; for a restart, then the
    // checkpoint's state and the recordings it refers to.
    void connect();
    // Advances by `duration_ms` (a multiple of the resolution). Returns
    // false if the stop flag stopped it early (after writing a checkpoint).
    bool simulate(double duration_ms);
    // Advances to t_presim + t_sim (or as far as the stop flag lets it).
    bool simulate_configured();
    // Writes the final report and removes what only an unfinished run needs
    // (the journals and the checkpoint, unless simulation.checkpoint_at_end
    // keeps them to extend the run later). The run may not go on after it.
    void finish();

    const LoadedConfig& config() const;
    const DerivedParameters& derived() const;
    const Simulator& simulator() const;
    double time_ms() const;
    // Null unless keep_recordings.
    const SpikeCollector* spikes() const;
    const VoltageCollector* voltages() const;
    // Collective: the run so far, as report.json holds it.
    RunSummary summary() const;
    // Empty without write_files.
    std::string spikes_path() const;
    std::string report_path() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Collective. Whether `path` (a run's directory, or its checkpoint) holds a
// finished run: its report written and no checkpoint left to continue from,
// so that a restart has nothing to do. If so, what a kill during its
// finishing may have left beside its files (the journals, temporary files)
// is removed.
bool finished_run_in(Context& context, const std::string& path);

} // namespace microcircuit
