// The neuron against the reference simulator's single-neuron traces:
// V_m within 1e-9 mV at every step and the same spike times.
#define BOOST_TEST_MODULE neuron_traces
#include <boost/test/unit_test.hpp>

#include "model/neuron.hpp"
#include "model/step_current.hpp"
#include "reference_data.hpp"

#include <cmath>
#include <map>

using namespace microcircuit;

namespace {

struct Trace {
    std::vector<double> v_m;
    std::vector<double> spike_times;
};

Trace simulate_case(const YAML::Node& reference) {
    const auto& params = reference["params"];
    NeuronParameters neuron;
    neuron.C_m = params["C_m"].as<double>();
    neuron.tau_m = params["tau_m"].as<double>();
    neuron.tau_syn_ex = params["tau_syn_ex"].as<double>();
    neuron.tau_syn_in = params["tau_syn_in"].as<double>();
    neuron.E_L = params["E_L"].as<double>();
    neuron.V_th = params["V_th"].as<double>();
    neuron.V_reset = params["V_reset"].as<double>();
    neuron.t_ref = params["t_ref"].as<double>();
    const double h = reference["resolution_ms"].as<double>();
    const double I_e = params["I_e"].as<double>();
    const TimeGrid grid(h);
    const auto propagators = Propagators::compute(neuron, grid);

    // Input arriving at T enters the update that ends at T.
    std::map<std::uint64_t, std::pair<std::int64_t, std::int64_t>> arrivals;
    for (const auto& event : reference["input_events"]) {
        const auto u =
            static_cast<std::uint64_t>(std::llround(event["arrival_ms"].as<double>() / h)) - 1;
        const double w = event["weight_pA"].as<double>();
        (w >= 0 ? arrivals[u].first : arrivals[u].second) += to_fixed_point(w);
    }
    StepCurrent dc;
    if (reference["dc_generator"] && !reference["dc_generator"].IsNull()) {
        const auto& gen = reference["dc_generator"];
        dc.amplitude = gen["amplitude_pA"].as<double>();
        dc.updates = dc_generator_updates(gen["start_ms"].as<double>(), gen["stop_ms"].as<double>(),
                                          h, grid);
    }

    NeuronState state;
    state.resize(1);
    state.y[0] = params["V_m_initial"].as<double>() - neuron.E_L;
    Trace trace;
    const auto steps =
        static_cast<std::uint64_t>(std::llround(reference["t_stop_ms"].as<double>() / h));
    for (std::uint64_t u = 0; u < steps; ++u) {
        const auto input =
            arrivals.count(u) ? arrivals[u] : std::pair<std::int64_t, std::int64_t>{0, 0};
        if (update_neuron(state.arrays(), 0, propagators, I_e + dc.during_update(u), input.first,
                          input.second)) {
            trace.spike_times.push_back(static_cast<double>(u + 1) * h);
        }
        trace.v_m.push_back(state.y[0] + neuron.E_L);
    }
    return trace;
}

void check_case(const std::string& name) {
    const auto reference = testing::load_reference("single_neuron/" + name + ".json");
    const auto trace = simulate_case(reference);
    const auto& expected_v = reference["V_m_mV"];
    const auto& times = reference["V_m_times_ms"];
    double worst = 0.0;
    for (std::size_t i = 0; i < expected_v.size(); ++i) {
        const double h = reference["resolution_ms"].as<double>();
        BOOST_REQUIRE_CLOSE(times[i].as<double>(), static_cast<double>(i + 1) * h, 1e-9);
        worst = std::max(worst, std::fabs(trace.v_m[i] - expected_v[i].as<double>()));
    }
    BOOST_TEST_MESSAGE(name << ": largest |V_m - reference| = " << worst << " mV");
    BOOST_TEST(worst < 1e-9);
    const auto& spikes = reference["spike_times_ms"];
    BOOST_REQUIRE_EQUAL(trace.spike_times.size(), spikes.size());
    for (std::size_t i = 0; i < spikes.size(); ++i) {
        BOOST_TEST(std::fabs(trace.spike_times[i] - spikes[i].as<double>()) < 1e-9);
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(dc_regular) { check_case("dc_regular"); }
BOOST_AUTO_TEST_CASE(random_input) { check_case("random_input"); }
BOOST_AUTO_TEST_CASE(edge_cases) { check_case("edge_cases"); }
BOOST_AUTO_TEST_CASE(dc_generator) { check_case("dc_generator"); }

BOOST_AUTO_TEST_CASE(fixed_point_input_is_order_independent) {
    // The same inputs in another order give bitwise the same sum.
    const double weights[] = {87.80849352920843, -351.23397411683374, 175.6, 1e-3, -0.37};
    std::int64_t forward = 0;
    std::int64_t backward = 0;
    for (int i = 0; i < 5; ++i) {
        forward += to_fixed_point(weights[i]);
        backward += to_fixed_point(weights[4 - i]);
    }
    BOOST_TEST(forward == backward);
}
