#include "simulation/network.hpp"

#include "connectivity/connectivity.hpp"
#include "parallel/thread_failure.hpp"
#include "random/random.hpp"

#include <omp.h>

#include <algorithm>

namespace microcircuit {

Network::Network(const DerivedParameters& derived, const Partition& partition)
    : derived_(derived), partition_(partition) {}

void Network::create() {
    const std::uint32_t seed = derived_.rng_seed;
    vps_.resize(partition_.threads());
    ThreadFailure failure;
#pragma omp parallel num_threads(partition_.threads())
    try {
        const int thread = omp_get_thread_num();
        VirtualProcess& vp = vps_[thread];
        vp.vp = partition_.vp_of_thread(thread);
        vp.num_local = partition_.num_local(vp.vp);
        for (int p = 0; p < num_populations; ++p) {
            vp.population_begin[p] = partition_.count_below(vp.vp, derived_.first_gid[p]);
        }
        vp.population_begin[num_populations] = vp.num_local;
        vp.neurons.resize(vp.num_local);
        vp.poisson_counts.assign(vp.num_local, 0);
        vp.spiked.assign(vp.num_local, 0);
        for (int p = 0; p < num_populations; ++p) {
            const double mean = derived_.initial_potential_mean[p];
            const double sd = derived_.initial_potential_sd[p];
            for (std::uint64_t i = vp.population_begin[p]; i < vp.population_begin[p + 1]; ++i) {
                const std::uint64_t gid = partition_.gid_of(vp.vp, i);
                RandomStream stream(seed, Purpose::initial_potential,
                                    static_cast<std::uint32_t>(gid),
                                    static_cast<std::uint32_t>(gid >> 32U));
                vp.neurons.y[i] = mean + sd * stream.normal() - derived_.neuron.E_L;
            }
        }
    } catch (...) {
        failure.capture();
    }
    failure.rethrow();
}

void Network::connect(const Communicator& communicator) {
    // In-degrees: identical on every rank, drawn with all threads.
    const auto in_degrees = draw_all_in_degrees(derived_);
    ThreadFailure failure;
#pragma omp parallel num_threads(partition_.threads())
    try {
        VirtualProcess& vp = vps_[omp_get_thread_num()];
        vp.synapses = build_synapse_store(derived_, in_degrees, partition_, vp.vp);
    } catch (...) {
        failure.capture();
    }
    failure.rethrow();
    std::uint64_t local_min = synapse_max_delay_steps;
    std::uint64_t local_max = 1;
    for (const auto& vp : vps_) {
        if (!vp.synapses.synapses.empty()) {
            local_min = std::min<std::uint64_t>(local_min, vp.synapses.min_delay_steps);
            local_max = std::max<std::uint64_t>(local_max, vp.synapses.max_delay_steps_present);
        }
    }
    // The same on every rank: the exchange interval and ring size must agree.
    // A network without synapses exchanges every step.
    max_delay_steps_ = static_cast<std::uint32_t>(communicator.max(local_max));
    min_delay_steps_ = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(communicator.min(local_min), max_delay_steps_));
    ThreadFailure input_failure;
#pragma omp parallel num_threads(partition_.threads())
    try {
        VirtualProcess& vp = vps_[omp_get_thread_num()];
        vp.input.resize(vp.num_local, derived_.separate_inhibitory_input);
    } catch (...) {
        input_failure.capture();
    }
    input_failure.rethrow();
}

std::uint64_t Network::local_synapses() const {
    std::uint64_t total = 0;
    for (const auto& vp : vps_) {
        total += vp.synapses.num_synapses();
    }
    return total;
}

std::size_t Network::synapse_store_bytes() const {
    std::size_t total = 0;
    for (const auto& vp : vps_) {
        total += vp.synapses.bytes();
    }
    return total;
}

} // namespace microcircuit
