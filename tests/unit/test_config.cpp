// Configuration: defaults, overrides, and one clear message per bad input
// naming the key and, where there is one, the file and line.
#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include "microcircuit/config.hpp"
#include "microcircuit/derived_parameters.hpp"

#include <cstdio>
#include <fstream>
#include <string>

using namespace microcircuit;

namespace {

std::string error_of(const std::string& file_text, const std::vector<std::string>& overrides = {}) {
    const std::string path = "test_config_input.yaml";
    std::ofstream(path) << file_text;
    try {
        load_config(path, overrides);
    } catch (const ConfigError& error) {
        std::remove(path.c_str());
        return error.what();
    }
    std::remove(path.c_str());
    return "";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

} // namespace

BOOST_AUTO_TEST_CASE(defaults_are_the_reference_model_with_poisson_drive) {
    const auto p = load_config("", {}).parameters;
    BOOST_TEST(p.simulation.sim_resolution == 0.1);
    BOOST_TEST(p.simulation.t_presim == 500.0);
    BOOST_TEST(p.simulation.t_sim == 1000.0);
    BOOST_TEST(p.simulation.rng_seed == 55U);
    BOOST_TEST(p.network.N_scaling == 0.1);
    BOOST_TEST(p.network.K_scaling == 0.1);
    BOOST_TEST((p.network.bg_input_type == BackgroundInput::poisson));
    BOOST_TEST(p.network.conn_probs[4][5] == 0.3726);
    BOOST_TEST(p.network.V0_mean_optimized[0] == -68.28);
    BOOST_TEST(p.simulation.overwrite_files == false);
    BOOST_TEST(p.simulation.local_num_threads == 0); // auto
    BOOST_TEST(p.simulation.spike_buffer == 0U);     // auto
}

BOOST_AUTO_TEST_CASE(overrides_apply_in_order_after_the_file) {
    const std::string path = "test_config_overrides.yaml";
    std::ofstream(path) << "network:\n  N_scaling: 0.5\n";
    const auto loaded =
        load_config(path, {"network.N_scaling=0.25", "simulation.local_num_threads=3",
                           "simulation.rec_dev=[voltmeter]", "simulation.spike_buffer=4096"});
    std::remove(path.c_str());
    BOOST_TEST(loaded.parameters.network.N_scaling == 0.25);
    BOOST_TEST(loaded.parameters.simulation.local_num_threads == 3);
    BOOST_TEST(loaded.parameters.simulation.spike_buffer == 4096U);
    BOOST_TEST(loaded.parameters.simulation.record_voltage);
    BOOST_TEST(!loaded.parameters.simulation.record_spikes);
    BOOST_TEST(contains(loaded.effective_yaml, "N_scaling: 0.25"));
}

BOOST_AUTO_TEST_CASE(bad_inputs_name_file_line_and_key) {
    const auto unknown = error_of("simulation:\n  t_sim: 10\n  t_simm: 10\n");
    BOOST_TEST(contains(unknown, "test_config_input.yaml:3:"));
    BOOST_TEST(contains(unknown, "simulation.t_simm: unknown key"));

    const auto type = error_of("network:\n  g: minus four\n");
    BOOST_TEST(contains(type, "test_config_input.yaml:2:"));
    BOOST_TEST(contains(type, "network.g"));

    const auto negative = error_of("network:\n  K_scaling: -1\n");
    BOOST_TEST(contains(negative, "network.K_scaling: must be > 0"));

    const auto buffer = error_of("simulation:\n  spike_buffer: 0\n");
    BOOST_TEST(contains(buffer, "test_config_input.yaml:2:"));
    BOOST_TEST(contains(buffer, "simulation.spike_buffer"));

    const auto element = error_of("network:\n  K_ext: [1, 2, 3, 4, 5, 6, x, 8]\n");
    BOOST_TEST(contains(element, "network.K_ext[6]"));

    const auto matrix = error_of("network:\n  conn_probs: [[1, 2]]\n");
    BOOST_TEST(contains(matrix, "network.conn_probs"));

    const auto syntax = error_of("simulation: [\n");
    BOOST_TEST(contains(syntax, "YAML syntax error"));

    const auto empty = error_of("network:\n  N_scaling: 0.00001\n");
    BOOST_TEST(contains(empty, "would be empty"));

    const auto override_error = error_of("", {"stimulus.th_rate=-5"});
    BOOST_TEST(contains(override_error, "--set stimulus.th_rate=-5"));
    BOOST_TEST(contains(override_error, "stimulus.th_rate: must be >= 0"));

    BOOST_CHECK_THROW(load_config("/nonexistent/config.yaml", {}), ConfigError);
}

BOOST_AUTO_TEST_CASE(json_of_the_effective_configuration) {
    const auto loaded = load_config("", {"simulation.data_path=out \"quoted\""});
    const auto json = yaml_to_json(loaded.effective_yaml);
    BOOST_TEST(contains(json, "\"N_scaling\":0.1"));
    BOOST_TEST(contains(json, "\"local_num_threads\":\"auto\""));
    BOOST_TEST(contains(json, "\"data_path\":\"out \\\"quoted\\\"\""));
    BOOST_TEST(contains(json, "\"overwrite_files\":false"));
}

BOOST_AUTO_TEST_CASE(built_in_defaults_equal_the_shipped_default_configuration) {
    const std::string shipped = std::string(MICROCIRCUIT_SOURCE_DIR) + "/configs/default.yaml";
    BOOST_TEST(load_config(shipped, {}).effective_yaml == load_config("", {}).effective_yaml);
    // A key the shipped file sets differently from the built-in default is noticed.
    BOOST_TEST(load_config(shipped, {"network.bg_input_type=dc"}).effective_yaml !=
               load_config("", {}).effective_yaml);
}

BOOST_AUTO_TEST_CASE(the_effective_configuration_reads_back_to_the_same_parameters) {
    const auto loaded = load_config("", {"network.g=-4.123456789012345", "simulation.t_sim=1234.5",
                                         "simulation.rec_dev=[voltmeter]",
                                         "network.V0_type=original", "simulation.spike_buffer=7"});
    const std::string path = "test_config_roundtrip.yaml";
    std::ofstream(path) << loaded.effective_yaml;
    const auto again = load_config(path, {});
    std::remove(path.c_str());
    BOOST_TEST(again.effective_yaml == loaded.effective_yaml);
    BOOST_TEST(again.parameters.network.g == -4.123456789012345);
    BOOST_TEST(again.parameters.simulation.t_sim == 1234.5);
    BOOST_TEST(!again.parameters.simulation.record_spikes);
    BOOST_TEST(again.parameters.simulation.record_voltage);
    BOOST_TEST(again.parameters.simulation.spike_buffer == 7U);
    BOOST_TEST((again.parameters.network.V0_type == InitialPotential::original));
}

BOOST_AUTO_TEST_CASE(old_key_names_still_work_with_a_warning) {
    const auto old = load_config("", {"network.weight_rel_sd=0.2", "stimulus.dc_amp=0.5"});
    const auto renamed =
        load_config("", {"network.weight_rel_std=0.2", "stimulus.dc_transient_amp=0.5"});
    BOOST_TEST(old.effective_yaml == renamed.effective_yaml);
    BOOST_TEST(renamed.warnings.empty());
    BOOST_TEST_REQUIRE(old.warnings.size() == 2U);
    BOOST_TEST(
        contains(old.warnings[0], "network.weight_rel_sd is now called network.weight_rel_std"));
    BOOST_TEST(contains(old.warnings[1], "--set stimulus.dc_amp=0.5"));
    BOOST_TEST(error_of("network:\n  mean_rates: [1, 2, 3, 4, 5, 6, 7, 8]\n").empty());
    BOOST_TEST(contains(error_of("network:\n  weight_rel_sdd: 0.1\n"), "unknown key"));
}

BOOST_AUTO_TEST_CASE(psp_and_delay_matrices_replace_what_they_derive_from) {
    const auto plain = derive_parameters(load_config("", {}).parameters);
    // The default matrix written out gives the same weights, bit for bit.
    const auto defaults = default_psp_matrix(load_config("", {}).parameters.network);
    std::string matrix = "[";
    for (int y = 0; y < num_populations; ++y) {
        matrix += y ? ",[" : "[";
        for (int x = 0; x < num_populations; ++x) {
            char number[32];
            std::snprintf(number, sizeof(number), "%.17g", defaults[y][x]);
            matrix += (x ? "," : "") + std::string(number);
        }
        matrix += "]";
    }
    matrix += "]";
    const auto given =
        derive_parameters(load_config("", {"network.PSP_matrix_mean=" + matrix}).parameters);
    BOOST_TEST((given.weight_mean == plain.weight_mean));
    BOOST_TEST((given.dc_amplitude == plain.dc_amplitude));
    // g acts only through the derived matrix: with the matrix given it changes nothing.
    const auto g_ignored = derive_parameters(
        load_config("", {"network.PSP_matrix_mean=" + matrix, "network.g=-5"}).parameters);
    BOOST_TEST((g_ignored.weight_mean == plain.weight_mean));
    const auto g_used = derive_parameters(load_config("", {"network.g=-5"}).parameters);
    BOOST_TEST(g_used.weight_mean[0][1] == plain.weight_mean[0][1] * 1.25,
               boost::test_tools::tolerance(1e-12));
    // A delay matrix sets each projection's mean delay.
    const auto delays = derive_parameters(
        load_config("", {"network.delay_matrix_mean=[[2,2,2,2,2,2,2,2],[1,1,1,1,1,1,1,1],"
                         "[1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1],"
                         "[1,1,1,1,1,1,1,1],[1,1,1,1,1,1,1,1],[1,1,1,1,1,1,3,1]]"})
            .parameters);
    BOOST_TEST(delays.delay_mean[0][5] == 2.0);
    BOOST_TEST(delays.delay_mean[7][6] == 3.0);
    BOOST_TEST(plain.delay_mean[0][1] == 0.75);
    for (const auto& projection : delays.projections) {
        if (projection.id == 8 * 7 + 6) {
            BOOST_TEST(projection.delay_mean == 3.0);
        }
    }
    BOOST_TEST(contains(error_of("", {"network.delay_matrix_mean=[1, 2]"}), "or auto"));
    BOOST_TEST(load_config("", {"network.PSP_matrix_mean=auto"}).effective_yaml ==
               load_config("", {}).effective_yaml);
}
