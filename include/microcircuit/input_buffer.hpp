// Synaptic input of the neurons of one virtual process, as a ring of event
// queues: one queue per step up to the longest delay. Delivering a spike
// appends (target, weight) events to the queues of the steps they arrive in,
// which is sequential writing; at the start of a step its queue is summed
// into one integer per neuron, a random access into an array small enough
// to stay in cache. (A ring of per-neuron sums instead would make every event
// a random access into tens of megabytes.)
//
// The sums are integer fixed point (see neuron.hpp): integer addition is
// associative, so a neuron's input does not depend on the order of the events.
#pragma once

#include "microcircuit/neuron.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

struct InputEvent {
    std::uint32_t target; // local index of the neuron
    float weight;         // pA
};

class InputBuffer {
public:
    // With `separate_inhibitory` negative weights are summed apart from the
    // others (needed when tau_syn_ex != tau_syn_in).
    void resize(std::size_t slots, std::size_t neurons, bool separate_inhibitory) {
        queues_.assign(slots, {});
        queue_of_delay_.assign(slots, nullptr);
        table_step_ = ~std::uint64_t{0};
        excitatory_.assign(neurons, 0);
        inhibitory_.assign(separate_inhibitory ? neurons : 0, 0);
        separate_inhibitory_ = separate_inhibitory;
    }

    // The queue of each delay (in steps) for a spike emitted in `step`; the
    // table is rebuilt only when the step changes (once per interval).
    std::vector<InputEvent>* const* queues_for_emission(std::uint64_t step) {
        if (step != table_step_) {
            for (std::size_t d = 0; d < queues_.size(); ++d) {
                queue_of_delay_[d] = &queues_[(step + d) % queues_.size()];
            }
            table_step_ = step;
        }
        return queue_of_delay_.data();
    }

    // Sums the events arriving in `step` into the per-neuron inputs and empties
    // their queue. The caller reads and zeroes the sums during the update.
    void collect(std::uint64_t step) {
        auto& queue = queues_[step % queues_.size()];
        if (separate_inhibitory_) {
            for (const auto& event : queue) {
                (event.weight < 0.0F ? inhibitory_ : excitatory_)[event.target] +=
                    to_fixed_point(event.weight);
            }
        } else {
            for (const auto& event : queue) {
                excitatory_[event.target] += to_fixed_point(event.weight);
            }
        }
        queue.clear();
    }

    std::int64_t* excitatory() { return excitatory_.data(); }
    std::int64_t* inhibitory() { return inhibitory_.data(); }

    std::size_t bytes() const {
        std::size_t total =
            (excitatory_.capacity() + inhibitory_.capacity()) * sizeof(std::int64_t);
        for (const auto& queue : queues_) {
            total += queue.capacity() * sizeof(InputEvent);
        }
        return total;
    }

private:
    std::vector<std::vector<InputEvent>> queues_;
    std::vector<std::vector<InputEvent>*> queue_of_delay_;
    std::uint64_t table_step_ = ~std::uint64_t{0};
    std::vector<std::int64_t> excitatory_;
    std::vector<std::int64_t> inhibitory_;
    bool separate_inhibitory_ = false;
};

} // namespace microcircuit
