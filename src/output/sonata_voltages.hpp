// Membrane potentials: /voltages/<population>/data (samples x neurons, mV)
// with the recorded node_ids, and /voltages/times (ms). Rank 0 passes the data
// of each collective write.
#pragma once

#include "microcircuit/recording.hpp"
#include "output/hdf5_file.hpp"
#include "parallel/communicator.hpp"

#include <vector>

namespace microcircuit {

class SonataVoltages final : public VoltageSink {
public:
    // Room for `samples` samples, the first ones of the run.
    SonataVoltages(hid_t file, const DerivedParameters& derived, const Communicator& communicator,
                   std::uint64_t samples);
    void write_voltages(std::uint64_t first_sample, std::uint64_t samples,
                        const std::vector<double>& rows) override;

private:
    const DerivedParameters& derived_;
    const Communicator& communicator_;
    std::uint64_t columns_;
    std::vector<Hdf5Handle> datasets_;
};

} // namespace microcircuit
