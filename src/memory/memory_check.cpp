#include "memory/memory_check.hpp"

#include "memory/memory_estimate.hpp"
#include "microcircuit/derived_parameters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

namespace microcircuit {

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::string part;
    std::istringstream in(text);
    while (std::getline(in, part, separator)) {
        parts.push_back(part);
    }
    if (!text.empty() && text.back() == separator) {
        parts.emplace_back();
    }
    return parts;
}

std::optional<std::uint64_t> to_number(const std::string& text) {
    std::size_t begin = text.find_first_not_of(" \t\n");
    if (begin == std::string::npos || text[begin] < '0' || text[begin] > '9') {
        return std::nullopt;
    }
    std::uint64_t value = 0;
    for (std::size_t i = begin; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    }
    return value;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

// Free memory of one cgroup directory, if it has a limit.
struct CgroupLevel {
    std::uint64_t limit = 0;
    std::uint64_t free = 0;
};

std::optional<CgroupLevel> cgroup_level(const FileReader& read, const std::string& directory,
                                        bool unified) {
    const auto limit_text = read(directory + (unified ? "/memory.max" : "/memory.limit_in_bytes"));
    const auto usage_text =
        read(directory + (unified ? "/memory.current" : "/memory.usage_in_bytes"));
    if (!limit_text || !usage_text) {
        return std::nullopt;
    }
    const auto limit = parse_memory_limit(*limit_text);
    const auto usage = parse_memory_usage(*usage_text);
    if (!limit || !usage) {
        return std::nullopt;
    }
    // The inactive file cache counts as used but is reclaimed before the limit bites.
    std::uint64_t reclaimable = 0;
    if (const auto stat = read(directory + "/memory.stat")) {
        reclaimable =
            parse_memory_stat(*stat, unified ? "inactive_file" : "total_inactive_file").value_or(0);
    }
    const std::uint64_t used = *usage - std::min(*usage, reclaimable);
    return CgroupLevel{*limit, *limit - std::min(*limit, used)};
}

// The tightest level from the process's cgroup up to the mount's root.
void tightest_cgroup(const FileReader& read, const std::optional<CgroupMount>& mount,
                     const std::optional<std::string>& path, bool unified,
                     AvailableMemory& available) {
    if (!mount || !path) {
        return;
    }
    const auto directory = cgroup_directory(*mount, *path);
    if (!directory) {
        return;
    }
    std::string level = *directory;
    while (true) {
        if (const auto found = cgroup_level(read, level, unified)) {
            if (!available.cgroup_free || found->free < *available.cgroup_free) {
                available.cgroup_free = found->free;
                available.cgroup_limit = found->limit;
                available.cgroup = level;
            }
        }
        if (level.size() <= mount->mount_point.size()) {
            break;
        }
        level.erase(level.rfind('/'));
    }
}

std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string count_text(std::uint64_t count, const char* one, const char* many) {
    return std::to_string(count) + " " + (count == 1 ? one : many);
}

} // namespace

std::optional<std::uint64_t> parse_mem_available(const std::string& meminfo) {
    for (const std::string& line : split(meminfo, '\n')) {
        if (starts_with(line, "MemAvailable:")) {
            const auto kib = to_number(line.substr(13));
            if (kib) {
                return *kib * 1024; // /proc/meminfo's "kB" are KiB
            }
        }
    }
    return std::nullopt;
}

CgroupPaths parse_proc_cgroup(const std::string& text) {
    CgroupPaths paths;
    for (const std::string& line : split(text, '\n')) {
        const std::size_t first = line.find(':');
        const std::size_t second = first == std::string::npos ? first : line.find(':', first + 1);
        if (second == std::string::npos) {
            continue;
        }
        const std::string id = line.substr(0, first);
        const std::string controllers = line.substr(first + 1, second - first - 1);
        const std::string path = line.substr(second + 1);
        if (id == "0" && controllers.empty()) {
            paths.unified = path;
        }
        for (const std::string& controller : split(controllers, ',')) {
            if (controller == "memory") {
                paths.memory_v1 = path;
            }
        }
    }
    return paths;
}

CgroupMounts parse_mountinfo(const std::string& text) {
    CgroupMounts mounts;
    for (const std::string& line : split(text, '\n')) {
        // id parent major:minor root mount-point options [optional...] - type source super-options
        const std::vector<std::string> fields = split(line, ' ');
        const auto dash = std::find(fields.begin(), fields.end(), "-");
        if (fields.size() < 5 || dash == fields.end() || dash + 1 == fields.end()) {
            continue;
        }
        const std::string& type = *(dash + 1);
        const std::string super_options = dash + 3 < fields.end() ? *(dash + 3) : "";
        const CgroupMount mount{fields[4], fields[3]};
        if (type == "cgroup2" && !mounts.unified) {
            mounts.unified = mount;
        } else if (type == "cgroup" && !mounts.memory_v1) {
            for (const std::string& option : split(super_options, ',')) {
                if (option == "memory") {
                    mounts.memory_v1 = mount;
                }
            }
        }
    }
    return mounts;
}

std::optional<std::string> cgroup_directory(const CgroupMount& mount, const std::string& path) {
    if (path.empty() || path[0] != '/') {
        return std::nullopt;
    }
    std::string relative = path;
    if (mount.root != "/" && (path == mount.root || starts_with(path, mount.root + "/"))) {
        relative = path.substr(mount.root.size());
    }
    // Otherwise the path is already relative to the mount (a cgroup namespace).
    while (!relative.empty() && relative.back() == '/') {
        relative.pop_back();
    }
    return mount.mount_point + relative;
}

std::optional<std::uint64_t> parse_memory_limit(const std::string& text) {
    const auto value = to_number(text);
    // cgroup v1 shows "no limit" as the largest page-aligned 63-bit number.
    constexpr std::uint64_t no_limit = std::uint64_t{1} << 62U;
    if (!value || *value >= no_limit) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::uint64_t> parse_memory_usage(const std::string& text) { return to_number(text); }

std::optional<std::uint64_t> parse_memory_stat(const std::string& text, const std::string& key) {
    for (const std::string& line : split(text, '\n')) {
        if (starts_with(line, key + " ")) {
            return to_number(line.substr(key.size() + 1));
        }
    }
    return std::nullopt;
}

std::optional<std::uint64_t> AvailableMemory::bytes() const {
    if (mem_available && cgroup_free) {
        return std::min(*mem_available, *cgroup_free);
    }
    return mem_available ? mem_available : cgroup_free;
}

AvailableMemory read_available_memory(const FileReader& read) {
    AvailableMemory available;
    if (const auto meminfo = read("/proc/meminfo")) {
        available.mem_available = parse_mem_available(*meminfo);
    }
    const auto cgroup_text = read("/proc/self/cgroup");
    const auto mountinfo_text = read("/proc/self/mountinfo");
    if (cgroup_text && mountinfo_text) {
        const CgroupPaths paths = parse_proc_cgroup(*cgroup_text);
        const CgroupMounts mounts = parse_mountinfo(*mountinfo_text);
        tightest_cgroup(read, mounts.unified, paths.unified, true, available);
        tightest_cgroup(read, mounts.memory_v1, paths.memory_v1, false, available);
    }
    return available;
}

AvailableMemory read_available_memory() { return read_available_memory(read_file); }

NodeMemory node_memory(int rank, int ranks_on_node, double estimate,
                       const AvailableMemory& available) {
    NodeMemory node;
    node.estimate = static_cast<std::uint64_t>(std::ceil(estimate));
    node.rank = static_cast<std::uint64_t>(rank);
    node.ranks_on_node = static_cast<std::uint64_t>(std::max(1, ranks_on_node));
    node.available = available.bytes().value_or(unknown_memory);
    node.mem_available = available.mem_available.value_or(unknown_memory);
    node.cgroup_free = available.cgroup_free.value_or(unknown_memory);
    return node;
}

MemoryFit check_memory_fit(const std::vector<NodeMemory>& nodes, int ranks,
                           const std::function<double(int ranks)>& estimate) {
    MemoryFit fit;
    double worst = -std::numeric_limits<double>::infinity();
    for (const NodeMemory& node : nodes) {
        if (node.available == unknown_memory) {
            continue;
        }
        const double per_rank = static_cast<double>(node.estimate);
        const double need = per_rank * static_cast<double>(node.ranks_on_node);
        const double short_by = need - static_cast<double>(node.available);
        if (short_by > worst) {
            worst = short_by;
            fit.node = node;
            fit.per_rank = per_rank;
            fit.need = need;
        }
    }
    fit.fits = !(worst > 0.0);
    if (fit.fits) {
        return fit;
    }
    const auto available = static_cast<double>(fit.node.available);
    fit.ranks_that_fit =
        fit.per_rank > 0.0 ? static_cast<std::uint64_t>(std::floor(available / fit.per_rank)) : 0;
    if (fit.ranks_that_fit > 0) {
        fit.nodes_needed =
            (static_cast<std::uint64_t>(ranks) + fit.ranks_that_fit - 1) / fit.ranks_that_fit;
        return fit;
    }
    // The share of a rank shrinks with more ranks, down to the process's own
    // memory: the fewest ranks whose share fits, one per node.
    constexpr int most_ranks = 1 << 24;
    int low = ranks;
    int high = ranks;
    while (high < most_ranks && estimate(high) > available) {
        low = high;
        high = high > most_ranks / 2 ? most_ranks : 2 * high;
    }
    if (estimate(high) > available) {
        return fit;
    }
    while (high - low > 1) {
        const int middle = low + (high - low) / 2;
        (estimate(middle) > available ? low : high) = middle;
    }
    fit.ranks_needed_alone = static_cast<std::uint64_t>(high);
    return fit;
}

std::string memory_refusal(const Communicator& communicator, const Parameters& parameters,
                           const DerivedParameters& derived, int threads) {
    auto estimate = [&](int ranks) {
        return estimate_memory_per_rank(parameters, derived, ranks, threads).peak();
    };
    const std::vector<NodeMemory> nodes = communicator.all_gather(std::vector<NodeMemory>{
        node_memory(communicator.rank(), communicator.ranks_on_node(),
                    estimate(communicator.size()), read_available_memory())});
    const MemoryFit fit = check_memory_fit(nodes, communicator.size(), estimate);
    return fit.fits ? std::string() : memory_refusal_text(fit, communicator.size());
}

std::string memory_text(double bytes) {
    constexpr double mib = 1024.0 * 1024.0;
    char text[32];
    if (bytes < 1024.0 * mib) {
        std::snprintf(text, sizeof(text), "%.1f MB", bytes / mib);
    } else {
        std::snprintf(text, sizeof(text), "%.2f GB", bytes / (1024.0 * mib));
    }
    return text;
}

std::string memory_refusal_text(const MemoryFit& fit, int ranks) {
    const NodeMemory& node = fit.node;
    std::ostringstream out;
    out << "not enough memory: this run needs an estimated " << memory_text(fit.per_rank)
        << " per rank, x " << count_text(node.ranks_on_node, "rank", "ranks")
        << " on the node of rank " << node.rank << " = " << memory_text(fit.need) << ", but only "
        << memory_text(static_cast<double>(node.available)) << " are available there (MemAvailable "
        << (node.mem_available == unknown_memory
                ? std::string("unknown")
                : memory_text(static_cast<double>(node.mem_available)))
        << ", cgroup "
        << (node.cgroup_free == unknown_memory
                ? std::string("without a limit")
                : memory_text(static_cast<double>(node.cgroup_free)) + " free below its limit")
        << "). ";
    if (fit.ranks_that_fit > 0) {
        out << "At most " << count_text(fit.ranks_that_fit, "rank", "ranks")
            << " of this size fit on such a node: the "
            << count_text(static_cast<std::uint64_t>(ranks), "rank", "ranks") << " need "
            << count_text(fit.nodes_needed, "node", "nodes") << " with at most "
            << fit.ranks_that_fit << " per node. ";
    } else if (fit.ranks_needed_alone > 0) {
        out << "Not even one rank of this size fits on such a node: split over at least "
            << fit.ranks_needed_alone << " ranks, one per node, each rank's share would fit. ";
    } else {
        out << "Not even one rank fits on such a node, however many ranks share the network. ";
    }
    out << "Use more nodes or a smaller network, or run anyway with "
           "--set simulation.memory_check=false.";
    return out.str();
}

} // namespace microcircuit
