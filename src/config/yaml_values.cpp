#include "config/yaml_values.hpp"

#include "config/json_writer.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace microcircuit::config {

namespace {

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

} // namespace

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

YAML::Node number_node(double value) { return YAML::Node(number_text(value, true)); }

YAML::Node vector_node(const PopulationVector& values) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (double value : values) {
        node.push_back(YAML::Node(number_text(value, false)));
    }
    return node;
}

YAML::Node bool_node(bool value) { return YAML::Node(value ? "true" : "false"); }

YAML::Node matrix_node(const PopulationMatrix& matrix) {
    YAML::Node node(YAML::NodeType::Sequence);
    for (const auto& row : matrix) {
        node.push_back(vector_node(row));
    }
    return node;
}

} // namespace microcircuit::config
