#include "connectivity/connectivity.hpp"

#include "random/digest.hpp"

#include "parallel/thread_failure.hpp"
#include "random/random.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace microcircuit {

std::vector<std::uint32_t> draw_in_degrees(std::uint32_t seed, const Projection& projection,
                                           std::uint32_t num_targets) {
    // Each chunk of synapses has its own stream: the draws stay the same
    // however the work is divided.
    constexpr std::uint64_t chunk = std::uint64_t{1} << 20U;
    const std::uint64_t num_chunks = (projection.num_synapses + chunk - 1) / chunk;
    std::vector<std::uint32_t> in_degrees(num_targets, 0);
    for (std::uint64_t c = 0; c < num_chunks; ++c) {
        const std::uint64_t begin = c * chunk;
        const std::uint64_t end = std::min(begin + chunk, projection.num_synapses);
        RandomStream stream(seed, Purpose::in_degrees, projection.id,
                            static_cast<std::uint32_t>(c));
        for (std::uint64_t i = begin; i < end; ++i) {
            ++in_degrees[stream.index(num_targets)];
        }
    }
    return in_degrees;
}

std::vector<std::vector<std::uint32_t>> draw_all_in_degrees(const DerivedParameters& derived) {
    const std::vector<Projection>& projections = derived.projections;
    // One projection per thread at a time, largest first so the threads
    // finish together; each projection is drawn whole by one thread.
    std::vector<std::size_t> order(projections.size());
    for (std::size_t p = 0; p < order.size(); ++p) {
        order[p] = p;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return projections[a].num_synapses > projections[b].num_synapses;
    });
    std::vector<std::vector<std::uint32_t>> in_degrees(projections.size());
    ThreadFailure failure;
#pragma omp parallel for schedule(dynamic, 1)
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (failure.failed()) {
            continue;
        }
        const Projection& projection = projections[order[i]];
        try {
            in_degrees[order[i]] = draw_in_degrees(
                derived.rng_seed, projection,
                static_cast<std::uint32_t>(derived.num_neurons[projection.target_population]));
        } catch (...) {
            failure.capture();
        }
    }
    failure.rethrow();
    return in_degrees;
}

void draw_sources(std::uint32_t seed, const Projection& projection, std::uint64_t target_index,
                  std::uint32_t in_degree, std::vector<std::uint64_t>& sources) {
    RandomStream stream(seed, Purpose::synapse_sources, static_cast<std::uint32_t>(target_index),
                        projection.id);
    sources.resize(in_degree);
    for (auto& source : sources) {
        source = projection.source_first_gid +
                 stream.index(static_cast<std::uint32_t>(projection.source_count));
    }
}

void draw_weights_and_delays(std::uint32_t seed, const Projection& projection,
                             std::uint64_t target_index, std::uint32_t in_degree,
                             const TimeGrid& grid, TargetSynapses& out) {
    RandomStream weights(seed, Purpose::synapse_weights, static_cast<std::uint32_t>(target_index),
                         projection.id);
    RandomStream delays(seed, Purpose::synapse_delays, static_cast<std::uint32_t>(target_index),
                        projection.id);
    out.weights.resize(in_degree);
    out.delay_steps.resize(in_degree);
    // Two loops, one stream each (the streams are independent): each loop's
    // refill and rejection branches follow a pattern of their own.
    for (auto& weight : out.weights) {
        // Redraw while the sign is wrong: excitatory >= 0, inhibitory <= 0.
        double w = 0.0;
        do {
            w = projection.weight_mean + projection.weight_sd * weights.normal();
        } while (projection.excitatory ? w < 0.0 : w > 0.0);
        weight = static_cast<float>(w);
    }
    for (auto& delay_steps : out.delay_steps) {
        // Redraw while below h/2, then round to the grid: the minimum delay is h.
        double d = 0.0;
        do {
            d = projection.delay_mean + projection.delay_sd * delays.normal();
        } while (d < grid.shortest_delay());
        const std::uint64_t steps = grid.delay_steps(d);
        if (steps > synapse_max_delay_steps) {
            throw std::runtime_error("a delay of " + std::to_string(d) + " ms is " +
                                     std::to_string(steps) + " steps, more than the " +
                                     std::to_string(synapse_max_delay_steps) +
                                     " steps the synapse store holds; use a coarser "
                                     "simulation.sim_resolution or shorter delays");
        }
        delay_steps = static_cast<std::uint32_t>(steps);
    }
}

namespace {

// Writes synapses into their rows in a cache-friendly order. Synapses arrive
// in target order, each for a random row: written at once, every synapse would
// touch a random cache line and page of the whole store. Instead a chunk of
// them is first sorted (stably, by counting) into buckets of neighbouring
// sources, and then each bucket is written: its few hundred row ends stay in
// cache. Stability keeps every row in target order, so the store is exactly
// the one that writing each synapse at once would give.
class RowWriter {
public:
    RowWriter(SynapseStore& store, std::uint64_t num_sources)
        : store_(store), fill_(store.row_begin.begin(), store.row_begin.end() - 1),
          bucket_shift_(bucket_shift_for(num_sources)), chunk_(chunk_for(store.synapses.size())) {
        pending_.reserve(chunk_);
        sorted_.resize(chunk_);
    }

    // Row ends, then the pending and the sorted chunk (the pending one fills as
    // synapses arrive, so a store smaller than a chunk touches only that much).
    static std::size_t bytes(std::uint64_t synapses, std::uint64_t num_sources) {
        const std::size_t chunk = chunk_for(synapses);
        return num_sources * sizeof(std::uint64_t) +
               (chunk + std::min<std::size_t>(chunk, synapses)) * sizeof(Pending);
    }

    void add(std::uint64_t source, Synapse synapse) {
        pending_.push_back({static_cast<std::uint32_t>(source), synapse});
        if (pending_.size() == chunk_) {
            flush();
        }
    }

    void flush() {
        std::array<std::size_t, buckets + 1> start{};
        for (const auto& p : pending_) {
            ++start[(p.source >> bucket_shift_) + 1];
        }
        for (std::size_t b = 0; b < buckets; ++b) {
            start[b + 1] += start[b];
        }
        for (const auto& p : pending_) {
            sorted_[start[p.source >> bucket_shift_]++] = p;
        }
        for (std::size_t i = 0; i < pending_.size(); ++i) {
            store_.synapses[fill_[sorted_[i].source]++] = sorted_[i].synapse;
        }
        pending_.clear();
    }

private:
    struct Pending {
        std::uint32_t source;
        Synapse synapse;
    };
    // Up to 4 Mi synapses (2 x 48 MB of buffers): smaller chunks leave too few
    // synapses per row and chunk to fill cache lines. A sixteenth of the store
    // bounds the buffers of small networks.
    static constexpr std::size_t min_chunk = std::size_t{1} << 16U;
    static constexpr std::size_t max_chunk = std::size_t{1} << 22U;
    static constexpr std::size_t buckets = 256;

    static std::size_t chunk_for(std::uint64_t synapses) {
        return std::clamp<std::size_t>(synapses / 16, min_chunk, max_chunk);
    }

    static unsigned bucket_shift_for(std::uint64_t num_sources) {
        unsigned shift = 0;
        while ((num_sources >> shift) >= buckets) {
            ++shift;
        }
        return shift;
    }

    SynapseStore& store_;
    std::vector<std::uint64_t> fill_; // next free place of each row
    unsigned bucket_shift_;
    std::size_t chunk_;
    std::vector<Pending> pending_;
    std::vector<Pending> sorted_;
};

} // namespace

std::size_t synapse_store_build_buffer_bytes(std::uint64_t synapses, std::uint64_t num_sources) {
    return RowWriter::bytes(synapses, num_sources);
}

// Sorts every row by delay with a counting sort (stable, so synapses of equal
// delay keep their target order and the store does not depend on the
// decomposition) and records the row's delay runs. A row is a few thousand
// synapses at most, so the sort runs in cache after one read of the row.
void sort_rows_by_delay(SynapseStore& store) {
    const std::size_t num_rows = store.row_begin.size() - 1;
    std::vector<std::uint32_t> count(synapse_max_delay_steps + 2, 0);
    std::vector<Synapse> row;
    store.run_begin.assign(num_rows + 1, 0);
    store.runs.clear();
    for (std::size_t r = 0; r < num_rows; ++r) {
        Synapse* const begin = store.synapses.data() + store.row_begin[r];
        Synapse* const end = store.synapses.data() + store.row_begin[r + 1];
        std::uint32_t lowest = synapse_max_delay_steps;
        std::uint32_t highest = 0;
        for (const Synapse* s = begin; s != end; ++s) {
            const std::uint32_t d = delay_of(*s);
            ++count[d];
            lowest = std::min(lowest, d);
            highest = std::max(highest, d);
        }
        row.assign(begin, end);
        std::uint64_t place = 0;
        for (std::uint32_t d = lowest; d <= highest && begin != end; ++d) {
            std::uint32_t left = count[d];
            while (left > 0) {
                const std::uint32_t length = std::min(left, max_run_length);
                store.runs.push_back(make_delay_run(d, length));
                left -= length;
            }
            const std::uint32_t n = count[d];
            count[d] = static_cast<std::uint32_t>(place); // becomes the start of delay d
            place += n;
        }
        for (const Synapse& s : row) {
            begin[count[delay_of(s)]++] = s;
        }
        for (std::uint32_t d = lowest; d <= highest && begin != end; ++d) {
            count[d] = 0;
        }
        store.run_begin[r + 1] = store.runs.size();
    }
    store.runs.shrink_to_fit();
}

SynapseStore build_synapse_store(const DerivedParameters& derived,
                                 const std::vector<std::vector<std::uint32_t>>& in_degrees,
                                 const Partition& partition, std::uint64_t vp) {
    const std::vector<Projection>& projections = derived.projections;
    const std::uint32_t seed = derived.rng_seed;
    const TimeGrid grid = derived.grid();
    const std::uint64_t num_local = partition.num_local(vp);
    if (num_local > max_local_targets) {
        throw std::runtime_error("a virtual process owns " + std::to_string(num_local) +
                                 " neurons, more than the synapse store's " +
                                 std::to_string(max_local_targets) + "; use more threads or ranks");
    }
    std::vector<std::vector<std::size_t>> projections_into(num_populations);
    for (std::size_t p = 0; p < projections.size(); ++p) {
        projections_into[projections[p].target_population].push_back(p);
    }

    // Calls `visit(local_index, projection, target_index)` for every projection into
    // every local target, targets in ascending order so each row ends up sorted by target.
    auto for_each_target = [&](auto&& visit) {
        for (int y = 0; y < num_populations; ++y) {
            const std::uint64_t begin = partition.count_below(vp, derived.first_gid[y]);
            const std::uint64_t end =
                partition.count_below(vp, derived.first_gid[y] + derived.num_neurons[y]);
            for (std::uint64_t local = begin; local < end; ++local) {
                const std::uint64_t target_index =
                    partition.gid_of(vp, local) - derived.first_gid[y];
                for (std::size_t p : projections_into[y]) {
                    visit(local, p, target_index);
                }
            }
        }
    };

    SynapseStore store;
    store.row_begin.assign(derived.num_sources + 1, 0);
    std::vector<std::uint64_t> sources;
    for_each_target([&](std::uint64_t, std::size_t p, std::uint64_t target_index) {
        draw_sources(seed, projections[p], target_index, in_degrees[p][target_index], sources);
        for (std::uint64_t source : sources) {
            ++store.row_begin[source + 1];
        }
    });
    for (std::uint64_t s = 0; s < derived.num_sources; ++s) {
        store.row_begin[s + 1] += store.row_begin[s];
    }
    store.synapses.resize(store.row_begin[derived.num_sources]);

    RowWriter rows(store, derived.num_sources);
    TargetSynapses drawn;
    for_each_target([&](std::uint64_t local, std::size_t p, std::uint64_t target_index) {
        const std::uint32_t k = in_degrees[p][target_index];
        draw_sources(seed, projections[p], target_index, k, drawn.sources);
        draw_weights_and_delays(seed, projections[p], target_index, k, grid, drawn);
        for (std::uint32_t i = 0; i < k; ++i) {
            const std::uint32_t delay = drawn.delay_steps[i];
            rows.add(drawn.sources[i],
                     {pack_target_and_delay(static_cast<std::uint32_t>(local), delay),
                      drawn.weights[i]});
            store.min_delay_steps = std::min(store.min_delay_steps, delay);
            store.max_delay_steps_present = std::max(store.max_delay_steps_present, delay);
        }
    });
    rows.flush();
    sort_rows_by_delay(store);
    return store;
}

std::uint64_t synapse_digest(const SynapseStore& store, const Partition& partition,
                             std::uint64_t vp) {
    std::uint64_t sum = 0;
    const std::uint64_t sources = store.row_begin.size() - 1;
    for (std::uint64_t source = 0; source < sources; ++source) {
        const std::uint64_t row = mix64(source);
        for (std::uint64_t s = store.row_begin[source]; s < store.row_begin[source + 1]; ++s) {
            const Synapse& synapse = store.synapses[s];
            std::uint32_t weight_bits = 0;
            std::memcpy(&weight_bits, &synapse.weight_fixed_point, sizeof weight_bits);
            const std::uint64_t target = partition.gid_of(vp, target_of(synapse));
            sum += mix64(row ^ target, std::uint64_t{delay_of(synapse)} << 32U | weight_bits);
        }
    }
    return sum;
}

} // namespace microcircuit
