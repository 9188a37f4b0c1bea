// The stimuli act in the steps in which the reference's act
// (data/reference/stimulus_timing.json, measured with NEST 3.6): the
// thalamic spikes, the DC transient, and the Poisson background's first input.
#define BOOST_TEST_MODULE stimulus_timing
#include <boost/test/unit_test.hpp>

#include "microcircuit/config.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "model/neuron.hpp"
#include "model/step_current.hpp"
#include "reference_data.hpp"

#include <cmath>
#include <map>
#include <string>

using namespace microcircuit;

namespace {

const YAML::Node& timing() {
    static const YAML::Node node = testing::load_reference("stimulus_timing.json");
    return node;
}

std::string setting(const std::string& key, double value) {
    return key + "=" + std::to_string(value);
}

} // namespace

BOOST_AUTO_TEST_CASE(thalamic_spikes_are_stamped_as_the_references_parrot_neurons) {
    const auto& thalamic = timing()["thalamic"];
    const double start = thalamic["generator"]["start_ms"].as<double>();
    const double stop = thalamic["generator"]["stop_ms"].as<double>();
    const auto derived = derive_parameters(
        load_config("", {"stimulus.thalamic_input=true", setting("stimulus.th_start", start),
                         setting("stimulus.th_duration", stop - start)})
            .parameters);
    const double h = derived.resolution;
    // The update u draws spikes stamped (u + 1) h.
    const auto& steps = derived.thalamic_spike_steps;
    BOOST_TEST(static_cast<double>(steps.first + 1) * h ==
                   thalamic["first_parrot_spike_ms"].as<double>(),
               boost::test_tools::tolerance(1e-9));
    BOOST_TEST(static_cast<double>(steps.last) * h == thalamic["last_parrot_spike_ms"].as<double>(),
               boost::test_tools::tolerance(1e-9));
    BOOST_TEST(thalamic["generator_to_parrot_delay_ms"].as<double>() ==
               stimulus_generator_delay_ms);
}

BOOST_AUTO_TEST_CASE(the_dc_transient_moves_a_neuron_as_the_references_does) {
    const auto& dc = timing()["dc_transient"];
    const double start = dc["generator"]["start_ms"].as<double>();
    const double stop = dc["generator"]["stop_ms"].as<double>();
    const auto derived =
        derive_parameters(load_config("", {"stimulus.dc_transient=true",
                                           setting("stimulus.dc_transient_start", start),
                                           setting("stimulus.dc_transient_dur", stop - start)})
                              .parameters);
    BOOST_TEST(dc["delay_ms"].as<double>() == stimulus_generator_delay_ms);
    // One neuron at rest with the model's parameters (and no threshold in
    // reach) driven by the generator's amplitude in the derived updates.
    NeuronParameters neuron = derived.neuron;
    neuron.V_th = 1e6;
    const double h = derived.resolution;
    const auto propagators = Propagators::compute(neuron, derived.grid());
    const StepCurrent current{dc["generator"]["amplitude_pA"].as<double>(),
                              derived.dc_transient_updates};
    NeuronState state;
    state.resize(1);
    const auto last = static_cast<std::uint64_t>(std::llround(751.3 / h));
    std::map<std::uint64_t, double> v_m; // after the update ending at u h
    for (std::uint64_t u = 0; u < last; ++u) {
        update_neuron(state.arrays(), 0, propagators, current.during_update(u), 0, 0);
        v_m[u + 1] = state.y[0] + neuron.E_L;
    }
    std::size_t compared = 0;
    for (const auto& entry : dc["V_m_at"]) {
        const auto step =
            static_cast<std::uint64_t>(std::llround(std::stod(entry.first.Scalar()) / h));
        BOOST_TEST(v_m.at(step) == entry.second.as<double>(), boost::test_tools::tolerance(1e-9));
        ++compared;
    }
    BOOST_TEST(compared == 9U);
    BOOST_TEST(static_cast<double>(derived.dc_transient_updates.first + 1) * h ==
                   dc["first_V_m_change_ms"].as<double>(),
               boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(the_poisson_background_arrives_first_when_the_references_does) {
    const auto& poisson = timing()["poisson_background"];
    const auto derived = derive_parameters(
        load_config("", {"network.bg_input_type=poisson",
                         setting("network.delay_poisson", poisson["delay_ms"].as<double>())})
            .parameters);
    const double h = derived.resolution;
    // Input of step u enters the current at the end of update u and the
    // potential in update u + 1.
    NeuronState state;
    state.resize(1);
    const auto propagators = Propagators::compute(derived.neuron, derived.grid());
    double first_change = 0.0;
    for (std::uint64_t u = 0; u < 30 && first_change == 0.0; ++u) {
        const std::int64_t input = u >= derived.poisson_first_step ? to_fixed_point(100.0) : 0;
        update_neuron(state.arrays(), 0, propagators, 0.0, input, 0);
        if (state.y[0] != 0.0) {
            first_change = static_cast<double>(u + 1) * h;
        }
    }
    BOOST_TEST(first_change == poisson["first_V_m_change_ms"].as<double>(),
               boost::test_tools::tolerance(1e-9));
}
