#include "parallel/communicator.hpp"

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <new>
#include <utility>

namespace microcircuit {

namespace {
struct ExitGuard {
    const Communicator* communicator = nullptr;
    std::function<std::string()> message;
};
ExitGuard& exit_guard() {
    static ExitGuard guard;
    return guard;
}
// Set by the first abort. A library may exit inside MPI_Abort (Open MPI's
// message formatter does when memory is short): the exit handler then ends
// the process at once instead of aborting again.
std::atomic<bool> aborting{false};

void abort_if_armed() {
    if (aborting.load()) {
        std::_Exit(1);
    }
    const ExitGuard& guard = exit_guard();
    if (guard.communicator == nullptr) {
        return;
    }
    try {
        guard.communicator->abort(guard.message());
    } catch (...) {
        std::_Exit(1); // no memory left even for the message
    }
}
} // namespace

void arm_exit_guard(const Communicator& communicator, std::function<std::string()> message) {
    exit_guard() = {&communicator, std::move(message)};
    // Again at every arming: after whatever exit handler the libraries registered meanwhile.
    std::atexit(abort_if_armed);
}

void disarm_exit_guard() { exit_guard() = {}; }

void Communicator::abort(const std::string& message) const {
    if (aborting.exchange(true)) {
        std::_Exit(1);
    }
    std::cerr << "microcircuit_mpi: error on rank " << rank() << ": " << message << "\n";
    std::cout.flush();
    abort_other_ranks();
    // Not through MPI_Finalize: after a failed write HDF5 closes its files
    // again while MPI shuts down, and can crash there.
    std::_Exit(1);
}

void Communicator::abort(const std::exception_ptr& failure, const std::string& context) const {
    std::string cause = "unknown error";
    try {
        if (failure) {
            std::rethrow_exception(failure);
        }
    } catch (const std::bad_alloc& error) {
        // what() says only "std::bad_alloc".
        cause = std::string("out of memory: a memory allocation failed (") + error.what() + ")";
    } catch (const std::exception& error) {
        cause = error.what();
    } catch (...) {
        // Not a std::exception: "unknown error".
    }
    abort(context.empty() ? cause : cause + " (" + context + ")");
}

} // namespace microcircuit
