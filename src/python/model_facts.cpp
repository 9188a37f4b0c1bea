// The model's facts for the Python package: the population names, the
// parameters' defaults and the formulas that derive numbers from parameters,
// read from the engine so that Python holds no copy of them.
#include "python/model_facts.hpp"

#include "microcircuit/config.hpp"
#include "microcircuit/derived_parameters.hpp"
#include "microcircuit/parameters.hpp"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

namespace py = pybind11;

namespace microcircuit {

void bind_model_facts(py::module_& module) {
    module.def(
        "population_names",
        [] { return std::vector<std::string>(population_names.begin(), population_names.end()); },
        "The populations' names, in the order of the node ids.");
    module.def(
        "default_parameters",
        [] { return py::module_::import("json").attr("loads")(yaml_to_json(to_yaml({}))); },
        "Every configuration key with its default: {section: {key: value}}.");

    const NetworkParameters defaults;
    module.def(
        "default_psp_matrix",
        [](double PSP_exc_mean, double g, double PSP_L4E_to_L23E_factor) {
            NetworkParameters net;
            net.PSP_exc_mean = PSP_exc_mean;
            net.g = g;
            net.PSP_L4E_to_L23E_factor = PSP_L4E_to_L23E_factor;
            return default_psp_matrix(net);
        },
        py::arg("PSP_exc_mean"), py::arg("g"),
        py::arg("PSP_L4E_to_L23E_factor") = defaults.PSP_L4E_to_L23E_factor,
        "Mean PSPs (mV) [target][source] where network.PSP_matrix_mean is auto.");
    module.def(
        "default_delay_matrix",
        [](double delay_exc_mean, double delay_inh_mean) {
            NetworkParameters net;
            net.delay_exc_mean = delay_exc_mean;
            net.delay_inh_mean = delay_inh_mean;
            return default_delay_matrix(net);
        },
        py::arg("delay_exc_mean"), py::arg("delay_inh_mean"),
        "Mean delays (ms) [target][source] where network.delay_matrix_mean is auto.");
    module.def(
        "psc_per_psp",
        [](double C_m, double tau_m, double tau_syn) {
            NeuronParameters neuron;
            neuron.C_m = C_m;
            neuron.tau_m = tau_m;
            neuron.tau_syn_ex = tau_syn;
            neuron.tau_syn_in = tau_syn;
            return psc_per_psp(neuron);
        },
        py::arg("C_m"), py::arg("tau_m"), py::arg("tau_syn"),
        "The PSC amplitude (pA) that makes a PSP of 1 mV.");
    module.def(
        "rheobase_current",
        [](double V_th, double E_L, double C_m, double tau_m) {
            NeuronParameters neuron;
            neuron.V_th = V_th;
            neuron.E_L = E_L;
            neuron.C_m = C_m;
            neuron.tau_m = tau_m;
            return rheobase_current(neuron);
        },
        py::arg("V_th"), py::arg("E_L"), py::arg("C_m"), py::arg("tau_m"),
        "The smallest constant current (pA) that makes the neuron fire.");
    module.def("full_scale_synapses", &full_scale_synapses, py::arg("probability"),
               py::arg("target_size"), py::arg("source_size"),
               "Synapses of a fixed-total-number projection with this connection probability.");
    module.def("dc_of_poisson_input", &dc_of_poisson_input, py::arg("rate"), py::arg("in_degree"),
               py::arg("weight"), py::arg("tau_syn"),
               "The DC (pA) with the mean input of in_degree Poisson sources at rate (spikes/s).");
    module.def("mean_recurrent_input", &mean_recurrent_input, py::arg("weights"),
               py::arg("synapses"), py::arg("target_size"), py::arg("rates"),
               "A target population's mean recurrent input (pA/s) from one row [source] of the "
               "full-scale weights (pA) and synapse counts.");
    module.def("k_scaling_dc_per_input", &k_scaling_dc_per_input, py::arg("tau_syn"),
               py::arg("K_scaling"),
               "The DC (pA) per pA/s of mean input that compensates for K_scaling.");
}

} // namespace microcircuit
