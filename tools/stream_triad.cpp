// Machine probes for tools/benchmark: memory bandwidth and the
// rates of the engine's two inner loops, and the latency of its per-interval
// barrier.
//
// Built by CMake with the engine's flags and linked with its library
// (tools/CMakeLists.txt: <build>/tools/stream_triad), so that the update and
// barrier probes time the engine's own code. The harness runs it once per
// thread count, and once more per thread count and size of a thread's share
// of the network with --probes scatter,update. Five measurements (--probes
// picks some, in order):
//
//  triad   a[i] = b[i] + s * c[i] over three double arrays of --mb MB each
//          (default 80 MB, far beyond the caches), best of --reps sweeps.
//          Bytes are counted the way STREAM counts them: 24 bytes per element
//          (two reads, one write; the write-allocate read of a[] is not
//          counted), so the figure is comparable with published STREAM numbers.
//  random  read-modify-write of one int64 at a random index of a --table-mb
//          table (default 256 MB), the access pattern of spike delivery into
//          input sums that do not fit the cache; reported as millions of
//          updates per second (and as GB/s of whole 64-byte cache lines,
//          counting the line fill and its write-back: 128 bytes per update).
//  scatter the engine's innermost loop with nothing else: every thread streams
//          its own array of 8-byte synapses (uint32 target, float weight;
//          --scatter-mb MB in all, far beyond the caches) and adds each weight
//          as an int64 into a table of --scatter-kb KB (default 320: the input
//          sums of one thread at full scale with 2 threads) at the synapse's
//          random target; reported as millions of synaptic events per second
//          of all threads together: what a synaptic event costs when its
//          synapse streams at full bandwidth and its target's sum is in cache.
//  update  the engine's own neuron update (update_neuron of neuron.hpp, the
//          model's neuron parameters, h = 0.1 ms) over --update-neurons
//          neurons per thread (default 38,600: one thread's share at full
//          scale with 2 threads), its state in cache, in the engine's loop
//          (read and zero the input sum, update, spike flag, memchr scan for
//          spikes); reported as millions of neuron updates per second of all
//          threads together.
//  barrier the engine's split barrier (split_barrier.hpp) passed
//          --barrier-passes times in a row by all threads with no work
//          between passes: the latency of the meeting of a rank's threads in
//          every min-delay interval, which the engine hides behind work where
//          it can, and of any data one thread writes and another reads (with
//          1 thread, the cost of the code alone). Reported in ns per pass.
//
// Usage: stream_triad [--threads N] [--mb MB] [--reps N] [--table-mb MB]
//                     [--updates-per-thread N] [--scatter-mb MB] [--scatter-kb KB]
//                     [--update-neurons N] [--update-steps N] [--barrier-passes N]
//                     [--probes triad,random,scatter,update,barrier]
// Prints one JSON object on stdout.
#include "model/neuron.hpp"
#include "parallel/split_barrier.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};

template <typename T> std::unique_ptr<T[], FreeDeleter> allocate(std::size_t n) {
    void* p = std::aligned_alloc(64, ((n * sizeof(T) + 63) / 64) * 64);
    if (p == nullptr) {
        std::fprintf(stderr, "stream_triad: out of memory\n");
        std::exit(2);
    }
    return std::unique_ptr<T[], FreeDeleter>(static_cast<T*>(p));
}

// xorshift64*: cheap random words for the probes' addresses and weights.
class Xorshift64Star {
public:
    explicit Xorshift64Star(std::uint64_t stream) : x_(0x9E3779B97F4A7C15ULL * stream) {}
    std::uint64_t next() {
        x_ ^= x_ >> 12U;
        x_ ^= x_ << 25U;
        x_ ^= x_ >> 27U;
        return x_ * 0x2545F4914F6CDD1DULL;
    }

private:
    std::uint64_t x_;
};

// Inside a parallel region: runs work() three times on every thread at once
// and keeps in `best` (the master's) the shortest wall time of the team.
template <typename Work> void time_best_of_three(double& best, Work&& work) {
    for (int r = 0; r < 3; ++r) {
#pragma omp barrier
        const double t0 = now();
        work();
#pragma omp barrier
#pragma omp master
        best = std::min(best, now() - t0);
    }
}

struct Options {
    int threads = 1;
    double mb = 80.0;
    int reps = 10;
    double table_mb = 256.0;
    long long updates_per_thread = 1LL << 23;
    double scatter_mb = 256.0;
    double scatter_kb = 320.0;
    long long update_neurons = 38600;
    int update_steps = 2000;
    long long barrier_passes = 200000;
    std::string probes = "triad,random,scatter,update,barrier";
};

// Each probe returns its fields of the JSON object.
std::string triad(const Options& o) {
    const auto n = static_cast<std::size_t>(o.mb * 1e6 / sizeof(double));
    auto a = allocate<double>(n);
    auto b = allocate<double>(n);
    auto c = allocate<double>(n);
    double* const pa = a.get();
    double* const pb = b.get();
    double* const pc = c.get();
    // First touch by the threads that use the pages.
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < n; ++i) {
        pa[i] = 0.0;
        pb[i] = 1.0;
        pc[i] = 2.0;
    }
    const double scalar = 3.0;
    double best = std::numeric_limits<double>::max();
    double worst = 0.0;
    double sum_t = 0.0;
    for (int r = 0; r < o.reps; ++r) {
        const double t0 = now();
#pragma omp parallel for schedule(static)
        for (std::size_t i = 0; i < n; ++i) {
            pa[i] = pb[i] + scalar * pc[i];
        }
        const double t = now() - t0;
        best = std::min(best, t);
        worst = std::max(worst, t);
        sum_t += t;
    }
    double check = 0.0;
    for (std::size_t i = 0; i < n; i += 4096) {
        check += pa[i];
    }
    const double bytes = 3.0 * sizeof(double) * static_cast<double>(n);
    char out[320];
    std::snprintf(
        out, sizeof out,
        "\"array_mb\": %.1f, \"reps\": %d, \"triad_best_s\": %.6g, \"triad_mean_s\": %.6g, "
        "\"triad_worst_s\": %.6g, \"triad_gbs\": %.4f, \"triad_gbs_mean\": %.4f, "
        "\"triad_checksum\": %.6g",
        o.mb, o.reps, best, sum_t / o.reps, worst, bytes / best / 1e9,
        bytes / (sum_t / o.reps) / 1e9, check);
    return out;
}

std::string random_updates(const Options& o) {
    std::size_t entries = 1;
    while (static_cast<double>(entries) * 2 * sizeof(std::int64_t) <= o.table_mb * 1e6) {
        entries *= 2; // power of two: index by mask
    }
    auto table = allocate<std::int64_t>(entries);
    std::int64_t* const pt = table.get();
#pragma omp parallel for schedule(static)
    for (std::size_t i = 0; i < entries; ++i) {
        pt[i] = 0;
    }
    const std::uint64_t mask = entries - 1;
    double best_random = std::numeric_limits<double>::max();
    for (int r = 0; r < 3; ++r) {
        const double t0 = now();
#pragma omp parallel
        {
            // xorshift64*, one stream per thread. Threads may hit the same
            // entry; a lost update does not matter to a timing.
            Xorshift64Star random(static_cast<std::uint64_t>(omp_get_thread_num() + 1 + 16 * r));
            for (long long k = 0; k < o.updates_per_thread; ++k) {
                const std::uint64_t v = random.next();
                pt[(v >> 11U) & mask] += static_cast<std::int64_t>(v & 0xFFU);
            }
        }
        best_random = std::min(best_random, now() - t0);
    }
    std::int64_t check_random = 0;
    for (std::size_t i = 0; i < entries; i += 4096) {
        check_random += pt[i];
    }
    const double updates = static_cast<double>(o.updates_per_thread) * o.threads;
    char out[320];
    std::snprintf(out, sizeof out,
                  "\"random_table_mb\": %.1f, \"random_updates\": %.0f, \"random_best_s\": %.6g, "
                  "\"random_mups\": %.3f, \"random_line_gbs\": %.4f, \"random_checksum\": %lld",
                  static_cast<double>(entries * sizeof(std::int64_t)) / 1e6, updates, best_random,
                  updates / best_random / 1e6, updates * 128.0 / best_random / 1e9,
                  static_cast<long long>(check_random % 1000));
    return out;
}

std::string scatter(const Options& o) {
    struct Synapse {
        std::uint32_t target;
        float weight;
    };
    const auto synapses_per_thread =
        static_cast<std::size_t>(o.scatter_mb * 1e6 / sizeof(Synapse) / o.threads);
    const auto targets = std::max<std::size_t>(
        1, static_cast<std::size_t>(o.scatter_kb * 1e3 / sizeof(std::int64_t)));
    double best_scatter = std::numeric_limits<double>::max();
    std::int64_t check_scatter = 0;
#pragma omp parallel reduction(+ : check_scatter)
    {
        // Each thread's synapses and sums are its own, first touched by it.
        auto synapses = allocate<Synapse>(synapses_per_thread);
        auto sums = allocate<std::int64_t>(targets);
        Synapse* const ps = synapses.get();
        std::int64_t* const pm = sums.get();
        Xorshift64Star random(static_cast<std::uint64_t>(omp_get_thread_num() + 1));
        for (std::size_t i = 0; i < synapses_per_thread; ++i) {
            const std::uint64_t v = random.next();
            // A weight times 2^32, as the engine stores it (synapse_store.hpp).
            ps[i] = {static_cast<std::uint32_t>((v >> 32U) % targets),
                     static_cast<float>(v & 0xFFFFU) * 0x1p32F};
        }
        std::fill_n(pm, targets, std::int64_t{0});
        time_best_of_three(best_scatter, [&] {
            for (std::size_t i = 0; i < synapses_per_thread; ++i) {
                pm[ps[i].target] += static_cast<std::int64_t>(ps[i].weight);
            }
        });
        check_scatter += pm[0];
    }
    const double events = static_cast<double>(synapses_per_thread) * o.threads;
    char out[320];
    std::snprintf(out, sizeof out,
                  "\"scatter_table_kb\": %.1f, \"scatter_events\": %.0f, \"scatter_best_s\": %.6g, "
                  "\"scatter_meps\": %.3f, \"scatter_checksum\": %lld",
                  static_cast<double>(targets * sizeof(std::int64_t)) / 1e3, events, best_scatter,
                  events / best_scatter / 1e6, static_cast<long long>(check_scatter % 1000));
    return out;
}

std::string update(const Options& o) {
    const auto neurons = static_cast<std::size_t>(o.update_neurons);
    const auto propagators = microcircuit::Propagators::compute(microcircuit::NeuronParameters{},
                                                                microcircuit::TimeGrid(0.1));
    // Above the rheobase ((V_th - E_L) C_m / tau_m = 375 pA): the neurons fire.
    const double current = 400.0;
    const std::int64_t input = microcircuit::to_fixed_point(87.8);
    double best_update = std::numeric_limits<double>::max();
    std::uint64_t spikes = 0;
#pragma omp parallel reduction(+ : spikes)
    {
        microcircuit::NeuronState state;
        state.resize(neurons);
        std::vector<std::int64_t> arriving(neurons, 0);
        std::vector<std::uint8_t> spiked(neurons, 0);
        for (std::size_t i = 0; i < neurons; ++i) {
            state.y[i] = propagators.threshold * static_cast<double>(i % 1000) / 1000.0;
        }
        const microcircuit::NeuronArrays arrays = state.arrays();
        std::int64_t* const sums = arriving.data();
        std::uint8_t* const flags = spiked.data();
        time_best_of_three(best_update, [&] {
            for (int step = 0; step < o.update_steps; ++step) {
#pragma omp simd
                for (std::size_t i = 0; i < neurons; ++i) {
                    const std::int64_t arrived = sums[i];
                    sums[i] = 0;
                    flags[i] = static_cast<std::uint8_t>(microcircuit::update_neuron<false>(
                        arrays, i, propagators, current, arrived, 0));
                }
                const std::uint8_t* flag = flags;
                while ((flag = static_cast<const std::uint8_t*>(
                            std::memchr(flag, 1, flags + neurons - flag))) != nullptr) {
                    ++spikes;
                    ++flag;
                }
                sums[static_cast<std::size_t>(step) % neurons] += input;
            }
        });
    }
    const double neuron_updates = static_cast<double>(neurons) * o.update_steps * o.threads;
    char out[320];
    std::snprintf(out, sizeof out,
                  "\"update_neurons\": %zu, \"update_steps\": %d, \"update_best_s\": %.6g, "
                  "\"update_mups\": %.3f, \"update_spikes\": %llu",
                  neurons, o.update_steps, best_update, neuron_updates / best_update / 1e6,
                  static_cast<unsigned long long>(spikes));
    return out;
}

std::string barrier(const Options& o) {
    microcircuit::SplitBarrier interval_barrier(static_cast<unsigned>(o.threads));
    double best_barrier = std::numeric_limits<double>::max();
#pragma omp parallel
    time_best_of_three(best_barrier, [&] {
        for (long long i = 0; i < o.barrier_passes; ++i) {
            interval_barrier.wait(interval_barrier.arrive());
        }
    });
    char out[160];
    std::snprintf(
        out, sizeof out, "\"barrier_passes\": %lld, \"barrier_best_s\": %.6g, \"barrier_ns\": %.2f",
        o.barrier_passes, best_barrier, best_barrier / static_cast<double>(o.barrier_passes) * 1e9);
    return out;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    // Each option and where its value goes.
    const std::pair<const char*, std::function<void(const char*)>> options[] = {
        {"--threads", [&](const char* v) { o.threads = std::atoi(v); }},
        {"--mb", [&](const char* v) { o.mb = std::atof(v); }},
        {"--reps", [&](const char* v) { o.reps = std::atoi(v); }},
        {"--table-mb", [&](const char* v) { o.table_mb = std::atof(v); }},
        {"--updates-per-thread", [&](const char* v) { o.updates_per_thread = std::atoll(v); }},
        {"--scatter-mb", [&](const char* v) { o.scatter_mb = std::atof(v); }},
        {"--scatter-kb", [&](const char* v) { o.scatter_kb = std::atof(v); }},
        {"--update-neurons", [&](const char* v) { o.update_neurons = std::atoll(v); }},
        {"--update-steps", [&](const char* v) { o.update_steps = std::atoi(v); }},
        {"--barrier-passes", [&](const char* v) { o.barrier_passes = std::atoll(v); }},
        {"--probes", [&](const char* v) { o.probes = v; }},
    };
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const auto* option = std::find_if(std::begin(options), std::end(options),
                                          [&](const auto& entry) { return a == entry.first; });
        if (option == std::end(options)) {
            std::fprintf(stderr, "stream_triad: unknown argument %s\n", a.c_str());
            return 2;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "stream_triad: %s needs a value\n", a.c_str());
            return 2;
        }
        option->second(argv[++i]);
    }
    if (o.threads < 1 || o.mb <= 0 || o.reps < 1 || o.table_mb <= 0 || o.updates_per_thread < 1 ||
        o.scatter_mb <= 0 || o.scatter_kb <= 0 || o.update_neurons < 1 || o.update_steps < 1 ||
        o.barrier_passes < 1) {
        std::fprintf(stderr, "stream_triad: bad arguments\n");
        return 2;
    }
    omp_set_num_threads(o.threads);
    const std::pair<const char*, std::string (*)(const Options&)> probes[] = {
        {"triad", triad},   {"random", random_updates}, {"scatter", scatter},
        {"update", update}, {"barrier", barrier},
    };
    std::string json = "{\"threads\": " + std::to_string(o.threads);
    std::size_t begin = 0;
    while (begin <= o.probes.size()) {
        const std::size_t end = std::min(o.probes.find(',', begin), o.probes.size());
        const std::string name = o.probes.substr(begin, end - begin);
        begin = end + 1;
        const auto* probe = std::find_if(std::begin(probes), std::end(probes),
                                         [&](const auto& entry) { return name == entry.first; });
        if (probe == std::end(probes)) {
            std::fprintf(
                stderr,
                "stream_triad: unknown probe '%s' (triad, random, scatter, update, barrier)\n",
                name.c_str());
            return 2;
        }
        json += ", " + probe->second(o);
    }
    std::printf("%s}\n", json.c_str());
    return 0;
}
