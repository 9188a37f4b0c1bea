#include "microcircuit/config.hpp"

#include "config/cross_checks.hpp"
#include "config/schema.hpp"
#include "config/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <utility>

namespace microcircuit {

namespace {

std::string emit(const YAML::Node& node) {
    YAML::Emitter out;
    out.SetSeqFormat(YAML::Flow);
    out << node;
    return out.c_str();
}

YAML::Node tree_of(const Parameters& parameters) {
    YAML::Node root;
    for (const auto& field : config::schema()) {
        root[field.section][field.key] = field.show(parameters);
    }
    return root;
}

LoadedConfig load_settings(const std::string& source, const YAML::Node& root,
                           const std::vector<std::string>& overrides) {
    std::vector<std::pair<const config::Field*, config::Setting>> settings;
    LoadedConfig loaded; // the parameter structs' defaults
    if (!source.empty()) {
        config::collect_file_settings(source, root, settings, loaded.warnings);
    }
    for (const auto& text : overrides) {
        config::collect_override(text, settings, loaded.warnings);
    }
    for (const auto& [field, setting] : settings) {
        field->assign(setting.value, setting.origin, field->section + "." + field->key,
                      loaded.parameters);
    }
    config::check_consistency(loaded.parameters);
    config::collect_warnings(loaded.parameters, loaded.warnings);
    loaded.effective_yaml = to_yaml(loaded.parameters);
    return loaded;
}

} // namespace

LoadedConfig load_config(const std::string& config_file,
                         const std::vector<std::string>& overrides) {
    return load_settings(config_file,
                         config_file.empty() ? YAML::Node() : config::load_file(config_file),
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
    for (const config::Field& field : config::schema()) {
        const std::string left = emit(field.show(a));
        const std::string right = emit(field.show(b));
        if (left != right) {
            keys.push_back(field.section + "." + field.key + ": " + left + " vs " + right);
        }
    }
    return keys;
}

std::string to_yaml(const Parameters& parameters) { return emit(tree_of(parameters)); }

} // namespace microcircuit
