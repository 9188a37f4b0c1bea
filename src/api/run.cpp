#include "microcircuit/run.hpp"

#include "api/progress_line.hpp"
#include "api/run_summary.hpp"
#include "memory/memory_check.hpp"
#include "microcircuit/checkpoint.hpp"
#include "microcircuit/output.hpp"
#include "output/kill_point.hpp"
#include "output/output_directory.hpp"
#include "parallel/communicator.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <utility>

namespace microcircuit {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Refuses, as a ConfigError on every rank, a run whose nodes lack the memory it will need.
const DerivedParameters& checked_for_memory(Context& context, const Parameters& parameters,
                                            const DerivedParameters& derived) {
    if (parameters.simulation.memory_check) {
        const std::string refusal =
            memory_refusal(context.communicator(), parameters, derived,
                           context.threads_for(parameters.simulation.local_num_threads));
        if (!refusal.empty()) {
            throw ConfigError(refusal);
        }
    }
    return derived;
}

} // namespace

struct Run::State {
    State(Context& context_, LoadedConfig config_, RunOptions options_)
        : context(context_), config(std::move(config_)), options(std::move(options_)),
          derived(derive_parameters(config.parameters)),
          simulator(context, config.parameters,
                    checked_for_memory(context, config.parameters, derived)),
          console(options.console && context.rank() == 0), grid(derived.grid()),
          progress(console && config.parameters.simulation.print_time
                       ? std::optional<ProgressLine>(std::in_place, grid.ms(derived.total_steps))
                       : std::nullopt) {}

    Context& context;
    const LoadedConfig config;
    const RunOptions options;
    const DerivedParameters derived; // the one derivation of the run
    Simulator simulator;
    const bool console;
    const TimeGrid grid;
    std::optional<ProgressLine> progress;
    std::unique_ptr<RunOutput> output;
    std::unique_ptr<SpikeCollector> spikes;
    std::unique_ptr<VoltageCollector> voltages;
    PhaseTimes phases;
    double sim_phase_ms = 0.0;
    // The step up to which spikes.h5 and report.json describe the run.
    std::optional<std::uint64_t> published_step;
    std::optional<std::uint64_t> checkpoint_step;
    bool finished = false;

    void open_output(const RecordingPositions* resume);
    void write_checkpoint();
    void publish();
    void advance(std::uint64_t end);
    bool simulate_to(std::uint64_t end);
};

void Run::State::open_output(const RecordingPositions* resume) {
    if (options.write_files) {
        output = std::make_unique<RunOutput>(context, config, derived, simulator.threads(), resume);
        if (SpikeSink* sink = output->spike_sink()) {
            simulator.add_spike_sink(*sink);
        }
        if (VoltageSink* sink = output->voltage_sink()) {
            simulator.add_voltage_sink(*sink);
        }
    }
}

// Flushes the recordings, puts the journals on disk and writes the
// checkpoint that refers to them.
void Run::State::write_checkpoint() {
    if (!output || checkpoint_step == simulator.step()) {
        return;
    }
    const auto start = Clock::now();
    simulator.flush_recordings();
    const std::string path = checkpoint_path(config.parameters.simulation.data_path);
    simulator.save_checkpoint(path, output->sync());
    checkpoint_step = simulator.step();
    if (console) {
        std::error_code error;
        const auto bytes = std::filesystem::file_size(path, error);
        std::cout << "Checkpoint at " << std::fixed << std::setprecision(1) << simulator.time_ms()
                  << " ms: " << path << " ("
                  << static_cast<double>(error ? 0 : bytes) / (1024.0 * 1024.0) << " MB, "
                  << std::setprecision(2) << seconds_since(start) << " s)" << std::endl;
    }
}

// spikes.h5 and report.json up to the step reached.
void Run::State::publish() {
    const auto start = Clock::now();
    simulator.flush_recordings();
    if (output && published_step != simulator.step()) {
        output->publish(simulator.step());
        phases.write += seconds_since(start);
        kill_point("spikes_published");
        output->write_report(summarize_run(context, simulator, config, phases, sim_phase_ms));
    }
    published_step = simulator.step();
}

// One stretch of simulation within one phase, timed as that phase.
void Run::State::advance(std::uint64_t end) {
    const std::uint64_t step = simulator.step();
    const bool warm_up = step < derived.presim_steps;
    const auto start = Clock::now();
    if (progress) {
        progress->start_phase(simulator.time_ms());
    }
    simulator.run_until(end);
    (warm_up ? phases.presim : phases.sim) += seconds_since(start);
    if (!warm_up) {
        sim_phase_ms += grid.ms(simulator.step()) - grid.ms(step);
    }
    if (progress && simulator.step() == derived.presim_steps && warm_up) {
        (*progress)(simulator.time_ms(), true);
        ProgressLine::finish_line(" (warm-up done)");
    }
}

bool Run::State::simulate_to(std::uint64_t end) {
    const double interval = config.parameters.simulation.checkpoint_interval;
    const std::uint64_t every =
        interval > 0.0 ? std::max<std::uint64_t>(1, grid.steps(interval)) : 0;
    while (simulator.step() < end) {
        const std::uint64_t step = simulator.step();
        std::uint64_t next = end;
        if (step < derived.presim_steps) {
            next = std::min(next, derived.presim_steps);
        }
        if (every != 0) {
            next = std::min(next, (step / every + 1) * every);
        }
        advance(next);
        // Stopped (a time limit, preemption): only the checkpoint, the
        // quickest way out; the continued run publishes the files.
        if (simulator.interrupted()) {
            write_checkpoint();
            return false;
        }
        // None at the configured end, where finishing follows.
        if (every != 0 && simulator.step() % every == 0 &&
            simulator.step() != derived.total_steps) {
            write_checkpoint();
        }
    }
    if (progress && simulator.step() != derived.presim_steps) {
        (*progress)(simulator.time_ms(), true);
        ProgressLine::finish_line("");
    }
    publish();
    return true;
}

Run::Run(Context& context, LoadedConfig config, RunOptions options) {
    const Clock::time_point start = options.started;
    state_ = std::make_unique<State>(context, std::move(config), std::move(options));
    State& s = *state_;
    s.simulator.set_stop_flag(s.options.stop_flag);
    if (s.progress) {
        s.simulator.set_progress([&s](double time_ms) { (*s.progress)(time_ms); });
    }
    if (s.options.keep_recordings) {
        if (s.derived.record_spikes) {
            s.spikes = std::make_unique<SpikeCollector>();
            s.simulator.add_spike_sink(*s.spikes);
        }
        if (s.derived.record_voltage) {
            s.voltages = std::make_unique<VoltageCollector>();
            s.simulator.add_voltage_sink(*s.voltages);
        }
    }
    // A new run checks its output directory before anything is built; a
    // continued one once the checkpoint has been read and checked (connect).
    if (s.options.restart.empty()) {
        s.open_output(nullptr);
    }
    s.phases.init = seconds_since(start);
}

Run::~Run() = default;

void Run::create() {
    const auto start = Clock::now();
    state_->simulator.create();
    state_->phases.create += seconds_since(start);
}

void Run::connect() {
    State& s = *state_;
    const auto start = Clock::now();
    s.simulator.connect();
    s.phases.connect += seconds_since(start);
    if (!s.options.restart.empty()) {
        const RecordingPositions positions = s.simulator.restore_checkpoint(s.options.restart);
        s.checkpoint_step = s.simulator.step();
        s.open_output(&positions);
        if (s.console) {
            std::cout << "Continuing from the checkpoint at " << std::fixed << std::setprecision(1)
                      << s.simulator.time_ms() << " ms" << std::endl;
        }
    }
}

bool Run::simulate(double duration_ms) {
    State& s = *state_;
    if (s.finished) {
        throw std::logic_error("simulate: the run is finished");
    }
    return s.simulate_to(s.simulator.step() + s.grid.steps_on_grid(duration_ms, "simulate"));
}

bool Run::simulate_configured() {
    State& s = *state_;
    return s.simulate_to(std::max(s.simulator.step(), s.derived.total_steps));
}

void Run::finish() {
    State& s = *state_;
    if (s.finished) {
        return;
    }
    const bool keep = s.config.parameters.simulation.checkpoint_at_end;
    if (keep) {
        s.write_checkpoint();
    }
    s.publish();
    s.finished = true;
    if (s.output) {
        kill_point("report_written");
        // The checkpoint before the journals: while it exists, so do they.
        if (!keep) {
            s.output->remove_checkpoint();
            kill_point("checkpoint_removed");
            s.output->remove_journals();
        }
    }
    const RunSummary final = summary();
    if (s.console) {
        std::cout << console_summary(final);
        if (s.output) {
            std::cout << "Output: " << s.output->spikes_path() << ", " << s.output->report_path()
                      << "\n";
        }
        std::cout << std::flush;
    }
}

const LoadedConfig& Run::config() const { return state_->config; }
const DerivedParameters& Run::derived() const { return state_->derived; }
const Simulator& Run::simulator() const { return state_->simulator; }
double Run::time_ms() const { return state_->simulator.time_ms(); }
const SpikeCollector* Run::spikes() const { return state_->spikes.get(); }
const VoltageCollector* Run::voltages() const { return state_->voltages.get(); }

RunSummary Run::summary() const {
    const State& s = *state_;
    return summarize_run(s.context, s.simulator, s.config, s.phases, s.sim_phase_ms);
}

std::string Run::spikes_path() const {
    return state_->output ? state_->output->spikes_path() : std::string();
}
std::string Run::report_path() const {
    return state_->output ? state_->output->report_path() : std::string();
}

bool finished_run_in(Context& context, const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code error;
    const fs::path directory =
        fs::is_directory(path, error) ? fs::path(path) : fs::path(path).parent_path();
    const OutputFiles files(directory.string());
    const bool finished = fs::exists(files.report, error) && !fs::exists(files.checkpoint, error);
    context.communicator().barrier();
    if (finished && context.rank() == 0) {
        files.remove_leftovers();
    }
    return finished;
}

} // namespace microcircuit
