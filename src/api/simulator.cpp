#include "microcircuit/simulator.hpp"

#include "connectivity/connectivity.hpp"
#include "microcircuit/version.hpp"
#include "output/checkpoint_file.hpp"
#include "parallel/communicator.hpp"
#include "parallel/partition.hpp"
#include "recording/spike_recorder.hpp"
#include "recording/voltage_recorder.hpp"
#include "simulation/network.hpp"
#include "simulation/simulation.hpp"

#include <omp.h>

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <utility>

namespace microcircuit {

struct Simulator::State {
    State(Context& context, const Parameters& parameters_, DerivedParameters derived_)
        : communicator(context.communicator()), parameters(parameters_),
          derived(std::move(derived_)),
          threads(context.threads_for(parameters_.simulation.local_num_threads)),
          partition(derived.num_neurons_total, communicator.size(), threads, communicator.rank()),
          network(derived, partition) {}

    Communicator& communicator;
    const Parameters parameters;
    const DerivedParameters derived;
    const int threads;
    const Partition partition;
    Network network;
    std::vector<SpikeSink*> spike_sinks;
    std::vector<VoltageSink*> voltage_sinks;
    std::function<void(double)> progress;
    bool created = false;
    bool connected = false;
    // Made at the first simulate, when the sinks are known.
    std::unique_ptr<SpikeRecorder> spike_recorder;
    std::unique_ptr<VoltageRecorder> voltage_recorder;
    std::unique_ptr<Simulation> simulation;
    std::uint64_t step = 0;
    const std::atomic<bool>* stop_flag = nullptr;
    bool interrupted = false;
    // A checkpoint read before the simulation exists, restored when it is made.
    std::unique_ptr<DynamicState> restored;
    std::optional<std::uint64_t> synapse_digest;

    void make_simulation();
    std::uint64_t network_synapse_digest();
    std::vector<std::uint64_t> local_gids() const;
};

void Simulator::State::make_simulation() {
    if (derived.record_spikes) {
        spike_recorder = std::make_unique<SpikeRecorder>(
            communicator, static_cast<std::size_t>(threads),
            spikes_buffered_per_thread(derived, partition.virtual_processes()), spike_sinks);
    }
    if (derived.record_voltage) {
        voltage_recorder =
            std::make_unique<VoltageRecorder>(derived, partition, communicator, voltage_sinks);
    }
    Simulation::Progress on_progress;
    if (progress && communicator.rank() == 0) {
        on_progress = [this, grid = derived.grid()](std::uint64_t reached) {
            progress(grid.ms(reached));
        };
    }
    simulation = std::make_unique<Simulation>(network, communicator, spike_recorder.get(),
                                              voltage_recorder.get(), std::move(on_progress));
    simulation->set_stop_flag(stop_flag);
    if (restored) {
        simulation->restore(*restored);
        restored.reset();
    }
}

std::uint64_t Simulator::State::network_synapse_digest() {
    if (!synapse_digest) {
        auto& vps = network.virtual_processes();
        std::uint64_t local = 0;
#pragma omp parallel for reduction(+ : local) num_threads(threads)
        for (std::size_t t = 0; t < vps.size(); ++t) {
            local += microcircuit::synapse_digest(vps[t].synapses, partition, vps[t].vp);
        }
        synapse_digest = communicator.sum(local);
    }
    return *synapse_digest;
}

std::vector<std::uint64_t> Simulator::State::local_gids() const {
    std::vector<std::uint64_t> gids;
    for_each_neuron_by_gid(network.virtual_processes(),
                           [&](const VirtualProcess& vp, std::uint64_t i) {
                               gids.push_back(partition.gid_of(vp.vp, i));
                           });
    return gids;
}

Simulator::Simulator(Context& context, const Parameters& parameters)
    : Simulator(context, parameters, derive_parameters(parameters)) {}

Simulator::Simulator(Context& context, const Parameters& parameters, DerivedParameters derived)
    : state_(std::make_unique<State>(context, parameters, std::move(derived))) {
    // Every parallel region of the engine uses the rank's threads.
    omp_set_num_threads(state_->threads);
}

Simulator::~Simulator() = default;

const Parameters& Simulator::parameters() const { return state_->parameters; }
const DerivedParameters& Simulator::derived() const { return state_->derived; }
int Simulator::threads() const { return state_->threads; }

void Simulator::add_spike_sink(SpikeSink& sink) {
    if (state_->simulation) {
        throw std::logic_error("spike sinks must be added before the first simulate");
    }
    state_->spike_sinks.push_back(&sink);
}

void Simulator::add_voltage_sink(VoltageSink& sink) {
    if (state_->simulation) {
        throw std::logic_error("voltage sinks must be added before the first simulate");
    }
    state_->voltage_sinks.push_back(&sink);
}

void Simulator::set_progress(std::function<void(double time_ms)> progress) {
    state_->progress = std::move(progress);
}

void Simulator::create() {
    if (state_->created) {
        throw std::logic_error("create: the network exists already");
    }
    state_->network.create();
    state_->created = true;
}

void Simulator::connect() {
    if (!state_->created || state_->connected) {
        throw std::logic_error("connect: call it once, after create");
    }
    state_->network.connect(state_->communicator);
    state_->connected = true;
}

void Simulator::simulate(double duration_ms) {
    run_until(state_->step + state_->derived.grid().steps_on_grid(duration_ms, "simulate"));
}

void Simulator::run_until(std::uint64_t step) {
    State& s = *state_;
    if (!s.connected) {
        throw std::logic_error("simulate: call create and connect first");
    }
    if (!s.simulation) {
        s.make_simulation();
    }
    s.simulation->run_until(step);
    s.step = s.simulation->step();
    s.interrupted = s.step < step;
}

void Simulator::set_stop_flag(const std::atomic<bool>* flag) {
    if (state_->simulation) {
        throw std::logic_error("the stop flag must be set before the first simulate");
    }
    state_->stop_flag = flag;
}

bool Simulator::interrupted() const { return state_->interrupted; }

void Simulator::save_checkpoint(const std::string& path, const RecordingPositions& recording) {
    State& s = *state_;
    if (!s.connected) {
        throw std::logic_error("save_checkpoint: call create and connect first");
    }
    if (!s.simulation) {
        s.make_simulation();
    }
    CheckpointHeader header;
    header.info.path = path;
    header.info.step = s.step;
    header.info.time_ms = s.derived.grid().ms(s.step);
    header.info.config_yaml = to_yaml(s.parameters);
    header.info.recording = recording;
    header.info.ranks = static_cast<std::uint64_t>(s.communicator.size());
    header.info.threads = static_cast<std::uint64_t>(s.threads);
    header.info.program_version = program_version;
    header.num_neurons = s.derived.num_neurons_total;
    header.synapse_digest = s.network_synapse_digest();
    write_checkpoint(path, s.communicator, header, s.simulation->capture());
}

RecordingPositions Simulator::restore_checkpoint(const std::string& path) {
    State& s = *state_;
    if (!s.connected || s.simulation || s.step != 0) {
        throw std::logic_error("restore_checkpoint: call it after connect, before simulate");
    }
    const CheckpointHeader header = read_checkpoint_header(path, s.communicator);
    const std::string conflicts = checkpoint_conflicts(header.info, s.parameters);
    if (!conflicts.empty()) {
        throw CheckpointError(conflicts);
    }
    const std::uint64_t digest = s.network_synapse_digest();
    if (digest != header.synapse_digest) {
        throw CheckpointError("refusing to continue from " + header.info.path +
                              ": the synapses rebuilt from the seed differ from those of the run "
                              "that wrote it (written by microcircuit_mpi " +
                              header.info.program_version + ", this is " + program_version + ")");
    }
    s.restored = std::make_unique<DynamicState>(
        read_checkpoint_state(header, s.communicator, s.local_gids()));
    s.step = header.info.step;
    RecordingPositions recording = header.info.recording;
    recording.step = header.info.step;
    return recording;
}

void Simulator::flush_recordings() {
    if (state_->simulation) {
        state_->simulation->finish_recording();
    }
}

std::uint64_t Simulator::step() const { return state_->step; }

double Simulator::time_ms() const { return state_->derived.grid().ms(state_->step); }
std::uint32_t Simulator::min_delay_steps() const { return state_->network.min_delay_steps(); }
std::uint32_t Simulator::max_delay_steps() const { return state_->network.max_delay_steps(); }

std::uint64_t Simulator::num_synapses() const {
    return state_->communicator.sum(state_->network.local_synapses());
}

std::uint64_t Simulator::synapse_store_bytes() const {
    return state_->communicator.sum(
        static_cast<std::uint64_t>(state_->network.synapse_store_bytes()));
}

std::uint64_t Simulator::num_spikes() const {
    return state_->communicator.sum(state_->simulation ? state_->simulation->num_local_spikes()
                                                       : std::uint64_t{0});
}

} // namespace microcircuit
