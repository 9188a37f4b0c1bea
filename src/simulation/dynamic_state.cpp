#include "simulation/dynamic_state.hpp"

#include "random/digest.hpp"

namespace microcircuit {

std::uint64_t DynamicState::neuron_digest() const {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < gids.size(); ++i) {
        std::uint64_t h = mix64(gids[i], bits_of(y[i]));
        h = mix64(h, bits_of(i_ex[i]));
        h = mix64(h, bits_of(i_in[i]));
        sum += mix64(h, static_cast<std::uint64_t>(static_cast<std::uint32_t>(refractory[i])));
    }
    return sum;
}

std::uint64_t DynamicState::spike_digest() const {
    std::uint64_t sum = 0;
    constexpr std::uint64_t spike_tag = std::uint64_t{1} << 63U;
    for (std::size_t i = 0; i < spike_gids.size(); ++i) {
        sum += mix64(spike_gids[i] | spike_tag, spike_steps[i]);
    }
    return sum;
}

} // namespace microcircuit
