#include "config/origin.hpp"

namespace microcircuit::config {

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

} // namespace microcircuit::config
