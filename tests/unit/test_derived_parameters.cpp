// Derived parameters against data/reference/derived_parameters.json, every case.
#define BOOST_TEST_MODULE derived_parameters
#include <boost/test/unit_test.hpp>

#include "microcircuit/config.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "reference_data.hpp"

#include <cmath>
#include <sstream>

using namespace microcircuit;

namespace {

bool close(double actual, double expected, double relative = 1e-9) {
    return std::fabs(actual - expected) <= relative * std::max(std::fabs(expected), 1e-300) ||
           actual == expected;
}

DerivedParameters derive_case(const YAML::Node& c, const std::vector<std::string>& extra = {}) {
    std::ostringstream n;
    std::ostringstream k;
    n.precision(17);
    k.precision(17);
    n << "network.N_scaling=" << c["N_scaling"].as<double>();
    k << "network.K_scaling=" << c["K_scaling"].as<double>();
    std::vector<std::string> settings{
        n.str(), k.str(), "network.bg_input_type=" + c["bg_input_type"].as<std::string>()};
    settings.insert(settings.end(), extra.begin(), extra.end());
    const auto config = load_config("", settings);
    return derive_parameters(config.parameters);
}

} // namespace

BOOST_AUTO_TEST_CASE(constants) {
    const auto reference = testing::load_reference("derived_parameters.json");
    const auto derived = derive_parameters(load_config("", {}).parameters);
    BOOST_TEST(close(derived.psc_per_psp, reference["psc_per_psp_pA_per_mV"].as<double>()));
    BOOST_TEST(close(derived.rheobase, reference["rheobase_current_pA"].as<double>()));
    const auto& unrounded = reference["num_synapses_full_unrounded[target][source]"];
    for (int y = 0; y < num_populations; ++y) {
        for (int x = 0; x < num_populations; ++x) {
            BOOST_TEST(
                close(derived.num_synapses_full_unrounded[y][x], unrounded[y][x].as<double>()),
                "full-scale synapses " << y << "<-" << x);
        }
    }
}

BOOST_AUTO_TEST_CASE(every_reference_case) {
    const auto reference = testing::load_reference("derived_parameters.json");
    BOOST_REQUIRE(reference["cases"].size() >= 5);
    for (const auto& c : reference["cases"]) {
        const auto d = derive_case(c);
        BOOST_TEST_CONTEXT("N_scaling " << c["N_scaling"].as<double>() << ", K_scaling "
                                        << c["K_scaling"].as<double>() << ", "
                                        << c["bg_input_type"].as<std::string>()) {
            for (int p = 0; p < num_populations; ++p) {
                BOOST_TEST(d.num_neurons[p] == c["num_neurons"][p].as<std::uint32_t>());
                BOOST_TEST(close(d.dc_amplitude[p], c["dc_amplitude_pA"][p].as<double>()));
                BOOST_TEST(d.num_thalamic_synapses_in_degree[p] ==
                           c["thalamic_synapses_indegree_preserving"][p].as<std::uint64_t>());
                BOOST_TEST(d.num_thalamic_synapses_upstream[p] ==
                           c["thalamic_synapses_upstream_quirk"][p].as<std::uint64_t>());
                if (c["poisson_rate_per_neuron_Hz"].IsNull()) {
                    BOOST_TEST(d.poisson_rate[p] == 0.0);
                } else {
                    BOOST_TEST(
                        close(d.poisson_rate[p], c["poisson_rate_per_neuron_Hz"][p].as<double>()));
                }
                for (int x = 0; x < num_populations; ++x) {
                    BOOST_TEST(d.num_synapses[p][x] ==
                               c["num_synapses[target][source]"][p][x].as<std::uint64_t>());
                    BOOST_TEST(close(d.weight_mean[p][x],
                                     c["weight_mean_pA[target][source]"][p][x].as<double>()));
                }
            }
            BOOST_TEST(d.num_neurons_total == c["num_neurons_total"].as<std::uint64_t>());
            BOOST_TEST(d.num_synapses_total == c["num_synapses_total"].as<std::uint64_t>());
            BOOST_TEST(close(d.weight_ext, c["weight_ext_pA"].as<double>()));
            std::vector<std::string> below;
            for (int p : d.below_rheobase) {
                below.emplace_back(population_names[p]);
            }
            std::vector<std::string> expected;
            for (const auto& name : c["populations_below_rheobase"]) {
                expected.push_back(name.as<std::string>());
            }
            BOOST_TEST(below == expected, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(thalamic_synapse_scaling_as_the_reference_when_asked) {
    const auto reference = testing::load_reference("derived_parameters.json");
    for (const auto& c : reference["cases"]) {
        const auto in_degree = derive_case(c, {"stimulus.thalamic_input=true"});
        const auto upstream = derive_case(
            c, {"stimulus.thalamic_input=true", "stimulus.th_synapse_scaling=reference"});
        for (int p = 0; p < num_populations; ++p) {
            BOOST_TEST(in_degree.num_thalamic_synapses[p] ==
                       c["thalamic_synapses_indegree_preserving"][p].as<std::uint64_t>());
            BOOST_TEST(upstream.num_thalamic_synapses[p] ==
                       c["thalamic_synapses_upstream_quirk"][p].as<std::uint64_t>());
        }
        // The projections made are those counts.
        for (const auto& projection : upstream.projections) {
            if (projection.id >= num_populations * num_populations) {
                BOOST_TEST(projection.num_synapses ==
                           upstream.num_thalamic_synapses[projection.target_population]);
            }
        }
    }
}
