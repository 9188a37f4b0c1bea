// The memory check: before anything is built, the memory each node will need
// (estimate per rank x ranks on the node) against the memory the node has
// free: MemAvailable of /proc/meminfo, bounded by the limit of the process's
// cgroup (v2 memory.max, v1 memory.limit_in_bytes, of it and its ancestors)
// less what the cgroup uses already. The readers of the files take their text,
// so the tests can give them any.
#pragma once

#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/parameters.hpp"
#include "parallel/communicator.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace microcircuit {

// Bytes of MemAvailable in /proc/meminfo.
std::optional<std::uint64_t> parse_mem_available(const std::string& meminfo);

// The process's cgroups from /proc/self/cgroup: the v2 path ("0::/path") and
// the v1 memory controller's ("N:...memory...:/path").
struct CgroupPaths {
    std::optional<std::string> unified;
    std::optional<std::string> memory_v1;
};
CgroupPaths parse_proc_cgroup(const std::string& text);

// Where the hierarchies are mounted, from /proc/self/mountinfo: the mount
// point and the cgroup path it shows as its root.
struct CgroupMount {
    std::string mount_point;
    std::string root;
};
struct CgroupMounts {
    std::optional<CgroupMount> unified;
    std::optional<CgroupMount> memory_v1;
};
CgroupMounts parse_mountinfo(const std::string& text);

// The directory of cgroup `path` under `mount`, or nothing if the mount does
// not show it.
std::optional<std::string> cgroup_directory(const CgroupMount& mount, const std::string& path);

// A limit file (memory.max, memory.limit_in_bytes): nothing for "max" or a
// value so large it means no limit.
std::optional<std::uint64_t> parse_memory_limit(const std::string& text);
// A plain number (memory.current, memory.usage_in_bytes).
std::optional<std::uint64_t> parse_memory_usage(const std::string& text);
// One "key value" line of memory.stat.
std::optional<std::uint64_t> parse_memory_stat(const std::string& text, const std::string& key);

struct AvailableMemory {
    std::optional<std::uint64_t> mem_available; // bytes
    // The tightest cgroup of this process and its ancestors: limit, and limit
    // less usage (without the inactive file cache, which the kernel reclaims).
    std::optional<std::uint64_t> cgroup_limit;
    std::optional<std::uint64_t> cgroup_free;
    std::string cgroup; // its directory
    // The smaller of MemAvailable and the cgroup's free memory; nothing if
    // neither is known (then nothing is checked).
    std::optional<std::uint64_t> bytes() const;
};

// Reads a file's text; nothing if it cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;
// This process's available memory; the reader is replaceable for tests.
AvailableMemory read_available_memory(const FileReader& read);
AvailableMemory read_available_memory();

// One rank's view of its node, gathered from every rank (64-bit words, as
// Communicator gathers): each rank's own estimate, so that every rank reaches
// the same verdict even where ranks run different numbers of threads.
struct NodeMemory {
    std::uint64_t rank = 0;
    std::uint64_t ranks_on_node = 1;
    std::uint64_t estimate = 0;  // bytes this rank will need
    std::uint64_t available = 0; // bytes; unknown_memory if not known
    std::uint64_t mem_available = 0;
    std::uint64_t cgroup_free = 0; // unknown_memory if no cgroup limit
};
constexpr std::uint64_t unknown_memory = ~std::uint64_t{0};
NodeMemory node_memory(int rank, int ranks_on_node, double estimate,
                       const AvailableMemory& available);

// The run on the worst node: what it needs and what would fit.
struct MemoryFit {
    bool fits = true;
    NodeMemory node;
    double per_rank = 0.0; // bytes, the node's estimate
    double need = 0.0;     // per_rank x ranks on the node
    // Ranks of this size that fit into the node's available memory.
    std::uint64_t ranks_that_fit = 0;
    // Nodes like this one that the run needs with ranks_that_fit ranks each
    // (0 if not even one rank fits).
    std::uint64_t nodes_needed = 0;
    // If not one rank fits: the fewest ranks (one per node) whose share fits,
    // 0 if none does.
    std::uint64_t ranks_needed_alone = 0;
};
// Fits if every rank's estimate x its node's ranks is at most the node's
// available memory. `estimate(ranks)`: bytes per rank of the run split over
// that many ranks (for what would fit).
MemoryFit check_memory_fit(const std::vector<NodeMemory>& nodes, int ranks,
                           const std::function<double(int ranks)>& estimate);

// The refusal, one paragraph: estimate, ranks on the node, need, available,
// what would fit, how to override.
std::string memory_refusal_text(const MemoryFit& fit, int ranks);

// Collective, before anything is built: whether every node has the memory its
// ranks will need for a run with `threads` threads per rank. Returns the
// refusal (the same on every rank), empty if the run fits or no node's
// memory could be read.
std::string memory_refusal(const Communicator& communicator, const Parameters& parameters,
                           const DerivedParameters& derived, int threads);

// "512.0 MB", "2.43 GB".
std::string memory_text(double bytes);

} // namespace microcircuit
