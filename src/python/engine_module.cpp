// The extension module microcircuit._engine: the library's API for the Python
// package in python/microcircuit. A Session is one run: the simulator, its
// in-memory collectors and, where asked, the run's files, with the phases
// timed as the command-line program times them.
#include "cli/progress_line.hpp"
#include "microcircuit/config.hpp"
#include "microcircuit/context.hpp"
#include "microcircuit/output.hpp"
#include "microcircuit/run_report.hpp"
#include "microcircuit/run_summary.hpp"
#include "microcircuit/simulator.hpp"
#include "microcircuit/version.hpp"
#include "memory/memory_check.hpp"
#include "python/model_facts.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <cstdio>
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

// Before the simulator is made: refuses (as a ConfigError, on every rank) a
// run whose nodes lack the memory it will need, unless simulation.memory_check is off.
bool check_memory(const LoadedConfig& config, Context& context) {
    const Parameters& parameters = config.parameters;
    if (!parameters.simulation.memory_check) {
        return false;
    }
    const std::string refusal =
        memory_refusal(context.communicator(), parameters,
                       context.threads_for(parameters.simulation.local_num_threads));
    if (!refusal.empty()) {
        throw ConfigError(refusal);
    }
    return true;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class Session {
public:
    Session(const LoadedConfig& config, bool write_files)
        : config_(config), context_(process_context()),
          memory_checked_(check_memory(config, context_)), simulator_(context_, config.parameters),
          progress_(static_cast<double>(simulator_.derived().total_steps) *
                    simulator_.derived().resolution) {
        const auto start = std::chrono::steady_clock::now();
        const DerivedParameters& derived = simulator_.derived();
        if (write_files) {
            output_ = std::make_unique<RunOutput>(context_, config_, derived, simulator_.threads());
            if (SpikeSink* sink = output_->spike_sink()) {
                simulator_.add_spike_sink(*sink);
            }
            if (VoltageSink* sink = output_->voltage_sink()) {
                simulator_.add_voltage_sink(*sink);
            }
        }
        if (derived.record_spikes) {
            simulator_.add_spike_sink(spikes_);
        }
        if (derived.record_voltage) {
            simulator_.add_voltage_sink(voltages_);
        }
        if (config_.parameters.simulation.print_time && context_.rank() == 0) {
            simulator_.set_progress([this](double time_ms) { progress_(time_ms); });
        }
        summary_.phases.init = seconds_since(start);
    }

    void create() {
        const auto start = std::chrono::steady_clock::now();
        {
            py::gil_scoped_release release;
            simulator_.create();
        }
        summary_.phases.create = seconds_since(start);
    }

    void connect() {
        const auto start = std::chrono::steady_clock::now();
        {
            py::gil_scoped_release release;
            simulator_.connect();
        }
        summary_.phases.connect = seconds_since(start);
    }

    // Advances by `duration_ms`; the run's files are complete once the
    // configured t_presim + t_sim is reached.
    void simulate(double duration_ms) {
        const DerivedParameters& derived = simulator_.derived();
        const double presim_ms = static_cast<double>(derived.presim_steps) * derived.resolution;
        const bool print = config_.parameters.simulation.print_time && context_.rank() == 0;
        const auto start = std::chrono::steady_clock::now();
        progress_.start_phase(simulator_.time_ms());
        {
            py::gil_scoped_release release;
            simulator_.simulate(duration_ms);
        }
        const double wall = seconds_since(start);
        (simulator_.time_ms() <= presim_ms ? summary_.phases.presim : summary_.phases.sim) += wall;
        if (print) {
            progress_(simulator_.time_ms(), true);
            ProgressLine::finish_line("");
        }
        if (finished()) {
            finish();
        }
    }

    bool finished() const {
        const DerivedParameters& derived = simulator_.derived();
        return simulator_.time_ms() >=
               static_cast<double>(derived.total_steps) * derived.resolution;
    }

    py::tuple spikes() const {
        const auto& spikes = spikes_.spikes();
        py::array_t<std::uint64_t> gids(static_cast<py::ssize_t>(spikes.size()));
        py::array_t<double> times(static_cast<py::ssize_t>(spikes.size()));
        auto g = gids.mutable_unchecked<1>();
        auto t = times.mutable_unchecked<1>();
        const double h = simulator_.derived().resolution;
        for (std::size_t i = 0; i < spikes.size(); ++i) {
            g(static_cast<py::ssize_t>(i)) = spikes[i].gid;
            t(static_cast<py::ssize_t>(i)) = static_cast<double>(spikes[i].step_end) * h;
        }
        return py::make_tuple(gids, times);
    }

    py::array_t<double> voltages() const {
        const auto columns = static_cast<py::ssize_t>(voltage_columns(simulator_.derived()));
        const auto& values = voltages_.samples();
        const py::ssize_t rows =
            columns == 0 ? 0 : static_cast<py::ssize_t>(values.size()) / columns;
        py::array_t<double> array({rows, columns});
        std::copy(values.begin(), values.end(), array.mutable_data());
        return array;
    }

    py::dict derived() const {
        const DerivedParameters& d = simulator_.derived();
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
        out["voltage_interval_ms"] = static_cast<double>(d.voltage_interval_steps) * d.resolution;
        out["presim_ms"] = static_cast<double>(d.presim_steps) * d.resolution;
        out["total_ms"] = static_cast<double>(d.total_steps) * d.resolution;
        return out;
    }

    double time_ms() const { return simulator_.time_ms(); }
    int threads() const { return simulator_.threads(); }
    std::uint64_t num_synapses() const { return simulator_.num_synapses(); }
    std::uint64_t num_spikes() const { return simulator_.num_spikes(); }
    const RunSummary& summary() const { return summary_; }
    std::string spikes_path() const { return output_ ? output_->spikes_path() : ""; }
    std::string report_path() const { return output_ ? output_->report_path() : ""; }

private:
    void finish() {
        const auto start = std::chrono::steady_clock::now();
        simulator_.flush_recordings();
        if (output_) {
            output_->finish();
        }
        summary_.phases.write = seconds_since(start);
        summary_ = summarize_run(context_, simulator_, config_, summary_.phases);
        if (output_) {
            output_->write_report(summary_);
        }
    }

    LoadedConfig config_;
    Context& context_;
    bool memory_checked_;
    Simulator simulator_;
    ProgressLine progress_;
    std::unique_ptr<RunOutput> output_;
    SpikeCollector spikes_;
    VoltageCollector voltages_;
    RunSummary summary_;
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
        .def("finished", &Session::finished)
        .def("spikes", &Session::spikes, "(gids, times in ms) of every spike, in (time, gid) order")
        .def("voltages", &Session::voltages, "V_m samples (mV): samples x recorded neurons")
        .def("derived", &Session::derived)
        .def("time_ms", &Session::time_ms)
        .def("threads", &Session::threads)
        .def("num_synapses", &Session::num_synapses)
        .def("num_spikes", &Session::num_spikes)
        .def("report_json", [](const Session& s) { return report_json(s.summary()); })
        .def("console_summary", [](const Session& s) { return console_summary(s.summary()); })
        .def("spikes_path", &Session::spikes_path)
        .def("report_path", &Session::report_path);
}
