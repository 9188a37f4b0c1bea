// Where recorded activity goes. The simulation's recorders gather what the
// threads and ranks recorded and hand it, in a fixed order, to sinks: the
// SONATA file of the command-line program, the in-memory collectors below,
// or a sink of the caller's (as Arbor's spike callback or NEST's recording
// backends). The simulation loop itself knows no file format.
#pragma once

#include "microcircuit/derived_parameters.hpp"

#include <cstdint>
#include <vector>

namespace microcircuit {

// A spike of neuron `gid` stamped at the end of step `step_end` (time step_end * h).
struct RecordedSpike {
    std::uint64_t step_end = 0;
    std::uint64_t gid = 0;
    bool operator<(const RecordedSpike& other) const {
        return step_end != other.step_end ? step_end < other.step_end : gid < other.gid;
    }
    bool operator==(const RecordedSpike& other) const {
        return step_end == other.step_end && gid == other.gid;
    }
};

class SpikeSink {
public:
    virtual ~SpikeSink() = default;
    // Collective: every rank at the same interval boundary, with every rank's
    // spikes since the last call, in (time, gid) order.
    virtual void write_spikes(const std::vector<RecordedSpike>& spikes) = 0;
};

// Voltages are sampled every voltage_interval_steps at the end of a step; the
// columns are the recorded neurons (the first voltage_neurons[p] of each
// population p), population by population; sample s is taken at
// (s + 1) * voltage_interval_steps * h.
class VoltageSink {
public:
    virtual ~VoltageSink() = default;
    // Collective: samples [first_sample, first_sample + samples), row by row,
    // on every rank.
    virtual void write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                                const std::vector<double>& rows) = 0;
};

// Number of voltage columns (recorded neurons).
std::uint64_t voltage_columns(const DerivedParameters& derived);

// Keeps every spike in memory (on every rank).
class SpikeCollector final : public SpikeSink {
public:
    void write_spikes(const std::vector<RecordedSpike>& spikes) override {
        spikes_.insert(spikes_.end(), spikes.begin(), spikes.end());
    }
    const std::vector<RecordedSpike>& spikes() const { return spikes_; }

private:
    std::vector<RecordedSpike> spikes_;
};

// Keeps every voltage sample in memory (on every rank): samples x columns,
// from the first it received (sample 0, or a checkpoint's).
class VoltageCollector final : public VoltageSink {
public:
    void write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                        const std::vector<double>& rows) override;
    const std::vector<double>& samples() const { return rows_; }
    std::uint64_t first_sample() const { return first_sample_; }

private:
    std::vector<double> rows_;
    std::uint64_t first_sample_ = 0;
};

} // namespace microcircuit
