// The first exception of the threads of one OpenMP parallel region. An
// exception must not leave the region (the program would terminate), so each
// thread catches it and keeps it here, and the region's owner rethrows it
// once every thread has left.
#pragma once

#include <atomic>
#include <exception>
#include <mutex>

namespace microcircuit {

class ThreadFailure {
public:
    // Inside a catch block: keeps the exception being handled unless one is kept already.
    void capture() {
        const std::lock_guard<std::mutex> lock(mutex_);
        if (!failure_) {
            failure_ = std::current_exception();
            failed_.store(true, std::memory_order_relaxed);
        }
    }
    // Lets the other threads skip the rest of their work (a hint: relaxed).
    bool failed() const { return failed_.load(std::memory_order_relaxed); }
    // After the region.
    void rethrow() const {
        if (failure_) {
            std::rethrow_exception(failure_);
        }
    }

private:
    std::mutex mutex_;
    std::exception_ptr failure_;
    std::atomic<bool> failed_{false};
};

} // namespace microcircuit
