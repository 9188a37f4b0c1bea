#include "config/json_writer.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace microcircuit {

std::string shortest_number_text(double value) {
    char text[32];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(text, sizeof(text), "%.*g", precision, value);
        if (std::strtod(text, nullptr) == value) {
            break;
        }
    }
    return text;
}

void JsonWriter::separate() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!has_element_.empty()) {
        if (has_element_.back()) {
            text_ += ',';
        }
        has_element_.back() = true;
    }
}

JsonWriter& JsonWriter::begin_object() {
    separate();
    text_ += '{';
    has_element_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    text_ += '}';
    has_element_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    separate();
    text_ += '[';
    has_element_.push_back(false);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    text_ += ']';
    has_element_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
    value(name);
    text_ += ':';
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(double number) {
    // JSON has no infinities or NaN.
    return std::isfinite(number) ? literal(shortest_number_text(number)) : null();
}

JsonWriter& JsonWriter::value(std::uint64_t number) { return literal(std::to_string(number)); }
JsonWriter& JsonWriter::value(int number) { return literal(std::to_string(number)); }
JsonWriter& JsonWriter::value(bool flag) { return literal(flag ? "true" : "false"); }
JsonWriter& JsonWriter::null() { return literal("null"); }

JsonWriter& JsonWriter::value(std::string_view text) {
    separate();
    text_ += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') {
            text_ += '\\';
            text_ += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
            text_ += escaped;
        } else {
            text_ += c;
        }
    }
    text_ += '"';
    return *this;
}

JsonWriter& JsonWriter::literal(std::string_view text) {
    separate();
    text_ += text;
    return *this;
}

} // namespace microcircuit
