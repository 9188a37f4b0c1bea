#include "microcircuit/config.hpp"

#include "config/json_writer.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

namespace microcircuit {

namespace {

// Where a value came from, for error messages.
struct Origin {
    std::string source; // file name or "--set a.b=c"
    bool has_line = false;
    int line = 0;
    int column = 0;

    std::string describe() const {
        if (!has_line) {
            return source;
        }
        return source + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1);
    }
};

Origin origin_of(const std::string& source, const YAML::Node& node) {
    Origin origin{source};
    const YAML::Mark mark = node.Mark();
    if (!mark.is_null()) {
        origin.has_line = true;
        origin.line = mark.line;
        origin.column = mark.column;
    }
    return origin;
}

[[noreturn]] void fail(const Origin& origin, const std::string& key, const std::string& what) {
    throw ConfigError(origin.describe() + ": " + key + ": " + what);
}

// Bounds of a number; `exclusive` makes the lower bound strict.
struct Range {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool exclusive_min = false;
};
const Range any_number{};
const Range positive{0.0, std::numeric_limits<double>::infinity(), true};
const Range non_negative{0.0};

double to_number(const YAML::Node& node, const Origin& origin, const std::string& key,
                 const Range& range) {
    if (!node.IsScalar()) {
        fail(origin, key, "expected a number");
    }
    double value = 0.0;
    try {
        value = node.as<double>();
    } catch (const YAML::Exception&) {
        fail(origin, key, "expected a number, got '" + node.Scalar() + "'");
    }
    if (!std::isfinite(value)) {
        fail(origin, key, "expected a finite number, got '" + node.Scalar() + "'");
    }
    const bool below = range.exclusive_min ? value <= range.min : value < range.min;
    if (below || value > range.max) {
        std::ostringstream bounds;
        bounds << "must be " << (range.exclusive_min ? "> " : ">= ") << range.min;
        if (std::isfinite(range.max)) {
            bounds << " and <= " << range.max;
        }
        fail(origin, key, bounds.str() + ", got " + node.Scalar());
    }
    return value;
}

long long to_integer(const YAML::Node& node, const Origin& origin, const std::string& key,
                     long long min, long long max) {
    long long value = 0;
    try {
        if (!node.IsScalar()) {
            throw YAML::Exception(YAML::Mark::null_mark(), "");
        }
        value = node.as<long long>();
    } catch (const YAML::Exception&) {
        fail(origin, key,
             "expected an integer" + (node.IsScalar() ? ", got '" + node.Scalar() + "'" : ""));
    }
    if (value < min || value > max) {
        fail(origin, key,
             "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                 node.Scalar());
    }
    return value;
}

bool to_bool(const YAML::Node& node, const Origin& origin, const std::string& key) {
    try {
        if (node.IsScalar()) {
            return node.as<bool>();
        }
    } catch (const YAML::Exception&) {
    }
    fail(origin, key, "expected true or false");
}

std::string to_choice(const YAML::Node& node, const Origin& origin, const std::string& key,
                      const std::vector<std::string>& choices) {
    if (node.IsScalar()) {
        for (const auto& choice : choices) {
            if (node.Scalar() == choice) {
                return choice;
            }
        }
    }
    std::string list;
    for (const auto& choice : choices) {
        list += (list.empty() ? "" : ", ") + choice;
    }
    fail(origin, key, "expected one of: " + list);
}

PopulationVector to_population_vector(const YAML::Node& node, const Origin& origin,
                                      const std::string& key, const Range& range) {
    if (!node.IsSequence() || node.size() != num_populations) {
        fail(origin, key, "expected a list of 8 numbers (one per population L23E ... L6I)");
    }
    PopulationVector values{};
    for (int i = 0; i < num_populations; ++i) {
        values[i] = to_number(node[i], origin_of(origin.source, node[i]),
                              key + "[" + std::to_string(i) + "]", range);
    }
    return values;
}

// A number as YAML: the shortest text that reads back as the same double.
// Whole numbers keep a decimal point where asked (a scalar reads back as a
// float), and lists of counts stay plain.
std::string number_text(double value, bool point) {
    if (value == std::trunc(value) && std::fabs(value) < 1e15) {
        char text[32];
        std::snprintf(text, sizeof(text), point ? "%.1f" : "%.0f", value);
        return text;
    }
    return shortest_number_text(value);
}

YAML::Node number_node(double value) { return YAML::Node(number_text(value, true)); }

YAML::Node vector_node(const PopulationVector& values) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (double value : values) {
        node.push_back(YAML::Node(number_text(value, false)));
    }
    return node;
}

YAML::Node bool_node(bool value) { return YAML::Node(value ? "true" : "false"); }

// One configuration key: its place, how to store a value and how to show the
// stored value. Defaults are not written here: they are the parameter structs'.
struct Field {
    std::string section;
    std::string key;
    std::function<void(const YAML::Node&, const Origin&, const std::string&, Parameters&)> assign;
    std::function<YAML::Node(const Parameters&)> show;
};

Field number(const std::string& section, const std::string& key, Range range,
             double& (*ref)(Parameters&)) {
    return {section, key,
            [range, ref](const YAML::Node& n, const Origin& o, const std::string& k,
                         Parameters& p) { ref(p) = to_number(n, o, k, range); },
            [ref](const Parameters& p) { return number_node(ref(const_cast<Parameters&>(p))); }};
}

Field flag(const std::string& section, const std::string& key, bool& (*ref)(Parameters&)) {
    return {section, key,
            [ref](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
                ref(p) = to_bool(n, o, k);
            },
            [ref](const Parameters& p) { return bool_node(ref(const_cast<Parameters&>(p))); }};
}

Field vector_field(const std::string& section, const std::string& key, Range range,
                   PopulationVector& (*ref)(Parameters&)) {
    return {section, key,
            [range, ref](const YAML::Node& n, const Origin& o, const std::string& k,
                         Parameters& p) { ref(p) = to_population_vector(n, o, k, range); },
            [ref](const Parameters& p) { return vector_node(ref(const_cast<Parameters&>(p))); }};
}

// An integer that may also be `auto` (stored as 0).
template <class Integer>
Field integer_or_auto(const std::string& section, const std::string& key, long long min,
                      long long max, Integer& (*ref)(Parameters&)) {
    return {
        section, key,
        [min, max, ref](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
            if (n.IsScalar() && n.Scalar() == "auto") {
                ref(p) = 0;
                return;
            }
            long long value = 0;
            try {
                value = n.IsScalar() ? n.as<long long>() : min - 1;
            } catch (const YAML::Exception&) {
                fail(o, k, "expected an integer or auto, got '" + n.Scalar() + "'");
            }
            if (value < min || value > max) {
                fail(o, k,
                     "expected auto or an integer between " + std::to_string(min) + " and " +
                         std::to_string(max) + (n.IsScalar() ? ", got " + n.Scalar() : ""));
            }
            ref(p) = static_cast<Integer>(value);
        },
        [ref](const Parameters& p) {
            const Integer value = ref(const_cast<Parameters&>(p));
            return value == 0 ? YAML::Node("auto") : YAML::Node(std::to_string(value));
        }};
}

template <class Integer>
Field integer(const std::string& section, const std::string& key, long long min, long long max,
              Integer& (*ref)(Parameters&)) {
    return {
        section, key,
        [min, max, ref](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
            ref(p) = static_cast<Integer>(to_integer(n, o, k, min, max));
        },
        [ref](const Parameters& p) {
            return YAML::Node(std::to_string(ref(const_cast<Parameters&>(p))));
        }};
}

// One of the names in `choices`, stored as the enumerator of the same index.
template <class Enum>
Field choice(const std::string& section, const std::string& key,
             const std::vector<std::string>& choices, Enum& (*ref)(Parameters&)) {
    return {
        section, key,
        [choices, ref](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
            const std::string chosen = to_choice(n, o, k, choices);
            for (std::size_t i = 0; i < choices.size(); ++i) {
                if (choices[i] == chosen) {
                    ref(p) = static_cast<Enum>(i);
                }
            }
        },
        [choices, ref](const Parameters& p) {
            return YAML::Node(choices[static_cast<std::size_t>(ref(const_cast<Parameters&>(p)))]);
        }};
}

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

PopulationMatrix to_population_matrix(const YAML::Node& n, const Origin& o, const std::string& k,
                                      const Range& range, const std::string& what) {
    if (!n.IsSequence() || n.size() != num_populations) {
        fail(o, k, "expected 8 rows (targets) of 8 " + what + " (sources)");
    }
    PopulationMatrix matrix{};
    for (int y = 0; y < num_populations; ++y) {
        matrix[y] = to_population_vector(n[y], origin_of(o.source, n[y]),
                                         k + "[" + std::to_string(y) + "]", range);
    }
    return matrix;
}

YAML::Node matrix_node(const PopulationMatrix& matrix) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (const auto& row : matrix) {
        node.push_back(vector_node(row));
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

// A matrix that is `auto` (derived from other keys) unless given.
Field optional_matrix(const std::string& section, const std::string& key, Range range,
                      const std::string& what,
                      std::optional<PopulationMatrix>& (*ref)(Parameters&)) {
    return {section, key,
            [range, what, ref](const YAML::Node& n, const Origin& o, const std::string& k,
                               Parameters& p) {
                if (n.IsScalar() && n.Scalar() == "auto") {
                    ref(p).reset();
                    return;
                }
                ref(p) = to_population_matrix(n, o, k, range, what + ", or auto");
            },
            [ref](const Parameters& p) {
                const auto& matrix = ref(const_cast<Parameters&>(p));
                return matrix ? matrix_node(*matrix) : YAML::Node("auto");
            }};
}

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

// Edits (insertions, deletions, substitutions, swaps of neighbours) between two names.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) {
        d[i][0] = i;
    }
    for (std::size_t j = 0; j <= b.size(); ++j) {
        d[0][j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

// " (did you mean X?)" for the closest of `candidates` within a few edits, else "".
std::string suggestion(const std::string& name, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
    for (const auto& candidate : candidates) {
        const std::size_t distance = edit_distance(name, candidate);
        if (distance < best_distance) {
            best = candidate;
            best_distance = distance;
        }
    }
    return best.empty() ? "" : " (did you mean " + best + "?)";
}

[[noreturn]] void unknown_key(const Origin& origin, const std::string& section,
                              const std::string& key) {
    std::vector<std::string> keys;
    for (const auto& field : schema()) {
        if (field.section == section) {
            keys.push_back(field.key);
        }
    }
    fail(origin, section + "." + key, "unknown key" + suggestion(key, keys));
}

[[noreturn]] void unknown_section(const Origin& origin, const std::string& name) {
    fail(origin, name,
         "unknown section" + suggestion(name, {"simulation", "network", "stimulus"}) +
             " (expected simulation, network or stimulus)");
}

bool is_section(const std::string& name) {
    return name == "simulation" || name == "network" || name == "stimulus";
}

// A value as set by the user, with where it was set.
struct Setting {
    YAML::Node value;
    Origin origin;
};

std::string emit(const YAML::Node& node) {
    YAML::Emitter out;
    out.SetSeqFormat(YAML::Flow);
    out << node;
    return out.c_str();
}

YAML::Node load_file(const std::string& file) {
    std::ifstream in(file);
    if (!in) {
        throw ConfigError(file + ": cannot open the configuration file for reading");
    }
    try {
        return YAML::Load(in);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file + ":" + std::to_string(e.mark.line + 1) + ":" +
                          std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
    }
}

void collect_file_settings(const std::string& file, const YAML::Node& root,
                           std::vector<std::pair<const Field*, Setting>>& settings,
                           std::vector<std::string>& warnings) {
    if (root.IsNull()) {
        return;
    }
    if (!root.IsMap()) {
        fail(origin_of(file, root), "(top level)",
             "expected a mapping with sections simulation, network, stimulus");
    }
    for (const auto& section : root) {
        const auto name = section.first.Scalar();
        if (!is_section(name)) {
            unknown_section(origin_of(file, section.first), name);
        }
        if (section.second.IsNull()) {
            continue;
        }
        if (!section.second.IsMap()) {
            fail(origin_of(file, section.second), name, "expected a mapping of keys to values");
        }
        for (const auto& entry : section.second) {
            const auto key = entry.first.Scalar();
            const Field* field = find_field(name, key, origin_of(file, entry.first), warnings);
            if (field == nullptr) {
                unknown_key(origin_of(file, entry.first), name, key);
            }
            settings.push_back({field, {entry.second, origin_of(file, entry.second)}});
        }
    }
}

void collect_override(const std::string& text,
                      std::vector<std::pair<const Field*, Setting>>& settings,
                      std::vector<std::string>& warnings) {
    const Origin origin{"--set " + text};
    const auto equals = text.find('=');
    const auto dot = text.find('.');
    if (equals == std::string::npos || dot == std::string::npos || dot > equals) {
        throw ConfigError(origin.describe() + ": expected section.key=value");
    }
    const auto section = text.substr(0, dot);
    const auto key = text.substr(dot + 1, equals - dot - 1);
    if (!is_section(section)) {
        unknown_section(origin, section);
    }
    const Field* field = find_field(section, key, origin, warnings);
    if (field == nullptr) {
        unknown_key(origin, section, key);
    }
    YAML::Node value;
    try {
        value = YAML::Load(text.substr(equals + 1));
    } catch (const YAML::ParserException& e) {
        fail(origin, section + "." + key, "YAML syntax error in the value: " + e.msg);
    }
    settings.push_back({field, {value, origin}});
}

double steps_of(double time, double resolution) { return time / resolution; }

void check_on_grid(const std::string& key, double time, double resolution) {
    const double steps = steps_of(time, resolution);
    if (std::fabs(steps - std::round(steps)) > 1e-9 * std::max(1.0, steps)) {
        throw ConfigError(key + ": " + std::to_string(time) +
                          " ms is not a multiple of simulation.sim_resolution");
    }
}

// Checks that involve several keys.
// Settings that are valid but probably not what was meant.
void collect_warnings(const Parameters& p, std::vector<std::string>& warnings) {
    const double end = p.simulation.t_presim + p.simulation.t_sim;
    const auto ms = [](double value) {
        std::ostringstream text;
        text << value << " ms";
        return text.str();
    };
    const auto outside = [&](const std::string& key, const std::string& what, double start,
                             double stop) {
        if (start >= end) {
            warnings.push_back(key + ": the " + what + " starts at " + ms(start) +
                               ", after the run ends (t_presim + t_sim = " + ms(end) +
                               "): it has no effect");
        } else if (stop > end) {
            warnings.push_back(key + ": the " + what + " lasts until " + ms(stop) +
                               ", after the run ends at " + ms(end));
        }
    };
    if (p.stimulus.thalamic_input) {
        outside("stimulus.th_start", "thalamic pulse", p.stimulus.th_start,
                p.stimulus.th_start + p.stimulus.th_duration);
    }
    if (p.stimulus.dc_transient) {
        outside("stimulus.dc_transient_start", "DC transient", p.stimulus.dc_transient_start,
                p.stimulus.dc_transient_start + p.stimulus.dc_transient_dur);
    }
    if (p.simulation.record_voltage) {
        if (p.simulation.rec_V_int > end) {
            warnings.push_back("simulation.rec_V_int: " + ms(p.simulation.rec_V_int) +
                               " is longer than the run (" + ms(end) + "): no voltage is recorded");
        }
        for (int i = 0; i < num_populations; ++i) {
            const double size = std::nearbyint(p.network.full_num_neurons[i] * p.network.N_scaling);
            if (static_cast<double>(p.simulation.rec_V_num_neurons) > size) {
                std::ostringstream text;
                text << "simulation.rec_V_num_neurons: " << p.simulation.rec_V_num_neurons
                     << " is more than the " << size << " neurons of " << population_names[i]
                     << ": populations smaller than that are recorded whole";
                warnings.push_back(text.str());
                break;
            }
        }
    }
}

void check_consistency(const Parameters& p) {
    const double h = p.simulation.sim_resolution;
    check_on_grid("simulation.t_presim", p.simulation.t_presim, h);
    check_on_grid("simulation.t_sim", p.simulation.t_sim, h);
    if (p.simulation.record_voltage) {
        check_on_grid("simulation.rec_V_int", p.simulation.rec_V_int, h);
    }
    for (int i = 0; i < num_populations; ++i) {
        if (std::nearbyint(p.network.full_num_neurons[i] * p.network.N_scaling) < 1.0) {
            throw ConfigError(std::string("network.N_scaling: population ") + population_names[i] +
                              " would be empty (num_neurons " +
                              std::to_string(p.network.full_num_neurons[i]) + " x N_scaling " +
                              std::to_string(p.network.N_scaling) + " rounds to 0)");
        }
    }
    if (p.network.neuron.V_reset >= p.network.neuron.V_th) {
        throw ConfigError("network.V_reset: must be below network.V_th");
    }
    if (p.simulation.t_presim + p.simulation.t_sim <= 0.0) {
        throw ConfigError("simulation.t_sim: nothing to simulate (t_presim + t_sim is 0)");
    }
}

YAML::Node tree_of(const Parameters& parameters) {
    YAML::Node root;
    for (const auto& field : schema()) {
        root[field.section][field.key] = field.show(parameters);
    }
    return root;
}

void json_of(const YAML::Node& node, JsonWriter& out) {
    if (node.IsMap()) {
        out.begin_object();
        for (const auto& entry : node) {
            out.key(entry.first.Scalar());
            json_of(entry.second, out);
        }
        out.end_object();
    } else if (node.IsSequence()) {
        out.begin_array();
        for (const auto& element : node) {
            json_of(element, out);
        }
        out.end_array();
    } else if (node.IsNull()) {
        out.null();
    } else {
        const auto& text = node.Scalar();
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        const bool numeric = !text.empty() && end == text.c_str() + text.size() &&
                             text.find_first_of("xXnN") == std::string::npos;
        if (numeric || text == "true" || text == "false") {
            out.literal(text);
        } else {
            out.value(text);
        }
    }
}

} // namespace

namespace {

LoadedConfig load_settings(const std::string& source, const YAML::Node& root,
                           const std::vector<std::string>& overrides) {
    std::vector<std::pair<const Field*, Setting>> settings;
    LoadedConfig loaded; // the parameter structs' defaults
    if (!source.empty()) {
        collect_file_settings(source, root, settings, loaded.warnings);
    }
    for (const auto& text : overrides) {
        collect_override(text, settings, loaded.warnings);
    }
    for (const auto& [field, setting] : settings) {
        field->assign(setting.value, setting.origin, field->section + "." + field->key,
                      loaded.parameters);
    }
    check_consistency(loaded.parameters);
    collect_warnings(loaded.parameters, loaded.warnings);
    loaded.effective_yaml = to_yaml(loaded.parameters);
    return loaded;
}

} // namespace

LoadedConfig load_config(const std::string& config_file,
                         const std::vector<std::string>& overrides) {
    return load_settings(config_file, config_file.empty() ? YAML::Node() : load_file(config_file),
                         overrides);
}

LoadedConfig load_config_text(const std::string& yaml_text, const std::string& source,
                              const std::vector<std::string>& overrides) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(source + ":" + std::to_string(e.mark.line + 1) +
                          ": YAML syntax error: " + e.msg);
    }
    return load_settings(source, root, overrides);
}

std::vector<std::string> differing_keys(const Parameters& a, const Parameters& b) {
    std::vector<std::string> keys;
    for (const Field& field : schema()) {
        const std::string left = emit(field.show(a));
        const std::string right = emit(field.show(b));
        if (left != right) {
            keys.push_back(field.section + "." + field.key + ": " + left + " vs " + right);
        }
    }
    return keys;
}

std::string to_yaml(const Parameters& parameters) { return emit(tree_of(parameters)); }

std::string yaml_to_json(const std::string& yaml_text) {
    JsonWriter out;
    json_of(YAML::Load(yaml_text), out);
    return out.text();
}

} // namespace microcircuit
