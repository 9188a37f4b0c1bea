// Every configuration key: its section, name, kind and range (defaults are
// the parameter structs'), and the old names that are still read.
#pragma once

#include "config/field.hpp"
#include "config/origin.hpp"

#include <string>
#include <vector>

namespace microcircuit::config {

const std::vector<Field>& schema();

// The field of section.key, also under an old name (noted in `warnings`); null if unknown.
const Field* find_field(const std::string& section, const std::string& key, const Origin& origin,
                        std::vector<std::string>& warnings);

} // namespace microcircuit::config
