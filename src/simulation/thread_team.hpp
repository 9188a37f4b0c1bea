// What the threads of one run_until share: the interval's barrier and the
// first exception of any thread. An exception must not leave the parallel
// region (that terminates the program): it is kept with the point where it
// happened, and every thread stops at the first check after which all of
// them see it, so that all stop at the same place and none waits at a
// barrier forever. Points in the order the loop passes them: a thread's work
// in interval i (up to the opening of the interval's barrier, the spike
// exchange included) is 2i, the master's reporting and writing after that
// barrier 2i + 1. A failure is written before the thread's next barrier, a
// check reads it after one.
#pragma once

#include "parallel/split_barrier.hpp"

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>

namespace microcircuit {

class ThreadTeam {
public:
    explicit ThreadTeam(unsigned threads) : barrier_(threads) {}

    SplitBarrier::Arrival arrive_holding() { return barrier_.arrive_holding(); }
    void open(const SplitBarrier::Arrival& arrival) { barrier_.open(arrival.ticket); }
    void wait(const SplitBarrier::Arrival& arrival) { barrier_.wait(arrival.ticket); }
    // Every barrier inside the loop is the split barrier, passed in one go
    // where no work fits between arriving and waiting. Not `omp barrier`:
    // libgomp's last thread to arrive makes a futex system call every time,
    // even in a team of one, and on a virtual machine a system call costs
    // microseconds.
    void meet() { barrier_.wait(barrier_.arrive()); }

    // A thread's part of an interval (before its barrier opens).
    template <class Work>
    void on_thread(int thread, std::uint64_t interval, std::uint64_t step, Work&& work) {
        try {
            work();
        } catch (...) {
            fail(2 * interval, thread, step);
        }
    }
    template <class Work> void on_master(std::uint64_t interval, std::uint64_t step, Work&& work) {
        try {
            work();
        } catch (...) {
            fail(2 * interval + 1, 0, step);
        }
    }
    // After the interval's barrier: a failure in any thread's work of this
    // interval or in the master's part of an earlier one.
    bool stop_after_barrier(std::uint64_t interval) const {
        return failed_point_.load() <= 2 * interval;
    }
    // After a meeting that follows the master's part: its failures in this interval too.
    bool stop_after_master(std::uint64_t interval) const {
        return failed_point_.load() <= 2 * interval + 1;
    }
    const std::exception_ptr& failure() const { return failure_; }
    bool failed_in_master_part() const { return failed_point_.load() % 2 == 1; }
    int failed_thread() const { return failed_thread_; }
    std::uint64_t failed_step() const { return failed_step_; }

private:
    void fail(std::uint64_t point, int thread, std::uint64_t step) {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (point < failed_point_.load()) {
            failure_ = std::current_exception();
            failed_thread_ = thread;
            failed_step_ = step;
            failed_point_.store(point);
        }
    }

    static constexpr std::uint64_t no_failure = ~std::uint64_t{0};
    SplitBarrier barrier_;
    std::atomic<std::uint64_t> failed_point_{no_failure};
    std::mutex mutex_;
    std::exception_ptr failure_;
    int failed_thread_ = 0;
    std::uint64_t failed_step_ = 0;
};

} // namespace microcircuit
