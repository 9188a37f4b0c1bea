// Ring buffer of synaptic input for the neurons of one virtual process: one
// slot per step up to the longest delay, each slot a row of integer
// fixed-point sums (one per neuron). Integer addition is associative, so the
// input a neuron sees does not depend on the order in which spikes arrive.
#pragma once

#include <cstdint>
#include <vector>

namespace microcircuit {

class InputBuffer {
public:
    void resize(std::size_t slots, std::size_t neurons) {
        slots_ = slots;
        neurons_ = neurons;
        sums_.assign(slots * neurons, 0);
    }
    std::size_t slots() const { return slots_; }
    std::size_t slot_of_step(std::uint64_t step) const { return step % slots_; }
    std::int64_t* row(std::size_t slot) { return sums_.data() + slot * neurons_; }
    std::size_t bytes() const { return sums_.capacity() * sizeof(std::int64_t); }

private:
    std::size_t slots_ = 0;
    std::size_t neurons_ = 0;
    std::vector<std::int64_t> sums_;
};

} // namespace microcircuit
