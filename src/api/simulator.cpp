#include "microcircuit/simulator.hpp"

#include "parallel/communicator.hpp"
#include "parallel/partition.hpp"
#include "recording/spike_recorder.hpp"
#include "recording/voltage_recorder.hpp"
#include "simulation/network.hpp"
#include "simulation/simulation.hpp"

#include <omp.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace microcircuit {

struct Simulator::State {
    State(Context& context, const Parameters& parameters_)
        : communicator(context.communicator()), parameters(parameters_),
          derived(derive_parameters(parameters_)),
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
};

Simulator::Simulator(Context& context, const Parameters& parameters)
    : state_(std::make_unique<State>(context, parameters)) {
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
    State& s = *state_;
    if (!s.connected) {
        throw std::logic_error("simulate: call create and connect first");
    }
    const double h = s.derived.resolution;
    const double steps = duration_ms / h;
    if (!(duration_ms >= 0.0) ||
        std::fabs(steps - std::round(steps)) > 1e-9 * std::max(1.0, steps)) {
        std::ostringstream message;
        message << "simulate: " << duration_ms
                << " ms is not a non-negative multiple of the resolution " << h << " ms";
        throw std::invalid_argument(message.str());
    }
    const std::uint64_t end = s.step + steps_of(duration_ms, h);
    if (end > s.derived.total_steps) {
        std::ostringstream message;
        message << "simulate: " << static_cast<double>(end) * h
                << " ms is beyond the configured run of t_presim + t_sim = "
                << static_cast<double>(s.derived.total_steps) * h << " ms";
        throw std::invalid_argument(message.str());
    }
    if (!s.simulation) {
        if (s.derived.record_spikes) {
            s.spike_recorder = std::make_unique<SpikeRecorder>(
                s.communicator, static_cast<std::size_t>(s.threads),
                spikes_buffered_per_thread(s.derived, s.partition.virtual_processes()),
                s.spike_sinks);
        }
        if (s.derived.record_voltage) {
            s.voltage_recorder = std::make_unique<VoltageRecorder>(s.derived, s.partition,
                                                                   s.communicator, s.voltage_sinks);
        }
        Simulation::Progress progress;
        if (s.progress && s.communicator.rank() == 0) {
            progress = [&s, h](std::uint64_t step) { s.progress(static_cast<double>(step) * h); };
        }
        s.simulation =
            std::make_unique<Simulation>(s.network, s.communicator, s.spike_recorder.get(),
                                         s.voltage_recorder.get(), std::move(progress));
    }
    s.simulation->run_until(end);
    s.step = end;
}

void Simulator::flush_recordings() {
    if (state_->simulation) {
        state_->simulation->finish_recording();
    }
}

double Simulator::time_ms() const {
    return static_cast<double>(state_->step) * state_->derived.resolution;
}
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
