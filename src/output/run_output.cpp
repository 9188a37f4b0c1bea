#include "microcircuit/output.hpp"

#include "microcircuit/version.hpp"
#include "output/hdf5_file.hpp"
#include "output/output_directory.hpp"
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
    Files(Context& context, const std::string& data_path)
        : communicator(context.communicator()), paths(data_path) {}

    Communicator& communicator;
    OutputFiles paths;
    std::unique_ptr<Hdf5File> file;
    std::unique_ptr<SonataSpikes> spikes;
    std::unique_ptr<SonataVoltages> voltages;
};

RunOutput::RunOutput(Context& context, const LoadedConfig& config, const DerivedParameters& derived,
                     int threads)
    : files_(std::make_unique<Files>(context, config.parameters.simulation.data_path)) {
    Files& f = *files_;
    const bool root = f.communicator.rank() == 0;
    const std::string refusal = f.communicator.broadcast(
        root ? f.paths.refusal(config.parameters.simulation.overwrite_files) : "");
    if (!refusal.empty()) {
        throw OutputRefused(refusal);
    }
    if (root) {
        f.paths.create_directory();
    }
    f.communicator.barrier();
    f.file = std::make_unique<Hdf5File>(f.paths.spikes_incomplete, f.communicator.comm());
    write_metadata(f.file->id(), config, derived, f.communicator.size(), threads);
    if (derived.record_spikes) {
        f.spikes = std::make_unique<SonataSpikes>(f.file->id(), derived, f.communicator);
    }
    if (derived.record_voltage) {
        f.voltages = std::make_unique<SonataVoltages>(f.file->id(), derived, f.communicator);
    }
}

RunOutput::~RunOutput() = default;

SpikeSink* RunOutput::spike_sink() { return files_->spikes.get(); }
VoltageSink* RunOutput::voltage_sink() { return files_->voltages.get(); }

void RunOutput::finish() {
    Files& f = *files_;
    f.spikes.reset();
    f.voltages.reset();
    f.file->close();
    f.communicator.barrier();
    if (f.communicator.rank() == 0) {
        std::filesystem::rename(f.paths.spikes_incomplete, f.paths.spikes);
    }
}

void RunOutput::write_report(const RunSummary& summary) const {
    if (files_->communicator.rank() == 0) {
        write_file_atomically(files_->paths.report, report_json(summary));
    }
}

const std::string& RunOutput::spikes_path() const { return files_->paths.spikes; }
const std::string& RunOutput::report_path() const { return files_->paths.report; }

} // namespace microcircuit
