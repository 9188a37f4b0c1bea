#include "microcircuit/output.hpp"

#include "microcircuit/version.hpp"
#include "output/file_seal.hpp"
#include "output/hdf5_file.hpp"
#include "output/kill_point.hpp"
#include "output/output_directory.hpp"
#include "output/recording_journal.hpp"
#include "output/sonata_spikes.hpp"
#include "output/sonata_voltages.hpp"
#include "parallel/communicator.hpp"

#include <filesystem>

namespace microcircuit {

namespace {

void write_metadata(hid_t file, const LoadedConfig& config, const DerivedParameters& derived,
                    int ranks, int threads) {
    const auto& p = config.parameters;
    write_attribute(file, "t_presim_ms", p.simulation.t_presim);
    write_attribute(file, "t_sim_ms", p.simulation.t_sim);
    write_attribute(file, "N_scaling", p.network.N_scaling);
    write_attribute(file, "K_scaling", p.network.K_scaling);
    write_attribute(file, "bg_input_type",
                    std::string(p.network.bg_input_type == BackgroundInput::dc ? "dc" : "poisson"));
    write_attribute(file, "rng_seed", static_cast<std::uint64_t>(p.simulation.rng_seed));
    write_attribute(file, "sim_resolution_ms", p.simulation.sim_resolution);
    auto metadata = create_group(file, "metadata");
    write_attribute(metadata.id(), "config_yaml", config.effective_yaml);
    write_attribute(metadata.id(), "derived_parameters_json", derived_parameters_json(derived));
    write_attribute(metadata.id(), "rng_seed", static_cast<std::uint64_t>(p.simulation.rng_seed));
    write_attribute(metadata.id(), "ranks", static_cast<std::uint64_t>(ranks));
    write_attribute(metadata.id(), "threads", static_cast<std::uint64_t>(threads));
    write_attribute(metadata.id(), "program_version", std::string(program_version));
    write_attribute(metadata.id(), "git_commit", std::string(git_commit));
}

} // namespace

struct RunOutput::Files {
    Files(Context& context, const LoadedConfig& config_, const DerivedParameters& derived_,
          int threads_)
        : communicator(context.communicator()), config(config_), derived(derived_),
          threads(threads_), paths(config_.parameters.simulation.data_path) {}

    Communicator& communicator;
    const LoadedConfig& config;
    const DerivedParameters& derived;
    int threads;
    OutputFiles paths;
    std::unique_ptr<SpikeJournal> spikes;
    std::unique_ptr<VoltageJournal> voltages;
};

RunOutput::RunOutput(Context& context, const LoadedConfig& config, const DerivedParameters& derived,
                     int threads, const RecordingPositions* resume)
    : files_(std::make_unique<Files>(context, config, derived, threads)) {
    Files& f = *files_;
    // spikes.h5 is written only at the end, but HDF5's exit handler must be
    // registered before the run's exit guard (parallel/communicator.hpp).
    initialize_hdf5();
    const bool root = f.communicator.rank() == 0;
    const std::string refusal = f.communicator.broadcast(
        root ? f.paths.refusal(config.parameters.simulation.overwrite_files, resume != nullptr)
             : "");
    if (!refusal.empty()) {
        throw OutputRefused(refusal);
    }
    if (root) {
        f.paths.create_directory();
        if (resume == nullptr) {
            // Replaced output (overwrite_files): an old checkpoint must not outlive it.
            std::filesystem::remove(f.paths.checkpoint);
        }
    }
    f.communicator.barrier();
    const bool resuming = resume != nullptr;
    if (derived.record_spikes) {
        f.spikes = std::make_unique<SpikeJournal>(f.paths.spike_journal, f.communicator, derived,
                                                  resuming, resuming ? resume->spikes : 0,
                                                  resuming ? resume->step : 0);
    }
    if (derived.record_voltage) {
        f.voltages = std::make_unique<VoltageJournal>(f.paths.voltage_journal, f.communicator,
                                                      voltage_columns(derived), resuming,
                                                      resuming ? resume->voltage_samples : 0);
    }
}

RunOutput::~RunOutput() = default;

SpikeSink* RunOutput::spike_sink() { return files_->spikes.get(); }
VoltageSink* RunOutput::voltage_sink() { return files_->voltages.get(); }

RecordingPositions RunOutput::sync() {
    RecordingPositions positions;
    if (files_->spikes) {
        files_->spikes->file().sync();
        positions.spikes = files_->spikes->file().records();
    }
    if (files_->voltages) {
        files_->voltages->file().sync();
        positions.voltage_samples = files_->voltages->file().records();
    }
    files_->communicator.barrier();
    return positions;
}

void RunOutput::publish(std::uint64_t step) {
    Files& f = *files_;
    if (f.spikes) {
        f.spikes->reach(step);
    }
    {
        Hdf5File file(f.paths.spikes_incomplete, f.communicator.file_communicator());
        write_metadata(file.id(), f.config, f.derived, f.communicator.size(), f.threads);
        if (f.spikes) {
            SonataSpikes sonata(file.id(), f.derived, f.communicator);
            f.spikes->replay(sonata);
        }
        if (f.voltages) {
            SonataVoltages sonata(file.id(), f.derived, f.communicator,
                                  f.voltages->file().records());
            f.voltages->replay(sonata);
        }
    }
    f.communicator.barrier();
    if (f.communicator.rank() == 0) {
        seal_file(f.paths.spikes_incomplete); // readers check it (pd14analysis)
        kill_point("spikes_written");
        std::filesystem::rename(f.paths.spikes_incomplete, f.paths.spikes);
    }
    f.communicator.barrier();
}

void RunOutput::remove_journals() {
    Files& f = *files_;
    for (auto* journal :
         {f.spikes ? &f.spikes->file() : nullptr, f.voltages ? &f.voltages->file() : nullptr}) {
        if (journal != nullptr) {
            journal->remove();
        }
    }
}

void RunOutput::remove_checkpoint() const {
    if (files_->communicator.rank() == 0) {
        std::filesystem::remove(files_->paths.checkpoint);
        std::filesystem::remove(files_->paths.checkpoint + ".incomplete");
    }
}

void RunOutput::write_report(const RunSummary& summary) const {
    if (files_->communicator.rank() == 0) {
        write_file_atomically(files_->paths.report, report_json(summary));
    }
}

const std::string& RunOutput::spikes_path() const { return files_->paths.spikes; }
const std::string& RunOutput::report_path() const { return files_->paths.report; }
const std::string& RunOutput::checkpoint_path() const { return files_->paths.checkpoint; }

} // namespace microcircuit
