// The extension module microcircuit._engine: the library's API for the Python
// package in python/microcircuit.
#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/run.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/version.hpp"
#include "python/model_facts.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

namespace py = pybind11;

namespace microcircuit {
namespace {

// One per process, made at the first use: MPI is initialised then unless
// mpi4py (or the caller) has done so.
Context& process_context() {
    static Context context;
    return context;
}

// One run of the package's Network: the library's Run, its recordings kept in
// memory too, with Python's lock released while it works.
class Session {
public:
    Session(const LoadedConfig& config, bool write_files)
        : run_(process_context(), config, options(write_files)) {}

    void create() {
        py::gil_scoped_release release;
        run_.create();
    }

    void connect() {
        py::gil_scoped_release release;
        run_.connect();
    }

    void simulate(double duration_ms) {
        py::gil_scoped_release release;
        run_.simulate(duration_ms);
    }

    void finish() {
        py::gil_scoped_release release;
        run_.finish();
    }

    py::tuple spikes() const {
        static const std::vector<RecordedSpike> none;
        const auto& spikes = run_.spikes() != nullptr ? run_.spikes()->spikes() : none;
        py::array_t<std::uint64_t> gids(static_cast<py::ssize_t>(spikes.size()));
        py::array_t<double> times(static_cast<py::ssize_t>(spikes.size()));
        auto g = gids.mutable_unchecked<1>();
        auto t = times.mutable_unchecked<1>();
        const TimeGrid grid = run_.derived().grid();
        for (std::size_t i = 0; i < spikes.size(); ++i) {
            g(static_cast<py::ssize_t>(i)) = spikes[i].gid;
            t(static_cast<py::ssize_t>(i)) = grid.ms(spikes[i].step_end);
        }
        return py::make_tuple(gids, times);
    }

    py::array_t<double> voltages() const {
        const auto columns = static_cast<py::ssize_t>(voltage_columns(run_.derived()));
        static const std::vector<double> none;
        const auto& values = run_.voltages() != nullptr ? run_.voltages()->samples() : none;
        const py::ssize_t rows =
            columns == 0 ? 0 : static_cast<py::ssize_t>(values.size()) / columns;
        py::array_t<double> array({rows, columns});
        std::copy(values.begin(), values.end(), array.mutable_data());
        return array;
    }

    py::dict derived() const {
        const DerivedParameters& d = run_.derived();
        py::dict out;
        out["resolution"] = d.resolution;
        out["num_neurons"] = std::vector<std::uint32_t>(d.num_neurons.begin(), d.num_neurons.end());
        out["first_gid"] = std::vector<std::uint64_t>(d.first_gid.begin(), d.first_gid.end());
        out["num_synapses"] = d.num_synapses;
        out["weight_mean"] = d.weight_mean;
        out["delay_mean"] = d.delay_mean;
        out["weight_ext"] = d.weight_ext;
        out["dc_amplitude"] = d.dc_amplitude;
        out["poisson_rate"] = d.poisson_rate;
        out["num_thalamic_synapses"] = d.num_thalamic_synapses;
        out["weight_thalamic"] = d.weight_thalamic;
        out["below_rheobase"] = d.below_rheobase;
        out["voltage_neurons"] = d.voltage_neurons;
        const TimeGrid grid = d.grid();
        out["voltage_interval_ms"] = grid.ms(d.voltage_interval_steps);
        out["presim_ms"] = grid.ms(d.presim_steps);
        out["total_ms"] = grid.ms(d.total_steps);
        return out;
    }

    const Run& run() const { return run_; }

private:
    static RunOptions options(bool write_files) {
        RunOptions options;
        options.write_files = write_files;
        options.keep_recordings = true;
        return options;
    }

    Run run_;
};

} // namespace
} // namespace microcircuit

PYBIND11_MODULE(_engine, module) {
    using namespace microcircuit;
    module.doc() = "The microcircuit_mpi engine (C++): configuration, simulation, recordings.";
    py::register_exception<ConfigError>(module, "ConfigError", PyExc_ValueError);
    bind_model_facts(module);

    py::class_<LoadedConfig>(module, "Config")
        .def_readonly("effective_yaml", &LoadedConfig::effective_yaml)
        .def_readonly("warnings", &LoadedConfig::warnings);
    module.def("load_config", &load_config, py::arg("config_file") = std::string(),
               py::arg("overrides") = std::vector<std::string>(),
               "A configuration from a YAML file (may be empty) and section.key=value overrides.");
    module.def("rank", [] { return process_context().rank(); });
    module.def("num_ranks", [] { return process_context().ranks(); });
    module.def("program_version", [] { return std::string(microcircuit::program_version); });

    py::class_<Session>(module, "Session")
        .def(py::init<const LoadedConfig&, bool>(), py::arg("config"), py::arg("write_files"))
        .def("create", &Session::create)
        .def("connect", &Session::connect)
        .def("simulate", &Session::simulate, py::arg("duration_ms"))
        .def("finish", &Session::finish)
        .def("spikes", &Session::spikes, "(gids, times in ms) of every spike, in (time, gid) order")
        .def("voltages", &Session::voltages, "V_m samples (mV): samples x recorded neurons")
        .def("derived", &Session::derived)
        .def("time_ms", [](const Session& s) { return s.run().time_ms(); })
        .def("threads", [](const Session& s) { return s.run().simulator().threads(); })
        .def("num_synapses", [](const Session& s) { return s.run().simulator().num_synapses(); })
        .def("num_spikes", [](const Session& s) { return s.run().simulator().num_spikes(); })
        .def("report_json", [](const Session& s) { return report_json(s.run().summary()); })
        .def("spikes_path", [](const Session& s) { return s.run().spikes_path(); })
        .def("report_path", [](const Session& s) { return s.run().report_path(); });
}
