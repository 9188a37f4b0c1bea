// The memory check: reading MemAvailable and the cgroup limits from the text
// of their files, the fit of the estimate into a node, the refusal, and the
// estimate's parts.
#define BOOST_TEST_MODULE memory_check
#include <boost/test/unit_test.hpp>

#include "memory/memory_check.hpp"
#include "memory/memory_estimate.hpp"

#include <cmath>
#include <map>
#include <numeric>
#include <string>

using namespace microcircuit;

namespace {

constexpr std::uint64_t mib = 1024 * 1024;
constexpr std::uint64_t gib = 1024 * mib;

const char* const meminfo = "MemTotal:       24684000 kB\n"
                            "MemFree:        23404000 kB\n"
                            "MemAvailable:   23000000 kB\n"
                            "Buffers:           12000 kB\n";

// A hybrid host (v1 memory controller, v2 without it) and a pure v2 host.
const char* const mountinfo =
    "24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "35 24 0:30 / /sys/fs/cgroup/unified rw,nosuid shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "38 24 0:33 / /sys/fs/cgroup/cpu,cpuacct rw shared:14 - cgroup cgroup rw,cpu,cpuacct\n"
    "40 24 0:35 / /sys/fs/cgroup/memory rw,nosuid shared:16 - cgroup cgroup rw,memory\n";

struct Files {
    std::map<std::string, std::string> text;
    FileReader reader() const {
        return [this](const std::string& path) -> std::optional<std::string> {
            const auto found = text.find(path);
            if (found == text.end()) {
                return std::nullopt;
            }
            return found->second;
        };
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(mem_available_is_read_in_bytes) {
    BOOST_TEST(parse_mem_available(meminfo).value() == 23000000ULL * 1024);
    BOOST_TEST(!parse_mem_available("MemTotal: 100 kB\nMemFree: 50 kB\n").has_value());
    BOOST_TEST(!parse_mem_available("").has_value());
}

BOOST_AUTO_TEST_CASE(the_process_cgroups_of_v1_and_v2) {
    const CgroupPaths hybrid = parse_proc_cgroup("9:name=systemd:/\n"
                                                 "5:cpu,cpuacct:/\n"
                                                 "4:memory:/process_api/232dc\n"
                                                 "0::/\n");
    BOOST_TEST(hybrid.memory_v1.value() == "/process_api/232dc");
    BOOST_TEST(hybrid.unified.value() == "/");
    const CgroupPaths v2 = parse_proc_cgroup("0::/user.slice/job-7.scope\n");
    BOOST_TEST(v2.unified.value() == "/user.slice/job-7.scope");
    BOOST_TEST(!v2.memory_v1.has_value());
    const CgroupPaths combined = parse_proc_cgroup("3:cpu,memory,pids:/slurm/job_12\n");
    BOOST_TEST(combined.memory_v1.value() == "/slurm/job_12");
    BOOST_TEST(!combined.unified.has_value());
}

BOOST_AUTO_TEST_CASE(the_mounts_of_the_hierarchies) {
    const CgroupMounts mounts = parse_mountinfo(mountinfo);
    BOOST_TEST(mounts.unified.value().mount_point == "/sys/fs/cgroup/unified");
    BOOST_TEST(mounts.memory_v1.value().mount_point == "/sys/fs/cgroup/memory");
    BOOST_TEST(mounts.memory_v1.value().root == "/");
    const CgroupMounts none = parse_mountinfo("24 30 0:22 / /sys rw - sysfs sysfs rw\n");
    BOOST_TEST(!none.unified.has_value());
    BOOST_TEST(!none.memory_v1.has_value());
}

BOOST_AUTO_TEST_CASE(a_cgroup_path_under_its_mount) {
    BOOST_TEST(cgroup_directory({"/sys/fs/cgroup", "/"}, "/a/b").value() == "/sys/fs/cgroup/a/b");
    BOOST_TEST(cgroup_directory({"/sys/fs/cgroup", "/"}, "/").value() == "/sys/fs/cgroup");
    // A container that sees only its own subtree, mounted at its root.
    BOOST_TEST(cgroup_directory({"/sys/fs/cgroup", "/docker/abc"}, "/docker/abc/job").value() ==
               "/sys/fs/cgroup/job");
    BOOST_TEST(!cgroup_directory({"/sys/fs/cgroup", "/"}, "").has_value());
}

BOOST_AUTO_TEST_CASE(limits_usage_and_stat_values) {
    BOOST_TEST(!parse_memory_limit("max\n").has_value());
    BOOST_TEST(!parse_memory_limit("9223372036854771712\n").has_value()); // v1: no limit
    BOOST_TEST(parse_memory_limit("536870912\n").value() == 512 * mib);
    BOOST_TEST(parse_memory_usage("1048576\n").value() == mib);
    const std::string stat = "anon 100\nfile 4096\nactive_file 1024\ninactive_file 2048\n";
    BOOST_TEST(parse_memory_stat(stat, "inactive_file").value() == 2048U);
    BOOST_TEST(parse_memory_stat(stat, "file").value() == 4096U);
    BOOST_TEST(!parse_memory_stat(stat, "shmem").has_value());
}

BOOST_AUTO_TEST_CASE(the_tightest_v2_cgroup_bounds_mem_available) {
    Files files;
    files.text["/proc/meminfo"] = meminfo;
    files.text["/proc/self/cgroup"] = "0::/job/step\n";
    files.text["/proc/self/mountinfo"] =
        "35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:10 - cgroup2 cgroup2 rw\n";
    // The step has no limit of its own; the job allows 2 GiB, uses 1 GiB of
    // which 256 MiB inactive file cache.
    files.text["/sys/fs/cgroup/job/step/memory.max"] = "max\n";
    files.text["/sys/fs/cgroup/job/step/memory.current"] = "104857600\n";
    files.text["/sys/fs/cgroup/job/memory.max"] = std::to_string(2 * gib) + "\n";
    files.text["/sys/fs/cgroup/job/memory.current"] = std::to_string(gib) + "\n";
    files.text["/sys/fs/cgroup/job/memory.stat"] =
        "anon 1\ninactive_file " + std::to_string(256 * mib) + "\n";
    const AvailableMemory available = read_available_memory(files.reader());
    BOOST_TEST(available.mem_available.value() == 23000000ULL * 1024);
    BOOST_TEST(available.cgroup_limit.value() == 2 * gib);
    BOOST_TEST(available.cgroup_free.value() == gib + 256 * mib);
    BOOST_TEST(available.cgroup == "/sys/fs/cgroup/job");
    BOOST_TEST(available.bytes().value() == gib + 256 * mib);
}

BOOST_AUTO_TEST_CASE(a_v1_memory_limit_and_no_limit_at_all) {
    Files files;
    files.text["/proc/meminfo"] = meminfo;
    files.text["/proc/self/cgroup"] = "4:memory:/test\n0::/\n";
    files.text["/proc/self/mountinfo"] = mountinfo;
    files.text["/sys/fs/cgroup/memory/test/memory.limit_in_bytes"] = "209715200\n";
    files.text["/sys/fs/cgroup/memory/test/memory.usage_in_bytes"] = "10485760\n";
    files.text["/sys/fs/cgroup/memory/memory.limit_in_bytes"] = "9223372036854771712\n";
    files.text["/sys/fs/cgroup/memory/memory.usage_in_bytes"] = "999999999\n";
    const AvailableMemory limited = read_available_memory(files.reader());
    BOOST_TEST(limited.cgroup_free.value() == 190 * mib);
    BOOST_TEST(limited.bytes().value() == 190 * mib);

    files.text.erase("/sys/fs/cgroup/memory/test/memory.limit_in_bytes");
    const AvailableMemory unlimited = read_available_memory(files.reader());
    BOOST_TEST(!unlimited.cgroup_free.has_value());
    BOOST_TEST(unlimited.bytes().value() == 23000000ULL * 1024);

    const AvailableMemory nothing = read_available_memory(Files{}.reader());
    BOOST_TEST(!nothing.bytes().has_value());
}

namespace {

// 30 MB per process and 8 GB shared among the ranks.
double estimate(int ranks) { return 30.0 * mib + 8.0 * gib / ranks; }

NodeMemory node(std::uint64_t rank, std::uint64_t ranks_on_node, std::uint64_t available,
                int ranks) {
    NodeMemory n;
    n.rank = rank;
    n.ranks_on_node = ranks_on_node;
    n.estimate = static_cast<std::uint64_t>(estimate(ranks));
    n.available = available;
    n.mem_available = available;
    n.cgroup_free = unknown_memory;
    return n;
}

} // namespace

BOOST_AUTO_TEST_CASE(a_run_that_fits) {
    const MemoryFit fit =
        check_memory_fit({node(0, 2, 16 * gib, 2), node(1, 2, 16 * gib, 2)}, 2, estimate);
    BOOST_TEST(fit.fits);
    BOOST_TEST(fit.need == 2 * std::floor(estimate(2)));
}

BOOST_AUTO_TEST_CASE(too_many_ranks_on_a_node_give_the_ranks_and_nodes_that_fit) {
    // 8 ranks, 4 per node; the second node has only 3 GB: 2 ranks of 1.03 GB fit there.
    std::vector<NodeMemory> nodes;
    for (std::uint64_t r = 0; r < 8; ++r) {
        nodes.push_back(node(r, 4, r < 4 ? 64 * gib : 3 * gib, 8));
    }
    const MemoryFit fit = check_memory_fit(nodes, 8, estimate);
    BOOST_TEST(!fit.fits);
    BOOST_TEST(fit.node.rank == 4U);
    BOOST_TEST(fit.per_rank == std::floor(estimate(8)));
    BOOST_TEST(fit.need == 4 * std::floor(estimate(8)));
    BOOST_TEST(fit.ranks_that_fit == 2U);
    BOOST_TEST(fit.nodes_needed == 4U);
    const std::string text = memory_refusal_text(fit, 8);
    for (const char* part : {"1.03 GB per rank", "4 ranks on the node of rank 4", "= 4.12 GB",
                             "only 3.00 GB are available", "At most 2 ranks", "need 4 nodes",
                             "--set simulation.memory_check=false"}) {
        BOOST_TEST_INFO(text);
        BOOST_TEST(text.find(part) != std::string::npos, part);
    }
}

BOOST_AUTO_TEST_CASE(a_rank_too_large_for_any_node_gives_the_ranks_whose_share_fits) {
    // 1 rank needs 8.03 GB; with 3 GB per node a share of 8 GB / r + 30 MB fits from r = 3.
    const MemoryFit fit = check_memory_fit({node(0, 1, 3 * gib, 1)}, 1, estimate);
    BOOST_TEST(!fit.fits);
    BOOST_TEST(fit.ranks_that_fit == 0U);
    BOOST_TEST(fit.ranks_needed_alone == 3U);
    BOOST_TEST(memory_refusal_text(fit, 1).find("at least 3 ranks, one per node") !=
               std::string::npos);
    // Not even the process itself fits.
    const MemoryFit hopeless = check_memory_fit({node(0, 1, 10 * mib, 1)}, 1, estimate);
    BOOST_TEST(!hopeless.fits);
    BOOST_TEST(hopeless.ranks_needed_alone == 0U);
}

BOOST_AUTO_TEST_CASE(each_rank_counts_with_its_own_estimate) {
    // Equal nodes, but the ranks of the second run more threads and need more each.
    NodeMemory small = node(0, 2, 3 * gib, 4);
    NodeMemory large = node(2, 2, 3 * gib, 4);
    small.estimate = gib;
    large.estimate = 2 * gib;
    const MemoryFit fit = check_memory_fit({small, small, large, large}, 4, estimate);
    BOOST_TEST(!fit.fits);
    BOOST_TEST(fit.node.rank == 2U);
    BOOST_TEST(fit.per_rank == 2.0 * gib);
    BOOST_TEST(fit.need == 4.0 * gib);
    BOOST_TEST(fit.ranks_that_fit == 1U);
    BOOST_TEST(check_memory_fit({small, small}, 2, estimate).fits);
}

BOOST_AUTO_TEST_CASE(unknown_memory_is_not_checked) {
    const MemoryFit fit = check_memory_fit({node(0, 1, unknown_memory, 1)}, 1, estimate);
    BOOST_TEST(fit.fits);
}

BOOST_AUTO_TEST_CASE(memory_is_printed_in_mb_or_gb) {
    BOOST_TEST(memory_text(512.0 * mib) == "512.0 MB");
    BOOST_TEST(memory_text(2.5 * gib) == "2.50 GB");
}

BOOST_AUTO_TEST_CASE(delay_step_probabilities_follow_the_drawn_distribution) {
    const std::vector<double> p = delay_step_probabilities(1.5, 0.75, TimeGrid(0.1));
    BOOST_TEST(std::accumulate(p.begin(), p.end(), 0.0) == 1.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(p[0] == 0.0); // below h/2 is redrawn
    BOOST_TEST(p[15] > p[5]);
    BOOST_TEST(p[15] > p[25]);
    const std::vector<double> fixed = delay_step_probabilities(1.5, 0.0, TimeGrid(0.1));
    BOOST_TEST(fixed.size() == 16U);
    BOOST_TEST(fixed[15] == 1.0);
}

BOOST_AUTO_TEST_CASE(the_estimate_counts_every_synapse_and_shrinks_with_ranks) {
    Parameters parameters;
    parameters.network.N_scaling = 0.2;
    parameters.network.K_scaling = 0.2;
    const DerivedParameters derived = derive_parameters(parameters);
    const MemoryEstimate one = estimate_memory_per_rank(parameters, derived, 1, 1);
    const MemoryEstimate four = estimate_memory_per_rank(parameters, derived, 4, 1);
    const double store = static_cast<double>(derived.num_synapses_total) * 8.0;
    BOOST_TEST(one.synapses > store);
    BOOST_TEST(one.synapses < 1.1 * store);
    BOOST_TEST(one.peak() > one.process + one.synapses + one.construction);
    BOOST_TEST(four.synapses < one.synapses / 3.5);
    BOOST_TEST(four.process == one.process);
    // A thread more: its own build buffers and offsets, the same synapses.
    const MemoryEstimate two_threads = estimate_memory_per_rank(parameters, derived, 1, 2);
    BOOST_TEST(two_threads.construction > one.construction);
    BOOST_TEST(two_threads.process == one.process + thread_baseline_bytes);
}
