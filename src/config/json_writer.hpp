// The one JSON writer of the engine (report.json, the derived parameters in
// the output's metadata, the effective configuration): commas, quoting and
// numbers that read back to the same double, in one place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace microcircuit {

// The shortest text that reads back as the same double (JSON and YAML alike).
std::string shortest_number_text(double value);

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(double number);
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(std::uint32_t number) { return value(std::uint64_t{number}); }
    JsonWriter& value(int number);
    JsonWriter& value(bool flag);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& null();
    // A number or literal given as text, written as it is.
    JsonWriter& literal(std::string_view text);
    template <class Range> JsonWriter& array(const Range& values) {
        begin_array();
        for (const auto& element : values) {
            value(element);
        }
        return end_array();
    }
    template <class Rows> JsonWriter& matrix(const Rows& rows) {
        begin_array();
        for (const auto& row : rows) {
            array(row);
        }
        return end_array();
    }

    const std::string& text() const { return text_; }

private:
    void separate();

    std::string text_;
    // Per open object or array: whether it holds an element yet.
    std::vector<bool> has_element_;
    bool after_key_ = false;
};

} // namespace microcircuit
