// The public API as a program uses it, with 1 rank and under mpiexec with
// several: simulate is repeatable in any pieces with the same result, the
// in-memory collectors receive exactly what the SONATA file holds, and misuse
// is refused with a clear error.
#define BOOST_TEST_MODULE simulator_api
#include <boost/test/unit_test.hpp>

#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/output.hpp"
#include "microcircuit/run.hpp"
#include "microcircuit/simulator.hpp"

#include <hdf5.h>
#include <mpi.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace microcircuit;

namespace {

struct ContextFixture {
    ContextFixture() { context = std::make_unique<Context>(); }
    ~ContextFixture() { context.reset(); }
    static std::unique_ptr<Context> context;
};
std::unique_ptr<Context> ContextFixture::context;

LoadedConfig small_config(const std::string& data_path) {
    return load_config("", {"network.N_scaling=0.02", "network.K_scaling=0.02",
                            "simulation.t_presim=100", "simulation.t_sim=200",
                            "simulation.rec_dev=[spike_recorder, voltmeter]",
                            "simulation.rec_V_num_neurons=3", "simulation.rec_V_int=0.5",
                            "simulation.local_num_threads=2", "simulation.print_time=false",
                            "simulation.spike_buffer=40", "simulation.data_path=" + data_path});
}

struct Recorded {
    std::vector<RecordedSpike> spikes;
    std::vector<double> voltages;
};

// The configured network, built, recording into memory.
struct Observed {
    Observed() : simulator(*ContextFixture::context, small_config("unused").parameters) {
        simulator.add_spike_sink(spikes);
        simulator.add_voltage_sink(voltages);
        simulator.create();
        simulator.connect();
    }
    Simulator simulator;
    SpikeCollector spikes;
    VoltageCollector voltages;
};

// Simulates the configured run in pieces of the given lengths (ms).
Recorded run_in_pieces(const std::vector<double>& pieces) {
    Observed run;
    for (double piece : pieces) {
        run.simulator.simulate(piece);
    }
    run.simulator.flush_recordings();
    return {run.spikes.spikes(), run.voltages.samples()};
}

template <class T> std::vector<T> read_dataset(hid_t file, const std::string& path) {
    const hid_t dataset = H5Dopen2(file, path.c_str(), H5P_DEFAULT);
    const hid_t space = H5Dget_space(dataset);
    std::vector<T> values(static_cast<std::size_t>(H5Sget_simple_extent_npoints(space)));
    const hid_t type =
        sizeof(T) == 8 && static_cast<T>(0.5) != 0 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_UINT64;
    if (!values.empty()) {
        H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    }
    H5Sclose(space);
    H5Dclose(dataset);
    return values;
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(ContextFixture);

BOOST_AUTO_TEST_CASE(simulate_in_pieces_gives_the_same_spikes_and_voltages) {
    const Recorded whole = run_in_pieces({100.0, 200.0});
    const Recorded pieces = run_in_pieces({0.1, 49.9, 50.0, 0.0, 37.3, 162.7});
    BOOST_TEST(whole.spikes.size() > 200U);
    BOOST_TEST((whole.spikes == pieces.spikes));
    BOOST_TEST((whole.voltages == pieces.voltages));
    // 300 ms sampled every 0.5 ms, 3 neurons of each of 8 populations.
    BOOST_TEST(whole.voltages.size() == 600U * 24U);
    std::set<int> populations;
    const DerivedParameters derived = derive_parameters(small_config("unused").parameters);
    for (std::size_t i = 0; i < whole.spikes.size(); ++i) {
        populations.insert(derived.population_of(whole.spikes[i].gid));
        if (i > 0) {
            BOOST_TEST(!(whole.spikes[i] < whole.spikes[i - 1]));
        }
    }
    BOOST_TEST(populations.size() == 8U);
}

// spikes.h5 holds exactly the spikes in memory, and the voltages so far (rank 0).
void check_file_holds(const Run& run, std::uint64_t voltage_samples) {
    const SpikeCollector& spikes = *run.spikes();
    const DerivedParameters& derived = run.derived();
    const hid_t file = H5Fopen(run.spikes_path().c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    BOOST_REQUIRE(file >= 0);
    std::uint64_t compared = 0;
    for (int p = 0; p < num_populations; ++p) {
        const std::string group = std::string("/spikes/") + population_names[p];
        const auto ids = read_dataset<std::uint64_t>(file, group + "/node_ids");
        const auto times = read_dataset<double>(file, group + "/timestamps");
        std::vector<RecordedSpike> of_population;
        for (const auto& spike : spikes.spikes()) {
            if (derived.population_of(spike.gid) == p) {
                of_population.push_back(spike);
            }
        }
        BOOST_TEST_REQUIRE(ids.size() == of_population.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            BOOST_TEST(ids[i] + derived.first_gid[p] == of_population[i].gid);
            BOOST_TEST(times[i] ==
                       static_cast<double>(of_population[i].step_end) * derived.resolution);
        }
        compared += ids.size();
        const auto data =
            read_dataset<double>(file, "/voltages/" + std::string(population_names[p]) + "/data");
        BOOST_TEST(data.size() == voltage_samples * 3U);
    }
    BOOST_TEST(compared == spikes.spikes().size());
    H5Fclose(file);
}

BOOST_AUTO_TEST_CASE(after_every_simulate_the_file_holds_what_was_recorded_so_far) {
    Context& context = *ContextFixture::context;
    const std::string directory = "test_simulator_api_output";
    if (context.rank() == 0) {
        std::filesystem::remove_all(directory);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    RunOptions options;
    options.keep_recordings = true;
    options.console = false;
    Run run(context, small_config(directory), options);
    run.create();
    run.connect();
    const Recorded whole = run_in_pieces({300.0});
    // The configured t_presim + t_sim is 300 ms; a run goes past it as far as asked.
    for (const double until : {57.3, 150.0, 300.0, 361.2}) {
        BOOST_TEST(run.simulate(until - run.time_ms()));
        BOOST_TEST(run.simulator().num_spikes() == run.spikes()->spikes().size()); // collective
        BOOST_TEST(run.simulator().step() == static_cast<std::uint64_t>(until * 10.0 + 0.5));
        if (context.rank() == 0) {
            check_file_holds(run, static_cast<std::uint64_t>(until / 0.5));
            BOOST_TEST(std::filesystem::exists(run.report_path()));
        }
        MPI_Barrier(MPI_COMM_WORLD);
    }
    const auto first_after = std::find_if(whole.spikes.begin(), whole.spikes.end(),
                                          [](auto& s) { return s.step_end > 3000; });
    BOOST_TEST((std::vector<RecordedSpike>(whole.spikes.begin(), first_after) ==
                std::vector<RecordedSpike>(run.spikes()->spikes().begin(),
                                           run.spikes()->spikes().begin() +
                                               (first_after - whole.spikes.begin()))));
    run.finish();
    BOOST_CHECK_THROW(run.simulate(1.0), std::logic_error);
    BOOST_TEST(finished_run_in(context, directory));
    if (context.rank() == 0) {
        check_file_holds(run, 722U);
        BOOST_TEST(!std::filesystem::exists(directory + "/.spikes.journal"));
        std::filesystem::remove_all(directory);
    }
}

BOOST_AUTO_TEST_CASE(a_run_continued_from_a_checkpoint_records_the_rest_of_the_same_run) {
    Context& context = *ContextFixture::context;
    const std::string path = "test_simulator_api_checkpoint.h5";
    const Recorded whole = run_in_pieces({300.0});
    // The first 123.4 ms, then a checkpoint; a new simulator goes on from it.
    {
        Observed first;
        first.simulator.simulate(123.4);
        first.simulator.flush_recordings();
        first.simulator.save_checkpoint(path, {first.spikes.spikes().size(), 7});
        BOOST_TEST(!first.simulator.interrupted());
    }
    Observed rest;
    Simulator& simulator = rest.simulator;
    const SpikeCollector& spikes = rest.spikes;
    const VoltageCollector& voltages = rest.voltages;
    const RecordingPositions positions = simulator.restore_checkpoint(path);
    BOOST_TEST(simulator.time_ms() == 123.4);
    BOOST_TEST(positions.voltage_samples == 7U);
    simulator.simulate(300.0 - 123.4);
    simulator.flush_recordings();
    // Spikes after the checkpoint only, and the voltage samples after it.
    const auto first_after = std::find_if(whole.spikes.begin(), whole.spikes.end(),
                                          [](auto& s) { return s.step_end > 1234; });
    BOOST_TEST(positions.spikes == static_cast<std::size_t>(first_after - whole.spikes.begin()));
    BOOST_TEST((std::vector<RecordedSpike>(first_after, whole.spikes.end()) == spikes.spikes()));
    const std::size_t columns = whole.voltages.size() / 600U;
    BOOST_TEST(voltages.first_sample() == 246U);
    BOOST_TEST((std::vector<double>(whole.voltages.begin() + 246 * columns, whole.voltages.end()) ==
                voltages.samples()));
    BOOST_TEST(simulator.num_spikes() == whole.spikes.size());
    // Another seed is another run.
    auto other = small_config("unused").parameters;
    other.simulation.rng_seed = 56;
    Simulator stranger(context, other);
    stranger.create();
    stranger.connect();
    BOOST_CHECK_THROW(stranger.restore_checkpoint(path), CheckpointError);
    if (context.rank() == 0) {
        std::filesystem::remove(path);
    }
}

BOOST_AUTO_TEST_CASE(misuse_is_refused_with_a_clear_error) {
    Simulator simulator(*ContextFixture::context, small_config("unused").parameters);
    BOOST_CHECK_THROW(simulator.simulate(1.0), std::logic_error);
    BOOST_CHECK_THROW(simulator.connect(), std::logic_error);
    simulator.create();
    simulator.connect();
    BOOST_CHECK_THROW(simulator.simulate(0.05), std::invalid_argument);
    BOOST_CHECK_THROW(simulator.simulate(-1.0), std::invalid_argument);
    simulator.simulate(1.0);
    SpikeCollector late;
    BOOST_CHECK_THROW(simulator.add_spike_sink(late), std::logic_error);
    // Past the configured t_presim + t_sim of 300 ms.
    simulator.simulate(300.0);
    BOOST_TEST(simulator.time_ms() == 301.0);
}
