#include "microcircuit/config.hpp"

#include "config/json_writer.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

namespace microcircuit {

namespace {

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

std::string yaml_to_json(const std::string& yaml_text) {
    JsonWriter out;
    json_of(YAML::Load(yaml_text), out);
    return out.text();
}

} // namespace microcircuit
