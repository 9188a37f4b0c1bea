#include "config/field.hpp"

namespace microcircuit::config {

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

} // namespace microcircuit::config
