// A parameter's value from its YAML node (checked against its type and
// range, errors naming the origin and key) and back to a YAML node.
#pragma once

#include "config/origin.hpp"
#include "microcircuit/parameters.hpp"

#include <yaml-cpp/yaml.h>

#include <limits>
#include <string>
#include <vector>

namespace microcircuit::config {

// Bounds of a number; `exclusive` makes the lower bound strict.
struct Range {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool exclusive_min = false;
};
inline const Range any_number{};
inline const Range positive{0.0, std::numeric_limits<double>::infinity(), true};
inline const Range non_negative{0.0};

double to_number(const YAML::Node& node, const Origin& origin, const std::string& key,
                 const Range& range);
long long to_integer(const YAML::Node& node, const Origin& origin, const std::string& key,
                     long long min, long long max);
bool to_bool(const YAML::Node& node, const Origin& origin, const std::string& key);
std::string to_choice(const YAML::Node& node, const Origin& origin, const std::string& key,
                      const std::vector<std::string>& choices);
PopulationVector to_population_vector(const YAML::Node& node, const Origin& origin,
                                      const std::string& key, const Range& range);
// `what` names the elements in the message ("connection probabilities").
PopulationMatrix to_population_matrix(const YAML::Node& n, const Origin& o, const std::string& k,
                                      const Range& range, const std::string& what);

YAML::Node number_node(double value);
YAML::Node vector_node(const PopulationVector& values);
YAML::Node bool_node(bool value);
YAML::Node matrix_node(const PopulationMatrix& matrix);

} // namespace microcircuit::config
