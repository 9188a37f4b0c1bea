// A barrier for the threads of one rank that is passed in two halves:
// `arrive` says that this thread's part of the interval is done, `wait`
// returns once every thread has arrived. Between the two a thread does work
// that needs nothing from the others (the simulation adds the runs of its
// older pending spikes), so that waiting for the slowest thread and the
// barrier's own latency are hidden behind useful work instead of spent
// spinning.
//
// A thread spins briefly and then yields, so that more threads than cores
// (oversubscribed test runs) still make progress. Passed in one go
// (`wait(arrive())`) it is also a plain barrier: unlike libgomp's
// `omp barrier` it makes no system call (docs/performance.md).
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace microcircuit {

class SplitBarrier {
public:
    explicit SplitBarrier(unsigned threads) : threads_(threads) {}

    // Returns the ticket to pass to `wait`. The last thread to arrive opens
    // the barrier; everything a thread wrote before `arrive` is visible to
    // every thread after its `wait`.
    std::uint64_t arrive() {
        const Arrival arrival = arrive_holding();
        if (arrival.last) {
            open(arrival.ticket);
        }
        return arrival.ticket;
    }

    // As `arrive`, but the last thread to arrive keeps the barrier closed: it
    // sees everything the others wrote before arriving, does the work they
    // all need after the barrier, and then opens it (no `wait`).
    struct Arrival {
        std::uint64_t ticket;
        bool last;
    };
    Arrival arrive_holding() {
        const std::uint64_t generation = generation_.load(std::memory_order_acquire);
        if (arrived_.fetch_add(1, std::memory_order_acq_rel) + 1 == threads_) {
            arrived_.store(0, std::memory_order_relaxed);
            return {generation, true};
        }
        return {generation, false};
    }
    void open(std::uint64_t ticket) { generation_.store(ticket + 1, std::memory_order_release); }

    void wait(std::uint64_t ticket) const {
        for (unsigned spins = 0; generation_.load(std::memory_order_acquire) == ticket; ++spins) {
            if (spins < spins_before_yield) {
                pause();
            } else {
                std::this_thread::yield();
            }
        }
    }

private:
    // Tells the core that this is a spin loop (saves power, frees the pipeline).
    static void pause() {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        asm volatile("yield");
#endif
    }

    // About 40 us of spinning (a pause is ~40 ns on recent x86 cores): far
    // longer than the waits of a balanced step, far shorter than a time slice.
    static constexpr unsigned spins_before_yield = 1024;

    // Apart, so that the arrivals do not disturb the threads polling the
    // generation; the thread count is read only by arriving threads.
    alignas(64) std::atomic<unsigned> arrived_{0};
    unsigned threads_;
    alignas(64) std::atomic<std::uint64_t> generation_{0};
};

} // namespace microcircuit
