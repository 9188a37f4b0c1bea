// The JSON writer: commas, nesting, escapes, numbers that read back exactly.
#define BOOST_TEST_MODULE json_writer
#include <boost/test/unit_test.hpp>

#include "config/json_writer.hpp"

#include <array>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

using namespace microcircuit;

BOOST_AUTO_TEST_CASE(objects_arrays_and_commas) {
    JsonWriter out;
    out.begin_object();
    out.key("a").value(1);
    out.key("b").array(std::vector<double>{0.5, -2.0});
    out.key("c").matrix(std::array<std::array<std::uint64_t, 2>, 2>{{{1, 2}, {3, 4}}});
    out.key("d").begin_object().end_object();
    out.key("e").value(true);
    out.key("f").null();
    out.end_object();
    BOOST_TEST(out.text() == R"({"a":1,"b":[0.5,-2],"c":[[1,2],[3,4]],"d":{},"e":true,"f":null})");
}

BOOST_AUTO_TEST_CASE(strings_are_escaped) {
    JsonWriter out;
    out.value(std::string_view("say \"hi\"\\\n"));
    BOOST_TEST(out.text() == R"("say \"hi\"\\\u000a")");
}

BOOST_AUTO_TEST_CASE(numbers_read_back_to_the_same_double) {
    for (const double x : {0.1, 1.0 / 3.0, 87.81033191647621, -4e-320, 1e300, 250.0}) {
        const std::string text = shortest_number_text(x);
        BOOST_TEST(std::strtod(text.c_str(), nullptr) == x);
    }
    BOOST_TEST(shortest_number_text(0.1) == "0.1");
    JsonWriter out;
    out.begin_array().value(std::numeric_limits<double>::infinity()).end_array();
    BOOST_TEST(out.text() == "[null]");
}
