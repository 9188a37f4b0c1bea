// The kinds of configuration key: how a value is read into the parameters
// and shown from them (a number with a range, a flag, an integer, a choice of
// names, a list per population, a matrix or `auto`).
#pragma once

#include "config/origin.hpp"
#include "config/yaml_values.hpp"
#include "microcircuit/parameters.hpp"

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace microcircuit::config {

// One configuration key: its place, how to store a value and how to show the
// stored value. Defaults are not written here: they are the parameter structs'.
struct Field {
    std::string section;
    std::string key;
    std::function<void(const YAML::Node&, const Origin&, const std::string&, Parameters&)> assign;
    std::function<YAML::Node(const Parameters&)> show;
};

Field number(const std::string& section, const std::string& key, Range range,
             double& (*ref)(Parameters&));

Field flag(const std::string& section, const std::string& key, bool& (*ref)(Parameters&));

Field vector_field(const std::string& section, const std::string& key, Range range,
                   PopulationVector& (*ref)(Parameters&));

// A matrix that is `auto` (derived from other keys) unless given.
Field optional_matrix(const std::string& section, const std::string& key, Range range,
                      const std::string& what,
                      std::optional<PopulationMatrix>& (*ref)(Parameters&));

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

} // namespace microcircuit::config
