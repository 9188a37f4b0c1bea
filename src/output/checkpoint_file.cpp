#include "output/checkpoint_file.hpp"

#include "output/kill_point.hpp"

#include "microcircuit/version.hpp"
#include "output/file_seal.hpp"
#include "output/hdf5_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <stdexcept>

namespace microcircuit {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t checkpoint_format = 1;

constexpr std::array<std::string_view, 8> restart_may_change = {
    "simulation.local_num_threads", "simulation.data_path",        "simulation.overwrite_files",
    "simulation.print_time",        "simulation.spike_buffer",     "simulation.checkpoint_interval",
    "simulation.memory_check",      "simulation.checkpoint_at_end"};

// On disk before the rename makes it the checkpoint, and the rename itself too.
void sync_path(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0 || ::fsync(fd) != 0) {
        if (fd >= 0) {
            ::close(fd);
        }
        throw std::runtime_error("cannot sync " + path);
    }
    ::close(fd);
}

// A rank's neurons are every ranks-th gid from its rank on (the round-robin
// distribution): one strided range of the neuron datasets.
ElementRange range_of(const std::vector<std::uint64_t>& gids) {
    const ElementRange range{gids.empty() ? 0 : gids[0], gids.size() > 1 ? gids[1] - gids[0] : 1,
                             gids.size()};
    for (std::size_t i = 0; i < gids.size(); ++i) {
        if (gids[i] != range.first + i * range.stride) {
            throw std::logic_error("a rank's neurons are not evenly spaced in gid");
        }
    }
    return range;
}

} // namespace

std::string checkpoint_path(const std::string& data_path) {
    return (fs::path(data_path) / "checkpoint.h5").string();
}

void write_checkpoint(const std::string& path, const Communicator& communicator,
                      CheckpointHeader header, const DynamicState& local) {
    const std::string temporary = path + ".incomplete";
    const std::uint64_t spikes = local.spike_gids.size();
    const std::uint64_t total_spikes = communicator.sum(spikes);
    const std::uint64_t first_spike = communicator.exclusive_prefix_sum(spikes);
    header.neuron_digest = communicator.sum(local.neuron_digest());
    header.spike_digest = communicator.sum(local.spike_digest());
    header.info.spikes = communicator.sum(local.spikes_emitted);
    const CheckpointInfo& info = header.info;
    {
        Hdf5File file(temporary, communicator.file_communicator());
        const hid_t root = file.id();
        write_attribute(root, "format", checkpoint_format);
        write_attribute(root, "step", info.step);
        write_attribute(root, "time_ms", info.time_ms);
        write_attribute(root, "config_yaml", info.config_yaml);
        write_attribute(root, "recorded_spikes", info.recording.spikes);
        write_attribute(root, "recorded_voltage_samples", info.recording.voltage_samples);
        write_attribute(root, "spikes", info.spikes);
        write_attribute(root, "ranks", info.ranks);
        write_attribute(root, "threads", info.threads);
        write_attribute(root, "program_version", std::string(program_version));
        write_attribute(root, "num_neurons", header.num_neurons);
        write_attribute(root, "synapse_digest", header.synapse_digest);
        write_attribute(root, "neuron_digest", header.neuron_digest);
        write_attribute(root, "spike_digest", header.spike_digest);
        const auto neurons = create_group(root, "neurons");
        const ElementRange mine = range_of(local.gids);
        write_elements(neurons.id(), "y", H5T_NATIVE_DOUBLE, header.num_neurons, mine,
                       local.y.data());
        write_elements(neurons.id(), "i_ex", H5T_NATIVE_DOUBLE, header.num_neurons, mine,
                       local.i_ex.data());
        write_elements(neurons.id(), "i_in", H5T_NATIVE_DOUBLE, header.num_neurons, mine,
                       local.i_in.data());
        write_elements(neurons.id(), "refractory", H5T_NATIVE_INT32, header.num_neurons, mine,
                       local.refractory.data());
        const auto in_flight = create_group(root, "spikes");
        const ElementRange share{first_spike, 1, spikes};
        write_elements(in_flight.id(), "gid", H5T_NATIVE_UINT64, total_spikes, share,
                       local.spike_gids.data());
        write_elements(in_flight.id(), "step", H5T_NATIVE_UINT64, total_spikes, share,
                       local.spike_steps.data());
    }
    communicator.barrier();
    std::string failure;
    if (communicator.rank() == 0) {
        try {
            seal_file(temporary);
            sync_path(temporary);
            kill_point("checkpoint_written");
            fs::rename(temporary, path);
            const fs::path directory = fs::path(path).parent_path();
            sync_path(directory.empty() ? "." : directory.string());
        } catch (const std::exception& error) {
            failure = error.what();
        }
    }
    failure = communicator.broadcast(failure);
    if (!failure.empty()) {
        throw std::runtime_error("checkpoint " + path + ": " + failure);
    }
}

CheckpointHeader read_checkpoint_header(const std::string& file_or_directory,
                                        const Communicator& communicator) {
    const std::string path = fs::is_directory(file_or_directory)
                                 ? checkpoint_path(file_or_directory)
                                 : file_or_directory;
    std::string missing;
    if (communicator.rank() == 0) {
        std::error_code error;
        if (!fs::is_regular_file(path, error)) {
            missing = path + ": no checkpoint there";
        }
    }
    missing = communicator.broadcast(missing);
    if (!missing.empty()) {
        throw CheckpointError(missing);
    }
    // Before HDF5 sees it: its parser does not survive every damaged file.
    std::string damage = communicator.rank() == 0 ? seal_problem(path) : std::string{};
    damage = communicator.broadcast(damage);
    if (!damage.empty()) {
        throw CheckpointError(path + ": damaged: " + damage);
    }
    CheckpointHeader header;
    try {
        Hdf5File file(path, communicator.file_communicator(), Hdf5File::Mode::read);
        const hid_t root = file.id();
        if (read_uint64_attribute(root, "format") != checkpoint_format) {
            throw CheckpointError(path + ": a checkpoint of another format (" +
                                  std::to_string(read_uint64_attribute(root, "format")) +
                                  "; this program reads format " +
                                  std::to_string(checkpoint_format) + ")");
        }
        CheckpointInfo& info = header.info;
        info.path = path;
        info.step = read_uint64_attribute(root, "step");
        info.time_ms = read_double_attribute(root, "time_ms");
        info.config_yaml = read_string_attribute(root, "config_yaml");
        info.recording.spikes = read_uint64_attribute(root, "recorded_spikes");
        info.recording.voltage_samples = read_uint64_attribute(root, "recorded_voltage_samples");
        info.spikes = read_uint64_attribute(root, "spikes");
        info.ranks = read_uint64_attribute(root, "ranks");
        info.threads = read_uint64_attribute(root, "threads");
        info.program_version = read_string_attribute(root, "program_version");
        header.num_neurons = read_uint64_attribute(root, "num_neurons");
        header.synapse_digest = read_uint64_attribute(root, "synapse_digest");
        header.neuron_digest = read_uint64_attribute(root, "neuron_digest");
        header.spike_digest = read_uint64_attribute(root, "spike_digest");
    } catch (const CheckpointError&) {
        throw;
    } catch (const std::exception& error) {
        throw CheckpointError(path + ": not a readable checkpoint (" + error.what() + ")");
    }
    return header;
}

DynamicState read_checkpoint_state(const CheckpointHeader& header, const Communicator& communicator,
                                   const std::vector<std::uint64_t>& gids) {
    const std::string& path = header.info.path;
    DynamicState state;
    state.step = header.info.step;
    state.gids = gids;
    state.y.resize(gids.size());
    state.i_ex.resize(gids.size());
    state.i_in.resize(gids.size());
    state.refractory.resize(gids.size());
    try {
        Hdf5File file(path, communicator.file_communicator(), Hdf5File::Mode::read);
        const auto neurons = open_group(file.id(), "neurons");
        const ElementRange mine = range_of(gids);
        read_elements(neurons.id(), "y", H5T_NATIVE_DOUBLE, mine, state.y.data());
        read_elements(neurons.id(), "i_ex", H5T_NATIVE_DOUBLE, mine, state.i_ex.data());
        read_elements(neurons.id(), "i_in", H5T_NATIVE_DOUBLE, mine, state.i_in.data());
        read_elements(neurons.id(), "refractory", H5T_NATIVE_INT32, mine, state.refractory.data());
        const auto in_flight = open_group(file.id(), "spikes");
        state.spike_gids = read_uint64_dataset(in_flight.id(), "gid");
        state.spike_steps = read_uint64_dataset(in_flight.id(), "step");
    } catch (const std::exception& error) {
        throw CheckpointError(path + ": damaged (" + error.what() + ")");
    }
    if (communicator.sum(state.neuron_digest()) != header.neuron_digest ||
        state.spike_gids.size() != state.spike_steps.size() ||
        state.spike_digest() != header.spike_digest) {
        throw CheckpointError(path + ": damaged (its data do not match the digests it was "
                                     "written with)");
    }
    state.spikes_emitted = communicator.rank() == 0 ? header.info.spikes : 0;
    return state;
}

std::string checkpoint_conflicts(const CheckpointInfo& info, const Parameters& parameters) {
    const LoadedConfig theirs =
        load_config_text(info.config_yaml, "the configuration in " + info.path, {});
    std::string differences;
    const auto& simulation = parameters.simulation;
    // A longer t_sim extends the run; one that ends before the checkpoint cannot.
    const bool extends = simulation.t_presim + simulation.t_sim >= info.time_ms;
    for (const auto& difference : differing_keys(theirs.parameters, parameters)) {
        const std::string key = difference.substr(0, difference.find(':'));
        if (key == "simulation.t_sim" && extends) {
            continue;
        }
        if (std::find(restart_may_change.begin(), restart_may_change.end(), key) ==
            restart_may_change.end()) {
            differences += (differences.empty() ? "" : "; ") + difference;
        }
    }
    if (differences.empty()) {
        return {};
    }
    return "refusing to continue from " + info.path +
           ": it was written with other settings (checkpoint vs this run): " + differences;
}

CheckpointInfo read_checkpoint_info(Context& context, const std::string& path) {
    return read_checkpoint_header(path, context.communicator()).info;
}

} // namespace microcircuit
