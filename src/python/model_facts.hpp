// The model's facts as functions of the extension module (model_facts.cpp).
#pragma once

#include <pybind11/pybind11.h>

namespace microcircuit {

void bind_model_facts(pybind11::module_& module);

} // namespace microcircuit
