#include "config/settings.hpp"

#include "config/schema.hpp"
#include "config/suggestion.hpp"

#include <fstream>

namespace microcircuit::config {

namespace {

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

} // namespace

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

} // namespace microcircuit::config
