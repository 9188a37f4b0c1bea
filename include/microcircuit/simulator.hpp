// The engine's public interface: a PD14 network built and simulated on the
// ranks and threads of a Context, in the reference's steps:
//
//   microcircuit::Context context(&argc, &argv);
//   microcircuit::Simulator simulator(context, load_config(file, {}).parameters);
//   microcircuit::SpikeCollector spikes;
//   simulator.add_spike_sink(spikes);
//   simulator.create();
//   simulator.connect();
//   simulator.simulate(500.0);  // warm-up
//   simulator.simulate(1000.0); // and on, as often as needed
//   simulator.flush_recordings();
//
// Every call is collective: all ranks make it with the same arguments.
#pragma once

#include "microcircuit/checkpoint.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/parameters.hpp"
#include "microcircuit/recording.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

namespace microcircuit {

class Simulator {
public:
    Simulator(Context& context, const Parameters& parameters);
    // With the parameters derived already (derive_parameters(parameters)).
    Simulator(Context& context, const Parameters& parameters, DerivedParameters derived);
    ~Simulator();
    Simulator(const Simulator&) = delete;
    Simulator& operator=(const Simulator&) = delete;

    const Parameters& parameters() const;
    const DerivedParameters& derived() const;
    int threads() const;

    // Where recorded spikes and voltages go (with the recording devices of
    // simulation.rec_dev); to be added before the first simulate.
    void add_spike_sink(SpikeSink& sink);
    void add_voltage_sink(VoltageSink& sink);
    // Called on rank 0 now and then during simulate with the time reached (ms).
    void set_progress(std::function<void(double time_ms)> progress);
    // Read at every min-delay interval boundary (a signal handler may set
    // it): once any rank sees it set, every rank stops simulate at the same
    // boundary, and interrupted() says so. To be set before the first simulate.
    void set_stop_flag(const std::atomic<bool>* flag);

    // Neurons and their initial state.
    void create();
    // Synapses onto this rank's neurons, the delays' extent, input buffers.
    void connect();
    // Advances the network by `duration_ms` (a multiple of the resolution),
    // as often and as far as wanted.
    void simulate(double duration_ms);
    // Advances the network to the end of step `step` (as simulate).
    void run_until(std::uint64_t step);
    // Hands what the recorders still hold to the sinks.
    void flush_recordings();
    // Whether the last simulate stopped early at the stop flag.
    bool interrupted() const;

    // Writes the dynamic state to `path` (collective, atomic: under a
    // temporary name, then renamed over the previous checkpoint). Call
    // flush_recordings first; `recording` says how far the caller's
    // recordings reach, and comes back from restore_checkpoint.
    void save_checkpoint(const std::string& path, const RecordingPositions& recording);
    // After connect, before the first simulate: continues from the checkpoint
    // at `path`. Throws CheckpointError if it was written with other
    // parameters (naming them), other synapses, or is damaged; the number of
    // ranks and threads may differ.
    RecordingPositions restore_checkpoint(const std::string& path);

    double time_ms() const;
    std::uint64_t step() const; // the next step to update
    std::uint32_t min_delay_steps() const;
    std::uint32_t max_delay_steps() const;
    // Over all ranks.
    std::uint64_t num_synapses() const;
    std::uint64_t synapse_store_bytes() const;
    std::uint64_t num_spikes() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace microcircuit
