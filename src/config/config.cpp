#include "microcircuit/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <utility>

namespace microcircuit {

const std::array<const char*, num_populations> population_names = {"L23E", "L23I", "L4E", "L4I",
                                                                   "L5E",  "L5I",  "L6E", "L6I"};

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
const Range probability{0.0, 1.0};

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
        fail(origin, key, "expected an integer");
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

// One configuration key: its place, default and how to store it.
struct Field {
    std::string section;
    std::string key;
    std::string default_yaml;
    std::function<void(const YAML::Node&, const Origin&, const std::string&, Parameters&)> assign;
};

Field number(const std::string& section, const std::string& key, const std::string& def,
             Range range, std::function<double&(Parameters&)> ref) {
    return {section, key, def,
            [range, ref = std::move(ref)](const YAML::Node& n, const Origin& o,
                                          const std::string& k,
                                          Parameters& p) { ref(p) = to_number(n, o, k, range); }};
}

Field flag(const std::string& section, const std::string& key, const std::string& def,
           std::function<bool&(Parameters&)> ref) {
    return {section, key, def,
            [ref = std::move(ref)](const YAML::Node& n, const Origin& o, const std::string& k,
                                   Parameters& p) { ref(p) = to_bool(n, o, k); }};
}

Field vector_field(const std::string& section, const std::string& key, const std::string& def,
                   Range range, std::function<PopulationVector&(Parameters&)> ref) {
    return {section, key, def,
            [range, ref = std::move(ref)](const YAML::Node& n, const Origin& o,
                                          const std::string& k, Parameters& p) {
                ref(p) = to_population_vector(n, o, k, range);
            }};
}

const std::vector<Field>& schema() {
    static const std::vector<Field> fields = {
        // simulation
        number("simulation", "sim_resolution", "0.1", positive,
               [](Parameters& p) -> double& { return p.simulation.sim_resolution; }),
        number("simulation", "t_presim", "500.0", non_negative,
               [](Parameters& p) -> double& { return p.simulation.t_presim; }),
        number("simulation", "t_sim", "1000.0", non_negative,
               [](Parameters& p) -> double& { return p.simulation.t_sim; }),
        {"simulation", "rng_seed", "55",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             p.simulation.rng_seed =
                 static_cast<std::uint32_t>(to_integer(n, o, k, 0, 4294967295LL));
         }},
        {"simulation", "local_num_threads", "auto",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             if (n.IsScalar() && n.Scalar() == "auto") {
                 p.simulation.local_num_threads = 0;
                 return;
             }
             p.simulation.local_num_threads = static_cast<int>(to_integer(n, o, k, 1, 4096));
         }},
        {"simulation", "rec_dev", "[spike_recorder]",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             if (!n.IsSequence()) {
                 fail(o, k, "expected a list of recording devices (spike_recorder, voltmeter)");
             }
             p.simulation.record_spikes = false;
             p.simulation.record_voltage = false;
             for (const auto& item : n) {
                 const auto device =
                     to_choice(item, origin_of(o.source, item), k, {"spike_recorder", "voltmeter"});
                 (device == "voltmeter" ? p.simulation.record_voltage
                                        : p.simulation.record_spikes) = true;
             }
         }},
        {"simulation", "spike_buffer", "auto",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             if (n.IsScalar() && n.Scalar() == "auto") {
                 p.simulation.spike_buffer = 0;
                 return;
             }
             p.simulation.spike_buffer =
                 static_cast<std::uint64_t>(to_integer(n, o, k, 1, 1LL << 40));
         }},
        number("simulation", "rec_V_int", "1.0", positive,
               [](Parameters& p) -> double& { return p.simulation.rec_V_int; }),
        {"simulation", "rec_V_num_neurons", "10",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             p.simulation.rec_V_num_neurons = static_cast<int>(to_integer(n, o, k, 1, 100000000));
         }},
        {"simulation", "data_path", "data",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             if (!n.IsScalar() || n.Scalar().empty()) {
                 fail(o, k, "expected a non-empty directory path");
             }
             p.simulation.data_path = n.Scalar();
         }},
        flag("simulation", "overwrite_files", "false",
             [](Parameters& p) -> bool& { return p.simulation.overwrite_files; }),
        flag("simulation", "print_time", "true",
             [](Parameters& p) -> bool& { return p.simulation.print_time; }),
        // network
        number("network", "N_scaling", "0.1", positive,
               [](Parameters& p) -> double& { return p.network.N_scaling; }),
        number("network", "K_scaling", "0.1", positive,
               [](Parameters& p) -> double& { return p.network.K_scaling; }),
        vector_field("network", "num_neurons",
                     "[20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]", non_negative,
                     [](Parameters& p) -> PopulationVector& { return p.network.num_neurons; }),
        {"network", "conn_probs",
         "[[0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],"
         " [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],"
         " [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],"
         " [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],"
         " [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],"
         " [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],"
         " [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],"
         " [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443]]",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             if (!n.IsSequence() || n.size() != num_populations) {
                 fail(o, k, "expected 8 rows (targets) of 8 connection probabilities (sources)");
             }
             for (int y = 0; y < num_populations; ++y) {
                 p.network.conn_probs[y] =
                     to_population_vector(n[y], origin_of(o.source, n[y]),
                                          k + "[" + std::to_string(y) + "]", {0.0, 1.0, false});
                 for (double c : p.network.conn_probs[y]) {
                     if (c >= 1.0) {
                         fail(origin_of(o.source, n[y]), k + "[" + std::to_string(y) + "]",
                              "connection probabilities must be below 1");
                     }
                 }
             }
         }},
        number("network", "PSP_exc_mean", "0.15", positive,
               [](Parameters& p) -> double& { return p.network.PSP_exc_mean; }),
        number("network", "g", "-4.0", {-std::numeric_limits<double>::infinity(), 0.0},
               [](Parameters& p) -> double& { return p.network.g; }),
        number("network", "PSP_L4E_to_L23E_factor", "2.0", non_negative,
               [](Parameters& p) -> double& { return p.network.PSP_L4E_to_L23E_factor; }),
        number("network", "weight_rel_sd", "0.1", non_negative,
               [](Parameters& p) -> double& { return p.network.weight_rel_sd; }),
        number("network", "delay_exc_mean", "1.5", positive,
               [](Parameters& p) -> double& { return p.network.delay_exc_mean; }),
        number("network", "delay_inh_mean", "0.75", positive,
               [](Parameters& p) -> double& { return p.network.delay_inh_mean; }),
        number("network", "delay_rel_sd", "0.5", non_negative,
               [](Parameters& p) -> double& { return p.network.delay_rel_sd; }),
        vector_field("network", "K_ext", "[1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]",
                     non_negative,
                     [](Parameters& p) -> PopulationVector& { return p.network.K_ext; }),
        number("network", "bg_rate", "8.0", non_negative,
               [](Parameters& p) -> double& { return p.network.bg_rate; }),
        {"network", "bg_input_type", "poisson",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             p.network.bg_input_type = to_choice(n, o, k, {"dc", "poisson"}) == "dc"
                                           ? BackgroundInput::dc
                                           : BackgroundInput::poisson;
         }},
        number("network", "poisson_delay", "1.5", positive,
               [](Parameters& p) -> double& { return p.network.poisson_delay; }),
        {"network", "V0_type", "optimized",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             p.network.V0_type = to_choice(n, o, k, {"optimized", "original"}) == "optimized"
                                     ? InitialPotential::optimized
                                     : InitialPotential::original;
         }},
        vector_field(
            "network", "V0_mean_optimized",
            "[-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]", any_number,
            [](Parameters& p) -> PopulationVector& { return p.network.V0_mean_optimized; }),
        vector_field("network", "V0_sd_optimized",
                     "[5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]", non_negative,
                     [](Parameters& p) -> PopulationVector& { return p.network.V0_sd_optimized; }),
        number("network", "V0_mean_original", "-58.0", any_number,
               [](Parameters& p) -> double& { return p.network.V0_mean_original; }),
        number("network", "V0_sd_original", "10.0", non_negative,
               [](Parameters& p) -> double& { return p.network.V0_sd_original; }),
        vector_field("network", "mean_rates",
                     "[0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]", non_negative,
                     [](Parameters& p) -> PopulationVector& { return p.network.mean_rates; }),
        number("network", "C_m", "250.0", positive,
               [](Parameters& p) -> double& { return p.network.neuron.C_m; }),
        number("network", "tau_m", "10.0", positive,
               [](Parameters& p) -> double& { return p.network.neuron.tau_m; }),
        number("network", "tau_syn_ex", "0.5", positive,
               [](Parameters& p) -> double& { return p.network.neuron.tau_syn_ex; }),
        number("network", "tau_syn_in", "0.5", positive,
               [](Parameters& p) -> double& { return p.network.neuron.tau_syn_in; }),
        number("network", "E_L", "-65.0", any_number,
               [](Parameters& p) -> double& { return p.network.neuron.E_L; }),
        number("network", "V_th", "-50.0", any_number,
               [](Parameters& p) -> double& { return p.network.neuron.V_th; }),
        number("network", "V_reset", "-65.0", any_number,
               [](Parameters& p) -> double& { return p.network.neuron.V_reset; }),
        number("network", "t_ref", "2.0", non_negative,
               [](Parameters& p) -> double& { return p.network.neuron.t_ref; }),
        // stimulus
        flag("stimulus", "thalamic_input", "false",
             [](Parameters& p) -> bool& { return p.stimulus.thalamic_input; }),
        number("stimulus", "th_start", "700.0", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.th_start; }),
        number("stimulus", "th_duration", "10.0", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.th_duration; }),
        number("stimulus", "th_rate", "120.0", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.th_rate; }),
        {"stimulus", "num_th_neurons", "902",
         [](const YAML::Node& n, const Origin& o, const std::string& k, Parameters& p) {
             p.stimulus.num_th_neurons = static_cast<int>(to_integer(n, o, k, 1, 100000000));
         }},
        vector_field("stimulus", "conn_probs_th",
                     "[0.0, 0.0, 0.0983, 0.0619, 0.0, 0.0, 0.0512, 0.0196]", {0.0, 0.999999},
                     [](Parameters& p) -> PopulationVector& { return p.stimulus.conn_probs_th; }),
        number("stimulus", "PSP_th", "0.15", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.PSP_th; }),
        number("stimulus", "PSP_th_rel_sd", "0.1", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.PSP_th_rel_sd; }),
        number("stimulus", "delay_th_mean", "1.5", positive,
               [](Parameters& p) -> double& { return p.stimulus.delay_th_mean; }),
        number("stimulus", "delay_th_rel_sd", "0.5", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.delay_th_rel_sd; }),
        flag("stimulus", "dc_transient", "false",
             [](Parameters& p) -> bool& { return p.stimulus.dc_transient; }),
        number("stimulus", "dc_start", "650.0", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.dc_start; }),
        number("stimulus", "dc_dur", "100.0", non_negative,
               [](Parameters& p) -> double& { return p.stimulus.dc_dur; }),
        number("stimulus", "dc_amp", "0.3", any_number,
               [](Parameters& p) -> double& { return p.stimulus.dc_amp; }),
    };
    return fields;
}

const Field* find_field(const std::string& section, const std::string& key) {
    for (const auto& field : schema()) {
        if (field.section == section && field.key == key) {
            return &field;
        }
    }
    return nullptr;
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
                           std::vector<std::pair<const Field*, Setting>>& settings) {
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
            fail(origin_of(file, section.first), name,
                 "unknown section (expected simulation, network or stimulus)");
        }
        if (section.second.IsNull()) {
            continue;
        }
        if (!section.second.IsMap()) {
            fail(origin_of(file, section.second), name, "expected a mapping of keys to values");
        }
        for (const auto& entry : section.second) {
            const auto key = entry.first.Scalar();
            const Field* field = find_field(name, key);
            if (field == nullptr) {
                fail(origin_of(file, entry.first), name + "." + key, "unknown key");
            }
            settings.push_back({field, {entry.second, origin_of(file, entry.second)}});
        }
    }
}

void collect_override(const std::string& text,
                      std::vector<std::pair<const Field*, Setting>>& settings) {
    const Origin origin{"--set " + text};
    const auto equals = text.find('=');
    const auto dot = text.find('.');
    if (equals == std::string::npos || dot == std::string::npos || dot > equals) {
        throw ConfigError(origin.describe() + ": expected section.key=value");
    }
    const auto section = text.substr(0, dot);
    const auto key = text.substr(dot + 1, equals - dot - 1);
    if (!is_section(section)) {
        fail(origin, section, "unknown section (expected simulation, network or stimulus)");
    }
    const Field* field = find_field(section, key);
    if (field == nullptr) {
        fail(origin, section + "." + key, "unknown key");
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
void check_consistency(const Parameters& p) {
    const double h = p.simulation.sim_resolution;
    check_on_grid("simulation.t_presim", p.simulation.t_presim, h);
    check_on_grid("simulation.t_sim", p.simulation.t_sim, h);
    if (p.simulation.record_voltage) {
        check_on_grid("simulation.rec_V_int", p.simulation.rec_V_int, h);
    }
    for (int i = 0; i < num_populations; ++i) {
        if (std::nearbyint(p.network.num_neurons[i] * p.network.N_scaling) < 1.0) {
            throw ConfigError(std::string("network.N_scaling: population ") + population_names[i] +
                              " would be empty (num_neurons " +
                              std::to_string(p.network.num_neurons[i]) + " x N_scaling " +
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

YAML::Node effective_tree(const std::vector<std::pair<const Field*, Setting>>& settings) {
    YAML::Node root;
    for (const auto& field : schema()) {
        root[field.section][field.key] = YAML::Load(field.default_yaml);
    }
    for (const auto& [field, setting] : settings) {
        root[field->section][field->key] = setting.value;
    }
    return root;
}

void json_of(const YAML::Node& node, std::ostringstream& out) {
    if (node.IsMap()) {
        out << '{';
        bool first = true;
        for (const auto& entry : node) {
            out << (first ? "" : ",") << '"' << entry.first.Scalar() << "\":";
            json_of(entry.second, out);
            first = false;
        }
        out << '}';
    } else if (node.IsSequence()) {
        out << '[';
        for (std::size_t i = 0; i < node.size(); ++i) {
            out << (i == 0 ? "" : ",");
            json_of(node[i], out);
        }
        out << ']';
    } else if (node.IsNull()) {
        out << "null";
    } else {
        const auto& text = node.Scalar();
        char* end = nullptr;
        std::strtod(text.c_str(), &end);
        const bool numeric = !text.empty() && end == text.c_str() + text.size() &&
                             text.find_first_of("xXnN") == std::string::npos;
        if (numeric || text == "true" || text == "false") {
            out << text;
        } else {
            out << '"';
            for (char c : text) {
                if (c == '"' || c == '\\') {
                    out << '\\';
                }
                out << c;
            }
            out << '"';
        }
    }
}

} // namespace

LoadedConfig load_config(const std::string& config_file,
                         const std::vector<std::string>& overrides) {
    std::vector<std::pair<const Field*, Setting>> settings;
    if (!config_file.empty()) {
        collect_file_settings(config_file, load_file(config_file), settings);
    }
    for (const auto& text : overrides) {
        collect_override(text, settings);
    }
    LoadedConfig loaded;
    for (const auto& field : schema()) {
        const std::string name = field.section + "." + field.key;
        field.assign(YAML::Load(field.default_yaml), Origin{"default"}, name, loaded.parameters);
    }
    for (const auto& [field, setting] : settings) {
        field->assign(setting.value, setting.origin, field->section + "." + field->key,
                      loaded.parameters);
    }
    check_consistency(loaded.parameters);
    loaded.effective_yaml = emit(effective_tree(settings));
    return loaded;
}

std::string yaml_to_json(const std::string& yaml_text) {
    std::ostringstream out;
    json_of(YAML::Load(yaml_text), out);
    return out.str();
}

} // namespace microcircuit
