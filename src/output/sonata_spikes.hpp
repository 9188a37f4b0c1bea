// Spikes in the SONATA spike-report layout: /spikes/<population>/node_ids
// (0-based within the population) and /spikes/<population>/timestamps (ms),
// appended collectively at every flush, each rank writing one contiguous share.
#pragma once

#include "microcircuit/recording.hpp"
#include "output/hdf5_file.hpp"
#include "parallel/communicator.hpp"

#include <vector>

namespace microcircuit {

class SonataSpikes final : public SpikeSink {
public:
    SonataSpikes(hid_t file, const DerivedParameters& derived, const Communicator& communicator);
    void write_spikes(const std::vector<RecordedSpike>& spikes) override;

private:
    const DerivedParameters& derived_;
    const Communicator& communicator_;
    std::vector<Hdf5Handle> groups_;
    std::vector<AppendableDataset> node_ids_;
    std::vector<AppendableDataset> timestamps_;
};

} // namespace microcircuit
