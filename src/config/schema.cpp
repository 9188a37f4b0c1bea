#include "config/schema.hpp"

#include <limits>
#include <optional>
#include <utility>

namespace microcircuit::config {

namespace {

void assign_recording_devices(const YAML::Node& n, const Origin& o, const std::string& k,
                              Parameters& p) {
    if (!n.IsSequence()) {
        fail(o, k, "expected a list of recording devices (spike_recorder, voltmeter)");
    }
    p.simulation.record_spikes = false;
    p.simulation.record_voltage = false;
    for (const auto& item : n) {
        const auto device =
            to_choice(item, origin_of(o.source, item), k, {"spike_recorder", "voltmeter"});
        (device == "voltmeter" ? p.simulation.record_voltage : p.simulation.record_spikes) = true;
    }
}

YAML::Node show_recording_devices(const Parameters& p) {
    YAML::Node node(YAML::NodeType::Sequence);
    if (p.simulation.record_spikes) {
        node.push_back("spike_recorder");
    }
    if (p.simulation.record_voltage) {
        node.push_back("voltmeter");
    }
    return node;
}

void assign_connection_probabilities(const YAML::Node& n, const Origin& o, const std::string& k,
                                     Parameters& p) {
    p.network.conn_probs =
        to_population_matrix(n, o, k, {0.0, 1.0, false}, "connection probabilities");
    for (int y = 0; y < num_populations; ++y) {
        for (double c : p.network.conn_probs[y]) {
            if (c >= 1.0) {
                fail(origin_of(o.source, n[y]), k + "[" + std::to_string(y) + "]",
                     "connection probabilities must be below 1");
            }
        }
    }
}

} // namespace

// Member accessors for the schema, one line each.
#define MICROCIRCUIT_MEMBER(type, member) (+[](Parameters& p) -> type& { return p.member; })

const std::vector<Field>& schema() {
    static const std::vector<Field> fields = {
        // simulation
        number("simulation", "sim_resolution", positive,
               MICROCIRCUIT_MEMBER(double, simulation.sim_resolution)),
        number("simulation", "t_presim", non_negative,
               MICROCIRCUIT_MEMBER(double, simulation.t_presim)),
        number("simulation", "t_sim", non_negative, MICROCIRCUIT_MEMBER(double, simulation.t_sim)),
        integer("simulation", "rng_seed", 0, 4294967295LL,
                MICROCIRCUIT_MEMBER(std::uint32_t, simulation.rng_seed)),
        integer_or_auto("simulation", "local_num_threads", 1, 4096,
                        MICROCIRCUIT_MEMBER(int, simulation.local_num_threads)),
        {"simulation", "rec_dev", assign_recording_devices, show_recording_devices},
        integer_or_auto("simulation", "spike_buffer", 1, 1LL << 40,
                        MICROCIRCUIT_MEMBER(std::uint64_t, simulation.spike_buffer)),
        number("simulation", "rec_V_int", positive,
               MICROCIRCUIT_MEMBER(double, simulation.rec_V_int)),
        integer("simulation", "rec_V_num_neurons", 1, 100000000,
                MICROCIRCUIT_MEMBER(int, simulation.rec_V_num_neurons)),
        {"simulation", "data_path",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             if (!n.IsScalar() || n.Scalar().empty()) {
                 fail(o, k, "expected a non-empty directory path");
             }
             p.simulation.data_path = n.Scalar();
         },
         [](const Parameters& p) { return YAML::Node(p.simulation.data_path); }},
        flag("simulation", "overwrite_files",
             MICROCIRCUIT_MEMBER(bool, simulation.overwrite_files)),
        flag("simulation", "print_time", MICROCIRCUIT_MEMBER(bool, simulation.print_time)),
        number("simulation", "checkpoint_interval", non_negative,
               MICROCIRCUIT_MEMBER(double, simulation.checkpoint_interval)),
        flag("simulation", "checkpoint_at_end",
             MICROCIRCUIT_MEMBER(bool, simulation.checkpoint_at_end)),
        flag("simulation", "memory_check", MICROCIRCUIT_MEMBER(bool, simulation.memory_check)),
        // network
        number("network", "N_scaling", positive, MICROCIRCUIT_MEMBER(double, network.N_scaling)),
        number("network", "K_scaling", positive, MICROCIRCUIT_MEMBER(double, network.K_scaling)),
        vector_field("network", "full_num_neurons", non_negative,
                     MICROCIRCUIT_MEMBER(PopulationVector, network.full_num_neurons)),
        {"network", "conn_probs", assign_connection_probabilities,
         [](const Parameters& p) { return matrix_node(p.network.conn_probs); }},
        number("network", "PSP_exc_mean", positive,
               MICROCIRCUIT_MEMBER(double, network.PSP_exc_mean)),
        number("network", "g", {-std::numeric_limits<double>::infinity(), 0.0},
               MICROCIRCUIT_MEMBER(double, network.g)),
        number("network", "PSP_L4E_to_L23E_factor", non_negative,
               MICROCIRCUIT_MEMBER(double, network.PSP_L4E_to_L23E_factor)),
        optional_matrix(
            "network", "PSP_matrix_mean", any_number, "mean PSPs in mV",
            MICROCIRCUIT_MEMBER(std::optional<PopulationMatrix>, network.PSP_matrix_mean)),
        number("network", "weight_rel_std", non_negative,
               MICROCIRCUIT_MEMBER(double, network.weight_rel_std)),
        number("network", "delay_exc_mean", positive,
               MICROCIRCUIT_MEMBER(double, network.delay_exc_mean)),
        number("network", "delay_inh_mean", positive,
               MICROCIRCUIT_MEMBER(double, network.delay_inh_mean)),
        number("network", "delay_rel_std", non_negative,
               MICROCIRCUIT_MEMBER(double, network.delay_rel_std)),
        optional_matrix(
            "network", "delay_matrix_mean", positive, "mean delays in ms",
            MICROCIRCUIT_MEMBER(std::optional<PopulationMatrix>, network.delay_matrix_mean)),
        vector_field("network", "K_ext", non_negative,
                     MICROCIRCUIT_MEMBER(PopulationVector, network.K_ext)),
        number("network", "bg_rate", non_negative, MICROCIRCUIT_MEMBER(double, network.bg_rate)),
        choice("network", "bg_input_type", {"dc", "poisson"},
               MICROCIRCUIT_MEMBER(BackgroundInput, network.bg_input_type)),
        number("network", "delay_poisson", positive,
               MICROCIRCUIT_MEMBER(double, network.delay_poisson)),
        choice("network", "V0_type", {"optimized", "original"},
               MICROCIRCUIT_MEMBER(InitialPotential, network.V0_type)),
        vector_field("network", "V0_mean_optimized", any_number,
                     MICROCIRCUIT_MEMBER(PopulationVector, network.V0_mean_optimized)),
        vector_field("network", "V0_sd_optimized", non_negative,
                     MICROCIRCUIT_MEMBER(PopulationVector, network.V0_sd_optimized)),
        number("network", "V0_mean_original", any_number,
               MICROCIRCUIT_MEMBER(double, network.V0_mean_original)),
        number("network", "V0_sd_original", non_negative,
               MICROCIRCUIT_MEMBER(double, network.V0_sd_original)),
        vector_field("network", "full_mean_rates", non_negative,
                     MICROCIRCUIT_MEMBER(PopulationVector, network.full_mean_rates)),
        number("network", "C_m", positive, MICROCIRCUIT_MEMBER(double, network.neuron.C_m)),
        number("network", "tau_m", positive, MICROCIRCUIT_MEMBER(double, network.neuron.tau_m)),
        number("network", "tau_syn_ex", positive,
               MICROCIRCUIT_MEMBER(double, network.neuron.tau_syn_ex)),
        number("network", "tau_syn_in", positive,
               MICROCIRCUIT_MEMBER(double, network.neuron.tau_syn_in)),
        number("network", "E_L", any_number, MICROCIRCUIT_MEMBER(double, network.neuron.E_L)),
        number("network", "V_th", any_number, MICROCIRCUIT_MEMBER(double, network.neuron.V_th)),
        number("network", "V_reset", any_number,
               MICROCIRCUIT_MEMBER(double, network.neuron.V_reset)),
        number("network", "t_ref", non_negative, MICROCIRCUIT_MEMBER(double, network.neuron.t_ref)),
        // stimulus
        flag("stimulus", "thalamic_input", MICROCIRCUIT_MEMBER(bool, stimulus.thalamic_input)),
        number("stimulus", "th_start", non_negative,
               MICROCIRCUIT_MEMBER(double, stimulus.th_start)),
        number("stimulus", "th_duration", non_negative,
               MICROCIRCUIT_MEMBER(double, stimulus.th_duration)),
        number("stimulus", "th_rate", non_negative, MICROCIRCUIT_MEMBER(double, stimulus.th_rate)),
        integer("stimulus", "num_th_neurons", 1, 100000000,
                MICROCIRCUIT_MEMBER(int, stimulus.num_th_neurons)),
        vector_field("stimulus", "conn_probs_th", {0.0, 0.999999},
                     MICROCIRCUIT_MEMBER(PopulationVector, stimulus.conn_probs_th)),
        number("stimulus", "PSP_th", non_negative, MICROCIRCUIT_MEMBER(double, stimulus.PSP_th)),
        number("stimulus", "PSP_th_rel_std", non_negative,
               MICROCIRCUIT_MEMBER(double, stimulus.PSP_th_rel_std)),
        number("stimulus", "delay_th_mean", positive,
               MICROCIRCUIT_MEMBER(double, stimulus.delay_th_mean)),
        number("stimulus", "delay_th_rel_std", non_negative,
               MICROCIRCUIT_MEMBER(double, stimulus.delay_th_rel_std)),
        choice("stimulus", "th_synapse_scaling", {"in_degree", "reference"},
               MICROCIRCUIT_MEMBER(ThalamicScaling, stimulus.th_synapse_scaling)),
        flag("stimulus", "dc_transient", MICROCIRCUIT_MEMBER(bool, stimulus.dc_transient)),
        number("stimulus", "dc_transient_start", non_negative,
               MICROCIRCUIT_MEMBER(double, stimulus.dc_transient_start)),
        number("stimulus", "dc_transient_dur", non_negative,
               MICROCIRCUIT_MEMBER(double, stimulus.dc_transient_dur)),
        number("stimulus", "dc_transient_amp", any_number,
               MICROCIRCUIT_MEMBER(double, stimulus.dc_transient_amp)),
    };
    return fields;
}
#undef MICROCIRCUIT_MEMBER

namespace {

const Field* find_field(const std::string& section, const std::string& key) {
    for (const auto& field : schema()) {
        if (field.section == section && field.key == key) {
            return &field;
        }
    }
    return nullptr;
}

// Keys renamed to the reference's names; the old names are still read, with a warning.
const std::vector<std::pair<std::string, std::string>>& renamed_keys() {
    static const std::vector<std::pair<std::string, std::string>> renamed = {
        {"network.num_neurons", "full_num_neurons"},
        {"network.mean_rates", "full_mean_rates"},
        {"network.weight_rel_sd", "weight_rel_std"},
        {"network.delay_rel_sd", "delay_rel_std"},
        {"network.poisson_delay", "delay_poisson"},
        {"stimulus.dc_start", "dc_transient_start"},
        {"stimulus.dc_dur", "dc_transient_dur"},
        {"stimulus.dc_amp", "dc_transient_amp"},
        {"stimulus.delay_th_rel_sd", "delay_th_rel_std"},
        {"stimulus.PSP_th_rel_sd", "PSP_th_rel_std"},
    };
    return renamed;
}

} // namespace

// The field of section.key, also under an old name (noted in `warnings`); null if unknown.
const Field* find_field(const std::string& section, const std::string& key, const Origin& origin,
                        std::vector<std::string>& warnings) {
    if (const Field* field = find_field(section, key)) {
        return field;
    }
    for (const auto& [old_name, new_key] : renamed_keys()) {
        if (old_name == section + "." + key) {
            warnings.push_back(origin.describe() + ": " + old_name + " is now called " + section +
                               "." + new_key + " (the reference's name); the old name still works");
            return find_field(section, new_key);
        }
    }
    return nullptr;
}

} // namespace microcircuit::config
