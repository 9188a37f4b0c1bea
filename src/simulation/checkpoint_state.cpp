#include "simulation/simulation.hpp"

#include "simulation/spike_word.hpp"

#include <algorithm>

namespace microcircuit {

DynamicState Simulation::capture() const {
    DynamicState state;
    state.step = cursor_.start;
    const auto& vps = network_.virtual_processes();
    for_each_neuron_by_gid(vps, [&](const VirtualProcess& vp, std::uint64_t i) {
        state.gids.push_back(network_.partition().gid_of(vp.vp, i));
        state.y.push_back(vp.neurons.y[i]);
        state.i_ex.push_back(vp.neurons.i_ex[i]);
        state.i_in.push_back(vp.neurons.i_in[i]);
        state.refractory.push_back(vp.neurons.refractory[i]);
    });
    const std::uint64_t max_delay = network_.max_delay_steps();
    for (const auto& vp : vps) {
        for (const auto& spike : vp.recent_spikes) {
            if (spike.step + max_delay >= state.step) {
                state.spike_gids.push_back(spike.gid);
                state.spike_steps.push_back(spike.step);
            }
        }
    }
    state.spikes_emitted = num_local_spikes();
    return state;
}

void Simulation::restore(const DynamicState& state) {
    const std::uint64_t step = state.step;
    auto& vps = network_.virtual_processes();
    const Partition& partition = network_.partition();
    std::size_t next = 0;
    for_each_neuron_by_gid(vps, [&](VirtualProcess& vp, std::uint64_t i) {
        vp.neurons.y[i] = state.y[next];
        vp.neurons.i_ex[i] = state.i_ex[next];
        vp.neurons.i_in[i] = state.i_in[next];
        vp.neurons.refractory[i] = state.refractory[next];
        ++next;
    });
    // Thalamic spikes follow from their streams: drawn again for the steps
    // whose synapses may still arrive.
    const std::uint64_t max_delay = network_.max_delay_steps();
    const std::uint64_t first = step > max_delay ? step - max_delay : 0;
    std::vector<std::uint64_t> thalamic;
    if (derived_.thalamic_input) {
        draw_thalamic_spikes(first, step, thalamic);
    }
    const bool separate = derived_.separate_inhibitory_input;
    const bool poisson_active = derived_.poisson_input && step >= derived_.poisson_first_step;
    for (auto& vp : vps) {
        vp.input.resize(vp.num_local, separate);
        vp.spikes[0].clear();
        vp.spikes[1].clear();
        vp.recent_spikes.clear();
        for (std::size_t s = 0; s < state.spike_gids.size(); ++s) {
            const std::uint64_t gid = state.spike_gids[s];
            const bool inhibitory = separate && !is_excitatory(derived_.population_of(gid));
            vp.input.add_spike_arriving_from(vp.synapses, gid, state.spike_steps[s], inhibitory,
                                             step);
            if (partition.vp_of(gid) == vp.vp) {
                vp.recent_spikes.push_back({gid, state.spike_steps[s]});
            }
        }
        for (const std::uint64_t spike : thalamic) {
            vp.input.add_spike_arriving_from(vp.synapses, spike >> lag_bits,
                                             first + (spike & lag_mask), false, step);
        }
        std::stable_sort(
            vp.recent_spikes.begin(), vp.recent_spikes.end(),
            [](const EmittedSpike& a, const EmittedSpike& b) { return a.step < b.step; });
        vp.input.collect(step);
        if (poisson_active) {
            // The counts of the block `step` lies in, as the step that began it drew them.
            refresh_poisson_counts(vp, step);
        }
    }
    thalamic_spikes_[0].clear();
    thalamic_spikes_[1].clear();
    delivered_.clear();
    std::fill(spikes_per_thread_.begin(), spikes_per_thread_.end(), 0);
    spikes_before_restore_ = state.spikes_emitted;
    if (voltage_recorder_ != nullptr) {
        voltage_recorder_->resume_at(step);
    }
    cursor_ = {step, 0, step};
}

} // namespace microcircuit
